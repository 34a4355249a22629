"""The RFC 7208 conformance suite (openspf, in ../shared/corpora/spf-rfc7208) as DNS zones.

Each scenario's `zonedata` becomes one zone at the root, served by the loopback test server:
`SPF` records are also published as `TXT` unless the name lists its own `TXT`; `TXT: NONE` means
no TXT; a bare `TIMEOUT` makes every question for the name whose type has no records time out
(the server drops them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.SPF
import dns.rdtypes.ANY.TXT
import dns.zone
import yaml

IN = dns.rdataclass.IN
ASKED_TYPES = ("A", "AAAA", "MX", "PTR", "TXT", "SPF", "CNAME")


@dataclass
class Case:
    id: str
    scenario: str
    host: str
    mailfrom: str
    helo: str
    results: tuple[str, ...]
    explanation: str | None
    spec: str


@dataclass
class Scenario:
    description: str
    zone: dns.zone.Zone
    timeouts: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> dropped types
    cases: list[Case] = field(default_factory=list)


def load_suite(path: Path) -> list[Scenario]:
    with path.open("rb") as stream:
        documents = list(yaml.safe_load_all(stream))
    return [_scenario(doc) for doc in documents]


def _scenario(doc: dict[str, Any]) -> Scenario:
    zone = dns.zone.Zone(dns.name.root, relativize=False)
    _add(zone, ".", "SOA", dns.rdata.from_text(IN, "SOA", "ns. hostmaster. 1 3600 600 86400 60"))
    _add(zone, ".", "NS", dns.rdata.from_text(IN, "NS", "ns."))
    scenario = Scenario(doc["description"], zone)
    for name, entries in doc["zonedata"].items():
        present = _add_name(zone, name, entries)
        if "TIMEOUT" in entries:
            scenario.timeouts[name] = tuple(t for t in ASKED_TYPES if t not in present)
    for case_id, case in doc["tests"].items():
        results = case["result"] if isinstance(case["result"], list) else [case["result"]]
        scenario.cases.append(
            Case(
                case_id,
                doc["description"],
                case["host"],
                case["mailfrom"],
                case["helo"],
                tuple(results),
                case.get("explanation"),
                str(case["spec"]),
            )
        )
    return scenario


def _add_name(zone: dns.zone.Zone, name: str, entries: list[Any]) -> set[str]:
    """Add one name's records; returns the types it has records for (`NONE` is no record)."""
    pairs = [next(iter(e.items())) for e in entries if isinstance(e, dict)]
    lists_txt = any(rtype == "TXT" for rtype, _ in pairs)
    present: set[str] = set()
    for rtype, value in pairs:
        if value == "NONE":
            continue
        targets = ["SPF", "TXT"] if rtype == "SPF" and not lists_txt else [rtype]
        for target in targets:
            present.add(target)
            rdata = _rdata(target, value)
            if rdata is not None:
                _add(zone, name, target, rdata)
    return present


def _rdata(rtype: str, value: Any) -> dns.rdata.Rdata | None:
    if rtype in ("TXT", "SPF"):
        strings = [value] if isinstance(value, str) else list(value)
        if not strings:
            return None  # a record with no strings cannot be published (the suite's "null text")
        cls = dns.rdtypes.ANY.TXT.TXT if rtype == "TXT" else dns.rdtypes.ANY.SPF.SPF
        return cls(IN, dns.rdatatype.from_text(rtype), [_octets(s) for s in strings])
    if rtype == "MX":
        preference, host = value
        return dns.rdata.from_text(IN, "MX", f"{preference} {_absolute(host)}")
    if rtype in ("PTR", "CNAME"):
        return dns.rdata.from_text(IN, rtype, _absolute(value))
    return dns.rdata.from_text(IN, rtype, str(value))


def _octets(text: str) -> bytes:
    # the suite writes raw bytes as \xNN escapes, which YAML reads as code points below 256
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _absolute(host: str) -> str:
    return host if host.endswith(".") else host + "."


def _add(zone: dns.zone.Zone, name: str, rtype: str, rdata: dns.rdata.Rdata) -> None:
    node = zone.find_node(dns.name.from_text(name), create=True)
    rdataset = node.find_rdataset(IN, dns.rdatatype.from_text(rtype), create=True)
    rdataset.add(rdata, 300)
