"""WhatsApp through Twilio: the SMS channel's signed webhooks, keywords and media on
``whatsapp:`` addresses, with WhatsApp's 24-hour session window for officers' replies.

``SPEC`` (spec.py) describes the channel to the rest of the tip line; its input class,
``bot.channels.whatsapp.WhatsAppTipChannel``, is the name in credentials.yml.
"""

from __future__ import annotations

from typing import Any

from bot.channels.whatsapp.spec import SPEC

__all__ = ["SPEC", "WhatsAppTipChannel"]


def __getattr__(name: str) -> Any:  # imported lazily: Rasa is only needed by the channel
    if name == "WhatsAppTipChannel":
        from bot.channels.whatsapp.channel import WhatsAppTipChannel

        return WhatsAppTipChannel
    raise AttributeError(name)
