"""Which web pages may open a chat: the community sites' origins, and the tip line itself.

Browsers send an ``Origin`` header with every socket.io request that matters (the
websocket handshake and the polling POSTs); a page from an origin that is not listed is
refused (HTTP 400, no CORS headers). The tip line's own pages (``/webchat/demo/*``) are
always allowed: their origin is the one the request was addressed to (``Host``). Requests
without ``Origin`` (not from a browser page) carry no ambient authority and are allowed,
as in python-engineio.
"""

from __future__ import annotations

import os
import re
from typing import Any, Iterable, List, Optional
from urllib.parse import urlsplit

import engineio
import socketio

ENV_ORIGINS = "TIPLINE_WEBCHAT_ORIGINS"


def normalise_origin(value: str) -> Optional[str]:
    """``scheme://host[:port]`` in lower case, default ports dropped; None if not an origin."""
    value = value.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path \
            or parts.query or parts.fragment or parts.username:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    if port is None or (parts.scheme, port) in (("http", 80), ("https", 443)):
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


def parse_origins(raw: Any) -> List[str]:
    """Origins from a list, or a string separated by commas or whitespace."""
    if raw is None:
        return []
    items: Iterable[Any] = re.split(r"[,\s]+", raw) if isinstance(raw, str) else raw
    origins: List[str] = []
    for item in items:
        if not item or not str(item).strip():
            continue
        origin = normalise_origin(str(item))
        if origin is None:
            raise ValueError(f"web chat: {item!r} is not an origin (scheme://host[:port])")
        if origin not in origins:
            origins.append(origin)
    return origins


def configured_origins(credentials_value: Any) -> List[str]:
    """The credentials' ``allowed_origins`` if given, else ``TIPLINE_WEBCHAT_ORIGINS``."""
    if credentials_value not in (None, "", []):
        return parse_origins(credentials_value)
    return parse_origins(os.environ.get(ENV_ORIGINS, ""))


def own_origins(environ: dict) -> List[str]:
    """The tip line's own origin as the browser addressed it (both schemes: TLS may end
    at a proxy in front of Rasa)."""
    host = (environ.get("HTTP_HOST") or "").strip().lower()
    if not host:
        return []
    return [o for o in (normalise_origin(f"http://{host}"), normalise_origin(f"https://{host}"))
            if o]


# python-engineio skips the origin check for an empty list: with no community site
# configured, this reserved name (RFC 2606, never resolvable) keeps the list non-empty.
NO_SITE = "https://no-community-site.invalid"


class _OriginCheckedEngineIO(engineio.AsyncServer):
    """engine.io server whose allowed origins are the configured ones plus its own."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        handle = super().handle_request

        async def handle_request(*request: Any, **options: Any) -> Any:
            return await handle(*request, **options)

        # Sanic 21.12 reports every finished websocket (the handler returns None after
        # the upgrade) as "Invalid response type None" unless the handler says it is one.
        handle_request.is_websocket = True  # type: ignore[attr-defined]
        self.handle_request = handle_request  # type: ignore[method-assign]

    def _cors_allowed_origins(self, environ):  # type: ignore[no-untyped-def]
        return [*self.cors_allowed_origins, *own_origins(environ)]


class OriginCheckedServer(socketio.AsyncServer):
    """socket.io server refusing pages from origins that are not allowed.

    No cookie is set (engine.io's ``io`` cookie would be a device identifier) and
    credentialed CORS is not offered.
    """

    def __init__(self, allowed_origins: List[str], **kwargs: Any) -> None:
        super().__init__(async_mode="sanic",
                         cors_allowed_origins=list(allowed_origins) or [NO_SITE],
                         cors_credentials=False, cookie=None, logger=False,
                         engineio_logger=False, **kwargs)

    def _engineio_server_class(self):  # type: ignore[no-untyped-def]
        return _OriginCheckedEngineIO
