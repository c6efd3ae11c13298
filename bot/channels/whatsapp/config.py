"""Settings of the WhatsApp channel (``TIPLINE_WHATSAPP_*``), held as ``get_settings().whatsapp``.

Kept apart from bot/settings.py as the inbox's are (bot/inbox/config.py): no import of the
rest of the tip line. The Twilio account (sid, token, API URL, timeouts) is the SMS
channel's (``TIPLINE_TWILIO_*``); the rest is WhatsApp's own (docs/whatsapp.md).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

PREFIX = "whatsapp:"  # how Twilio writes a WhatsApp address: whatsapp:+15145550123
OUTSIDE_WINDOW = ("template", "queue")


def _env(name: str, default: str = "") -> str:
    return os.environ.get(f"TIPLINE_WHATSAPP_{name}", default)


@dataclass(frozen=True)
class WhatsAppSettings:
    """The WhatsApp sender and webhook URL, its rate limit, and the 24-hour session window.

    ``from_number`` is the tip line's WhatsApp sender (``whatsapp:+1...``; the prefix is
    added when missing) or ``messaging_service_sid`` a Messaging Service holding it;
    ``public_url`` is the webhook URL exactly as configured in Twilio (signatures).
    WhatsApp lets a business answer freely for 24 hours after the user's last message;
    ``window_minutes`` (a little less, so that a reply never arrives just too late) is
    the tip line's session. Outside it, an officer's reply goes out as an approved
    template when ``content_sids`` has one for that reply and language
    ("investigating.es=HX...,thanks.en=HX...", data/whatsapp_templates/), else it waits
    for the tipster's next message; ``outside_window`` "queue" never uses templates.
    """

    from_number: str = field(default_factory=lambda: _env("FROM_NUMBER"))
    messaging_service_sid: str = field(default_factory=lambda: _env("MESSAGING_SERVICE_SID"))
    public_url: str = field(default_factory=lambda: _env("PUBLIC_URL"))
    rate_limit: str = field(default_factory=lambda: _env("RATE_LIMIT", "10/minute"))
    window_minutes: float = field(
        default_factory=lambda: float(_env("WINDOW_MINUTES", "1435")))
    outside_window: str = field(default_factory=lambda: _env("OUTSIDE_WINDOW", "template"))
    content_sids: str = field(default_factory=lambda: _env("CONTENT_SIDS"))

    @property
    def sender_address(self) -> str:
        """``from_number`` as Twilio wants it (``whatsapp:+1...``), or "" when unset."""
        number = self.from_number.strip()
        return number if not number or number.startswith(PREFIX) else PREFIX + number

    @property
    def uses_templates(self) -> bool:
        return self.outside_window.strip().lower() != "queue"
