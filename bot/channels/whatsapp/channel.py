"""The Rasa input channel for WhatsApp through Twilio.

In credentials.yml (no values: everything comes from the ``TIPLINE_TWILIO_*`` account
and the ``TIPLINE_WHATSAPP_*`` settings, docs/whatsapp.md)::

    bot.channels.whatsapp.WhatsAppTipChannel:

Routes (under ``/webhooks/tipline_whatsapp/``): ``GET /`` health, ``POST /webhook`` the
webhook to configure on the WhatsApp sender ("A message comes in", HTTP POST), ``POST
/status`` Twilio's status callbacks of officers' replies. The work is in
``gateway.WhatsAppGateway``; this module only adapts Sanic and Rasa to it.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional

from rasa.core.channels.channel import InputChannel

from bot.channels.twilio.channel import TwilioTipChannel
from bot.channels.whatsapp.gateway import WhatsAppGateway
from bot.channels.whatsapp.sender import WhatsAppSender, officer_sender, set_sender, twilio_settings
from bot.channels.whatsapp.spec import SPEC
from bot.inbox.agent import AgentLink
from bot.outbound import register_sender
from bot.settings import TwilioSettings

log = logging.getLogger(__name__)


class WhatsAppTipChannel(TwilioTipChannel):
    """Signed, idempotent, fast-acknowledging WhatsApp channel keyed by contact hash: the SMS
    channel's routes and start-up with WhatsApp's spec, gateway and sender."""

    spec = SPEC

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
