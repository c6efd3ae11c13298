"""The duty officers' console: agency queues, triage, anonymous replies and the tips API.

``python -m bot.console`` serves it; ``create_app()`` builds the Flask application.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(*args: Any, **kwargs: Any) -> Flask:
    from bot.console.app import create_app as _create_app

    return _create_app(*args, **kwargs)
