"""What a channel package declares about itself once: ``ChannelSpec`` (its package's SPEC)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Optional, Tuple


@dataclass(frozen=True)
class ChannelLimits:
    """Names of the ``InboxSettings`` fields (bot/inbox/config.py) holding a channel's limits;
    the values stay in the settings (environment), the spec only says which apply."""

    max_chars: str  # e.g. "webchat_max_chars"
    rate_limit: Optional[str] = None  # None: the channel applies its own (SMS: TwilioSettings)


@dataclass(frozen=True)
class ChannelSpec:
    """One channel of the tip line, as the rest of the code sees it.

    ``name`` is the value stored in ``tips.channel``, ``contacts.channel`` and
    ``inbound_messages.channel`` and shown by the tips API (never change a stored one);
    ``input_name`` is the Rasa input channel's ``name()`` (``get_latest_input_channel()``,
    the ``/webhooks/<input_name>/`` prefix); ``input_class`` the class named in
    credentials.yml; ``sender`` the officers' reply sender (``"module:function"``, loaded on
    first use, or None: the channel cannot be answered); ``models`` the modules declaring
    the channel's own tables (their migration is in bot/store/migrations/versions/);
    ``limits`` which inbox settings bound its messages.
    """

    name: str
    input_name: str
    input_class: str
    label: str  # for officers: "SMS", "web chat"
    limits: ChannelLimits
    sender: Optional[str] = None
    models: Tuple[str, ...] = ()
    production: bool = True  # in docker/credentials.prod.yml (False: tests, integrations)

    def load_sender(self) -> Optional[Any]:
        """The sender function, imported now (None for a channel without one)."""
        if self.sender is None:
            return None
        module, attribute = self.sender.split(":")
        return getattr(importlib.import_module(module), attribute)

    def load_input_class(self) -> type:
        """The Rasa input channel class (imports Rasa)."""
        module, _, attribute = self.input_class.rpartition(".")
        return getattr(importlib.import_module(module), attribute)
