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
