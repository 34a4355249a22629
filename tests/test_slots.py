"""The bound on questions in flight: never more than its size, first come first served, and no
slot lost to a question cancelled while it waited or just after it was handed one."""

from __future__ import annotations

import asyncio

import pytest

from mailcheck.dnsclient.slots import Slots


def test_never_more_than_its_size_in_flight_and_in_order_of_arrival():
    async def run() -> tuple[int, list[int]]:
        slots, busy, peak, order = Slots(3), [0], [0], []

        async def question(number: int) -> None:
            async with slots:
                order.append(number)
                busy[0] += 1
                peak[0] = max(peak[0], busy[0])
                await asyncio.sleep(0.001)
                busy[0] -= 1

        await asyncio.gather(*(question(n) for n in range(50)))
        return peak[0], order

    peak, order = asyncio.run(run())
    assert peak == 3 and order == list(range(50))


def test_a_question_cancelled_while_waiting_takes_no_slot():
    async def run() -> bool:
        slots = Slots(1)
        await slots.__aenter__()  # the one slot is held
        waiting = asyncio.ensure_future(slots.__aenter__())
        await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await slots.__aexit__(None, None, None)
        async with asyncio.timeout(1):  # the slot is free again, not given to the cancelled one
            await slots.__aenter__()
        return True

    assert asyncio.run(run())


def test_a_question_cancelled_right_after_it_was_handed_a_slot_passes_it_on():
    async def run() -> bool:
        slots = Slots(1)
        await slots.__aenter__()
        first = asyncio.ensure_future(slots.__aenter__())
        second = asyncio.ensure_future(slots.__aenter__())
        await asyncio.sleep(0)
        await slots.__aexit__(None, None, None)  # hands the slot to `first`...
        first.cancel()  # ...which is cancelled before it runs again
        with pytest.raises(asyncio.CancelledError):
            await first
        async with asyncio.timeout(1):
            await second  # the slot went on to the next in line
        return True

    assert asyncio.run(run())
