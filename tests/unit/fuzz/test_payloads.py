"""Twilio SMS webhook payloads, fuzzed: form parsing, field checks and the signature check."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Dict, List
from urllib.parse import quote, urlencode

from hypothesis import example, given
from hypothesis import strategies as st

from bot.channels.twilio.channel import form_of
from bot.channels.twilio.signature import SignatureChecker
from bot.channels.twilio.webhook import MAX_MEDIA, first, parse_inbound
from harness.twilio import AUTH_TOKEN, PUBLIC_BASE, WEBHOOK_PATH, TwilioWebhooks
from tests.unit.fuzz.strategies import TWILIO_FIELDS, short_text, storable_text, twilio_forms

PUBLIC_URL = PUBLIC_BASE + WEBHOOK_PATH
@given(twilio_forms())
@example({"MessageSid": "SM1\nINFO forged line", "From": "+15145550123", "Body": "x"})
@example({"MessageSid": "SM1", "From": "+1", "Body": "x", "NumMedia": "9" * 5000})
@example({"MessageSid": ["SM\ud800"], "From": [" "], "Body": []})
def test_a_webhook_form_is_read_or_refused_with_a_reason(form: Dict[str, Any]) -> None:
    inbound, problem = parse_inbound(form)
    if inbound is None:
        assert isinstance(problem, str) and problem
        return
    assert problem is None
    sid = (first(form, "MessageSid") or "").strip()
    assert inbound.sid == sid and sid.isalnum() and len(sid) <= 64  # no newline, no markup
    assert inbound.address == (first(form, "From") or "").strip() and inbound.address
    assert inbound.text == (first(form, "Body") or "")  # the body whole: nothing cut
    assert 0 <= len(inbound.media) <= MAX_MEDIA
    assert len(inbound.media) == int((first(form, "NumMedia") or "0").strip() or "0")
    assert all(m["url"].startswith(("https://", "http://")) for m in inbound.media)


def _body(params: Dict[str, List[str]]) -> bytes:
    return urlencode(params, doseq=True).encode()


@given(st.dictionaries(storable_text, st.lists(storable_text, min_size=1, max_size=3),
                       max_size=6))
def test_a_form_body_round_trips(params: Dict[str, List[str]]) -> None:
    """Every field, blank ones and repeated ones included, is read back as Twilio sent it."""
    request = SimpleNamespace(content_type="application/x-www-form-urlencoded",
                              body=_body(params))
    assert form_of(request) == params


@given(st.binary(max_size=300), st.sampled_from(["application/x-www-form-urlencoded", None,
                                                 "application/json", "text/plain; x"]))
@example(b"MessageSid=%ED%A0%80&From=%00%FF&Body=%E2%80%A8", "application/x-www-form-urlencoded")
def test_any_body_is_read_as_text_without_lone_surrogates(body: bytes, content_type: Any) -> None:
    form = form_of(SimpleNamespace(content_type=content_type, body=body))
    for name, values in form.items():
        for text in (name, *values):
            text.encode("utf-8")  # storable and loggable: invalid bytes became U+FFFD


def _signed(params: Dict[str, str], url: str = PUBLIC_URL, token: str = AUTH_TOKEN) -> str:
    return TwilioWebhooks(url, token).sign(params)


storable_forms = st.dictionaries(storable_text, storable_text, max_size=6)
internal_urls = st.sampled_from(["http://10.1.2.3:5005", "http://h:99999", "http://h:abc",
                                 "http://[::1", "http://", ""]).map(lambda u: u + WEBHOOK_PATH)


@given(storable_forms, internal_urls)
@example({"Body": "x"}, "http://h:abc" + WEBHOOK_PATH)
def test_a_request_signed_by_twilio_is_valid_whatever_its_content(
        params: Dict[str, str], url: str) -> None:
    checker = SignatureChecker(f"old-token, {AUTH_TOKEN}", PUBLIC_URL)
    assert checker.is_valid(url, params, _signed(params))


@given(storable_forms, internal_urls, st.one_of(st.none(), short_text,
                                                st.sampled_from(["", "=", "a" * 28 + "="])))
@example({"Body": "x"}, "http://h:abc" + WEBHOOK_PATH, "bm90IGEgc2lnbmF0dXJl")  # was ValueError
@example({"Body": "x"}, "http://[::1" + WEBHOOK_PATH, "bm90IGEgc2lnbmF0dXJl")  # was ValueError
def test_a_forged_or_missing_signature_is_refused(params: Dict[str, str], url: str,
                                                  signature: Any) -> None:
    for public_url in (PUBLIC_URL, ""):  # behind a proxy, and with the URL Rasa sees
        assert not SignatureChecker(AUTH_TOKEN, public_url).is_valid(url, params, signature)


@given(storable_forms, st.sampled_from(TWILIO_FIELDS), storable_text)
def test_a_signature_is_refused_once_a_field_is_changed_or_signed_elsewhere(
        params: Dict[str, str], name: str, value: str) -> None:
    checker = SignatureChecker(AUTH_TOKEN, PUBLIC_URL)
    signature = _signed(params)
    tampered = {**params, name: value}
    assert checker.is_valid(PUBLIC_URL, tampered, signature) == (tampered == params)
    assert not checker.is_valid(PUBLIC_URL, params, _signed(params, token="other-token"))
    assert not checker.is_valid(PUBLIC_URL, params, _signed(params, PUBLIC_URL + "x"))
    assert not SignatureChecker("", PUBLIC_URL).is_valid(PUBLIC_URL, params, signature)


def test_percent_encoded_hostile_bytes_reach_the_checker_as_text() -> None:
    """The encoded body a forger controls: any byte, decoded with replacement."""
    body = "MessageSid=" + quote(b"SM\n\xed\xa0\x80") + "&From=%2B1"
    form = form_of(SimpleNamespace(content_type="application/x-www-form-urlencoded",
                                   body=body.encode()))
    assert form["MessageSid"] == ["SM\n\ufffd\ufffd\ufffd"] and form["From"] == ["+1"]
    assert not SignatureChecker(AUTH_TOKEN, PUBLIC_URL).is_valid(PUBLIC_URL, form, "x")
