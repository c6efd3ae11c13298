"""The WhatsApp channel's webhook: the SMS gateway's (signature, fields, idempotency by
MessageSid, contact hash and encryption, keywords, limits, durable inbox), on ``whatsapp:``
addresses; a keyword (no bot turn) releases the replies the window held.

The ``From`` of a WhatsApp webhook is ``whatsapp:+1...``: its contact key is WhatsApp's
own keyed hash (address.py), so the same number on SMS and on WhatsApp is two contacts
(two channels, two conversations); the number is encrypted as SMS numbers are and the
sender puts the prefix back. A signed webhook whose ``From`` is not a WhatsApp address
is refused (400): it is an SMS webhook pointed at the wrong URL.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from bot.channels.twilio import keywords
from bot.channels.twilio.gateway import SmsGateway
from bot.channels.twilio.webhook import WebhookResult, first
from bot.channels.whatsapp.address import contact_key
from bot.channels.whatsapp.config import PREFIX
from bot.channels.whatsapp.sender import WhatsAppSender, twilio_settings
from bot.channels.whatsapp.spec import SPEC
from bot.channels.whatsapp.turns import WhatsAppTurns
from bot.settings import TwilioSettings


class WhatsAppGateway(SmsGateway, WhatsAppTurns):
    """Accepts Twilio's WhatsApp webhooks; their turns run in the SMS drains."""

    def __init__(self, settings: Optional[TwilioSettings] = None, *,
                 sender: Optional[WhatsAppSender] = None) -> None:
        settings = settings or twilio_settings()
        super().__init__(settings, sender=sender or WhatsAppSender(settings),
                         input_channel=SPEC.input_name)

    def contact_key(self, address: str) -> str:
        return contact_key(address)

    async def handle_webhook(self, url: str, form: Mapping[str, Any],
                             signature: Optional[str]) -> WebhookResult:
        address = (first(form, "From") or "").strip()
        if (address and not address.startswith(PREFIX)
                and self.checker.is_valid(url, form, signature)):
            return WebhookResult(400, "From must be a whatsapp: address", "text/plain")
        result = await super().handle_webhook(url, form, signature)
        if result.status == 200 and keywords.match(first(form, "Body")) is not None:
            # a keyword has no turn (turns.py releases before each turn): the window is
            # open again, what it held goes out now (to no one after STOP)
            self._spawn(self.release(self.contact_key(address)))
        return result
