"""One attempt at a stored message's bot turn, and whether its effect is durable.

``run_turn`` runs Rasa's ``on_new_message`` with a collecting output channel (replies are
sent by the channel afterwards, only once the turn counts) and Rasa's ``message_id`` set
to the inbox key. The turn is handled when Rasa raised nothing and either no custom
action was called, or none failed and the actions marked the message (marks.py). The
message text is never logged: only the inbox id and the kind of failure.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional, Protocol

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.inbox import probe, store
from bot.inbox.agent import AgentLink

log = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


@dataclass
class Attempt:
    """What one attempt gave: handled or not, the bot's messages, and for whom."""

    handled: bool
    messages: List[Dict[str, Any]] = field(default_factory=list)
    reason: str = ""
    language: Optional[str] = None
    extra: Dict[str, Any] = field(default_factory=dict)  # the channel's own (SMS address)

    @property
    def texts(self) -> List[str]:
        return [m["text"] for m in self.messages if m.get("text")]


def user_message(pending: store.Pending, input_channel: str,
                 metadata: Optional[Dict[str, Any]] = None) -> UserMessage:
    """The Rasa message of a stored one: its sender, text, metadata and inbox key."""
    return UserMessage(pending.text, CollectingOutputChannel(), pending.sender,
                       input_channel=input_channel, message_id=pending.key,
                       metadata=metadata if metadata is not None else (pending.meta or None))


async def run_turn(on_new_message: Optional[OnNewMessage], message: UserMessage,
                   inbox_id: int) -> Attempt:
    """Run the turn of ``message`` (inbox message ``inbox_id``) once."""
    if on_new_message is None:
        return Attempt(False, reason="channel not connected to Rasa yet")
    collector = message.output_channel
    with probe.watch() as calls:
        try:
            await on_new_message(message)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # NLU, tracker or lock store down: retried later
            log.warning("inbox message %d: turn failed (%s)", inbox_id, type(error).__name__)
            log.debug("inbox message %d: turn failure", inbox_id, exc_info=True)
            return Attempt(False, _messages(collector), type(error).__name__)
    if calls.failures:
        log.warning("inbox message %d: %d of %d action call(s) failed; kept for a retry",
                    inbox_id, calls.failures, calls.calls)
        return Attempt(False, _messages(collector), "action failed")
    if calls.calls:
        try:
            handled = await asyncio.to_thread(store.is_handled, inbox_id)
        except Exception as error:
            log.warning("inbox message %d: mark not readable (%s)", inbox_id,
                        type(error).__name__)
            handled = False
        if not handled:
            log.warning("inbox message %d: actions ran but left no mark; kept for a retry",
                        inbox_id)
            return Attempt(False, _messages(collector), "not marked")
    return Attempt(True, _messages(collector))


def _messages(collector: Any) -> List[Dict[str, Any]]:
    return list(getattr(collector, "messages", []) or [])


class Handler(Protocol):
    """A channel's part: run a stored message's turn, deliver its replies."""

    channel: str

    async def run(self, message: store.Pending) -> Attempt: ...

    async def deliver(self, message: store.Pending, attempt: Attempt) -> None: ...

    async def delayed(self, message: store.Pending, attempt: Attempt) -> None: ...

    async def recorded(self, message: store.Pending) -> Optional[Attempt]: ...


async def recorded_attempt(link: Optional[AgentLink], message: store.Pending) -> Optional[Attempt]:
    """The attempt of an interrupted message whose turn Rasa saved and whose actions (if
    any) marked it: its replies, without running it again. None: run it."""
    if link is None or not link.ready():
        return None
    turn = await link.recorded(message.sender, message.key)
    if turn is None or (turn.custom and not await asyncio.to_thread(store.is_handled,
                                                                     message.id)):
        return None
    log.info("inbox message %d: turn already recorded, not run again", message.id)
    return Attempt(True, turn.replies, "recorded")
