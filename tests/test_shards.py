"""`--shard K/N`: N runs with K = 1 .. N check every item exactly once, a customer's items in
one shard, by a hash that never changes."""

from __future__ import annotations

import json

import pytest

from mailcheck.engine.shards import Shard, domain_key, shard_of
from mailcheck.state import StoreBusy, exclusive, store_location

CUSTOMERS = 24


def write_zone(path, count: int):
    lines = [
        "$ORIGIN example.",
        "$TTL 300",
        "@ IN SOA ns.example. hostmaster.example. 1 3600 600 86400 300",
        "@ IN NS ns.example.",
        "ns IN A 127.0.0.1",
    ]
    for n in range(count):
        lines += [f"c{n} IN MX 10 mx.c{n}", f"mx.c{n} IN A 127.0.1.{n + 1}"]
        lines += [f"c{n} IN A 127.0.2.{n + 1}", f"news.c{n} IN A 127.0.3.{n + 1}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_hash_is_fixed():
    """Hosts of different versions must agree on the split: these values never change."""
    assert [shard_of(f"c{n}.example", 4) for n in range(10)] == [3, 2, 3, 4, 4, 4, 1, 2, 3, 4]
    assert shard_of("example.com", 7) == 6


def test_a_customer_s_names_fall_to_one_shard():
    assert domain_key("News.Shop.C1.Example.") == "c1.example"
    assert domain_key("x.example.co.uk") == "example.co.uk"
    shard = Shard(2, 5)
    assert len({shard.holds(domain_key(name)) for name in ("c7.example", "a.b.c7.example")}) == 1


def subjects(out: str) -> set[tuple[str, str]]:
    return {(f["rule"], f["subject"]) for f in json.loads(out)["findings"]}


def test_shards_of_a_domain_list_partition_it(run_cli, tmp_path):
    zone = write_zone(tmp_path / "shards.zone", CUSTOMERS)
    names = [f"c{n}.example" for n in range(CUSTOMERS)] + [f"news.c{n}.example" for n in range(3)]
    listing = tmp_path / "domains.txt"
    listing.write_text("\n".join(names) + "\n")
    args = ["domain", "--from-file", listing, "--zone", zone, "--select", "sender.", "--format"]
    code, out, err = run_cli(*args, "json")
    assert code in (0, 1), err
    whole = subjects(out)
    parts = []
    for k in (1, 2, 3):
        code, out, err = run_cli(*args, "json", "--shard", f"{k}/3")
        assert code in (0, 1), err
        assert f"shard {k}/3:" in err
        parts.append(subjects(out))
    assert set().union(*parts) == whole
    assert sum(len(part) for part in parts) == len(whole)  # no item in two shards
    assert all(parts)  # 24 customers over 3 shards: none is empty
    for n in range(3):  # a customer's domains in one shard
        (holder,) = [p for p in parts if ("sender.a", f"c{n}.example") in p]
        assert ("sender.a", f"news.c{n}.example") in holder


def test_shards_of_sheets_partition_them(run_cli, tmp_path):
    zone = write_zone(tmp_path / "shards.zone", 9)
    sheets = []
    for n in range(9):
        sheet = tmp_path / f"s{n}.yaml"
        sheet.write_text(
            f"version: 1\ncustomer: C{n}\nsenders:\n  - address: anna@c{n}.example\n"
            "    mailing: transactional\n"
        )
        sheets.append(sheet)
    seen: list[str] = []
    for k in (1, 2):
        code, out, err = run_cli(
            "check", *sheets, "--zone", zone, "--select", "sender.", "--format", "json",
            "--shard", f"{k}/2",
        )  # fmt: skip
        assert code in (0, 1), err
        seen += sorted({f["sheet"] for f in json.loads(out)["findings"]})
    assert sorted(seen) == sorted(str(sheet) for sheet in sheets)


@pytest.mark.parametrize("bad", ["0/3", "4/3", "3", "a/b", "1/0", "-1/2", "1/2/3", ""])
def test_a_bad_shard_is_an_input_error(run_cli, tmp_path, bad):
    listing = tmp_path / "domains.txt"
    listing.write_text("c1.example\n")
    code, out, err = run_cli("domain", "--from-file", listing, "--shard", bad)
    assert code == 2
    assert err.startswith("mailcheck: error: --shard:")
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in out + err


def test_a_shard_of_one_domain_or_of_a_queue_is_an_input_error(run_cli, postgres_url):
    code, _, err = run_cli("domain", "c1.example", "--shard", "1/2")
    assert (code, "--from-file" in err) == (2, True)
    code, _, err = run_cli("recheck", "--enqueue", "--shard", "1/2", "--db", postgres_url)
    assert (code, "--shard" in err) == (2, True)


def test_runs_of_different_shards_share_a_postgres_store(postgres_url):
    location = store_location(postgres_url)
    with exclusive(location, Shard(1, 2)):
        with exclusive(location, Shard(2, 2)):  # another shard: side by side
            pass
        for other in (Shard(1, 2), None):  # the same shard, or a whole run: busy
            with pytest.raises(StoreBusy), exclusive(location, other):
                pass
    with exclusive(location), pytest.raises(StoreBusy), exclusive(location, Shard(1, 2)):
        pass
