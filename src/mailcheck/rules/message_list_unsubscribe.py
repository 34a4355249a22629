"""List mail offers One-Click unsubscription: List-Unsubscribe with an HTTPS URI (RFC 8058).

For list mail (the sample's sender is registered with `mailing: list`; see `mailcheck explain
message.sender`), the sample passes when List-Unsubscribe is a well-formed RFC 2369 list of
`<URI>`s (comma-separated, folding allowed) with at least one `https:` URI, and
List-Unsubscribe-Post is exactly `List-Unsubscribe=One-Click` (RFC 8058 §3.1). It fails when the
header is missing, when a URI lacks an angle bracket, contains white space or is followed by
text, when the value is an RFC 2047 encoded-word, when only `http:` or `mailto:` URIs are given
(neither is One-Click), and when List-Unsubscribe-Post is missing, repeated or spelt otherwise
(`ListUnsubscribe=One-Click`). The fix is the exact header field to set, built from the
sample's own URIs repaired where possible (angle brackets added, encoded-words decoded, white
space removed, http: raised to https:), with List-Unsubscribe-Post when that is missing or
wrong; without any usable https: URI, an endpoint on the sender's domain with the recipient
part to fill in.

Non-list mail need not offer One-Click: without List-Unsubscribe the rule is skipped; with one,
its syntax must still be right, and so must One-Click when List-Unsubscribe-Post is present.
A sample that cannot be read is `error`.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.messages.headerfix import list_unsubscribe_fix
from mailcheck.messages.listheaders import UriList, one_click_problem, parse_uri_list
from mailcheck.messages.obligations import applicable
from mailcheck.messages.sample import Sample
from mailcheck.rules._samples import for_each_sample
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    return await for_each_sample(RULE, sheet, ctx, _judge)


async def _judge(sample: Sample, sheet: LoadedSheet, ctx: Context) -> Finding:
    kind = applicable(sheet, sample)
    fields = sample.all("List-Unsubscribe")
    posts = sample.all("List-Unsubscribe-Post")
    if not fields:
        if not kind.is_list:
            return RULE.skipped(sample.subject, f"not required: {kind.why}")
        return RULE.failed(
            sample.subject,
            f"list mail without List-Unsubscribe ({kind.why})",
            list_unsubscribe_fix(sample, sheet, one_click=True),
        )
    uris = parse_uri_list(fields[0])
    problems = list(uris.problems)
    if len(fields) > 1:
        problems.append(f"List-Unsubscribe appears {len(fields)} times; receivers read one")
    post_problem = one_click_problem(posts) if kind.is_list or posts else None
    if kind.is_list or posts:
        problems += [p for p in (_missing_https(uris), post_problem) if p]
    if problems:
        fix = list_unsubscribe_fix(sample, sheet, one_click=post_problem is not None)
        return RULE.failed(sample.subject, "; ".join(problems), fix)
    if kind.is_list:
        return RULE.passed(sample.subject, f"One-Click to <{uris.https()[0]}>")
    return RULE.passed(
        sample.subject, f"well-formed; One-Click is not required of non-list mail ({kind.why})"
    )


def _missing_https(uris: UriList) -> str | None:
    if uris.https():
        return None
    hostless = uris.with_scheme("https")
    if hostless:
        return (
            f"the https: URI <{hostless[0]}> names no server (no host, or a port outside "
            "1-65535): One-Click needs one (RFC 8058 §3.1)"
        )
    schemes = sorted({uri.split(":", 1)[0].lower() + ":" for uri in uris.uris})
    only = f" (only {', '.join(schemes)})" if schemes else ""
    return f"no https: URI{only}: One-Click needs one (RFC 8058 §3.1)"


RULE = Rule(
    id="message.list-unsubscribe",
    title="List mail has List-Unsubscribe with HTTPS and One-Click",
    checks=(
        "list mail: List-Unsubscribe with an `https:` URI (RFC 2369 syntax) and "
        "`List-Unsubscribe-Post: List-Unsubscribe=One-Click`"
    ),
    obligation="Der „List-Unsubscribe“-Header ist für listenbasierte Mailings erforderlich und "
    "mit „POST HTTPS“-Link inklusive „One-Click-Unsubscribe“-Funktionalität (RFC 8058) "
    "einzufügen.",
    source="seed 000, Mitwirkungspflichten, Technische Konfiguration; "
    "RFC 2369 §2, §3.2; RFC 8058 §3.1",
    check=check,
    doc=__doc__ or "",
    subject=Subject.SAMPLE,
    inputs=frozenset({Input.SAMPLES}),
)
