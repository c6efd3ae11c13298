"""The Rasa input channel for SMS over Twilio (replaces Rasa's built-in ``twilio``).

In credentials.yml (values fall back to the ``TIPLINE_TWILIO_*`` settings when empty)::

    bot.channels.twilio.TwilioTipChannel:
      account_sid: ${TIPLINE_TWILIO_ACCOUNT_SID}
      auth_token: ${TIPLINE_TWILIO_AUTH_TOKEN}
      from_number: ${TIPLINE_TWILIO_FROM_NUMBER}
      messaging_service_sid: ${TIPLINE_TWILIO_MESSAGING_SERVICE_SID}
      public_url: ${TIPLINE_TWILIO_PUBLIC_URL}

Routes (under ``/webhooks/tipline_twilio/``): ``GET /`` health, ``POST /webhook`` the
messaging webhook to configure on the Twilio number ("A message comes in", HTTP POST),
``POST /status`` Twilio's status callbacks of officers' replies (asked for by each send).
The work is in ``gateway.SmsGateway``; this module only adapts Sanic and Rasa to it.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional
from urllib.parse import parse_qs

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.twilio.delivery import officer_sender
from bot.channels.twilio.gateway import SmsGateway
from bot.channels.twilio.sender import TwilioSender, set_sender
from bot.channels.twilio.signature import SIGNATURE_HEADER
from bot.channels.twilio.spec import SPEC
from bot.inbox.agent import AgentLink
from bot.outbound import register_sender
from bot.settings import TwilioSettings, get_settings

log = logging.getLogger(__name__)
CREDENTIAL_KEYS = ("account_sid", "auth_token", "from_number", "messaging_service_sid",
                   "public_url", "api_base_url", "rate_limit")


def settings_from_credentials(credentials: Optional[Dict[str, Any]]) -> TwilioSettings:
    """The environment's Twilio settings, overridden by non-empty credentials values."""
    base = get_settings().twilio
    overrides = {k: str(v) for k, v in (credentials or {}).items()
                 if k in CREDENTIAL_KEYS and v not in (None, "")}
    unknown = sorted(set(credentials or {}) - set(CREDENTIAL_KEYS))
    if unknown:
        log.warning("%s credentials: unknown keys ignored: %s", SPEC.input_name,
                    ", ".join(unknown))
    return dataclasses.replace(base, **overrides)


class TwilioTipChannel(InputChannel):
    """Signed, idempotent, fast-acknowledging SMS channel keyed by contact hash (WhatsApp's
    channel is this one with its own spec, gateway and sender)."""

    spec = SPEC

    @classmethod
    def name(cls) -> str:
        return cls.spec.input_name

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        return cls(settings_from_credentials(credentials))

    def __init__(self, settings: Optional[TwilioSettings] = None) -> None:
        self.settings = settings or get_settings().twilio
        sender = TwilioSender(self.settings)
        self.gateway = SmsGateway(self.settings, sender=sender)
        self.link = AgentLink()
        self.gateway.link = self.link  # its drains wait for the agent; recovery reads it
        # officer replies in this process go through the same account and number
        set_sender(sender)
        register_sender(SPEC.name, officer_sender)
        if not self.gateway.checker.configured:
            log.warning("%s: no auth token: every webhook will be refused (403)", SPEC.input_name)
        if not self.settings.can_send:
            log.warning("%s: account, token or sending number missing: replies cannot be sent",
                        SPEC.input_name)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        gateway = self.gateway
        gateway.on_new_message = on_new_message
        blueprint = Blueprint(f"{self.spec.input_name}_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            result = await gateway.handle_webhook(request.url, form_of(request),
                                                  request.headers.get(SIGNATURE_HEADER))
            return response.text(result.body, status=result.status,
                                 content_type=result.content_type)

        @blueprint.route("/status", methods=["POST"])
        async def status(request: Request) -> HTTPResponse:
            result = await gateway.status_callbacks.handle(
                request.url, form_of(request), request.headers.get(SIGNATURE_HEADER))
            return response.text(result.body, status=result.status,
                                 content_type=result.content_type)

        @blueprint.listener("after_server_start")
        async def start(app: Any, _loop: Any) -> None:
            app.add_task(self._connect(app))

        @blueprint.listener("before_server_stop")
        async def stop(_app: Any, _loop: Any) -> None:
            await gateway.stop()

        return blueprint

    async def _connect(self, app: Any) -> None:
        """Once Rasa's agent is loaded: read the tracker for language and recovery."""
        if not await self.link.connect(app):
            return
        self.gateway.read_language = self.link.slot
        await self.gateway.start()

    def get_output_channel(self) -> None:
        """No output channel by address: replies go through the gateway (contact hash)."""
        return None


def form_of(request: Request) -> Dict[str, List[str]]:
    """The POST parameters, blank ones included (Twilio signs ``FromCity=`` and an empty
    ``Body`` too; Sanic's ``request.form`` drops them, which breaks the signature)."""
    if "application/x-www-form-urlencoded" not in (request.content_type or ""):
        return {}
    return parse_qs(request.body.decode("utf-8", errors="replace"), keep_blank_values=True)
