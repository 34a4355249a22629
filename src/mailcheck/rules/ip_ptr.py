"""Every sending IP has forward-confirmed reverse DNS and a name that does not look generic.

Receivers look up the PTR record of the connecting address and then the address records of
the name it gives; Gmail and Yahoo require of senders that the two agree (forward-confirmed
reverse DNS, FCrDNS), and certification bodies such as the CSA refuse names an access provider
generated. For each address of `spf.sending_ips` and `dedicated_ips` (IPv4 and IPv6, each once)
the rule asks for the PTR record at its reverse name (`25.2.0.192.in-addr.arpa`, nibbles under
`ip6.arpa`) and for the A (IPv4) or AAAA (IPv6) records of each name in it, at most the first 10
names in name order, as RFC 7208 bounds the names an SPF `ptr` follows.

It passes when a name resolves back to the address. It fails when there is no PTR record, and
when none of its names resolves back (the message says what each resolves to). It warns when a
confirmed name looks generic: it spells out the address (dotted, dashed, reversed, zero-padded,
hexadecimal, the IPv6 nibbles) or its host part has a word of dynamic lines (dyn, dynamic, dsl,
dhcp, pool, cable, ppp, client, broadband and a few more, as whole words). The hint says who
publishes what: a PTR record is published by whoever holds the address block, which for the
provider's IPs is the provider; the name's A or AAAA record by whoever holds that name's zone.
The change set holds the same: the PTR record as a request to the provider, the address record
as a record of the name's zone.
The names it proposes are numbered in the sheet's order of the IPs (`mailout1`, `mailout2`,
...), so that following every hint gives each address a name of its own.
A timeout, SERVFAIL or a name outside the offline zones is `error`; offline, reverse zones are
zone files like any other (`--zone 2.0.192.in-addr.arpa.zone`). Without sending IPs in the sheet
the rule is skipped, and so it is for each address from the day the service ended
(`dates.terminated` on or before `--today`): the provider no longer sends from them.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable

from mailcheck.core.addresses import sender_domains
from mailcheck.core.findings import Finding
from mailcheck.core.fixes import PROVIDER, RecordFix, Request
from mailcheck.core.hints import record
from mailcheck.dnsclient import Answer, Outcome
from mailcheck.dnsclient.names import IPAddress, reverse_name
from mailcheck.rules._ips import sending_ips
from mailcheck.rules._rdns import generic_signs
from mailcheck.rules._service import ended_skips, service_ended
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet, Sheet
from mailcheck.spf.common import mail_from_domains

MAX_PTR_NAMES = 10  # names of one PTR answer followed (RFC 7208 §4.6.4, §5.5)
WHO_PUBLISHES = (
    "a PTR record is published by whoever holds the address block — for the provider's IPs, "
    "the provider: ask them"
)


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    addresses = sending_ips(sheet.sheet)
    if not addresses:
        return [
            RULE.skipped(
                sheet.display, "the sheet lists no sending IPs (spf.sending_ips, dedicated_ips)"
            )
        ]
    ended = service_ended(sheet.sheet, ctx.today)
    if ended is not None:
        subjects = [address.compressed for address in addresses]
        return ended_skips(RULE, subjects, ended, "the provider no longer sends from this address")
    domain = _example_domain(sheet.sheet)
    return await asyncio.gather(
        *(_judge(address, n, domain, ctx) for n, address in enumerate(addresses, start=1))
    )


def _named(address: IPAddress, host: str) -> tuple[Request, RecordFix]:
    """The fix that gives `address` the name `host`: the PTR record, asked of the holder of
    the address block (the provider), and the address record of the name, which resolves back
    (in the zone of `host`: the change set names its operator when it is not the customer's)."""
    ptr = record(reverse_name(address), "PTR", host + ".")
    ask = f"the PTR record {ptr} for {address.compressed}, which names a mail server of yours"
    return Request(PROVIDER, ask), RecordFix(host, _address_type(address), address.compressed)


async def _judge(address: IPAddress, number: int, domain: str, ctx: Context) -> Finding:
    """`number`: the address's place among the sheet's sending IPs, which numbers the mail
    server names the hints propose (mailout1, mailout2, ...): one name per address."""
    subject, name = address.compressed, reverse_name(address)
    ptr = await ctx.dns.query(name, "PTR")
    if not ptr.decided:
        return RULE.errored(subject, f"PTR could not be checked: {ptr.why_undecided()}")
    names = sorted({target for target in ptr.targets() if target}) if ptr.exists else []
    if not names:
        host = f"{_server_label(number)}.{domain}"
        return RULE.failed(
            subject, f"no PTR record at {name}", _publish_hint(address, host)
        ).with_fixes(*_named(address, host))
    followed = names[:MAX_PTR_NAMES]
    rdtype = _address_type(address)
    answers = await asyncio.gather(*(ctx.dns.query(n, rdtype) for n in followed))
    confirmed = [n for n, answer in zip(followed, answers, strict=True) if _has(answer, address)]
    if not confirmed:
        return _unconfirmed(address, followed, answers, len(names))
    return _judge_names(address, number, confirmed)


def _judge_names(address: IPAddress, number: int, confirmed: list[str]) -> Finding:
    subject = address.compressed
    generic = [(name, signs) for name in confirmed if (signs := generic_signs(name, address))]
    if not generic:
        return RULE.passed(
            subject, f"PTR {', '.join(confirmed)}, which resolves back to {subject} (FCrDNS)"
        )
    name, signs = generic[0]
    better = _named_like(name, number)
    return RULE.warned(
        subject,
        f"PTR {name} resolves back to {subject} but looks generic ({'; '.join(signs)}); "
        "filters and certification bodies take it for an access line's address",
        f"{WHO_PUBLISHES} for a name that identifies the sender as a mail server, e.g. "
        f"{record(reverse_name(address), 'PTR', better + '.')}, with "
        f"{record(better, _address_type(address), subject)} in the forward zone",
    ).with_fixes(*_named(address, better))


def _unconfirmed(
    address: IPAddress, names: list[str], answers: list[Answer], total: int
) -> Finding:
    subject = address.compressed
    undecided = next((answer for answer in answers if not answer.decided), None)
    if undecided is not None:  # that name might resolve back: nothing is decided yet
        return RULE.errored(
            subject, f"PTR {', '.join(names)}: forward lookup failed: {undecided.why_undecided()}"
        )
    resolved = zip(names, answers, strict=True)
    found = "; ".join(f"{name} {_resolves_to(answer)}" for name, answer in resolved)
    beyond = f" (the first {len(names)} of {total} names followed)" if total > len(names) else ""
    first = names[0]
    return RULE.failed(
        subject,
        f"no name in the PTR record resolves back to {subject} (no forward-confirmed reverse "
        f"DNS): {found}{beyond}",
        f"publish {record(first, _address_type(address), subject)} in the zone of {first}, or "
        f"have the PTR point at a name that resolves to {subject} ({WHO_PUBLISHES})",
    ).with_fixes(RecordFix(first, _address_type(address), subject))


def _publish_hint(address: IPAddress, host: str) -> str:
    return (
        f"{WHO_PUBLISHES} for {record(reverse_name(address), 'PTR', host + '.')}, and publish "
        f"{record(host, _address_type(address), address.compressed)} so the name resolves back"
    )


def _resolves_to(answer: Answer) -> str:
    if answer.exists:
        return f"has {answer.rdtype} {', '.join(answer.addresses())}"
    if answer.outcome is Outcome.NXDOMAIN:
        return "does not exist"
    return f"has no {answer.rdtype} record"


def _has(answer: Answer, address: IPAddress) -> bool:
    return any(ipaddress.ip_address(found) == address for found in answer.addresses())


def _address_type(address: IPAddress) -> str:
    return "A" if address.version == 4 else "AAAA"


def _server_label(number: int) -> str:
    return f"mailout{number}"


def _named_like(name: str, number: int) -> str:
    """A mail server's name in the domain of a generic `name`: `mailout<number>.<its last two
    labels>`."""
    return f"{_server_label(number)}." + ".".join(name.split(".")[-2:])


def _example_domain(sheet: Sheet) -> str:
    """The domain of the mail server names a hint proposes: the first sender or MAIL FROM
    domain."""
    domains = [*sender_domains(s.address for s in sheet.senders), *mail_from_domains(sheet)]
    return domains[0] if domains else "example.com"


RULE = Rule(
    id="ip.ptr",
    title="Sending IPs have forward-confirmed reverse DNS",
    checks=(
        "each sending IP (`spf.sending_ips`, `dedicated_ips`) has a PTR record whose name "
        "resolves back to it (FCrDNS) and does not look generic or dynamic"
    ),
    obligation="Make sure your PTR and A records match. For every IP address, there should "
    "be a matching PTR record in the in-addr.arpa domain.",
    source="RFC 1912 §2.1; Gmail email sender guidelines "
    "(https://support.google.com/a/answer/81126): forward and reverse DNS of the sending IP; "
    "Yahoo sender best practices (https://senders.yahooinc.com/best-practices/): FCrDNS, no "
    "generic PTR; CSA admission criteria (https://certified-senders.org/, named in seed 000)",
    check=check,
    doc=__doc__ or "",
    subject=Subject.IP,
    inputs=frozenset({Input.SHEET_DETAILS, Input.DNS}),
)
