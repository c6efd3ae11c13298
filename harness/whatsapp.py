"""Twilio's WhatsApp side of the tip line in tests: signed webhooks, settings, officer replies.

``WhatsAppWebhooks`` posts the form Twilio posts for an incoming WhatsApp message
(``From=whatsapp:+1...``, ``ProfileName``, ``WaId``, ``MessageType``, media), signed as
Twilio signs it, and tells the fake API (harness/fakes/twilio_whatsapp.py) that the
user wrote, so that the fake knows the 24-hour window as Twilio does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any, Dict, Optional, Sequence, Tuple

from bot.channels.whatsapp.spec import SPEC
from harness.servers import ROOT
from harness.twilio_account import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE
from harness.twilio_webhooks import TwilioWebhooks, new_sid

WHATSAPP_PATH = f"/webhooks/{SPEC.input_name}/webhook"
WHATSAPP_SENDER = "whatsapp:+15795550199"
PROFILE_NAME = "Zephyrine Quillfeather"  # a WhatsApp profile name: never stored or logged


def whatsapp_env(content_sids: str = "", outside_window: str = "template") -> Dict[str, str]:
    """Settings of a stack whose WhatsApp channel uses the (fake) SMS account."""
    return {
        "TIPLINE_WHATSAPP_FROM_NUMBER": WHATSAPP_SENDER,
        "TIPLINE_WHATSAPP_MESSAGING_SERVICE_SID": "",
        "TIPLINE_WHATSAPP_PUBLIC_URL": PUBLIC_BASE + WHATSAPP_PATH,
        "TIPLINE_WHATSAPP_RATE_LIMIT": "30/minute",
        "TIPLINE_WHATSAPP_CONTENT_SIDS": content_sids,
        "TIPLINE_WHATSAPP_OUTSIDE_WINDOW": outside_window,
    }


def whatsapp_credentials() -> Dict[str, Any]:
    """The channel's entry in credentials.yml, as in the repository's file."""
    return {SPEC.input_class: None}


class WhatsAppWebhooks(TwilioWebhooks):
    """Posts incoming WhatsApp webhooks to the tip line, signed like Twilio."""

    def __init__(self, post_url: str, fake: Any = None, auth_token: str = AUTH_TOKEN,
                 signed_url: Optional[str] = None, account_sid: str = ACCOUNT_SID) -> None:
        super().__init__(post_url, auth_token, signed_url, account_sid, WHATSAPP_SENDER)
        self.fake = fake  # a FakeWhatsAppApi, told when the user writes

    def form(self, from_: str, body: Optional[str], sid: Optional[str] = None,
             media: Sequence[Tuple[str, str]] = ()) -> Dict[str, str]:
        """The parameters Twilio posts for an incoming WhatsApp message."""
        sid = sid or new_sid("MM" if media else "SM")
        params = {
            "SmsMessageSid": sid, "NumMedia": str(len(media)), "ProfileName": PROFILE_NAME,
            "MessageType": "image" if media else "text", "SmsSid": sid,
            "WaId": from_.removeprefix("whatsapp:").lstrip("+"), "SmsStatus": "received",
            "To": self.to_number, "NumSegments": "1", "ReferralNumMedia": "0",
            "MessageSid": sid, "AccountSid": self.account_sid, "From": from_,
            "ApiVersion": "2010-04-01",
        }
        if body is not None:
            params["Body"] = body
        for index, (url, content_type) in enumerate(media):
            params[f"MediaUrl{index}"] = url
            params[f"MediaContentType{index}"] = content_type
        return params

    def send(self, from_: str, body: Optional[str], media: Sequence[Tuple[str, str]] = (),
             sid: Optional[str] = None) -> Tuple[Any, str]:
        if self.fake is not None:
            self.fake.inbound(from_)
        return super().send(from_, body, media, sid)


_SCRIPT = (
    "import json, sys\n"
    "from sqlalchemy import select\n"
    "from bot.outbound import send_standard_reply\n"
    "from bot.store.db import session_scope\n"
    "from bot.store.models import Tip\n"
    "with session_scope() as s:\n"
    "    tip = s.execute(select(Tip).where(Tip.reference == sys.argv[1])).scalar_one()\n"
    "    d = send_standard_reply(s, tip, sys.argv[2], 'officer-test')\n"
    "print(json.dumps({'status': d.status, 'detail': d.detail}))\n"
)


def standard_reply(env: Dict[str, str], reference: str, key: str) -> Dict[str, str]:
    """``bot.outbound.send_standard_reply`` in a fresh process with the stack's settings."""
    result = subprocess.run([sys.executable, "-c", _SCRIPT, reference, key], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])
