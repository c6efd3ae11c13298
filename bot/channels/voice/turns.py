"""The voice line's part of the inbox: a stored spoken message's turn, its replies kept for
the webhook that waits for them (or Twilio's next poll), a recording attached if kept.

A turn's replies are read aloud by the webhook request that asked for them; if it gave up
(the caller heard "one moment"), Twilio's poll finds them here, or, on another replica, in
the tracker (``AgentLink.recorded``). There is no ``delayed`` message to send: the caller
is told at once that what they said is saved.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import UserUttered

from bot.channels.voice.recordings import attach_recording
from bot.channels.voice.spec import SPEC
from bot.inbox import store
from bot.inbox.agent import AgentLink
from bot.inbox.marks import inbox_key
from bot.inbox.turn import Attempt, recorded_attempt, run_turn, user_message

MAX_KEPT = 10_000  # finished turns nobody asked for yet (the caller hung up)


@dataclass
class Spoken:
    """What a finished turn gives the call: replies, urgency, whether the form goes on."""

    texts: List[str] = field(default_factory=list)
    urgent: bool = False
    asking: bool = False  # the form waits for an answer (where, when)


class VoiceTurns:
    """The inbox worker's handler for voice messages, and the webhooks waiting on them."""

    channel = SPEC.name

    def __init__(self) -> None:
        self.link = AgentLink()
        self.on_new_message: Optional[Callable[[UserMessage], Awaitable[Any]]] = None
        self.waiting: Dict[int, asyncio.Future] = {}
        self.finished: OrderedDict[int, List[Dict[str, Any]]] = OrderedDict()

    # -- the inbox worker's handler --------------------------------------------------------

    async def run(self, message: store.Pending) -> Attempt:
        metadata = {**(message.meta or {}), "channel": SPEC.name}
        metadata.pop("recording", None)  # the audio's URL is the channel's, not the bot's
        turn = user_message(message, SPEC.input_name, metadata=metadata)
        return await run_turn(self.on_new_message, turn, message.id)

    async def deliver(self, message: store.Pending, attempt: Attempt) -> None:
        recording = (message.meta or {}).get("recording")
        if isinstance(recording, dict):
            await asyncio.to_thread(attach_recording, message.key, recording)
        self.finished[message.id] = attempt.messages
        while len(self.finished) > MAX_KEPT:
            self.finished.popitem(last=False)
        waiter = self.waiting.pop(message.id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(True)

    async def delayed(self, message: store.Pending, attempt: Attempt) -> None:
        return None  # the caller already heard "saved, one moment"; the poll goes on

    async def recorded(self, message: store.Pending) -> Optional[Attempt]:
        return await recorded_attempt(self.link, message)

    # -- for the webhooks ------------------------------------------------------------------

    async def wait_done(self, message_id: int, seconds: float) -> bool:
        """Whether the turn of ``message_id`` finished within ``seconds`` (here or on
        another replica: the inbox row says ``processed``)."""
        if message_id in self.finished:
            return True
        loop = asyncio.get_running_loop()
        waiter = self.waiting.setdefault(message_id, loop.create_future())
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            try:
                await asyncio.wait_for(asyncio.shield(waiter), min(0.5, seconds))
                return True
            except TimeoutError:
                pending = await asyncio.to_thread(store.get, message_id)
                if pending is not None and pending.status == "processed":
                    return True
        return message_id in self.finished

    async def spoken(self, message_id: int, sender: str) -> Spoken:
        """The replies of a finished turn, whether it was urgent, whether the form asks."""
        self.waiting.pop(message_id, None)
        messages = self.finished.pop(message_id, None)
        key = inbox_key(message_id)
        if messages is None and self.link.ready():
            turn = await self.link.recorded(sender, key)
            messages = turn.replies if turn else []
        tracker = await self._tracker(sender)
        urgent = False
        for event in reversed(list(tracker.events) if tracker else []):
            if isinstance(event, UserUttered) and event.message_id == key:
                urgent = bool(((event.parse_data or {}).get("urgency") or {}).get("urgent"))
                break
        asking = bool(tracker and tracker.active_loop_name
                      and tracker.get_slot("requested_slot"))
        return Spoken([m["text"] for m in messages or [] if m.get("text")], urgent, asking)

    async def _tracker(self, sender: str) -> Any:
        if self.link.agent is None:
            return None
        try:
            return await self.link.agent.tracker_store.retrieve(sender)
        except Exception:  # the tracker store is down: the replies alone are said
            return None
