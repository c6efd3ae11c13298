"""SMS over Twilio: signed webhooks, anonymous two-way texting, carrier keywords.

``bot.channels.twilio.TwilioTipChannel`` is the name to use in credentials.yml.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TwilioTipChannel"]


def __getattr__(name: str) -> Any:  # imported lazily: Rasa is only needed by the channel
    if name == "TwilioTipChannel":
        from bot.channels.twilio.channel import TwilioTipChannel

        return TwilioTipChannel
    raise AttributeError(name)
