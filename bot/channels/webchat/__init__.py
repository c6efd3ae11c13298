"""Web chat for community sites: socket.io channel, embeddable widget, demo pages.

``SPEC`` (spec.py) describes the channel to the rest of the tip line; its input class,
``bot.channels.webchat.WebChatChannel``, is the name in credentials.yml (docs/webchat.md).
"""

from __future__ import annotations

from typing import Any

from bot.channels.webchat.spec import SPEC

__all__ = ["SPEC", "WebChatChannel"]


def __getattr__(name: str) -> Any:  # imported lazily: Rasa is only needed by the channel
    if name == "WebChatChannel":
        from bot.channels.webchat.channel import WebChatChannel

        return WebChatChannel
    raise AttributeError(name)
