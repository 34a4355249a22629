"""Worker processes share the answers about names outside their items' own domains: each such
(name, type) is asked by one worker for the whole batch."""

from __future__ import annotations

from collections import Counter

import pytest

from conftest import ns
from mailcheck.dnsclient import Answer, Outcome
from mailcheck.dnsclient.exchange import AnswerExchange
from test_batch import ESP, batch_server, brands, domain_list

__all__ = ["batch_server", "domain_list"]  # fixtures

KEY = ("spf.esp.example", "TXT")
OTHER = ("mx.esp.example", "A")


def answer(key: tuple[str, str]) -> Answer:
    return Answer(key[0], key[1], Outcome.NODATA)


def test_the_first_claimant_asks_and_the_others_wait_for_its_answer():
    exchange = AnswerExchange()
    assert exchange.claim(0, KEY) == [(0, KEY, None)]  # worker 0: ask it
    assert exchange.claim(1, KEY) == []  # worker 1 waits
    assert exchange.claim(2, KEY) == []
    told = answer(KEY)
    assert exchange.tell(0, KEY, told) == [(1, KEY, told), (2, KEY, told)]
    assert exchange.claim(3, KEY) == [(3, KEY, told)]  # known now: at once


def test_a_question_not_asked_after_all_passes_to_the_next_in_line():
    exchange = AnswerExchange()
    exchange.claim(0, KEY)
    exchange.claim(1, KEY)
    assert exchange.tell(0, KEY, None) == [(1, KEY, None)]
    assert exchange.tell(1, KEY, answer(KEY)) == []
    assert exchange.tell(0, OTHER, None) == []  # nobody waits


def test_the_questions_of_a_worker_that_died_pass_on():
    exchange = AnswerExchange()
    exchange.claim(0, KEY)
    exchange.claim(1, KEY)
    exchange.claim(1, OTHER)
    exchange.claim(0, OTHER)
    assert exchange.gone(0) == [(1, KEY, None)]  # worker 1 asks KEY now
    assert exchange.tell(1, OTHER, answer(OTHER)) == []  # worker 0 no longer waits for it


def test_the_exchange_keeps_the_most_recent_answers():
    exchange = AnswerExchange(keep=1)
    for key in (KEY, OTHER):
        exchange.claim(0, key)
        exchange.tell(0, key, answer(key))
    assert exchange.claim(1, KEY) == [(1, KEY, None)]  # let go: asked again
    assert exchange.claim(1, OTHER) == [(1, OTHER, answer(OTHER))]


@pytest.mark.parametrize("command", ["domain", "check"])
def test_workers_ask_every_shared_name_once_for_the_batch(
    run_cli, batch_server, domain_list, write_sheet, command
):
    names = brands(12)
    if command == "domain":
        items = ["--from-file", domain_list("".join(f"{name} s1\n" for name in names))]
    else:
        extra = "mail_from: [{name}]\ndkim: [{{domain: {name}, selector: s1}}]\n"
        items = [
            write_sheet(f"news@{name}", name=f"{name}.yaml", extra=extra.format(name=name))
            for name in names
        ]
    code, _, err = run_cli(
        command, *items, "--nameserver", ns(batch_server), "--format", "jsonl", "--workers", "2"
    )
    assert code == 1, err
    assert "worker" not in err
    asked = Counter((name, rdtype) for name, rdtype, _ in batch_server.queries)
    assert [pair for pair, n in asked.items() if n > 1] == []
    assert asked[(f"spf.{ESP}.", "TXT")] == 1
    assert asked[(f"mx.{ESP}.", "A")] == 1
