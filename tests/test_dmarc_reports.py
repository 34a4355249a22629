"""DMARC report destinations: which `rua=`/`ruf=` URIs receivers can send to, and the name an
external destination authorises them at."""

from __future__ import annotations

import pytest

from mailcheck.dmarc.reports import (
    MAX_REPORT_URIS,
    authorisation_name,
    destination,
    destinations,
)


@pytest.mark.parametrize(
    ("uri", "address"),
    [
        ("mailto:dmarc@acme.example", "dmarc@acme.example"),
        ("MAILTO:dmarc@Acme.Example", "dmarc@acme.example"),
        ("mailto:dmarc@acme.example!10m", "dmarc@acme.example"),  # RFC 7489 size suffix
        ("mailto:dmarc@acme.example!500", "dmarc@acme.example"),
        ("mailto:dmarc@acme.example?subject=dmarc", "dmarc@acme.example"),
        ("mailto:dmarc%2Breports@acme.example", "dmarc+reports@acme.example"),
    ],
)
def test_usable_destinations(uri, address):
    found = destination(uri)
    assert found.valid and found.address == address and found.host == "acme.example"


@pytest.mark.parametrize(
    "uri",
    [
        "dmarc@acme.example",  # no scheme
        "https://reports.acme.example/dmarc",  # receivers send by mail
        "mailto:",
        "mailto:acme.example",
        "mailto:dmarc@acme.example!10x",  # not a size suffix: a bare '!'
        "mailto:a@acme.example,b@acme.example",
        "mailto:dmarc@",
        "",
    ],
)
def test_unusable_destinations(uri):
    found = destination(uri)
    assert not found.valid and found.host is None and found.problem


def test_only_the_first_destinations_are_judged():
    value = ",".join(f"mailto:d{n}@acme.example" for n in range(MAX_REPORT_URIS + 5))
    judged, count = destinations(value)
    assert len(judged) == MAX_REPORT_URIS and count == MAX_REPORT_URIS + 5


def test_the_authorisation_name_and_its_dns_limits():
    assert authorisation_name("shop.acme.example", "vendor.example") == (
        "shop.acme.example._report._dmarc.vendor.example"
    )
    long_domain = ".".join(["a" * 60] * 3) + ".example"
    assert authorisation_name(long_domain, ".".join(["b" * 60] * 2) + ".example") is None
