"""The REST channel's part of the inbox: a stored message's turn, its replies handed to
the request that waits for them (or, once it gave up, to the sender's next request)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import UserMessage

from bot.channels.rest.spec import SPEC
from bot.inbox import store
from bot.inbox.agent import AgentLink
from bot.inbox.turn import Attempt, recorded_attempt, run_turn, user_message
from bot.messages import get_catalog

MAX_LATE_SENDERS = 10_000


class RestTurns:
    """The inbox worker's handler for REST messages, and the requests waiting on them."""

    channel = SPEC.name

    def __init__(self) -> None:
        self.link = AgentLink()
        self.on_new_message: Optional[Callable[[UserMessage], Awaitable[Any]]] = None
        self.waiting: Dict[int, asyncio.Future] = {}
        self.late: OrderedDict[str, List[Dict[str, Any]]] = OrderedDict()

    async def _reply(self, sender: str, key: str, metadata: Optional[Dict[str, Any]],
                     message_key: Optional[str] = None, **params: Any) -> Dict[str, Any]:
        hint = (metadata or {}).get("language") if isinstance(metadata, dict) else None
        language = await self.link.language(sender, message_key,
                                            hint if isinstance(hint, str) else None)
        text = await asyncio.to_thread(get_catalog().render, key, language, **params)
        return {"recipient_id": sender, "text": text}

    def _pop_late(self, sender: str) -> List[Dict[str, Any]]:
        return self.late.pop(sender, [])

    def _hand(self, message: store.Pending, messages: List[Dict[str, Any]]) -> None:
        """To the waiting request, else with the sender's next response."""
        waiter = self.waiting.pop(message.id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(messages)
            return
        if messages:
            self.late.setdefault(message.sender, []).extend(messages)
            self.late.move_to_end(message.sender)
            while len(self.late) > MAX_LATE_SENDERS:
                self.late.popitem(last=False)

    # -- the inbox worker's handler --------------------------------------------------------

    async def run(self, message: store.Pending) -> Attempt:
        turn = user_message(message, SPEC.input_name)
        return await run_turn(self.on_new_message, turn, message.id)

    async def deliver(self, message: store.Pending, attempt: Attempt) -> None:
        self._hand(message, attempt.messages)

    async def delayed(self, message: store.Pending, attempt: Attempt) -> None:
        self._hand(message, [await self._reply(message.sender, "delayed", message.meta,
                                               message.key)])

    async def recorded(self, message: store.Pending) -> Optional[Attempt]:
        return await recorded_attempt(self.link, message)
