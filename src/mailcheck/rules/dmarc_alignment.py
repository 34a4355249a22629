"""Each sender domain's mail stream can pass DMARC: an aligned SPF or DKIM identifier works.

Beyond the seed: Gmail, Yahoo and Outlook.com require of bulk senders that the From domain is
aligned with the domain SPF or DKIM authenticates (RFC 9989 §3.2.10), and DMARC passes only then.
For each sender domain (the From domain of its mail) the rule looks at what the sheet
configures: every `dkim:` entry and every `mail_from` domain. An identifier is aligned when it
has the From domain's organisational domain (relaxed), or is the From domain itself when the
DMARC record that applies to the From domain (found by the RFC 9989 tree walk: its own, else its
organisational domain's) says `adkim=s` (DKIM) or `aspf=s` (SPF); without a DMARC record
alignment is relaxed, and the message says so. Organisational domains come from the tree walk
too (RFC 9989 §4.10.2), not from a list of public suffixes: where no DMARC record is published
on the way to the root, a name is its own organisational domain, so only the From domain itself
aligns until a record (which dmarc.record asks for) joins its names into one organisation.
An aligned DKIM entry works when its key is valid in DNS, as dkim.key judges it (a weak key or
`t=y` still verifies), and, when the sheet gives the provider's `public_key`, is that key, as
dkim.match judges it (the provider signs with the private half: mail does not verify against
another key). An aligned MAIL FROM domain works when its SPF record (through
`redirect=`) ends with `-all` or `~all` and, when the sheet lists sending IPs (`spf.sending_ips`,
`dedicated_ips`), gives each of them SPF `pass`.

Passes when an aligned DKIM entry and an aligned MAIL FROM domain both work. Warns when only one
of the two does: one forwarding hop from failing DMARC, since forwarding breaks SPF and mailing
lists that change the message break DKIM; the hint is the missing half. Fails when nothing
aligned works: the message names each identifier and why it does not count (another
organisational domain, strict alignment, a broken key or record), and the hint is the smallest
fix: where no DMARC record is published and a working identifier shares the From domain's
registrable domain, only a first record there, which aligns it; else the aligned entry's repair
when there is one, else signing with `d=<From domain>` or using `bounce.<From domain>` as MAIL
FROM (the From domain itself under `aspf=s`; with a first DMARC record when there is none).
`error` when the verdict depends on an answer DNS did not give: a key, an SPF record, the DMARC
record that sets the mode or a walk that finds an organisational domain (a verdict the same
whatever that answer would be stands). Skipped without senders, and from the day the service
ended (`dates.terminated` on or before `--today`): the identifiers the sheet configures are the
provider's set-up, which no longer sends the domain's mail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mailcheck.core.addresses import sender_domains
from mailcheck.core.findings import Finding, Status
from mailcheck.core.fixes import (
    PROVIDER,
    SELECTOR_BLANK,
    DmarcEdit,
    Fix,
    Request,
    SheetEntry,
    SpfEdit,
)
from mailcheck.core.hints import txt_record
from mailcheck.dkim.key import (
    fetch_key,
    judge_published,
    match_published,
    publish_fix,
    publish_providers_key,
)
from mailcheck.dmarc.record import starting_record
from mailcheck.dmarc.suffixes import registrable_domain
from mailcheck.dnsclient.resolver import to_ascii
from mailcheck.rules._alignment import (
    Alignment,
    Author,
    Mode,
    alignments,
    author,
    modes_note,
    same_for_every_mode,
)
from mailcheck.rules._ips import sending_ips
from mailcheck.rules._senders import per_sender_domain
from mailcheck.rules._service import ended_skips, service_ended
from mailcheck.rules._signing import key_fix, signing_fixes
from mailcheck.rules._spf import policy_chain
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import DkimKey, LoadedSheet, Sheet
from mailcheck.spf import advice
from mailcheck.spf.checkhost import check_host
from mailcheck.spf.common import (
    describe,
    fixed_root_record,
    mail_from_domains,
    publish,
    sound_record,
)
from mailcheck.spf.tree import NodeState

ENFORCING_ALL = ("-", "~")
EntryKey = tuple[str, str]  # a DKIM entry's ASCII domain and selector


@dataclass(frozen=True)
class Works:
    """Whether an aligned identifier works: True, False, or None when DNS did not decide."""

    works: bool | None
    why: str
    fix: str = ""  # the repair, when it does not work
    fixes: tuple[Fix, ...] = ()  # the repair as data, for the change set


@dataclass(frozen=True)
class Judged:
    """One configured identifier as it counts for a From domain under one mode."""

    label: str
    works: bool | None
    why: str
    fix: str = ""
    aligned: bool = False
    fixes: tuple[Fix, ...] = ()
    with_record: bool = False
    """Not aligned only because no DMARC record is published, and works: a first record at
    the From domain's registrable domain would align it."""


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    addresses = [sender.address for sender in sheet.sheet.senders]
    if not addresses:
        return [RULE.skipped(sheet.display, "the sheet registers no sender address")]
    ended = service_ended(sheet.sheet, ctx.today)
    if ended is not None:
        why = "the provider no longer sends this domain's mail"
        return ended_skips(RULE, list(sender_domains(addresses)), ended, why)
    return await per_sender_domain(RULE, addresses, lambda domain: _judge(domain, sheet, ctx))


Alignments = dict[tuple[str, Mode], Alignment]  # by identifier (as the sheet gives it) and mode


async def _judge(domain: str, sheet: LoadedSheet, ctx: Context) -> Finding:
    who = await author(domain, ctx)
    possible = who.modes.possible()
    entries = list({_entry_key(e): e for e in sheet.sheet.dkim}.values())
    mail_from = mail_from_domains(sheet.sheet)
    dkim_aligned, spf_aligned = await asyncio.gather(
        _alignments([e.domain for e in entries], who, [d for d, _ in possible], "adkim", ctx),
        _alignments(mail_from, who, [s for _, s in possible], "aspf", ctx),
    )
    joins = _joined_by_a_record(who, [*(e.domain for e in entries), *mail_from])
    known_keys, known_spf = await _check_aligned(
        entries, mail_from, dkim_aligned, spf_aligned, joins, sheet, ctx
    )
    unknown = _unknown(dkim_aligned, spf_aligned)
    note = modes_note(who.modes, list(unknown))
    verdicts = []
    for dkim_mode, spf_mode in possible:
        for assumed in (False, True) if unknown else (False,):
            dkim = [
                _dkim_entry(e, dkim_aligned[e.domain, dkim_mode], assumed, known_keys, joins)
                for e in entries
            ]
            spf = [
                _mail_from(m, spf_aligned[m, spf_mode], assumed, known_spf, joins)
                for m in mail_from
            ]
            verdicts.append(_verdict(domain, who, dkim, spf, spf_mode, note, sheet.sheet))
    chosen = same_for_every_mode(verdicts, key=lambda finding: finding.status)
    if chosen is not None:
        return chosen
    statuses = " or ".join(dict.fromkeys(str(v.status) for v in verdicts))
    undecided = ([] if who.modes.decided else [who.modes.source]) + [
        f"{label}: {why}" for label, why in unknown.items()
    ]
    return RULE.errored(
        domain, f"{'; '.join(undecided)}, and the verdict depends on it ({statuses})"
    )


async def _alignments(
    names: list[str], who: Author, modes: list[Mode], tag: str, ctx: Context
) -> Alignments:
    pairs = [(name, mode) for name in dict.fromkeys(names) for mode in dict.fromkeys(modes)]
    found = await alignments(pairs, who, tag, ctx)
    return dict(zip(pairs, found, strict=True))


def _joined_by_a_record(who: Author, names: Iterable[str]) -> set[str]:
    """The identifiers (as the sheet gives them) that only the missing DMARC record keeps
    apart from the From domain: where no record is published on the way to the root, those
    of its registrable domain, which one record there makes its organisational domain."""
    if not who.without_records:
        return set()
    org = registrable_domain(who.domain)
    return {
        name
        for name in names
        if (ascii_name := _ascii(name)) != who.domain and registrable_domain(ascii_name) == org
    }


def _ascii(domain: str) -> str:
    try:
        return to_ascii(domain.rstrip(".")).lower()
    except UnicodeError:
        return domain.rstrip(".").lower()


def _unknown(dkim: Alignments, spf: Alignments) -> dict[str, str]:
    """The identifiers whose alignment is not known, by label: why."""
    unknown = {f"DKIM d={name}": a.why for (name, _), a in dkim.items() if a.aligned is None}
    unknown |= {f"MAIL FROM {name}": a.why for (name, _), a in spf.items() if a.aligned is None}
    return unknown


async def _check_aligned(
    entries: list[DkimKey],
    mail_from: list[str],
    dkim_aligned: Alignments,
    spf_aligned: Alignments,
    joins: set[str],
    sheet: LoadedSheet,
    ctx: Context,
) -> tuple[dict[EntryKey, Works], dict[str, Works]]:
    """Whether each identifier that may be aligned (or would be, with a first DMARC record:
    `joins`) works; the others are not asked."""
    maybe = {name for (name, _), a in dkim_aligned.items() if a.aligned is not False} | joins
    keys = [e for e in entries if e.domain in maybe]
    bounces = list(
        dict.fromkeys(
            n for (n, _), a in spf_aligned.items() if a.aligned is not False or n in joins
        )
    )
    key_works, spf_works = await asyncio.gather(
        asyncio.gather(*(_key_works(entry, ctx) for entry in keys)),
        asyncio.gather(*(_spf_works(name, sheet.sheet, ctx) for name in bounces)),
    )
    return (
        {_entry_key(e): works for e, works in zip(keys, key_works, strict=True)},
        dict(zip(bounces, spf_works, strict=True)),
    )


def _entry_key(entry: DkimKey) -> EntryKey:
    return to_ascii(entry.domain), entry.selector


async def _key_works(entry: DkimKey, ctx: Context) -> Works:
    key = await fetch_key(entry.selector, entry.domain, ctx.dns)
    verdict = judge_published(key)
    if verdict.status is Status.ERROR:
        return Works(None, verdict.message)
    if verdict.status is Status.FAIL:
        fix = publish_fix(key, entry.public_key)
        fixes = (key_fix(key, entry.public_key),)
        return Works(False, f"its key at {key.name}: {verdict.message}", fix, fixes)
    if entry.public_key:  # the provider signs with its private key: another key fails
        match = match_published(key, entry.public_key)
        if match.status is not Status.PASS:
            why = f"its key at {key.name}: {match.message} (see dkim.match)"
            fix = publish_providers_key(key.name, entry.public_key)
            return Works(False, why, fix, (key_fix(key, entry.public_key),))
    weak = f" ({verdict.message}; see dkim.key)" if verdict.status is Status.WARN else ""
    return Works(True, f"its key at {key.name} is valid{weak}")


async def _spf_works(domain: str, sheet: Sheet, ctx: Context) -> Works:
    """The record ends with -all or ~all (through redirect=) and passes the sending IPs."""
    tree = await ctx.spf_tree(domain)
    root = tree.root
    if root.state is NodeState.UNDECIDED:
        return Works(None, f"its SPF record {describe(root)}")
    if root.state is not NodeState.RECORD:
        fixed, how = fixed_root_record(root, sheet)
        repair = (SpfEdit(domain, fixed),)
        return Works(False, f"it {describe(root)}", publish(domain, fixed, how), repair)
    completed = advice.complete([t.text for t in sound_record(tree).terms], sheet)
    fix, fixes = publish(domain, completed, "publish"), (SpfEdit(domain, completed),)
    node, stopped = policy_chain(tree)
    if stopped is not None:
        child = stopped.child
        if child is None:
            return Works(None, f"its {stopped.term.text} depends on the message")
        if child.state is NodeState.UNDECIDED:
            return Works(None, f"its {stopped.term.text}: {describe(child)}")
        why = f"its {stopped.term.text} leads to {child.domain}, which {describe(child)}"
        return Works(False, why, fix, fixes)
    term = node.record.all_term if node.record is not None else None
    if term is None:
        return Works(False, "its SPF record has no all: the default is neutral", fix, fixes)
    if term.qualifier not in ENFORCING_ALL:
        why = f"its SPF record ends with {term.text}, not -all or ~all"
        return Works(False, why, fix, fixes)
    return await _authorises(domain, term.text, sheet, ctx)


async def _authorises(domain: str, ending: str, sheet: Sheet, ctx: Context) -> Works:
    ips = [str(ip) for ip in sending_ips(sheet)]
    verdicts = await asyncio.gather(
        *(check_host(ctx.dns, ip, sender=f"postmaster@{domain}", helo=domain) for ip in ips)
    )
    results = dict(zip(ips, (v.result for v in verdicts), strict=True))
    refused = [
        f"SPF {result} for {ip}"
        for ip, result in results.items()
        if result not in ("pass", "temperror")
    ]
    if refused:
        return Works(
            False,
            f"its SPF record does not authorise the sending IPs ({', '.join(refused)})",
            f"authorise the sending IPs in the SPF record of {domain} (spf.authorizes gives "
            "the record)",
        )
    undecided = [ip for ip, result in results.items() if result == "temperror"]
    if undecided:
        return Works(None, f"SPF for {', '.join(undecided)} could not be evaluated (temperror)")
    passes = f" and passes {', '.join(ips)}" if ips else ""
    return Works(True, f"its SPF record ends with {ending}{passes}")


def _dkim_entry(
    entry: DkimKey,
    aligned: Alignment,
    assumed: bool,
    known: dict[EntryKey, Works],
    joins: set[str],
) -> Judged:
    """The entry as it counts; `assumed`: whether it is aligned when that is not known."""
    label = f"DKIM d={entry.domain} s={entry.selector}"
    if not (assumed if aligned.aligned is None else aligned.aligned):
        later = known[_entry_key(entry)] if entry.domain in joins else None
        return Judged(label, False, aligned.stated, with_record=_works(later))
    works = known[_entry_key(entry)]
    return Judged(label, works.works, works.why, works.fix, aligned=True, fixes=works.fixes)


def _mail_from(
    name: str, aligned: Alignment, assumed: bool, known: dict[str, Works], joins: set[str]
) -> Judged:
    label = f"MAIL FROM {name}"
    if not (assumed if aligned.aligned is None else aligned.aligned):
        later = known[name] if name in joins else None
        return Judged(label, False, aligned.stated, with_record=_works(later))
    works = known[name]
    return Judged(label, works.works, works.why, works.fix, aligned=True, fixes=works.fixes)


def _works(works: Works | None) -> bool:
    return works is not None and works.works is True


def _verdict(
    domain: str,
    who: Author,
    dkim: Sequence[Judged],
    spf: Sequence[Judged],
    spf_mode: Mode,
    note: str,
    sheet: Sheet,
) -> Finding:
    dkim_works, spf_works = _state(dkim), _state(spf)
    if dkim_works is None or spf_works is None:
        undecided = "; ".join(f"{j.label}: {j.why}" for j in (*dkim, *spf) if j.works is None)
        return RULE.errored(
            domain, f"whether an aligned identifier works is not known: {undecided}"
        )
    (dkim_fix, dkim_fixes), (spf_fix, spf_fixes) = (
        _dkim_fix(dkim, domain),
        _spf_fix(spf, domain, spf_mode, sheet, who.without_records),
    )
    if dkim_works and spf_works:
        good = [_working(dkim), _working(spf)]
        listed = " and ".join(f"{j.label} ({j.why})" for j in good)
        return RULE.passed(domain, f"aligned and working: {listed}; {note}")
    if dkim_works or spf_works:
        one, other = (_working(dkim), spf) if dkim_works else (_working(spf), dkim)
        missing = "SPF" if dkim_works else "DKIM"
        hint, fixes = _first_record(domain, other) or (
            (spf_fix, spf_fixes) if dkim_works else (dkim_fix, dkim_fixes)
        )
        return RULE.warned(
            domain,
            f"only {one.label} is aligned and works ({one.why}); no aligned {missing} works: "
            f"{_reasons(other, missing)}. One forwarding hop from failing DMARC: forwarding "
            f"breaks SPF, mailing lists that change the message break DKIM; {note}",
            hint,
        ).with_fixes(*fixes)
    # the change set takes both halves: either makes DMARC pass, both make it robust
    hint, fixes = _first_record(domain, [*dkim, *spf]) or (
        f"{dkim_fix}; or {spf_fix}",
        (*dkim_fixes, *spf_fixes),
    )
    return RULE.failed(
        domain,
        f"nothing aligned with {domain} works, so DMARC fails: {_reasons(dkim, 'DKIM')}; "
        f"{_reasons(spf, 'SPF')}; {note}",
        hint,
    ).with_fixes(*fixes)


def _first_record(domain: str, judged: Sequence[Judged]) -> tuple[str, tuple[Fix, ...]] | None:
    """The smallest fix when working identifiers are kept apart from the From domain only by
    the missing DMARC record: that record, at the registrable domain they share (in words, and
    as data)."""
    joined = [j.label for j in judged if j.with_record]
    if not joined:
        return None
    org = registrable_domain(domain)
    record = starting_record(org)
    hint = (
        f"publish a first DMARC record, {txt_record(f'_dmarc.{org}', record)} "
        f"(see dmarc.record): it makes {org} the organisational domain of {domain} and of "
        f"{' and '.join(joined)}, which then align (relaxed) and work already"
    )
    return hint, (DmarcEdit(f"_dmarc.{org}", record),)


def _state(judged: Sequence[Judged]) -> bool | None:
    """True when one identifier works, else None when one is undecided, else False."""
    if any(j.works for j in judged):
        return True
    return None if any(j.works is None for j in judged) else False


def _working(judged: Sequence[Judged]) -> Judged:
    return next(j for j in judged if j.works)


def _reasons(judged: Sequence[Judged], kind: str) -> str:
    if not judged:
        what = "no DKIM entry (dkim)" if kind == "DKIM" else "no MAIL FROM domain (mail_from)"
        return f"the sheet names {what}"
    return "; ".join(f"{j.label}: {j.why}" for j in judged)


def _dkim_fix(judged: Sequence[Judged], domain: str) -> tuple[str, tuple[Fix, ...]]:
    """Repair an aligned entry's key when there is one, else sign with the From domain: in
    words, and as data."""
    broken = next((j for j in judged if j.aligned and j.fix), None)
    if broken is not None:
        return f"for {broken.label}, {broken.fix}", broken.fixes
    selector = SELECTOR_BLANK
    return (
        f"sign with d={domain}: add the item - {{domain: {domain}, selector: {selector}}} under "
        f"dkim: in the sheet and publish the provider's key at {selector}._domainkey.{domain}"
    ), signing_fixes(domain)


def _spf_fix(
    judged: Sequence[Judged], domain: str, mode: Mode, sheet: Sheet, without_records: bool
) -> tuple[str, tuple[Fix, ...]]:
    """Repair an aligned MAIL FROM domain when there is one, else use one of the From domain
    (`without_records`: a name below it aligns only once a DMARC record is published): in
    words, and as data."""
    broken = next((j for j in judged if j.aligned and j.fix), None)
    if broken is not None:
        return f"for {broken.label}, {broken.fix}", broken.fixes
    name = domain if mode is Mode.STRICT else f"bounce.{domain}"
    why = " (aspf=s: exactly the From domain)" if mode is Mode.STRICT else ""
    fix = (
        f"use {name} as MAIL FROM{why}: add it to mail_from in the sheet, have the provider send "
        f"with it and publish {txt_record(name, advice.new_record(sheet))}"
    )
    fixes = _mail_from_fixes(domain, name, sheet)
    if mode is Mode.STRICT or not without_records:
        return fix, fixes
    org = registrable_domain(domain)
    start = DmarcEdit(f"_dmarc.{org}", starting_record(org))
    return (
        f"{fix}, and a DMARC record, {txt_record(f'_dmarc.{org}', starting_record(org))} "
        f"(see dmarc.record): without one, {name} is an organisational domain of its own"
    ), (*fixes, start)


def _mail_from_fixes(domain: str, name: str, sheet: Sheet) -> tuple[Fix, ...]:
    """Bounce to `name`: its SPF record names the provider (added to one it may have), and the
    provider sends with it."""
    ask = f"send the mail of {domain} with MAIL FROM (envelope sender) {name}"
    return (
        SpfEdit(name, advice.new_record(sheet), adds_only=True),
        Request(PROVIDER, ask, SheetEntry("mail_from", name)),
    )


RULE = Rule(
    id="dmarc.alignment",
    title="Each sender domain's mail can pass DMARC: an aligned SPF or DKIM identifier works",
    checks=(
        "a `dkim` entry (valid key) or `mail_from` domain (`-all`/`~all`, passes the sending "
        "IPs) is aligned with the sender domain, relaxed or as `adkim=`/`aspf=` say; only one "
        "of the two warns, none fails"
    ),
    obligation="Bulk senders' From domain is aligned with the SPF or the DKIM domain "
    "(requirement of large mailbox providers, beyond the seed).",
    source="RFC 9989 §3.2.10, §4.4, §4.7, §4.10; bulk-sender requirements of large mailbox "
    "providers",
    check=check,
    doc=__doc__ or "",
    subject=Subject.DOMAIN,
    inputs=frozenset({Input.SENDERS, Input.MAIL_FROM, Input.DKIM_SELECTORS, Input.DNS}),
)
