"""Shared pieces of the tip line's actions: the turn, the language and localized replies."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from actions.receipts import answer_receipt
from bot.conversation import Turn, conversation_language
from bot.inbox.marks import mark_handled
from bot.messages import get_catalog

_MARKS = "_tipline_marks_turns"


def mark_turns_handled() -> None:
    """Every custom action, once it ran without error, marks its turn's inbound message
    handled (bot/inbox/marks.py), keyed by ``latest_message["message_id"]``.

    The one place for it: rasa_sdk's executor runs every action of this server (forms'
    validation included), so its ``run`` is wrapped once, when the actions are loaded.
    An action that raised leaves no mark; a mark that cannot be written fails the action
    (the channel retries the message).
    """
    original = ActionExecutor.run
    if getattr(original, _MARKS, False):
        return

    async def run(self: ActionExecutor, action_call: Dict[str, Any]) -> Optional[Dict]:
        result = await original(self, action_call)
        if result is not None:
            latest = (action_call.get("tracker") or {}).get("latest_message") or {}
            await asyncio.to_thread(mark_handled, latest.get("message_id"))
        return result

    setattr(run, _MARKS, True)
    ActionExecutor.run = run  # type: ignore[method-assign]


mark_turns_handled()


def turn_of(tracker: Tracker) -> Turn:
    """The latest user message as the tip line understood it."""
    return Turn.from_parse_data(tracker.latest_message or {})


def language_of(tracker: Tracker) -> str:
    """The language to answer in for this turn."""
    return conversation_language(turn_of(tracker), tracker.get_slot("language"))


def say(dispatcher: CollectingDispatcher, key: str, language: str, **params: Any) -> None:
    """Send reply ``key`` in ``language``."""
    dispatcher.utter_message(text=get_catalog().render(key, language, **params))


class LocalizedReply(Action, ABC):
    """An action that answers with one catalog message in the tipster's language."""

    action_name: str

    @property
    @abstractmethod
    def message_key(self) -> str:
        """The catalog key of the reply (a class attribute in each subclass)."""

    def name(self) -> str:
        return self.action_name

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        language = language_of(tracker)
        # a receipt is answered whatever the NLU made of it ("receipt 4821-..." read as a
        # question); during the form, validate_tip_form answers it
        if tracker.active_loop_name or await answer_receipt(dispatcher, tracker,
                                                            language) is None:
            say(dispatcher, self.message_key, language)
        return [SlotSet("language", language)]
