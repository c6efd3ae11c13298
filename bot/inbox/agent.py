"""What the inbox reads from Rasa's agent: readiness, the conversation's language, turns.

``AgentLink.connect`` waits (after the server started) for Rasa's agent to be loaded,
installs the action-call probe (probe.py) and then answers, from the tracker store:
the language of a conversation (for the ``delayed`` and ``too_long`` replies) and
whether a turn is already recorded (crash recovery: its replies, not a second run).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from bot.conversation import Turn, conversation_language
from bot.inbox import probe

log = logging.getLogger(__name__)
AGENT_WAIT_SECONDS = 600.0


@dataclass
class RecordedTurn:
    """A turn found in the tracker: what the bot said, and whether custom actions ran."""

    replies: List[Dict[str, Any]] = field(default_factory=list)
    custom: bool = False


class AgentLink:
    """The Rasa agent of this process, once loaded."""

    def __init__(self) -> None:
        self.agent: Any = None
        self.bare = False  # a Sanic app without Rasa (channel tests): nothing to wait for

    def attach(self, agent: Any) -> None:
        self.agent = agent
        probe.install_on_agent(agent)

    def ready(self) -> bool:
        return self.bare or (self.agent is not None and bool(self.agent.is_ready()))

    async def connect(self, app: Any, wait: float = AGENT_WAIT_SECONDS) -> bool:
        """Wait for ``app.ctx.agent`` to be ready, then attach it."""
        if not hasattr(app.ctx, "agent"):
            self.bare = True
            return True
        waited = 0.0
        while waited < wait:
            agent = getattr(app.ctx, "agent", None)
            if agent is not None and agent.is_ready():
                self.attach(agent)
                return True
            await asyncio.sleep(0.5)
            waited += 0.5
        log.error("inbox: the Rasa agent never became ready; messages stay stored")
        return False

    async def _tracker(self, sender: str) -> Any:
        if self.agent is None:
            return None
        try:
            return await self.agent.tracker_store.retrieve(sender)
        except Exception as error:  # the tracker store is down: callers fall back
            log.warning("inbox: tracker not readable (%s)", type(error).__name__)
            return None

    async def slot(self, sender: str, name: str = "language") -> Optional[str]:
        tracker = await self._tracker(sender)
        value = tracker.get_slot(name) if tracker else None
        return str(value) if value else None

    async def language(self, sender: str, key: Optional[str] = None,
                       hint: Optional[str] = None) -> str:
        """The language to answer in: the turn's (``key``), else the conversation's, else
        ``hint`` (the widget's interface language), else the default."""
        tracker = await self._tracker(sender)
        previous = tracker.get_slot("language") if tracker else None
        data: Dict[str, Any] = {"metadata": {"language": hint} if hint else {}}
        for event in reversed(list(tracker.events) if tracker else []):
            if isinstance(event, UserUttered) and key and event.message_id == key:
                data = {**event.parse_data, "metadata": event.metadata or data["metadata"]}
                break
        return conversation_language(Turn.from_parse_data(data),
                                     str(previous) if previous else None)

    async def recorded(self, sender: str, key: str) -> Optional[RecordedTurn]:
        """The turn of ``key`` if the tracker holds it (Rasa saved it: the turn ran)."""
        tracker = await self._tracker(sender)
        if tracker is None:
            return None
        custom = set(getattr(self.agent.domain, "user_actions_and_forms", []) or [])
        found: Optional[RecordedTurn] = None
        current = False
        for event in tracker.events:  # the last run of the turn counts
            if isinstance(event, UserUttered):
                current = event.message_id == key
                found = RecordedTurn() if current else found
            elif current and found is not None:
                if isinstance(event, ActionExecuted) and event.action_name in custom:
                    found.custom = True
                elif isinstance(event, BotUttered) and event.text:
                    found.replies.append({"recipient_id": sender, "text": event.text})
        return found
