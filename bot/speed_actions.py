"""Rasa's calls to the action server, without their repeated costs (installed by bot/speed.py).

- Rasa validates every answer of the action server with ``jsonschema.validate``, which
  first validates the schema itself against the JSON Schema meta-schema: most of the cost
  of a custom action on the Rasa side (about 30 ms of the 3 calls of a tip turn here). The
  schema is fixed: it is checked once, and each answer is validated with the same
  validator, with the same errors (``best_match``) and message as Rasa's.
- Rasa opens a new HTTP session, hence a new connection, for every call: one session per
  endpoint and event loop instead (connections kept alive).
"""

from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import Any, Dict

from bot.speed import _once

KEEP_ALIVE_SECONDS = 2.0


class _KeptSession:
    """``async with`` on a session that stays open (Rasa closes its own after each call)."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def __aenter__(self) -> Any:
        return self.session

    async def __aexit__(self, *_: Any) -> None:
        return None


def action_calls_keep_alive() -> None:
    """Rasa's ``EndpointConfig.request`` opens a new HTTP session, hence a new connection,
    for every call to the action server: one session per endpoint and event loop instead
    (same headers, authentication and timeout; connections kept alive)."""
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    def session(self: EndpointConfig) -> Any:
        loop = asyncio.get_running_loop()
        kept = getattr(self, "_tipline_session", None)
        if kept is None or kept[0] is not loop or kept[1].closed:
            auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]
                                     ) if self.basic_auth else None
            # idle connections dropped before the action server's (Sanic: 5 s) drops them
            kept = (loop, aiohttp.ClientSession(
                headers=self.headers, auth=auth, connector=aiohttp.TCPConnector(
                    keepalive_timeout=KEEP_ALIVE_SECONDS),
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT)))
            self._tipline_session = kept
        return _KeptSession(kept[1])

    _once(EndpointConfig, "session", session)


@lru_cache(maxsize=1)
def _response_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def action_results_checked_once() -> None:
    """``RemoteAction._validate_action_result`` with the validator built once."""
    from jsonschema.exceptions import best_match
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        error = best_match(_response_validator().iter_errors(result))
        if error is not None:
            error.message += (
                ". Failed to validate Action server response from API, make sure your "
                "response from the Action endpoint is valid. For more information about "
                f"the format visit {DOCS_BASE_URL}/custom-actions")
            raise error
        return True

    _once(RemoteAction, "_validate_action_result", _validate_action_result)
