"""Shared pieces of the tip line's actions: the turn, the language and localized replies."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.conversation import Turn, conversation_language
from bot.messages import get_catalog


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
        say(dispatcher, self.message_key, language)
        return [SlotSet("language", language)]
