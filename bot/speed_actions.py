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
from typing import Any, Dict, Optional, Tuple

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


@lru_cache(maxsize=1)
def _fast_validators() -> Optional[Tuple[Any, Dict[str, Any]]]:
    """The answer's schema without its events' ``oneOf``, and for each event type the
    event schema with its one alternative. Each alternative fixes ``event`` to a distinct
    constant, so an event whose ``event`` names a type matches the ``oneOf`` exactly when
    it matches that type's alternative: the same verdict without trying the 23 others
    (Rasa's ``oneOf`` builds an error for each). None when the schema is not so made."""
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = type(_response_validator())
    events = schema["properties"]["events"]
    event = events["items"]
    alternatives = event.get("oneOf") or []
    kinds = [alt.get("properties", {}).get("event", {}).get("const") for alt in alternatives]
    if not kinds or None in kinds or len(set(kinds)) != len(kinds) or set(event) != {
            "type", "properties", "required", "oneOf"} or "event" not in event["required"]:
        return None
    base = {key: value for key, value in event.items() if key != "oneOf"}
    outer = {**schema, "properties": {**schema["properties"], "events": {
        key: value for key, value in events.items() if key != "items"}}}
    return cls(outer), {kind: cls({**base, "allOf": [alt]})
                        for kind, alt in zip(kinds, alternatives, strict=True)}


def valid_fast(result: Any) -> bool:
    """True only for an answer the schema accepts (False: not known, check it fully)."""
    fast = _fast_validators()
    if fast is None or not isinstance(result, dict):
        return False
    outer, by_kind = fast
    if not outer.is_valid(result):
        return False
    for event in result.get("events") or []:
        kind = event.get("event") if isinstance(event, dict) else None
        checker = by_kind.get(kind) if isinstance(kind, str) else None
        if checker is None or not checker.is_valid(event):
            return False
    return True


def action_results_checked_once() -> None:
    """``RemoteAction._validate_action_result`` with the validator built once, and a valid
    answer's events each checked against its own type only (``valid_fast``); an answer
    not known valid that way gets Rasa's full check, with the same errors."""
    from jsonschema.exceptions import best_match
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        if valid_fast(result):
            return True
        error = best_match(_response_validator().iter_errors(result))
        if error is not None:
            error.message += (
                ". Failed to validate Action server response from API, make sure your "
                "response from the Action endpoint is valid. For more information about "
                f"the format visit {DOCS_BASE_URL}/custom-actions")
            raise error
        return True

    _once(RemoteAction, "_validate_action_result", _validate_action_result)
