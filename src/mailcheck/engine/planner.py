"""The change set of a sheet: every fix its findings carry, merged per DNS name and type.

Rules attach fixes to their failures and warnings (`mailcheck.core.fixes`). Several rules often
ask for a change to one record: spf.all, spf.include and spf.authorizes each propose a whole SPF
record for the same MAIL FROM domain, dmarc.record and dmarc.reports a DMARC record, and
publishing one proposal alone would leave another rule failing. The planner reads what is
published (through the run's context, whose answers are cached), merges the proposals into one
record per name and type, checks that a merged SPF record stays within the limits of RFC 7208
§4.6.4, and reports a conflict instead of a record where no single record satisfies every fix.
It then rewrites the findings' hints to show the merged records, so that every format gives the
answer `mailcheck plan` gives.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from mailcheck.core.addresses import sender_domains
from mailcheck.core.changeset import (
    Conflict,
    Leftover,
    Plan,
    PlannedRecord,
    PlannedRequest,
    PlannedTask,
)
from mailcheck.core.findings import Finding, Status
from mailcheck.core.fixes import BLANK, PROVIDER, DmarcEdit, RecordFix, Request, SpfEdit, Task
from mailcheck.core.hints import txt_record
from mailcheck.dmarc.record import DmarcError, claims_dmarc, is_dmarc, parse_dmarc
from mailcheck.dmarc.record import combined as combined_dmarc
from mailcheck.dmarc.suffixes import registrable_domain
from mailcheck.dnsclient.records import MX, TXT, AddressRecord, Pointer, Record
from mailcheck.rules import REGISTRY
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet
from mailcheck.spf import advice
from mailcheck.spf.room import Ownership, make_room
from mailcheck.spf.syntax import SpfRecord, SpfSyntaxError, parse_record, spf_texts
from mailcheck.spf.tree import MAX_LOOKUPS, MAX_MX_NAMES, MAX_VOID, SpfTree, build_tree

ACTING = (Status.FAIL, Status.WARN)
"""The findings whose fixes the change set takes."""


@dataclass
class _Fixes:
    """The fixes of a sheet's findings, grouped by what they change, each with its rules."""

    spf: dict[str, list[tuple[str, SpfEdit]]] = field(default_factory=dict)
    dmarc: dict[str, list[tuple[str, DmarcEdit]]] = field(default_factory=dict)
    records: dict[tuple[str, str], list[tuple[str, RecordFix]]] = field(default_factory=dict)
    requests: dict[Request, list[str]] = field(default_factory=dict)
    tasks: dict[Task, list[str]] = field(default_factory=dict)
    leftovers: list[Leftover] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        rule = finding.rule
        if not finding.fixes:
            if finding.hint and not _judges_findings(rule):
                self.leftovers.append(Leftover(rule, finding.subject, finding.hint))
            return
        for fix in finding.fixes:
            if isinstance(fix, SpfEdit):
                self.spf.setdefault(fix.domain, []).append((rule, fix))
            elif isinstance(fix, DmarcEdit):
                self.dmarc.setdefault(fix.name, []).append((rule, fix))
            elif isinstance(fix, RecordFix):
                self.records.setdefault((fix.name, fix.rtype), []).append((rule, fix))
            elif isinstance(fix, Task):
                self.tasks.setdefault(fix, []).append(rule)
            else:
                self.requests.setdefault(fix, []).append(rule)


def _judges_findings(rule_id: str) -> bool:
    """`deadline.dns` and the like: their fixes are the other rules' fixes."""
    rule = REGISTRY.get(rule_id)
    return rule is not None and rule.needs_findings


async def plan_sheet(sheet: LoadedSheet, findings: Sequence[Finding], ctx: Context) -> Plan:
    """The change set of one checked sheet."""
    fixes = _Fixes()
    for finding in findings:
        if finding.status in ACTING:
            fixes.add(finding)
    merged: list[PlannedRecord | Conflict] = []
    if fixes.spf:
        ownership = Ownership.of_sheet(sheet.sheet)
        for domain, edits in fixes.spf.items():
            merged += await _spf_record(domain, edits, ctx, ownership)
    for name, changes in fixes.dmarc.items():
        merged += await _dmarc_record(name, changes, ctx)
    for (name, rtype), wanted in fixes.records.items():
        one = _one_record(name, rtype, wanted)
        if isinstance(one, Conflict) or not await _published(one, ctx):
            merged.append(one)
    conflicts = [c for c in merged if isinstance(c, Conflict)]
    records = [r for r in merged if isinstance(r, PlannedRecord)]
    if records:
        senders = sender_domains(s.address for s in sheet.sheet.senders)
        own = {registrable_domain(domain) for domain in senders}
        records = [_operated(r, own) for r in records]
    conflicts += _aliases_beside_data(records)
    plan = Plan(
        sheet=sheet.display if sheet.from_file else None,
        customer=sheet.sheet.customer,
        subject=_subject(sheet),
        requests=tuple(_requests(fixes.requests)),
        tasks=tuple(_tasks(fixes.tasks)),
        conflicts=tuple(conflicts),
        leftovers=tuple(fixes.leftovers),
        undecided=sum(1 for f in findings if f.status is Status.ERROR),
    )
    kept = (r for r in records if plan.conflict_for(r.name, r.rtype) is None)
    return replace(plan, records=tuple(sorted(kept, key=_record_order)))


def _subject(sheet: LoadedSheet) -> str:
    """What was checked: the sheet's path, the domain, or the messages checked without a
    sheet."""
    if sheet.from_file or sheet.sheet.senders or not sheet.sheet.samples:
        return sheet.display
    return ", ".join(str(sample) for sample in sheet.sheet.samples)


def _rules(pairs: Iterable[tuple[str, object]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(rule for rule, _ in pairs))


# --- SPF -------------------------------------------------------------------------------------


async def _spf_record(
    domain: str, edits: list[tuple[str, SpfEdit]], ctx: Context, ownership: Ownership
) -> list[PlannedRecord | Conflict]:
    """One SPF record with every proposal's change. When that takes it over 10 lookups, room
    is made as spf.lookups makes it (terms dropped or flattened, `mailcheck.spf.room`); when
    no choice makes room, or another limit breaks, a conflict."""
    answer = await ctx.dns.query(domain, "TXT")
    if not answer.decided:
        why = f"the published SPF record could not be read ({answer.why_undecided()})"
        return [Conflict(domain, "TXT", f"{why}: check again", _rules(edits))]
    texts = spf_texts(answer.texts())
    published = _parsed(texts[0]) if len(texts) == 1 else None
    value = advice.combined(
        published,
        [edit.record for _, edit in edits if not edit.adds_only],
        [edit.record for _, edit in edits if edit.adds_only],
    )
    if published is not None and value == published.text:
        return []  # nothing to change (a proposal that only restates the record)
    rules = _rules(edits)
    tree = await build_tree(domain, ctx.dns, value)
    room = make_room(tree, ownership) if tree.lookup_count > MAX_LOOKUPS else None
    if room is not None:
        value, rules = room.record, tuple(dict.fromkeys((*rules, "spf.lookups")))
        tree = await build_tree(domain, ctx.dns, value)
    problem = _over_limits(tree)
    if problem is not None:
        how = (
            "no term can be dropped or flattened exactly: remove includes no longer used"
            if tree.lookup_count > MAX_LOOKUPS
            else "repair that first, as spf.record and spf.lookups say"
        )
        text = (
            f"no one SPF record satisfies {', '.join(rules)} within the limits of RFC 7208 "
            f"§4.6.4: {value} would have {problem}; {how}, then add what is missing"
        )
        return [Conflict(domain, "TXT", text, (*rules, "spf.lookups"))]
    return [PlannedRecord(domain, "TXT", value, rules, replaces=tuple(texts))]


def _parsed(text: str) -> SpfRecord | None:
    try:
        return parse_record(text)
    except SpfSyntaxError:
        return None


def _over_limits(tree: SpfTree) -> str | None:
    """What makes check_host() of the tree a permerror, in a few words; None when nothing."""
    if tree.lookup_count > MAX_LOOKUPS or tree.truncated():
        return f"{tree.lookup_count} DNS lookups ({tree.breakdown()}), at most {MAX_LOOKUPS}"
    if tree.void_count > MAX_VOID:
        return f"{tree.void_count} void lookups, at most {MAX_VOID}"
    if tree.loops():
        return "an include/redirect loop"
    if tree.mx_over_limit():
        return f"an mx with more than {MAX_MX_NAMES} MX names"
    return None


# --- DMARC -----------------------------------------------------------------------------------


async def _dmarc_record(
    name: str, changes: list[tuple[str, DmarcEdit]], ctx: Context
) -> list[PlannedRecord | Conflict]:
    """One DMARC record with every proposal's change. A change meant for later (enforcing a
    policy) is not mixed into what is needed now: the record holds the changes for now, and
    the later step the record with every change."""
    answer = await ctx.dns.query(name, "TXT")
    current = [text for text in answer.texts() if is_dmarc(text) or claims_dmarc(text)]
    published = current[0] if len(current) == 1 else None
    rules = _rules(changes)
    now = [edit.record for _, edit in changes if edit.note is None]
    notes = tuple(dict.fromkeys(edit.note for _, edit in changes if edit.note))
    every, clashes = combined_dmarc(published, [edit.record for _, edit in changes])
    if clashes:
        text = f"the fixes of {', '.join(rules)} ask for {'; '.join(clashes)}: choose one"
        return [Conflict(name, "TXT", text, rules)]
    try:
        parse_dmarc(every)
    except DmarcError as exc:  # every proposal parses; their sum should too
        text = f"the fixes of {', '.join(rules)} together make an invalid record ({exc}): {every}"
        return [Conflict(name, "TXT", text, rules)]
    replaces = tuple(current)
    when = " and ".join(notes) if notes else None
    if not now or when is None:
        return [PlannedRecord(name, "TXT", every, rules, replaces, when=when)]
    first, _ = combined_dmarc(published, now)
    if first == every:
        return [PlannedRecord(name, "TXT", every, rules, replaces)]
    return [
        PlannedRecord(name, "TXT", first, rules, replaces),
        PlannedRecord(name, "TXT", every, rules, (first,), when=when),
    ]


# --- other records ---------------------------------------------------------------------------


def _one_record(
    name: str, rtype: str, wanted: list[tuple[str, RecordFix]]
) -> PlannedRecord | Conflict:
    """The record every fix for the name and type asks for, or a conflict when they differ."""
    rules = _rules(wanted)
    values = list(dict.fromkeys(fix.value for _, fix in wanted))
    if len(values) > 1:
        listed = " or ".join(repr(v) for v in values)
        return Conflict(name, rtype, f"{', '.join(rules)} ask for {listed}: choose one", rules)
    replaces = tuple(dict.fromkeys(text for _, fix in wanted for text in fix.replaces))
    removes = tuple(dict.fromkeys(text for _, fix in wanted for text in fix.removes))
    return PlannedRecord(name, rtype, values[0], rules, replaces, removes)


async def _published(record: PlannedRecord, ctx: Context) -> bool:
    """Whether the name holds the record already and nothing it replaces or removes: a fix
    that another party still has to complete (a PTR to point at the name) asks for it again."""
    if record.blanks or record.replaces or record.removes:
        return False
    answer = await ctx.dns.query(record.name, record.rtype)
    if not answer.exists or (answer.canonical or record.name).rstrip(".") != record.name:
        return False
    return _comparable(record.rtype, record.value) in {_held(r) for r in answer.records}


def _comparable(rtype: str, value: str) -> object:
    """A record's data as `_held` gives a published record's, so that the two compare."""
    if rtype in ("A", "AAAA"):
        return _address(value)
    if rtype == "MX":
        preference, _, exchange = value.partition(" ")
        return (int(preference) if preference.isdigit() else -1), _host(exchange)
    return value if rtype == "TXT" else _host(value)


def _held(record: Record) -> object:
    if isinstance(record, AddressRecord):
        return _address(record.address)
    if isinstance(record, MX):
        return record.preference, _host(record.exchange)
    if isinstance(record, TXT):
        return record.text
    if isinstance(record, Pointer):
        return _host(record.target)
    return record.text


def _address(text: str) -> object:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return text


def _host(name: str) -> str:
    return name.strip().rstrip(".").lower() or "."


def _aliases_beside_data(records: Sequence[PlannedRecord]) -> list[Conflict]:
    """A name with a CNAME holds no other record (RFC 1034 §3.6.2)."""
    conflicts = []
    for alias in (r for r in records if r.rtype == "CNAME"):
        others = [r for r in records if r.name == alias.name and r.rtype != "CNAME"]
        if others:
            rules = _rules((rule, None) for r in (alias, *others) for rule in r.rules)
            text = (
                f"{alias.name} cannot be an alias (CNAME) and hold "
                f"{', '.join(r.rtype for r in others)} records too: choose one"
            )
            conflicts.append(Conflict(alias.name, "CNAME", text, rules))
    return conflicts


def _operated(record: PlannedRecord, own: set[str]) -> PlannedRecord:
    """Mark a record outside the customer's sender domains with whose zone it belongs to."""
    zone = registrable_domain(BLANK.sub("x", record.name))
    return record if zone in own else replace(record, operator=zone)


def _record_order(record: PlannedRecord) -> tuple[bool, str, str, str, bool]:
    zone = registrable_domain(BLANK.sub("x", record.name))
    return record.operator is not None, zone, record.name, record.rtype, record.when is not None


def _requests(requests: dict[Request, list[str]]) -> list[PlannedRequest]:
    planned = [
        PlannedRequest(request.party, request.text, tuple(dict.fromkeys(rules)), request.sheet)
        for request, rules in requests.items()
    ]
    return sorted(planned, key=lambda r: r.party != PROVIDER)


def _tasks(tasks: dict[Task, list[str]]) -> list[PlannedTask]:
    return [
        PlannedTask(task.text, tuple(dict.fromkeys(rules)), task.sheet)
        for task, rules in tasks.items()
    ]


# --- hints -----------------------------------------------------------------------------------


def with_planned_hints(findings: Sequence[Finding], plan: Plan) -> list[Finding]:
    """The findings, each hint showing the change set's record where its fix was merged into
    one (and naming the conflict where there is one)."""
    return [_planned_hint(f, plan) if f.fixes and f.hint else f for f in findings]


def _planned_hint(finding: Finding, plan: Plan) -> Finding:
    hint = finding.hint or ""
    for fix in finding.fixes:
        if isinstance(fix, SpfEdit | DmarcEdit):
            name = fix.domain if isinstance(fix, SpfEdit) else fix.name
            later = isinstance(fix, DmarcEdit) and fix.note is not None
            hint = _with_record(hint, name, "TXT", fix.record, plan, later=later)
        elif isinstance(fix, RecordFix):
            hint = _with_record(hint, fix.name, fix.rtype, fix.value, plan)
    return replace(finding, hint=hint)


def _with_record(
    hint: str, name: str, rtype: str, proposed: str, plan: Plan, *, later: bool = False
) -> str:
    conflict = plan.conflict_for(name, rtype)
    if conflict is not None:
        return f"{hint} (but: {conflict.text})" if conflict.text not in hint else hint
    planned = plan.record_for(name, rtype, later=later)
    if planned is None or rtype != "TXT":
        return hint
    value = planned.value
    if value == proposed:
        return hint
    line = txt_record(name, proposed)
    if line in hint:
        return hint.replace(line, txt_record(name, value))
    return hint.replace(proposed, value)
