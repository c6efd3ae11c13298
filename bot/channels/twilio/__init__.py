"""SMS over Twilio: signed webhooks, anonymous two-way texting, carrier keywords.

``SPEC`` (spec.py) describes the channel to the rest of the tip line; its input class,
``bot.channels.twilio.TwilioTipChannel``, is the name in credentials.yml.
"""

from __future__ import annotations

from typing import Any

from bot.channels.twilio.spec import SPEC

__all__ = ["SPEC", "TwilioTipChannel"]


def __getattr__(name: str) -> Any:  # imported lazily: Rasa is only needed by the channel
    if name == "TwilioTipChannel":
        from bot.channels.twilio.channel import TwilioTipChannel

        return TwilioTipChannel
    raise AttributeError(name)
