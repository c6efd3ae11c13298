"""The action server's answer to a failed action: the action's name and the error's type.

rasa_sdk's own exception handler (rasa_sdk 3.6, ``endpoint.create_app``) answers a failed
action with the whole request (``request_body``: the tracker, tip texts included), which
Rasa then writes in its log with the error (``RemoteAction.run``), and logs the error's
message, which may quote a tip (a driver error with its SQL parameters). ``install``
registers a rasa_sdk plugin whose ``attach_sanic_app_extensions`` hook (called by
``rasa_sdk.endpoint.run`` on the app it created) replaces that handler with
``answer_failure``: the same status, a body of the action name and the error type only,
and a log line without any exception message.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
import zlib
from pathlib import Path

import pluggy
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

log = logging.getLogger(__name__)
hookimpl = pluggy.HookimplMarker("rasa_sdk")
ACTION_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,100}")
UNKNOWN = "unknown"
FRAMES = 3  # innermost frames named in the log line


def action_name(request: Request) -> str:
    """The action Rasa asked for (``next_action``), or ``unknown``: never other text."""
    try:
        body = request.body
        if request.headers.get("Content-Encoding") == "deflate":
            body = zlib.decompress(body)
        name = json.loads(body).get("next_action")
    except Exception:  # an unreadable body has no name to give
        return UNKNOWN
    return name if isinstance(name, str) and ACTION_NAME.fullmatch(name) else UNKNOWN


def where(error: BaseException) -> str:
    """The innermost frames ``error`` went through (file, line, function): no message."""
    frames = traceback.extract_tb(error.__traceback__)[-FRAMES:]
    return "; ".join(f"{'/'.join(Path(f.filename).parts[-2:])}:{f.lineno} in {f.name}"
                     for f in frames)


def causes(error: BaseException) -> str:
    """The types of ``error`` and of the errors it came from, outermost first."""
    names, seen, current = [], set(), error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        names.append(type(current).__name__)
        current = current.__cause__ or current.__context__
    return " <- ".join(names)


async def answer_failure(request: Request, error: Exception) -> HTTPResponse:
    """Sanic's handler for any exception of the action server: no request, no message."""
    name = action_name(request)
    status = error.status_code if isinstance(error, SanicException) else 500
    if status >= 500:
        log.error("action %s failed: %s (%s)", name, causes(error), where(error))
    else:
        log.warning("action request refused (%d): %s", status, type(error).__name__)
    return response.json({"error": type(error).__name__, "action_name": name}, status=status)


def harden(app: Sanic) -> None:
    """Make ``answer_failure`` the app's handler for every exception (replacing
    rasa_sdk's: a later registration for ``Exception`` takes its place)."""
    app.exception(Exception)(answer_failure)


class _Plugin:
    """The rasa_sdk plugin: ``run`` hands it the app before serving."""

    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        harden(app)


PLUGIN = _Plugin()


def install() -> None:
    """Register the plugin with rasa_sdk's plugin manager (once per process)."""
    from rasa_sdk.plugin import plugin_manager

    manager = plugin_manager()
    if not manager.is_registered(PLUGIN):
        manager.register(PLUGIN, name="tipline-safe-errors")
