"""Web chat for community sites: socket.io channel, embeddable widget, demo pages.

``bot.channels.webchat.WebChatChannel`` is the name to use in credentials.yml
(see docs/webchat.md).
"""

from __future__ import annotations

from typing import Any

__all__ = ["WebChatChannel"]


def __getattr__(name: str) -> Any:  # imported lazily: Rasa is only needed by the channel
    if name == "WebChatChannel":
        from bot.channels.webchat.channel import WebChatChannel

        return WebChatChannel
    raise AttributeError(name)
