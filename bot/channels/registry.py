"""The tip line's channels, listed once: everything that names a channel derives from here.

Adding a channel: its package under bot/channels/ (with its ``SPEC``), one line in
``CHANNELS`` below, and the migration of its tables if it has any (docs/architecture.md).
Derived: the stored channel values (``bot.store.models.CHANNELS``: API filters, console),
``bot.conversation.channel_of``, officers' reply senders (``bot.outbound.sender_for``),
the modules with tables (``bot.store.registry``), the inbox limits
(``bot.inbox.limits.channel_limits``); the credentials files are checked against it
(tests/unit/channels/test_registry.py).
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from bot.channels import rest, twilio, voice, webchat, whatsapp
from bot.channels.spec import ChannelSpec

CHANNELS: List[ChannelSpec] = [twilio.SPEC, webchat.SPEC, rest.SPEC, whatsapp.SPEC,
                              voice.SPEC]


def channel_names() -> Tuple[str, ...]:
    """The channel values stored and shown by the tips API, in the registry's order."""
    return tuple(spec.name for spec in CHANNELS)


def spec_of(name: str) -> Optional[ChannelSpec]:
    """The channel stored as ``name``, or None."""
    return next((spec for spec in CHANNELS if spec.name == name), None)


def spec_of_input(input_name: str) -> Optional[ChannelSpec]:
    """The channel whose Rasa input channel is called ``input_name``, or None."""
    return next((spec for spec in CHANNELS if spec.input_name == input_name), None)


def input_classes(production: bool = False) -> Tuple[str, ...]:
    """The input classes credentials.yml names (``production``: docker's file)."""
    return tuple(spec.input_class for spec in CHANNELS if spec.production or not production)


def model_modules() -> Tuple[str, ...]:
    """The channels' modules that declare tables."""
    return tuple(module for spec in CHANNELS for module in spec.models)
