"""How many custom actions a turn called, and how many failed (Rasa side, per turn).

When the action server is down Rasa logs "the actions events are lost", goes on and
``on_new_message`` returns normally: the channel cannot tell from the call. ``install``
wraps the ``request`` of Rasa's action endpoint once per process; inside ``watch()``
(one turn, one asyncio task: a context variable) each call to the action server is
counted, and each failure (no connection, timeout, a 5xx) too. A 400 is an action's
rejection (a form validation), part of the dialogue, not a failure.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Iterator, Optional

log = logging.getLogger(__name__)
MARK = "_tipline_probe"


@dataclass
class ActionCalls:
    """The action server calls of one turn."""

    calls: int = 0
    failures: int = 0


_current: ContextVar[Optional[ActionCalls]] = ContextVar("tipline_action_calls", default=None)


@contextmanager
def watch() -> Iterator[ActionCalls]:
    """Count the action calls made by the code run inside (this task only)."""
    calls = ActionCalls()
    token = _current.set(calls)
    try:
        yield calls
    finally:
        _current.reset(token)


def _is_rejection(error: BaseException) -> bool:
    return getattr(error, "status", None) == 400 and hasattr(error, "request_info")


def install(endpoint: Any) -> bool:
    """Wrap ``endpoint.request`` (Rasa's ``EndpointConfig`` of the action server)."""
    if endpoint is None or not hasattr(endpoint, "request"):
        return False
    if getattr(endpoint.request, MARK, False):
        return True
    original = endpoint.request

    async def request(*args: Any, **kwargs: Any) -> Any:
        calls = _current.get()
        if calls is None:
            return await original(*args, **kwargs)
        calls.calls += 1
        try:
            return await original(*args, **kwargs)
        except Exception as error:
            if not _is_rejection(error):
                calls.failures += 1
            raise

    setattr(request, MARK, True)
    endpoint.request = request
    return True


def install_on_agent(agent: Any) -> bool:
    """Install on the agent's action endpoint (shared with its processor)."""
    done = False
    for owner in (agent, getattr(agent, "processor", None)):
        done = install(getattr(owner, "action_endpoint", None)) or done
    if not done:
        log.warning("inbox: no action endpoint to watch: a failed action cannot be detected")
    return done
