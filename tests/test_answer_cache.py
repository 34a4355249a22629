"""How long the resolver keeps answers: for the run outside a batch; in a batch, while an item
in flight uses them, for the run when items share them, else among the most recent few."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from conftest import ns
from mailcheck.commands.domain import domain_rule_ids, domain_sheet
from mailcheck.dnsclient import cache as answer_cache
from mailcheck.engine import batchitems
from mailcheck.engine.batch import check_in_process
from mailcheck.engine.grouping import own_domains
from mailcheck.engine.runner import build_context
from mailcheck.engine.settings import DnsSettings, RunLimits, RunSettings
from mailcheck.rules.context import build_resolver
from test_batch import ESP, batch_server, brands

__all__ = ["batch_server"]  # a fixture

ZONE = "tests/data/zones/sample.example.zone"
# names of the zone, each with an answer
OWN = ["sample.example", "www.sample.example", "big.sample.example", "anything.wild.sample.example"]


def scoped_asks(resolver, *items: tuple[set[str], list[str]]) -> None:
    """Check each item in turn: in its scope (its own domains), ask its names (type A)."""

    async def run() -> None:
        for own, names in items:
            with resolver.cache.scope(own):
                for name in names:
                    await resolver.query(name, "A")

    asyncio.run(run())


@pytest.fixture
def resolver():
    made = build_resolver([ZONE])
    made.cache.idle_limit = 2
    return made


def test_outside_a_batch_every_answer_stays_for_the_run(resolver):
    async def run() -> None:
        for name in OWN + OWN:
            await resolver.query(name, "A")

    asyncio.run(run())
    assert resolver.queries_sent == len(OWN)
    assert len(resolver.cache) == len(OWN)


def test_answers_no_item_uses_are_let_go_beyond_the_limit(resolver):
    scoped_asks(resolver, *(({"sample.example"}, [name]) for name in OWN))
    assert resolver.queries_sent == len(OWN)
    assert len(resolver.cache) == 2  # the two released last
    scoped_asks(resolver, ({"sample.example"}, [OWN[-1], OWN[0]]))
    assert resolver.queries_sent == len(OWN) + 1  # the first one was let go: asked again


def test_an_answer_stays_while_its_item_is_in_flight(resolver):
    async def run() -> None:
        with resolver.cache.scope({"sample.example"}):
            await resolver.query(OWN[0], "A")
            for name in OWN[1:]:  # other items come and go meanwhile
                with resolver.cache.scope({"sample.example"}):
                    await resolver.query(name, "A")
            await resolver.query(OWN[0], "A")

    asyncio.run(run())
    assert resolver.queries_sent == len(OWN)


def test_a_name_items_share_outside_their_own_domains_stays_for_the_run(resolver):
    shared = OWN[0]
    first, second = ({"one.example"}, [shared]), ({"two.example"}, [shared])
    churn = [({"sample.example"}, [name]) for name in OWN[1:]]
    scoped_asks(resolver, first, second, *churn, ({"three.example"}, [shared]))
    assert resolver.queries_sent == len(OWN)


def test_a_name_asked_by_one_item_outside_its_domains_is_not_kept(resolver):
    outside = ({"one.example"}, [OWN[0]])
    churn = [({"sample.example"}, [name]) for name in OWN[1:]]
    scoped_asks(resolver, outside, *churn, outside)
    assert resolver.queries_sent == len(OWN) + 1


def test_a_domain_listed_twice_is_not_kept_for_the_run(resolver):
    """Its own names, asked by both of its items, are not a provider's shared names."""
    twice = ({"sample.example"}, [OWN[0]])
    churn = [({"sample.example"}, [name]) for name in OWN[1:]]
    scoped_asks(resolver, twice, twice, *churn, twice)
    assert resolver.queries_sent == len(OWN) + 1


def test_own_domains_are_the_organisational_domains_of_the_senders():
    sheet = domain_sheet("mail.shop.example.co.uk", ["s1"], "bounce.esp.example").sheet
    assert own_domains(sheet) == {"example.co.uk"}  # not the provider's MAIL FROM domain


# --- a whole batch -----------------------------------------------------------------------------


def test_a_batch_keeps_a_bounded_cache_and_asks_no_name_twice(batch_server, monkeypatch):
    """More domains than the cache keeps answers for: the provider's names stay, each domain's
    own go, and still no (name, type) is asked twice."""
    monkeypatch.setattr(answer_cache, "IDLE_ANSWERS", 5)
    monkeypatch.setattr(batchitems, "MAX_SHEETS_AT_ONCE", 2)  # two at a time: the others come later
    settings = RunSettings(DnsSettings(nameservers=(ns(batch_server),)), RunLimits(concurrency=2))
    ctx = build_context(settings)
    items = [(n, domain_sheet(name, ["s1"])) for n, name in enumerate(brands(12))]
    done: list[int] = []
    check_in_process(items, domain_rule_ids(), settings, lambda d: done.append(d.index), ctx=ctx)
    assert sorted(done) == list(range(12))
    asked = Counter((name, rdtype) for name, rdtype, _ in batch_server.queries)
    assert [pair for pair, n in asked.items() if n > 1] == []
    shared = {(f"{name}.{ESP}", "TXT") for name in ("spf", "a.spf", "b.spf")}
    shared.add(("_dmarc.example", "TXT"))  # the DMARC tree walk's public suffix, for all brands
    assert shared <= ctx.dns.cache.keys()
    assert len(ctx.dns.cache) <= 5 + len(shared) + 2  # + the shared MX host's A and AAAA


def test_a_customers_domains_are_checked_one_after_the_other(
    run_cli, batch_server, monkeypatch, tmp_path
):
    """In one process too: the subdomain listed last follows its parent domain, whose answers
    (here: the organisation's DMARC record it falls back to) are still kept."""
    monkeypatch.setattr(answer_cache, "IDLE_ANSWERS", 20)
    monkeypatch.setattr(batchitems, "MAX_SHEETS_AT_ONCE", 1)
    names = brands(12)
    path = tmp_path / "domains.txt"
    path.write_text("".join(f"{name} s1\n" for name in [*names, f"shop.{names[0]}"]))
    args = ["--nameserver", ns(batch_server), "--format", "jsonl", "--concurrency", "2"]
    run_cli("domain", "--from-file", path, *args, "--workers", "1")
    assert batch_server.count(f"_dmarc.{names[0]}", "TXT") == 1
