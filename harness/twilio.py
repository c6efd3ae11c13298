"""Twilio's side of the SMS channel in tests: signed webhooks, phone numbers, officer replies.

``TwilioWebhooks`` builds the form Twilio posts for an incoming SMS/MMS, signs it with the
``twilio`` package's RequestValidator exactly as Twilio does (URL + sorted parameters,
HMAC-SHA1 with the auth token) and posts it to the tip line.
"""

from __future__ import annotations

import random
import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import requests
from cryptography.fernet import Fernet
from twilio.request_validator import RequestValidator

from bot.channels.twilio.spec import SPEC

ACCOUNT_SID = "AC" + "7" * 32
AUTH_TOKEN = "tipline-test-auth-token-0123456789"
TIP_LINE_NUMBER = "+15795550100"
WEBHOOK_PATH = f"/webhooks/{SPEC.input_name}/webhook"
PUBLIC_BASE = "https://tips.example.org"

_used: set = set()


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


def new_sid(prefix: str = "SM") -> str:
    return prefix + secrets.token_hex(16)


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


class TwilioWebhooks:
    """Posts incoming-message webhooks to the tip line, signed like Twilio."""

    def __init__(self, post_url: str, auth_token: str = AUTH_TOKEN,
                 signed_url: Optional[str] = None, account_sid: str = ACCOUNT_SID,
                 to_number: str = TIP_LINE_NUMBER) -> None:
        self.post_url = post_url
        self.signed_url = signed_url or post_url
        self.validator = RequestValidator(auth_token)
        self.account_sid = account_sid
        self.to_number = to_number
        self.session = requests.Session()

    def form(self, from_: str, body: Optional[str], sid: Optional[str] = None,
             media: Sequence[Tuple[str, str]] = ()) -> Dict[str, str]:
        """The parameters Twilio posts for an incoming SMS (MMS with ``media``)."""
        sid = sid or new_sid("MM" if media else "SM")
        params = {
            "ToCountry": "CA", "ToState": "QC", "SmsMessageSid": sid, "NumMedia": str(len(media)),
            "ToCity": "", "FromZip": "", "SmsSid": sid, "FromState": "QC", "SmsStatus": "received",
            "FromCity": "", "FromCountry": "CA", "To": self.to_number, "ToZip": "",
            "NumSegments": "1", "MessageSid": sid, "AccountSid": self.account_sid,
            "From": from_, "ApiVersion": "2010-04-01",
        }
        if body is not None:
            params["Body"] = body
        for index, (url, content_type) in enumerate(media):
            params[f"MediaUrl{index}"] = url
            params[f"MediaContentType{index}"] = content_type
        return params

    def sign(self, params: Dict[str, str], url: Optional[str] = None) -> str:
        return self.validator.compute_signature(url or self.signed_url, params)

    def post(self, params: Dict[str, str], signature: Optional[str] = "sign",
             url: Optional[str] = None, timeout: float = 20) -> requests.Response:
        """POST ``params``; ``signature="sign"`` signs them, None sends no signature."""
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "User-Agent": "TwilioProxy/1.1", "I-Twilio-Idempotency-Token": new_sid("")}
        if signature == "sign":
            signature = self.sign(params, url)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return self.session.post(self.post_url, data=params, headers=headers, timeout=timeout)

    def send(self, from_: str, body: Optional[str], media: Sequence[Tuple[str, str]] = (),
             sid: Optional[str] = None) -> Tuple[requests.Response, str]:
        """One signed incoming message; (response, MessageSid)."""
        params = self.form(from_, body, sid, media)
        return self.post(params), params["MessageSid"]


def media_urls(count: int, account_sid: str = ACCOUNT_SID) -> List[Tuple[str, str]]:
    """Media URLs shaped like Twilio's, with content types."""
    message = new_sid("MM")
    return [(f"https://api.twilio.com/2010-04-01/Accounts/{account_sid}/Messages/{message}/"
             f"Media/{new_sid('ME')}", "image/jpeg") for _ in range(count)]


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


_template_db: Dict[str, Path] = {}


def _migrated_template(directory: Path) -> Path:
    """A migrated empty tips database, made once per test session and copied per test."""
    if "path" not in _template_db:
        from bot.store.migrate import upgrade

        path = directory / "template.db"
        upgrade(url=f"sqlite:///{path}")
        _template_db["path"] = path
    return _template_db["path"]


def reset_process_state() -> None:
    """Forget settings, engines, catalogs and senders cached from an earlier environment."""
    import bot.outbound
    import bot.translation
    from bot.channels.twilio.sender import set_sender
    from bot.messages import get_catalog, get_officer_replies
    from bot.settings import get_settings
    from bot.store.db import get_engine

    if get_engine.cache_info().currsize:
        get_engine().dispose()  # the engine of the configured database
    get_engine.cache_clear()
    get_settings.cache_clear()
    get_catalog.cache_clear()
    get_officer_replies.cache_clear()
    bot.translation._service = None
    set_sender(None)
    bot.outbound._senders.pop(SPEC.name, None)


@contextmanager
def sms_environment(tmp_path: Path, fake_api: Any, template_dir: Path,
                    **overrides: str) -> Iterator[Dict[str, str]]:
    """This process configured like a tip line with SMS: a fresh SQLite tips database
    (copied from a migrated template), fresh secrets, Twilio pointed at ``fake_api``."""
    database = tmp_path / "tips.db"
    shutil.copyfile(_migrated_template(template_dir), database)
    env = {
        "TIPLINE_DATABASE_URL": f"sqlite:///{database}",
        "TIPLINE_VAR_DIR": str(tmp_path),
        "TIPLINE_HASH_KEY": "unit-hash-key-" + secrets.token_hex(8),
        "TIPLINE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "TIPLINE_TRANSLATION_PROVIDER": "none",
        **twilio_env(fake_api),
        "TIPLINE_TWILIO_SEND_TIMEOUT": "1",
        "TIPLINE_TWILIO_SEND_BACKOFF": "0.01",
        **overrides,
    }
    from harness.env import process_env

    with process_env(env):
        yield env
