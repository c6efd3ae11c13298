"""Every module that declares tables on the shared declarative ``Base``."""

from __future__ import annotations

import importlib
from typing import Tuple

from bot.channels.registry import model_modules


def all_model_modules() -> Tuple[str, ...]:
    """The store's, each registered channel's (bot/channels/registry.py) and the console's."""
    return ("bot.store.models", *model_modules(), "bot.console.models", "bot.store.sharing",
            "bot.console.kpi_models", "bot.store.feedback", "bot.store.surveys")


def import_all_models() -> None:
    """Import each model module so that ``Base.metadata`` knows every table."""
    for name in all_model_modules():
        importlib.import_module(name)
