"""Non-list mail carries List-Help with a mailto: or https: URI; http: is not allowed.

List-Help (RFC 2369) tells the recipient why the mail was sent and why no list unsubscription is
possible. The sample passes when List-Help is a well-formed list of `<URI>`s with at least one
`mailto:` or `https:` URI and no `http:` URI. It fails on an `http:` URI, on a URI list without
mailto: or https:, on RFC 2369 syntax defects (missing angle brackets, white space inside a URI,
RFC 2047 encoded-words), and when non-list mail has List-Unsubscribe but no List-Help (the seed
wants List-Help as the alternative). Non-list mail with neither header is reported once, by
message.list-header (where an exemption applies), so this rule skips it; list mail without
List-Help is skipped too. A List-Help that is present is judged whatever the kind of mail. The
fix is the List-Help field to set: the sample's own mailto: and https: URIs repaired (brackets
added, encoded-words decoded, http: raised to https:), else the sender's From address.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.messages.headerfix import list_help_fix
from mailcheck.messages.listheaders import parse_uri_list
from mailcheck.messages.obligations import applicable
from mailcheck.messages.sample import Sample
from mailcheck.rules._samples import for_each_sample
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    return await for_each_sample(RULE, sheet, ctx, _judge)


async def _judge(sample: Sample, sheet: LoadedSheet, ctx: Context) -> Finding:
    fields = sample.all("List-Help")
    if not fields:
        return _absent(sample, sheet)
    uris = parse_uri_list(fields[0])
    problems = list(uris.problems)
    if len(fields) > 1:
        problems.append(f"List-Help appears {len(fields)} times; receivers read one")
    http = uris.with_scheme("http")
    usable = uris.with_scheme("mailto") + uris.https()
    if http:
        problems.append(f"http: URIs are not allowed (<{http[0]}>); use https: or mailto:")
    if not usable and not uris.problems:
        problems.append("no mailto: or https: URI")
    if problems:
        return RULE.failed(sample.subject, "; ".join(problems), list_help_fix(sample, sheet))
    return RULE.passed(sample.subject, f"List-Help {', '.join(f'<{u}>' for u in usable)}")


def _absent(sample: Sample, sheet: LoadedSheet) -> Finding:
    kind = applicable(sheet, sample)
    if kind.is_list:
        return RULE.skipped(sample.subject, f"not required: {kind.why}")
    if not sample.has("List-Unsubscribe"):
        return RULE.skipped(
            sample.subject, "no List-Help and no List-Unsubscribe: see message.list-header"
        )
    return RULE.failed(
        sample.subject,
        f"non-list mail with List-Unsubscribe but no List-Help ({kind.why})",
        f"{list_help_fix(sample, sheet)} (or an https: page explaining why the mail was sent)",
    )


RULE = Rule(
    id="message.list-help",
    title="Non-list mail has List-Help with a mailto: or https: URI",
    checks="non-list mail: List-Help with a `mailto:` or `https:` URI, no `http:`",
    obligation="Der „List-Help“-Header muss mindestens eine „mailto:“-Adresse oder einen "
    "HTTPS-Link enthalten, HTTP-Links sind nicht zulässig.",
    source="seed 000, Mitwirkungspflichten, Technische Konfiguration; RFC 2369 §3.1",
    check=check,
    doc=__doc__ or "",
    subject=Subject.SAMPLE,
    inputs=frozenset({Input.SAMPLES}),
)
