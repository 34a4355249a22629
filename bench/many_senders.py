"""Benchmark: one sheet with many senders (distinct domains), checked offline against a zone file.

    python bench/many_senders.py             # 3,000 senders, 1 run
    python bench/many_senders.py --senders 5000 --runs 3

Writes the sheet and the zone into a temporary folder, runs `mailcheck check SHEET --zone ZONE`
(the installed command beside this Python) and prints the wall time of each run. Each sender is
list mail (`mailing: list`, five YAML nodes: a sheet may have 50,000). Every sender
domain has MX, A, SPF and DMARC records; every hundredth is a MAIL FROM domain too, and every
hundredth has a DKIM entry whose key in the zone does not parse, so the run has failures to
locate on sheet lines as well.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path


def zone_text(count: int) -> str:
    lines = ["$ORIGIN example.", "$TTL 300", "@ IN SOA ns.example. hostmaster.example. 1 2 3 4 5"]
    lines.append("@ IN NS ns.example.")
    lines.append("ns IN A 192.0.2.1")
    for n in range(count):
        name = f"d{n}"
        lines += [
            f"{name} IN MX 10 mx.{name}",
            f"mx.{name} IN A 192.0.2.{n % 250 + 1}",
            f"{name} IN A 192.0.2.{n % 250 + 1}",
            f'{name} IN TXT "v=spf1 mx -all"',
            f'_dmarc.{name} IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@{name}.example"',
        ]
        if n % 100 == 1:
            lines.append(f'sel._domainkey.{name} IN TXT "v=DKIM1; p=notbase64"')
    return "\n".join(lines) + "\n"


def sheet_text(count: int) -> str:
    lines = ["version: 1", "customer: Many Senders GmbH", "senders:"]
    for n in range(count):
        lines += [f"  - address: news{n}@d{n}.example", "    mailing: list"]
    lines.append(f"mail_from: [{', '.join(f'd{n}.example' for n in range(0, count, 100))}]")
    lines.append("dkim:")
    lines += [f"  - {{domain: d{n}.example, selector: sel}}" for n in range(1, count, 100)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    mailcheck = Path(sysconfig.get_path("scripts")) / "mailcheck"
    with tempfile.TemporaryDirectory() as folder:
        sheet, zone = Path(folder) / "sheet.yaml", Path(folder) / "big.zone"
        sheet.write_text(sheet_text(args.senders))
        zone.write_text(zone_text(args.senders))
        for run in range(1, args.runs + 1):
            start = time.perf_counter()
            done = subprocess.run(
                [str(mailcheck), "check", str(sheet), "--zone", str(zone), "--format", "json"],
                capture_output=True,
                text=True,
                check=False,
            )
            seconds = time.perf_counter() - start
            summary = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
            print(f"run {run}: {args.senders:,} senders in {seconds:.2f} s, exit {done.returncode}")
            print(f"  {summary}")
            if done.returncode not in (0, 1, 3):
                sys.exit(done.stderr)


if __name__ == "__main__":
    main()
