"""SPF record parsing (RFC 7208 §4.5, §7, §12), macro expansion and the corrected records."""

from __future__ import annotations

import pytest

from mailcheck.spf import advice
from mailcheck.spf.syntax import SpfSyntaxError, expand_domain, is_spf, parse_record


@pytest.mark.parametrize(
    "text",
    [
        "v=spf1",
        "v=spf1 -all",
        "V=SpF1 ~all",
        "v=spf1 a mx ptr -all",
        "v=spf1 a/24 mx//64 a:mail.example.com/24//64 -all",
        "v=spf1 ip4:192.0.2.0/24 ip4:0.0.0.0/0 ip6:2001:db8::/32 ip6:::ffff:192.0.2.1 -all",
        "v=spf1 include:_spf.example.com exists:%{i}.%{l1r-}.lp._spf.%{d2} -all",
        "v=spf1 include:example.com.  ?all",
        "v=spf1 redirect=_spf.example.com",
        "v=spf1 -all exp=explain._spf.%{d}",
        "v=spf1 -all moo.cow-far_out=man:dog/cat",
        "v=spf1 a:%{d}.%%.example.com -all",
        "v=spf1 -all ",
    ],
)
def test_valid_records(text):
    parse_record(text)


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("v=spf1 ip4:192.0.2.300 -all", "ip4:192.0.2.300"),
        ("v=spf1 ip4:192.0.02.1 -all", "ip4:192.0.02.1"),
        ("v=spf1 ip4:192.0.2.0/33 -all", "ip4:192.0.2.0/33"),
        ("v=spf1 ip4:192.0.2.0/024 -all", "ip4:192.0.2.0/024"),
        ("v=spf1 ip6:2001:db8::/129 -all", "ip6:2001:db8::/129"),
        ("v=spf1 ip6:192.0.2.1 -all", "ip6:192.0.2.1"),
        ("v=spf1 ip4 -all", "ip4"),
        ("v=spf1 a:example.com/33 -all", "a:example.com/33"),
        ("v=spf1 include -all", "include"),
        ("v=spf1 include:example -all", "include:example"),
        ("v=spf1 a:1.2.3.4 -all", "a:1.2.3.4"),
        ("v=spf1 -all:foo", "-all:foo"),
        ("v=spf1 =a -all", "=a"),
        ("v=spf1 moo -all", "moo"),
        ("v=spf1 a, -all", "a,"),
        ("v=spf1 exists:%{z}.example.com -all", "exists:%{z}.example.com"),
        ("v=spf1 exists:%{d0}.example.com -all", "exists:%{d0}.example.com"),
        ("v=spf1 exists:%{c}.example.com -all", "exists:%{c}.example.com"),
        ("v=spf1 exists:50%.example.com -all", "exists:50%.example.com"),
        ("v=spf1 a:ctrl.example.com\rptr -all", "a:ctrl.example.com\rptr"),
        ("v=spf1 a:\u00efgarbage.example.net -all", "a:\u00efgarbage.example.net"),
        ("v=spf1 redirect=a.example.com redirect=b.example.com", "redirect=b.example.com"),
        ("v=spf1 -all exp=", "exp="),
    ],
)
def test_syntax_errors_name_the_offending_term(text, term):
    with pytest.raises(SpfSyntaxError) as caught:
        parse_record(text)
    assert caught.value.term == term


def test_record_selection():
    assert is_spf("v=spf1 -all") and is_spf("v=spf1") and is_spf("V=SPF1 -all")
    assert not is_spf("v=spf10 -all") and not is_spf("google-site-verification=x")


def test_terms_after_all_and_ignored_redirect_are_unreachable():
    record = parse_record("v=spf1 a -all mx redirect=x.example.com")
    reachable = [record.reachable(i) for i in range(len(record.terms))]
    assert reachable == [True, True, False, False]
    assert [t.text for t in record.after_all()] == ["mx"]


@pytest.mark.parametrize(
    ("spec", "expanded"),
    [
        ("_spf.%{d}", "_spf.mail.example.com"),
        ("%{d2}", "example.com"),
        ("%{dr}", "com.example.mail"),
        ("%{d2r}.x.example", "example.mail.x.example"),
        ("%{o}.y.example", "example.com.y.example"),
        ("%{i}.rbl.example", None),
        ("%{D}.example", None),
    ],
)
def test_expand_domain(spec, expanded):
    assert expand_domain(spec, "mail.example.com", "example.com") == expanded


def test_with_policy_replaces_a_weak_all_and_keeps_the_rest():
    record = parse_record("v=spf1 ip4:192.0.2.1 include:spf.esp.example ?all exp=x.example")
    assert advice.with_policy(record) == (
        "v=spf1 ip4:192.0.2.1 include:spf.esp.example ~all exp=x.example"
    )


def test_with_policy_moves_mechanisms_after_all_before_it():
    record = parse_record("v=spf1 -all include:spf.esp.example")
    assert advice.with_policy(record) == "v=spf1 include:spf.esp.example -all"


def test_with_policy_turns_a_redirect_into_an_include():
    record = parse_record("v=spf1 a redirect=_spf.example.com")
    assert advice.with_policy(record) == "v=spf1 a include:_spf.example.com ~all"


def test_with_mechanism_goes_before_all_or_before_modifiers():
    assert advice.with_mechanism(parse_record("v=spf1 a -all"), "include:e.example") == (
        "v=spf1 a include:e.example -all"
    )
    # without all, the redirect becomes an include so that the record sets its own policy
    assert advice.with_mechanism(parse_record("v=spf1 a redirect=r.example"), "ip4:1.2.3.4") == (
        "v=spf1 a ip4:1.2.3.4 include:r.example ~all"
    )


def test_without_bad_terms_and_merged():
    assert advice.without_bad_terms("v=spf1 ip4:1.2.3.400 moo a -all") == "v=spf1 a -all"
    assert advice.merged(["v=spf1 a -all", "v=spf1 mx a -all"]) == "v=spf1 a mx -all"
    assert advice.merged(["v=spf1 a -all", "v=spf1 mx ?all"]) == "v=spf1 a mx -all"
    assert advice.merged(["v=spf1 a ~all", "v=spf1 mx ?all"]) == "v=spf1 a mx ~all"
