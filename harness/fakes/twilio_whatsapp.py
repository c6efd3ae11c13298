"""The fake Twilio API with WhatsApp: ``whatsapp:`` addresses, templates, the 24-hour window.

``FakeWhatsAppApi`` is ``FakeTwilioApi`` (SMS as before) whose Messages create also speaks
WhatsApp as api.twilio.com does: ``To=whatsapp:+1...`` needs a WhatsApp ``From`` (400,
code 21910, "Invalid From and To pair"); ``ContentSid`` + ``ContentVariables`` send an
approved template (``register_template``: unknown SID 400, code 21655), its body filled
in; free text to a user whose last message (``inbound``, told by harness.whatsapp's
webhooks) is 24 hours old or more is accepted (201, queued) and then fails as on Twilio
with error 63016 ("outside the allowed window"): the record says so (``error_code``).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from harness.fakes.twilio_api import FakeTwilioApi
from harness.fakes.twilio_handler import handler_for
from harness.fakes.twilio_wire import MAX_BODY, SentMessage, message_resource, twilio_error

PREFIX = "whatsapp:"
WINDOW_SECONDS = 24 * 3600
OUTSIDE_WINDOW = 63016


@dataclass(frozen=True)
class WhatsAppMessage(SentMessage):
    """A WhatsApp message the fake accepted: a template's SID, or free text in or out of
    the session window (``error_code`` 63016: Twilio failed it after accepting it)."""

    content_sid: Optional[str] = None
    content_variables: Optional[Dict[str, str]] = None
    error_code: Optional[int] = None


class FakeWhatsAppApi(FakeTwilioApi):
    """The fake Messages API, SMS and WhatsApp."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.templates: Dict[str, str] = {}  # ContentSid -> body with {{1}}...
        self._inbound: Dict[str, float] = {}
        self._inbound_lock = threading.Lock()
        self._server.RequestHandlerClass = _whatsapp_handler(self)

    def register_template(self, body: str) -> str:
        """An approved template (Content Template Builder): its new ``HX...`` SID."""
        sid = "HX" + secrets.token_hex(16)
        self.templates[sid] = body
        return sid

    def inbound(self, address: str, at: Optional[float] = None) -> None:
        """The user ``address`` wrote to the business (opens the session window)."""
        with self._inbound_lock:
            self._inbound[address] = time.time() if at is None else at

    def age(self, address: str, hours: float) -> None:
        """Make the user's last message ``hours`` older (a closed window in tests)."""
        with self._inbound_lock:
            self._inbound[address] = self._inbound.get(address, time.time()) - hours * 3600

    def window_open(self, address: str) -> bool:
        with self._inbound_lock:
            last = self._inbound.get(address)
        return last is not None and time.time() - last < WINDOW_SECONDS

    def resource(self, message: SentMessage) -> Dict[str, Any]:
        resource = message_resource(self.account_sid, message)
        if isinstance(message, WhatsAppMessage):
            resource["num_segments"] = "1"
        return resource


def fill(body: str, variables: Dict[str, str]) -> str:
    """A template's body with its ``{{n}}`` variables replaced."""
    return re.sub(r"\{\{(\d+)\}\}", lambda m: str(variables.get(m.group(1), m.group(0))), body)


def _whatsapp_handler(fake: FakeWhatsAppApi) -> type:
    base = handler_for(fake)

    class Handler(base):  # type: ignore[misc, valid-type]
        def _create(self, form: Dict[str, List[str]]) -> None:
            def one(name: str) -> Optional[str]:
                values = form.get(name)
                return values[-1] if values else None

            to = one("To") or ""
            if not to.startswith(PREFIX):
                super()._create(form)  # SMS, exactly as before
                return
            from_, service = one("From"), one("MessagingServiceSid")
            if not service and not (from_ or "").startswith(PREFIX):
                self._send(400, twilio_error(400, 21910, "Invalid From and To pair. From and "
                                                         "To should be of the same channel"))
                return
            mode = fake.take_mode()
            if mode in ("fail", "hang"):
                self._send(500, twilio_error(500, 20500, "Internal Server Error"))
                return
            if mode == "throttle":
                self._send(429, twilio_error(429, 20429, "Too Many Requests"))
                return
            content_sid, body = one("ContentSid"), one("Body") or ""
            variables: Dict[str, str] = {}
            error_code = None
            if content_sid:
                if content_sid not in fake.templates:
                    self._send(400, twilio_error(400, 21655, "The ContentSid is Invalid"))
                    return
                try:
                    variables = json.loads(one("ContentVariables") or "{}")
                except ValueError:
                    self._send(400, twilio_error(400, 21656, "The ContentVariables Parameter "
                                                             "is invalid"))
                    return
                body = fill(fake.templates[content_sid], variables)
            elif not body:
                self._send(400, twilio_error(400, 21602, "Message body is required."))
                return
            elif len(body) > MAX_BODY:
                self._send(400, twilio_error(400, 21617, "The concatenated message body "
                                                         "exceeds the 1600 character limit."))
                return
            elif not fake.window_open(to):
                error_code = OUTSIDE_WINDOW  # accepted, then failed by Twilio
            message = WhatsAppMessage("SM" + secrets.token_hex(16), to, from_, service, body,
                                      list(form.get("MediaUrl", [])), 1,
                                      status_callback=one("StatusCallback"),
                                      content_sid=content_sid, content_variables=variables,
                                      error_code=error_code)
            fake.record(message)
            self._send(201, fake.resource(message))

    return Handler
