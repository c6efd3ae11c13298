"""The Rasa input channel for WhatsApp through Twilio.

In credentials.yml (no values: everything comes from the ``TIPLINE_TWILIO_*`` account
and the ``TIPLINE_WHATSAPP_*`` settings, docs/whatsapp.md)::

    bot.channels.whatsapp.WhatsAppTipChannel:

Routes (under ``/webhooks/tipline_whatsapp/``): ``GET /`` health, ``POST /webhook`` the
webhook to configure on the WhatsApp sender ("A message comes in", HTTP POST). The work
is in ``gateway.WhatsAppGateway``; this module only adapts Sanic and Rasa to it.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.twilio.channel import form_of
from bot.channels.twilio.signature import SIGNATURE_HEADER
from bot.channels.whatsapp.gateway import WhatsAppGateway
from bot.channels.whatsapp.sender import WhatsAppSender, officer_sender, set_sender, twilio_settings
from bot.channels.whatsapp.spec import SPEC
from bot.inbox.agent import AgentLink
from bot.outbound import register_sender
from bot.settings import TwilioSettings

log = logging.getLogger(__name__)


class WhatsAppTipChannel(InputChannel):
    """Signed, idempotent, fast-acknowledging WhatsApp channel keyed by contact hash."""

    @classmethod
    def name(cls) -> str:
        return SPEC.input_name

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        if credentials:
            log.warning("%s credentials: ignored (TIPLINE_WHATSAPP_* settings are used)",
                        SPEC.input_name)
        return cls()

    def __init__(self, settings: Optional[TwilioSettings] = None) -> None:
        self.settings = settings or twilio_settings()
        sender = WhatsAppSender(self.settings)
        self.gateway = WhatsAppGateway(self.settings, sender=sender)
        self.link = AgentLink()
        self.gateway.link = self.link
        set_sender(sender)
        register_sender(SPEC.name, officer_sender)
        if not self.gateway.checker.configured:
            log.warning("%s: no auth token: every webhook will be refused (403)", SPEC.input_name)
        if not self.settings.can_send:
            log.warning("%s: account, token or WhatsApp sender missing: replies cannot be sent",
                        SPEC.input_name)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        gateway = self.gateway
        gateway.on_new_message = on_new_message
        blueprint = Blueprint(f"{SPEC.input_name}_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            result = await gateway.handle_webhook(request.url, form_of(request),
                                                  request.headers.get(SIGNATURE_HEADER))
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
