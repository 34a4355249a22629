"""`mailcheck init [DOMAIN]`: a new implementation sheet to fill in, pre-filled from DNS when a
domain is given (see `mailcheck.sheet.template` and `mailcheck.engine.domainfacts`)."""

from __future__ import annotations

import sys
from pathlib import Path

from mailcheck.core.errors import InputError, one_line
from mailcheck.engine.domainsheet import domain_name
from mailcheck.engine.settings import RunSettings
from mailcheck.sheet.template import sheet_template


def run_init(domain: str | None, settings: RunSettings, output: Path | None) -> int:
    """Write the template to `output` (None: standard output); an existing file is kept."""
    if output is not None and output.exists():
        raise InputError(
            "exists already: not overwritten (give another --output)", file=str(output)
        )
    facts = None
    if domain is not None:
        from mailcheck.engine.domainfacts import domain_facts

        facts = domain_facts(domain_name(domain, "DOMAIN"), settings)
    text = sheet_template(facts)
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        with output.open("x", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as exc:
        raise InputError(f"cannot write the sheet: {exc.strerror}", file=str(output)) from None
    print(
        one_line(f"mailcheck: wrote {output}; check it with: mailcheck check {output}"),
        file=sys.stderr,
    )
    return 0
