"""Every module that declares tables on the shared declarative ``Base``."""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "bot.store.models",
    "bot.channels.twilio.store",
    "bot.channels.webchat.store",
    "bot.console.models",
)


def import_all_models() -> None:
    """Import each model module so that ``Base.metadata`` knows every table."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
