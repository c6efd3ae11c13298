"""Per-request state of the console: database session, signed-in officer, access checks."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable, Optional
from urllib.parse import unquote, urlsplit

from flask import abort, current_app, g, jsonify, redirect, request, session, url_for
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.console.models import Officer
from bot.console.throttle import DeviceCookies, LoginThrottle
from bot.settings import ConsoleSettings

EXTENSION = "tipline_console"
MAX_TARGET = 2048


@dataclass
class ConsoleState:
    settings: ConsoleSettings
    engine: Engine
    sessions: sessionmaker
    throttle: LoginThrottle
    devices: DeviceCookies


def state() -> ConsoleState:
    return current_app.extensions[EXTENSION]


def db() -> Session:
    """This request's database session (closed, rolled back if uncommitted, at teardown)."""
    if "db" not in g:
        g.db = state().sessions()
    return g.db


def close_db(_exc: Optional[BaseException] = None) -> None:
    session_ = g.pop("db", None)
    if session_ is not None:
        session_.close()


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def load_session_officer() -> None:
    """Who the session cookie belongs to, if the account is still active and unchanged."""
    g.officer, g.auth = None, None
    if request.endpoint in (None, "static", "health"):
        return
    officer_id = session.get("officer_id")
    if officer_id is None:
        return
    found = db().get(Officer, officer_id)
    if found is not None and found.active and found.session_version == session.get("v"):
        g.officer, g.auth = found, "session"
    else:
        session.clear()


def sign_in(found: Officer) -> None:
    session.clear()  # a new session for a new identity (and a new CSRF token)
    session.permanent = True
    session["officer_id"] = found.id
    session["v"] = found.session_version


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("officer") is None:
            if is_api_request():
                response = jsonify(error="authentication required")
                response.status_code = 401
                response.headers["WWW-Authenticate"] = 'Bearer realm="tipline"'
                return response
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @login_required
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not g.officer.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def _unsafe(text: str) -> bool:
    """Whitespace, control characters (C0, DEL, C1) or a backslash anywhere in ``text``."""
    return any(c.isspace() or c == "\\" or unicodedata.category(c) == "Cc" for c in text)


def local_target(target: Optional[str], default: str) -> str:
    """``target`` if it is a path on this console (no open redirect), else ``default``.

    A path starts with one ``/``, holds no ``//``, backslash, whitespace or control
    character, and has no scheme or host, as sent and once percent-decoded.
    """
    if not target or len(target) > MAX_TARGET or "//" in target:
        return default
    for text in (target, unquote(target)):
        try:
            parts = urlsplit(text)
        except ValueError:
            return default
        if (_unsafe(text) or not text.startswith("/") or text.startswith("//")
                or "//" in parts.path or parts.scheme or parts.netloc):
            return default
    return target
