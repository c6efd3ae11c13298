"""X-Twilio-Signature: checked with twilio's RequestValidator, public URL behind a proxy."""

from __future__ import annotations

from twilio.request_validator import RequestValidator

from bot.channels.twilio.signature import SignatureChecker
from harness.twilio import WEBHOOK_PATH

TOKEN = "a-test-auth-token"
PARAMS = {"MessageSid": "SM1", "From": "+15145550100", "Body": "a van near Lacolle",
          "NumMedia": "0"}
PUBLIC = f"https://tips.example.org{WEBHOOK_PATH}"
INTERNAL = f"http://10.0.0.5:5005{WEBHOOK_PATH}"


def sign(url: str, params: dict = PARAMS, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def test_direct_url() -> None:
    checker = SignatureChecker(TOKEN)
    assert checker.is_valid(INTERNAL, PARAMS, sign(INTERNAL))
    assert not checker.is_valid(INTERNAL, PARAMS, sign(PUBLIC))


def test_behind_a_proxy_the_public_url_is_checked() -> None:
    checker = SignatureChecker(TOKEN, PUBLIC)
    assert checker.is_valid(INTERNAL, PARAMS, sign(PUBLIC))
    assert not checker.is_valid(INTERNAL, PARAMS, sign(INTERNAL))
    base_only = SignatureChecker(TOKEN, "https://tips.example.org")
    assert base_only.is_valid(INTERNAL, PARAMS, sign(PUBLIC))
    # the query string Twilio called is part of what it signed
    assert base_only.is_valid(INTERNAL + "?a=1", PARAMS, sign(PUBLIC + "?a=1"))
    assert not base_only.is_valid(INTERNAL + "?a=1", PARAMS, sign(PUBLIC))


def test_tampering_and_missing_signature() -> None:
    checker = SignatureChecker(TOKEN, PUBLIC)
    good = sign(PUBLIC)
    assert not checker.is_valid(INTERNAL, {**PARAMS, "Body": "changed"}, good)
    assert not checker.is_valid(INTERNAL, {**PARAMS, "Extra": "x"}, good)
    assert not checker.is_valid(INTERNAL, PARAMS, None)
    assert not checker.is_valid(INTERNAL, PARAMS, "")
    assert not checker.is_valid(INTERNAL, PARAMS, sign(PUBLIC, token="another-token"))


def test_multi_valued_fields_and_lists() -> None:
    params = {"MessageSid": ["SM2"], "Body": ["x"], "From": ["+15145550100"]}
    flat = {k: v[0] for k, v in params.items()}
    checker = SignatureChecker(TOKEN, PUBLIC)
    assert checker.is_valid(INTERNAL, params, sign(PUBLIC, flat))


def test_token_rotation_accepts_old_and_new() -> None:
    checker = SignatureChecker("new-token, old-token", PUBLIC)
    assert checker.is_valid(INTERNAL, PARAMS, sign(PUBLIC, token="old-token"))
    assert checker.is_valid(INTERNAL, PARAMS, sign(PUBLIC, token="new-token"))
    assert not SignatureChecker("", PUBLIC).configured
