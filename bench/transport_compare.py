"""Side by side: mailcheck's transport-security rules and checkdmarc on the same records.

    python bench/transport_compare.py --checkdmarc /path/to/checkdmarc [--markdown]

Serves a set of scenario zones (MTA-STS, TLS-RPT, BIMI, DNSSEC, STARTTLS) from the test suite's
DNS server on 127.0.0.2 port 53 (checkdmarc takes name servers without a port), starts SMTP
servers on 127.0.0.3 (STARTTLS, a certificate from a throwaway CA) and 127.0.0.4 (no STARTTLS)
port 25, and runs `mailcheck domain` and `checkdmarc` on each scenario domain. Every address in
the zones is on loopback: neither tool connects anywhere else. Needs root (ports 53 and 25).
Prints, per scenario, mailcheck's statuses and what checkdmarc reported.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from dnssecfactory import TODAY, signed_tree  # noqa: E402
from dnsserver import ZoneServer, load_zone_text  # noqa: E402
from smtpserver import SmtpServer  # noqa: E402

DNS_HOST = "127.0.0.2"
RULES = ("mx.starttls", "mta-sts.policy", "tls-rpt.record", "dnssec.signed", "bimi.record")

SCENARIOS = {
    "sts-none.cmp.example": "no MTA-STS record",
    "sts-two.cmp.example": "two MTA-STS records",
    "sts-noid.cmp.example": "MTA-STS record without id=",
    "sts-nopolicy.cmp.example": "valid MTA-STS record, no policy served",
    "rpt-good.cmp.example": "valid TLS-RPT record (mailto:)",
    "rpt-http.cmp.example": "TLS-RPT rua=http: URI",
    "rpt-two.cmp.example": "two TLS-RPT records",
    "bimi-none.cmp.example": "BIMI record, DMARC p=none",
    "bimi-http.cmp.example": "BIMI l=http: URI, DMARC p=reject",
    "bimi-nologo.cmp.example": "BIMI record, logo not served, DMARC p=reject",
    "tls-good.cmp.example": "MX offers STARTTLS (certificate from an untrusted test CA)",
    "tls-plain.cmp.example": "MX without STARTTLS",
    "signed.example": "DNSSEC: signed, DS at the parent",
    "unsigned.example": "DNSSEC: unsigned delegation",
    "badsig.example": "DNSSEC: MX signature altered",
    "expired.example": "DNSSEC: signatures expired",
    "nokey.example": "DNSSEC: DS without a matching DNSKEY",
}

ZONE = """$ORIGIN cmp.example.
$TTL 300
@ IN SOA ns hostmaster 1 3600 600 604800 60
@ IN NS ns
ns IN A 127.0.0.2
sts-none IN MX 10 mx.tls-good
sts-two IN MX 10 mx.tls-good
_mta-sts.sts-two IN TXT "v=STSv1; id=1"
_mta-sts.sts-two IN TXT "v=STSv1; id=2"
sts-noid IN MX 10 mx.tls-good
_mta-sts.sts-noid IN TXT "v=STSv1;"
sts-nopolicy IN MX 10 mx.tls-good
_mta-sts.sts-nopolicy IN TXT "v=STSv1; id=20261120"
mta-sts.sts-nopolicy IN A 127.0.0.1
rpt-good IN MX 10 mx.tls-good
_smtp._tls.rpt-good IN TXT "v=TLSRPTv1; rua=mailto:tls@rpt-good.cmp.example"
rpt-http IN MX 10 mx.tls-good
_smtp._tls.rpt-http IN TXT "v=TLSRPTv1; rua=http://reports.cmp.example/"
rpt-two IN MX 10 mx.tls-good
_smtp._tls.rpt-two IN TXT "v=TLSRPTv1; rua=mailto:a@rpt-two.cmp.example"
_smtp._tls.rpt-two IN TXT "v=TLSRPTv1; rua=mailto:b@rpt-two.cmp.example"
bimi-none IN MX 10 mx.tls-good
_dmarc.bimi-none IN TXT "v=DMARC1; p=none"
default._bimi.bimi-none IN TXT "v=BIMI1; l=https://logo.cmp.example/l.svg"
bimi-http IN MX 10 mx.tls-good
_dmarc.bimi-http IN TXT "v=DMARC1; p=reject"
default._bimi.bimi-http IN TXT "v=BIMI1; l=http://logo.cmp.example/l.svg"
bimi-nologo IN MX 10 mx.tls-good
_dmarc.bimi-nologo IN TXT "v=DMARC1; p=reject"
default._bimi.bimi-nologo IN TXT "v=BIMI1; l=https://logo.cmp.example/l.svg"
logo IN A 127.0.0.1
tls-good IN MX 10 mx.tls-good
mx.tls-good IN A 127.0.0.3
tls-plain IN MX 10 mx.tls-plain
mx.tls-plain IN A 127.0.0.4
"""


def mailcheck(domain: str, anchor: Path) -> dict[str, str]:
    command = [
        sys.executable, "-m", "mailcheck", "domain", domain,
        "--nameserver", f"{DNS_HOST}:53", "--timeout", "2", "--smtp-timeout", "5",
        "--probe-smtp", "--allow-private", "--trust-anchor", str(anchor),
        "--today", TODAY.isoformat(), "--format", "json", "--select", ",".join(RULES),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    found = json.loads(done.stdout)["findings"]
    return {f["rule"]: f"{f['status']}: {f['message']}" for f in found}


def checkdmarc(binary: str, domain: str) -> dict[str, object]:
    command = [binary, domain, "-n", DNS_HOST, "-t", "2", "--check-mx-tls", "-f", "json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        return {"error": (done.stderr or done.stdout).strip()[-300:]}
    keys = ("mta_sts", "smtp_tls_reporting", "bimi", "dnssec", "mx")
    return {key: report.get(key) for key in keys}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkdmarc", required=True)
    parser.add_argument("--out", type=Path, help="write the raw results as JSON here")
    args = parser.parse_args()
    tree = signed_tree()
    zones = [load_zone_text(ZONE, "cmp.example."), *tree.zone_objects()]
    with tempfile.TemporaryDirectory() as folder:
        anchor = Path(folder) / "anchor.txt"
        anchor.write_text(tree.anchor, encoding="utf-8")
        with (
            ZoneServer(*zones, host=DNS_HOST, port=53),
            SmtpServer("mx.tls-good.cmp.example", address="127.0.0.3", port=25),
            SmtpServer(starttls=False, address="127.0.0.4", port=25),
        ):
            results = {
                domain: {
                    "scenario": scenario,
                    "mailcheck": mailcheck(domain, anchor),
                    "checkdmarc": checkdmarc(args.checkdmarc, domain),
                }
                for domain, scenario in SCENARIOS.items()
            }
    text = json.dumps(results, indent=2, default=str)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
