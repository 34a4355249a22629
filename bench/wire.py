"""Benchmark: three wire paths side by side, asking the same questions of the same NSD.

    python bench/wire.py                     # 1,000 domains of the shared workload, 3 runs
    python bench/wire.py --domains 2000 --runs 5

Needs root (bench/run.py's network namespace; it makes the zones and starts NSD the same way).
Each path asks the questions `mailcheck domain` asks for N domains of the shared workload (10 a
domain: MX, A and TXT of the domain, the DKIM key, `_dmarc`, A and AAAA of the MX host,
`_mta-sts`, `_smtp._tls`, `default._bimi`), 100 in flight, and ends with the same answer
records (`mailcheck.dnsclient.Answer`), so each pays for reading the answers too:

- `mailcheck`: the project's own client (`mailcheck.dnsclient.client`) and `classify`;
- `c-ares`: pycares (installed into bench/work/pycares, away from the project's dependencies),
  its sockets watched by the same asyncio event loop, its parsed records made into ours;
- `dnspython`: `dns.asyncquery.udp`, dnspython's own way of asking one question.

It prints questions per second of wall time and per second of CPU (one process, one core).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run as bench  # noqa: E402  (bench/run.py: zones, NSD and the namespace)

PYCARES = "pycares==5.2.1"
CARES_DIR = bench.WORK / "pycares"
IN_FLIGHT = 100
PATHS = ("mailcheck", "c-ares", "dnspython")


def questions(domains: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for d in domains:
        pairs += [(d, "MX"), (d, "A"), (d, "TXT"), (f"{bench.SELECTOR}._domainkey.{d}", "TXT")]
        pairs += [(f"_dmarc.{d}", "TXT"), (f"mx.{d}", "A"), (f"mx.{d}", "AAAA")]
        pairs += [(f"{label}.{d}", "TXT") for label in ("_mta-sts", "_smtp._tls", "default._bimi")]
    return pairs


# --- the measured side: runs in the namespace, one path per process ---------------------------


async def ask_all(pairs: list[tuple[str, str]], ask) -> list:  # type: ignore[no-untyped-def]
    slots = asyncio.Semaphore(IN_FLIGHT)

    async def one(name: str, rdtype: str):  # type: ignore[no-untyped-def]
        async with slots:
            return await ask(name, rdtype)

    return await asyncio.gather(*(one(name, rdtype) for name, rdtype in pairs))


def mailcheck_path(server: str):  # type: ignore[no-untyped-def]
    import dns.name
    import dns.rdatatype

    from mailcheck.dnsclient.client import Client
    from mailcheck.dnsclient.network import classify

    client = Client([(server, 53)], 5.0)

    async def ask(name: str, rdtype: str):  # type: ignore[no-untyped-def]
        qname, qtype = dns.name.from_text(name), dns.rdatatype.from_text(rdtype)
        return classify(qname, qtype, await client.ask(qname, qtype))

    return ask


def cares_path(server: str):  # type: ignore[no-untyped-def]
    import pycares

    from mailcheck.dnsclient.answer import Answer, Outcome
    from mailcheck.dnsclient.records import MX, TXT, AddressRecord

    loop = asyncio.get_running_loop()

    def watch(fd: int, readable: bool, writable: bool) -> None:
        if readable:
            loop.add_reader(fd, channel.process_read_fd, fd)
        else:
            loop.remove_reader(fd)

    channel = pycares.Channel(servers=[server], sock_state_cb=watch, timeout=1.0, tries=3)
    types = {"A": pycares.QUERY_TYPE_A, "AAAA": pycares.QUERY_TYPE_AAAA}
    types |= {"MX": pycares.QUERY_TYPE_MX, "TXT": pycares.QUERY_TYPE_TXT}
    no_records = {pycares.errno.ARES_ENODATA: Outcome.NODATA}
    no_records[pycares.errno.ARES_ENOTFOUND] = Outcome.NXDOMAIN

    def record(rdtype: str, data):  # type: ignore[no-untyped-def]
        if rdtype in ("A", "AAAA"):
            return AddressRecord(data.addr)
        if rdtype == "MX":
            return MX(data.priority, data.exchange)
        return TXT((data.data,))

    async def ask(name: str, rdtype: str):  # type: ignore[no-untyped-def]
        done = loop.create_future()
        channel.query(name, types[rdtype], callback=lambda *result: done.set_result(result))
        result, error = await done
        if error:
            return Answer(name, rdtype, no_records.get(error, Outcome.SERVFAIL))
        records = tuple(record(rdtype, r.data) for r in result.answer)
        return Answer(name, rdtype, Outcome.ANSWER, records)

    return ask


def dnspython_path(server: str):  # type: ignore[no-untyped-def]
    import dns.asyncquery
    import dns.message

    from mailcheck.dnsclient.client import Response
    from mailcheck.dnsclient.network import classify

    async def ask(name: str, rdtype: str):  # type: ignore[no-untyped-def]
        query = dns.message.make_query(name, rdtype)
        reply = await dns.asyncquery.udp(query, server, timeout=5.0)
        records = tuple((rrset.name, rrset.rdtype, rd) for rrset in reply.answer for rd in rrset)
        return classify(query.question[0].name, query.question[0].rdtype, Response(
            reply.rcode(), records))  # fmt: skip

    return ask


def measure(path: str, domains_file: str, server: str) -> None:
    """One path, in this process: prints its numbers as JSON."""
    domains = Path(domains_file).read_text().split()
    pairs = questions(domains)
    makers = {"mailcheck": mailcheck_path, "c-ares": cares_path, "dnspython": dnspython_path}

    async def timed() -> dict:
        ask = makers[path](server)
        wall, cpu = time.perf_counter(), time.process_time()
        answers = await ask_all(pairs, ask)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        outcomes: dict[str, int] = {}
        for answer in answers:
            outcomes[answer.outcome.value] = outcomes.get(answer.outcome.value, 0) + 1
        return {"questions": len(pairs), "wall": wall, "cpu": cpu, "outcomes": outcomes}

    print(json.dumps(asyncio.run(timed())))


# --- the driver --------------------------------------------------------------------------------


def ensure_pycares() -> None:
    if not (CARES_DIR / "pycares").exists():
        print(f"installing {PYCARES} into {CARES_DIR}", flush=True)
        pip = [sys.executable, "-m", "pip", "install", "-q", "--target", str(CARES_DIR), PYCARES]
        subprocess.run(pip, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--measure", choices=PATHS, help=argparse.SUPPRESS)  # the child's part
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.file, bench.SERVER)
        return 0
    if os.geteuid() != 0:
        print("bench/wire.py needs root for its network namespace", file=sys.stderr)
        return 2
    bench.ensure_tools()
    ensure_pycares()
    folder = bench.generate(args.domains, "shared", 0)
    pythonpath = os.pathsep.join([str(bench.REPO / "src"), str(CARES_DIR)])
    env = {**os.environ, "PYTHONPATH": pythonpath}
    runs: dict[str, list[dict]] = {path: [] for path in PATHS}
    with bench.Nsd(folder):
        for _ in range(args.runs):  # by turns, as bench/run.py does
            for path in PATHS:
                command = [sys.executable, __file__, "--measure", path]
                command += ["--file", str(folder / "domains.txt")]
                done = subprocess.run(
                    bench.netns(*command), env=env, check=True, capture_output=True, text=True
                )
                runs[path].append(json.loads(done.stdout))
    print(f"{args.domains:,} domains, {len(questions(['x']))} questions each, "
          f"{IN_FLIGHT} in flight, medians of {args.runs} runs:")  # fmt: skip
    for path, samples in runs.items():
        wall = statistics.median(s["questions"] / s["wall"] for s in samples)
        cpu = statistics.median(s["questions"] / s["cpu"] for s in samples)
        print(f"  {path:10} {wall:8,.0f} questions/s  {cpu:8,.0f} per CPU second  "
              f"{samples[0]['outcomes']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
