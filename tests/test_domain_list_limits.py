"""Domain lists that are hostile or huge: over-long lines and fields, bytes that are not UTF-8,
memory bounded by chunks, duplicates across chunks, and the batch checked chunk by chunk."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from conftest import REPO_ROOT
from mailcheck.core.errors import InputError
from mailcheck.engine.domainfile import DomainLine, read_domain_file

OTHER_ZONE = str(REPO_ROOT / "tests/data/zones/other.example.zone")  # names asked lie outside

FIELD_LIMIT = 131_072  # csv.field_size_limit() by default


def write(tmp_path, data: bytes | str, name: str = "domains.txt"):
    path = tmp_path / name
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


def read(path) -> list[DomainLine]:
    with read_domain_file(path) as domains:
        return list(domains)


@pytest.mark.parametrize(
    "long_line",
    [
        f'b.example,"{"s" * (FIELD_LIMIT + 10)}"',  # a quoted field over csv's limit
        f"{'b' * (FIELD_LIMIT + 10)}.example",  # a name, no csv at all
        f"{'b' * 70_000}.example s1",
    ],
)
def test_an_over_long_line_or_field_names_the_line_and_echoes_little(tmp_path, long_line):
    path = write(tmp_path, f"a.example\n{long_line}\nc.example\n")
    with pytest.raises(InputError) as caught:
        read(path)
    assert (caught.value.file, caught.value.line) == (str(path), 2)
    assert "b" * 100 not in str(caught.value) and "s" * 100 not in str(caught.value)


def test_bytes_that_are_not_utf8_name_their_line(tmp_path):
    path = write(tmp_path, b"a.example\nb.example\n\xff\xfe.example\nc.example\n")
    with pytest.raises(InputError) as caught:
        read(path)
    assert (caught.value.file, caught.value.line) == (str(path), 3)


def test_a_domain_listed_twice_across_chunks_names_both_lines(tmp_path, monkeypatch):
    from mailcheck.engine import domainfile

    monkeypatch.setattr(domainfile, "CHUNK_LINES", 2)
    path = write(tmp_path, "domain\na.example\nb.example\nc.example\nd.example\nB.example.\n")
    with pytest.raises(InputError) as caught:
        read(path)
    assert (caught.value.line, caught.value.key) == (6, "domain")
    assert "line 3" in caught.value.problem


def test_a_long_list_is_read_in_bounded_memory(tmp_path, monkeypatch):
    """30,000 lines: held as a list they took ~10 MB; read in chunks, a chunk's worth."""
    from mailcheck.engine import domainfile

    monkeypatch.setattr(domainfile, "CHUNK_LINES", 500)
    path = tmp_path / "domains.txt"
    path.write_text("".join(f"shop{n:06d}.example,s1\n" for n in range(30_000)))
    tracemalloc.start()
    try:
        count = 0
        with read_domain_file(path) as domains:
            for chunk in domains.chunks():
                count += len(chunk)
                assert chunk[0].line == count - len(chunk) + 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == len(domains) == 30_000
    assert peak < 3 * 1024 * 1024


def jsonl_subjects(out: str) -> list[str]:
    lines = [json.loads(line) for line in out.splitlines()]
    return [line["subject"] for line in lines if "rule" in line and line["rule"] == "sender.a"]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_list_is_checked_chunk_by_chunk_in_its_order(run_cli, tmp_path, monkeypatch, workers):
    from mailcheck.core import defaults
    from mailcheck.engine import domainfile

    monkeypatch.setattr(domainfile, "CHUNK_LINES", 3)
    monkeypatch.setattr(defaults, "WORKER_THRESHOLD", 2)
    names = [f"d{n}.example" for n in range(8)]
    path = write(tmp_path, "\n".join(names) + "\n")
    args = ["domain", "--from-file", path, "--zone", OTHER_ZONE, "--workers", workers]
    code, out, err = run_cli(*args, "--format", "json")
    assert code in (1, 3), err  # names outside the zone: undecided; no selector: fail
    report = json.loads(out)
    assert [f["subject"] for f in report["findings"] if f["rule"] == "sender.a"] == names
    code, out, _ = run_cli(*args, "--format", "jsonl")
    assert code in (1, 3) and sorted(jsonl_subjects(out)) == sorted(names)


def test_a_bad_line_in_a_later_chunk_stops_the_run_before_any_question(
    run_cli, tmp_path, monkeypatch
):
    from mailcheck.engine import domainfile

    monkeypatch.setattr(domainfile, "CHUNK_LINES", 2)
    path = write(tmp_path, "a.example\nb.example\nc.example\nd.example\nnot a domain!\n")
    code, out, err = run_cli(
        "domain", "--from-file", path, "--zone", OTHER_ZONE, "--format", "jsonl"
    )
    assert code == 2 and out == ""
    assert f"{path}:5:" in err
