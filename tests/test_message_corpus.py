"""Real messages from ../shared/corpora/messages: no crash, and the verdicts their headers warrant.

Their DKIM keys are in no zone given here, so a signature that could pass is `error`; one that
leaves out a list header fails whatever its key (Mailchimp's h= lacks List-Unsubscribe-Post).
"""

from __future__ import annotations

import pytest

from conftest import SHARED

CORPUS = SHARED / "corpora" / "messages"

EXPECTED = {
    "mailauth-message3.eml": {  # newsletter with https One-Click, signed over both headers
        "message.list-header": "pass",
        "message.list-unsubscribe": "pass",
        "message.list-help": "skip",
        "message.dkim": "error",
        # d=cronweekly.ma.ttias.be on From ttias.be: aligned only if _dmarc.ttias.be is relaxed
        "message.alignment": "error",
        "message.impressum": "warn",
    },
    "spamscope-mail_test_13.eml": {  # Mailchimp: One-Click, but h= without -Post
        "message.list-header": "pass",
        "message.list-unsubscribe": "pass",
        "message.list-help": "skip",
        "message.dkim": "fail",
        "message.alignment": "fail",  # signed only by Mailchimp's mcsv.net
        "message.impressum": "warn",  # a US postal address, no imprint
    },
    "spamscope-mail_test_5.eml": {  # https List-Unsubscribe, no List-Unsubscribe-Post
        "message.list-header": "pass",
        "message.list-unsubscribe": "fail",
        "message.list-help": "skip",
        "message.dkim": "error",
        "message.alignment": "fail",  # signed only by d=rmh2.net, From carlance.fr
        "message.impressum": "warn",
    },
    "spamscope-mail_test_6.eml": {  # folded right after the colon, no List-Unsubscribe-Post
        "message.list-header": "pass",
        "message.list-unsubscribe": "fail",
        "message.list-help": "skip",
        "message.dkim": "error",
        "message.alignment": "pass",  # d= is the From domain: aligned in either mode
        "message.impressum": "warn",
    },
    "stalwart-thirdparty-014.eml": {  # Mailman: http: and mailto: only, List-Help mailto:
        "message.list-header": "pass",
        "message.list-unsubscribe": "fail",
        "message.list-help": "pass",
        "message.dkim": "fail",  # not signed at all
        "message.alignment": "fail",
        "message.impressum": "warn",
    },
}
ALWAYS = {"message.sender": "skip", "message.size": "pass", "unsubscribe.probe": "skip"}


def test_every_corpus_message_has_expectations():
    assert sorted(p.name for p in CORPUS.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message_verdicts(message_json, msg_zone_file, name):
    code, report = message_json(CORPUS / name, "--zone", msg_zone_file)
    found = {f["rule"]: f["status"] for f in report["findings"]}
    assert found == {**EXPECTED[name], **ALWAYS}
    assert code == (1 if "fail" in found.values() else 3)


def test_mailman_message_as_non_list_mail(message_json, msg_zone_file):
    path = CORPUS / "stalwart-thirdparty-014.eml"
    _, report = message_json(path, "--zone", msg_zone_file, "--transactional")
    found = {f["rule"]: f["status"] for f in report["findings"]}
    assert found["message.list-help"] == "pass"
    assert found["message.list-unsubscribe"] == "pass"  # well-formed; One-Click not required


def test_all_corpus_messages_in_one_run(message_json, msg_zone_file):
    paths = sorted(CORPUS.glob("*.eml"))
    code, report = message_json(*paths, "--zone", msg_zone_file)
    assert len(report["findings"]) == 9 * len(paths)
    assert code == 1


# --- defects found on these newsletters, reproduced by editing one header of a real message ------

NEWSLETTER = CORPUS / "spamscope-mail_test_5.eml"
UNSUBSCRIBE_URI = (
    "https://t2d857ce9.emailsys2a.net/136/1071579/1264/4531494/9012/3ee5635269/unsubscribe.html"
)


def edited(tmp_path, *, unsubscribe: str | None, precedence: str | None = "bulk"):
    """The newsletter with its List-Unsubscribe and Precedence fields replaced (None: removed)."""
    lines = NEWSLETTER.read_bytes().split(b"\n")
    fields = {b"list-unsubscribe:": unsubscribe, b"precedence:": precedence}
    kept = []
    for line in lines:
        name = next((n for n in fields if line.lower().startswith(n)), None)
        if name is None:
            kept.append(line)
        elif fields[name] is not None:
            kept.append(name.title() + b" " + str(fields[name]).encode())
    path = tmp_path / "edited.eml"
    path.write_bytes(b"\n".join(kept))
    return path


def test_unbracketed_uri_folded_inside_its_token_keeps_the_token(
    message_json, msg_zone_file, tmp_path
):
    head, tail = UNSUBSCRIBE_URI.split("3ee5635269")
    folded = f"{head}3ee56\n 35269{tail}"  # folded in the middle of the recipient's token
    _, report = message_json(edited(tmp_path, unsubscribe=folded), "--zone", msg_zone_file)
    (unsubscribe,) = [f for f in report["findings"] if f["rule"] == "message.list-unsubscribe"]
    assert unsubscribe["status"] == "fail"  # no angle brackets
    assert f"List-Unsubscribe: <{UNSUBSCRIBE_URI}>" in unsubscribe["hint"]


@pytest.mark.parametrize("precedence", ["bulk", "list", "BULK"])
def test_precedence_bulk_makes_a_message_list_mail(
    message_json, msg_zone_file, tmp_path, precedence
):
    path = edited(tmp_path, unsubscribe=None, precedence=precedence)
    _, report = message_json(path, "--zone", msg_zone_file)
    found = {f["rule"]: f["status"] for f in report["findings"]}
    assert found["message.list-unsubscribe"] == "fail"  # list mail without List-Unsubscribe
    assert found["message.list-help"] == "skip"


@pytest.mark.parametrize("precedence", [None, "junk"])
def test_without_a_list_mark_the_message_is_not_list_mail(
    message_json, msg_zone_file, tmp_path, precedence
):
    path = edited(tmp_path, unsubscribe=None, precedence=precedence)
    _, report = message_json(path, "--zone", msg_zone_file)
    found = {f["rule"]: f["status"] for f in report["findings"]}
    assert found["message.list-unsubscribe"] == "skip"  # not required of non-list mail
    assert found["message.list-header"] == "fail"  # which needs List-Help instead
