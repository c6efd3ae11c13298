"""The test Twilio account: sid, token, numbers, webhook path, and the stack settings using them."""

from __future__ import annotations

from typing import Any, Dict

from bot.channels.twilio.spec import SPEC

ACCOUNT_SID = "AC" + "7" * 32
AUTH_TOKEN = "tipline-test-auth-token-0123456789"
TIP_LINE_NUMBER = "+15795550100"
WEBHOOK_PATH = f"/webhooks/{SPEC.input_name}/webhook"
PUBLIC_BASE = "https://tips.example.org"


def twilio_env(fake_api: Any, rate_limit: str = "30/minute") -> Dict[str, str]:
    """Environment of a stack whose SMS channel talks to ``fake_api`` (a FakeTwilioApi).

    The webhook URL Twilio signs is the public one (as behind a reverse proxy), not the
    127.0.0.1 address the tests post to.
    """
    return {
        "TIPLINE_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TIPLINE_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TIPLINE_TWILIO_FROM_NUMBER": TIP_LINE_NUMBER,
        "TIPLINE_TWILIO_MESSAGING_SERVICE_SID": "",
        "TIPLINE_TWILIO_PUBLIC_URL": PUBLIC_BASE + WEBHOOK_PATH,
        "TIPLINE_TWILIO_API_BASE_URL": fake_api.url,
        "TIPLINE_TWILIO_SEND_TIMEOUT": "2",
        "TIPLINE_TWILIO_SEND_BACKOFF": "0.1",
        "TIPLINE_TWILIO_RATE_LIMIT": rate_limit,
        "TIPLINE_TWILIO_FETCH_MEDIA": "0",
    }


def twilio_credentials() -> Dict[str, Dict[str, str]]:
    """The channel's entry in credentials.yml, as in the repository's file."""
    return {SPEC.input_class: {
        "account_sid": "${TIPLINE_TWILIO_ACCOUNT_SID}",
        "auth_token": "${TIPLINE_TWILIO_AUTH_TOKEN}",
        "from_number": "${TIPLINE_TWILIO_FROM_NUMBER}",
        "messaging_service_sid": "${TIPLINE_TWILIO_MESSAGING_SERVICE_SID}",
        "public_url": "${TIPLINE_TWILIO_PUBLIC_URL}",
    }}
