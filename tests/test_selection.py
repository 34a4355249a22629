"""--select / --ignore: rule-id prefixes choose the rules of a run."""

from __future__ import annotations

import pytest

from conftest import REPO_ROOT

ZONE = str(REPO_ROOT / "tests/data/zones/senders.example.zone")


def rules_run(check_json, *args) -> set[str]:
    _, report = check_json(*args)
    return {f["rule"] for f in report["findings"]}


def test_select_by_prefix(write_sheet, check_json):
    sheet = write_sheet("anna@good.senders.example")
    assert rules_run(check_json, sheet, "--zone", ZONE, "--select", "sender.") == {
        "sender.syntax",
        "sender.role",
        "sender.mx",
        "sender.a",
    }
    assert rules_run(check_json, sheet, "--zone", ZONE, "--select", "sender.mx") == {"sender.mx"}


def test_select_repeated_and_comma_separated(write_sheet, check_json):
    sheet = write_sheet("anna@good.senders.example")
    repeated = rules_run(
        check_json, sheet, "--zone", ZONE, "--select", "sender.a", "--select", "sheet."
    )
    commas = rules_run(check_json, sheet, "--zone", ZONE, "--select", "sender.a,sheet.")
    assert repeated == commas == {"sender.a", "sheet.options"}


def test_ignore_wins_over_select(write_sheet, check_json):
    sheet = write_sheet("postmaster@good.senders.example")
    code, report = check_json(
        sheet, "--zone", ZONE, "--select", "sender.", "--ignore", "sender.role"
    )
    assert {f["rule"] for f in report["findings"]} == {"sender.syntax", "sender.mx", "sender.a"}
    assert code == 0  # the failing role rule did not run


def test_ignore_alone_runs_every_other_rule(write_sheet, check_json):
    from mailcheck.rules import REGISTRY

    sheet = write_sheet("anna@good.senders.example")
    ran = rules_run(check_json, sheet, "--zone", ZONE, "--ignore", "hygiene.,capacity.")
    assert ran == {r for r in REGISTRY if not r.startswith(("hygiene.", "capacity."))}


@pytest.mark.parametrize(
    "args",
    [
        ["--select", "spff."],
        ["--ignore", "nonsense"],
        ["--select", "sender.,typo."],
        ["--select", "sender.", "--ignore", "sender."],
    ],
)
def test_unknown_prefix_or_empty_selection_is_an_input_error(write_sheet, run_cli, args):
    sheet = write_sheet("anna@good.senders.example")
    code, out, err = run_cli("check", sheet, "--zone", ZONE, *args)
    assert code == 2
    assert "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1


def test_unknown_prefix_names_the_known_rules(write_sheet, run_cli):
    sheet = write_sheet("anna@good.senders.example")
    _, _, err = run_cli("check", sheet, "--zone", ZONE, "--select", "spff.")
    assert "'spff.'" in err
    assert "sender.mx" in err and "sheet.options" in err


def test_select_rules_api_keeps_registry_order():
    from mailcheck.commands._selection import select_rules
    from mailcheck.core.errors import InputError
    from mailcheck.rules import REGISTRY

    chosen = select_rules(REGISTRY, ["sender.a", "sender.s"])
    assert [r.id for r in chosen] == ["sender.syntax", "sender.a"]
    with pytest.raises(InputError):
        select_rules(REGISTRY, ["zzz"])
