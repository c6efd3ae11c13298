"""Twilio's side of the SMS channel in tests, in one import: fictional numbers, and the rest.

Fictional phone numbers and the search for them in files live here; the account and stack
settings in ``harness.twilio_account``, signed webhooks in ``harness.twilio_webhooks``, this
process's SMS configuration in ``harness.twilio_process`` (all re-exported).
"""

from __future__ import annotations

import random
from typing import Iterable, List, Sequence, Tuple

from harness.twilio_account import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_BASE,
    TIP_LINE_NUMBER,
    WEBHOOK_PATH,
    twilio_credentials,
    twilio_env,
)
from harness.twilio_process import reset_process_state, sms_database, sms_environment
from harness.twilio_webhooks import TwilioWebhooks, media_urls, new_sid

__all__ = [
    "ACCOUNT_SID", "AUTH_TOKEN", "PUBLIC_BASE", "TIP_LINE_NUMBER", "WEBHOOK_PATH",
    "TwilioWebhooks", "fake_number", "grep_files", "media_urls", "new_sid", "number_formats",
    "reset_process_state", "sms_database", "sms_environment", "twilio_credentials", "twilio_env",
]

_used: set = set()


def fake_number() -> str:
    """A fresh North American number in the 555-01XX fictional range (E.164)."""
    while True:
        area = random.randint(201, 989)
        number = f"+1{area}55501{random.randint(0, 99):02d}"
        if area % 100 != 11 and number not in _used:
            _used.add(number)
            return number


def number_formats(number: str) -> List[str]:
    """Ways a +1 number may be written: +15145550123, 15145550123, 5145550123,
    514-555-0123, (514) 555-0123, 514.555.0123, 514 555 0123, +1 514 555 0123."""
    digits = number.lstrip("+")
    local = digits[-10:]
    area, exchange, line = local[:3], local[3:6], local[6:]
    return [number, digits, local, f"{area}-{exchange}-{line}", f"({area}) {exchange}-{line}",
            f"{area}.{exchange}.{line}", f"{area} {exchange} {line}",
            f"+1 {area} {exchange} {line}", f"1-{area}-{exchange}-{line}"]


def grep_files(paths: Iterable, needles: Sequence[str]) -> List[Tuple[str, str]]:
    """(file, needle) for every needle found in the bytes of the files."""
    found = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for needle in needles:
            for encoded in {needle.encode("utf-8"), needle.encode("utf-16-le")}:
                if encoded in data:
                    found.append((str(path), needle))
                    break
    return found
