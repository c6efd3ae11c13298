"""Voice line over Twilio Voice: a language menu, spoken tips, answers read aloud.

``SPEC`` (spec.py) describes the channel to the rest of the tip line; its input class,
``bot.channels.voice.VoiceTipChannel``, is the name in credentials.yml (docs/voice.md).
"""

from __future__ import annotations

from typing import Any

from bot.channels.voice.spec import SPEC

__all__ = ["SPEC", "VoiceTipChannel"]


def __getattr__(name: str) -> Any:  # imported lazily: Rasa is only needed by the channel
    if name == "VoiceTipChannel":
        from bot.channels.voice.channel import VoiceTipChannel

        return VoiceTipChannel
    raise AttributeError(name)
