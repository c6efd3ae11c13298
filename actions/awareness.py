"""What residents ask before they report, answered from the awareness catalogue
(data/awareness/, docs/awareness.md) in the conversation's language."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import language_of, turn_of
from bot.awareness.catalogue import get_awareness
from bot.awareness.topics import get_chooser
from bot.channels.webchat.spec import SPEC as WEBCHAT
from bot.conversation import channel_of
from bot.settings import get_settings

log = logging.getLogger(__name__)


def awareness_reply(text: str, language: str, channel: str) -> tuple[str, str]:
    """(topic or "menu", reply) for the question ``text``: the closest topic's answer in
    ``language``, with the "what to look for" link on the web chat; below the threshold,
    what the bot can answer."""
    catalogue, choice = get_awareness(), get_chooser().choose(text)
    if choice.topic is None:
        return "menu", catalogue.menu(language)
    reply = catalogue.answer(choice.topic, language)
    url = get_settings().awareness.look_url(language)
    if channel == WEBCHAT.name and url:
        reply = f"{reply}\n{catalogue.link(language, url)}"
    return choice.topic, reply


class ActionAnswerAwareness(Action):
    """Answers ``ask_awareness`` (and is safe during the form: it only replies)."""

    def name(self) -> str:
        return "action_answer_awareness"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        language = language_of(tracker)
        channel = channel_of(tracker.get_latest_input_channel())
        # the encoder is CPU work (and loads once): off the action server's event loop
        topic, reply = await asyncio.to_thread(awareness_reply, turn_of(tracker).original_text,
                                               language, channel)
        log.info("awareness: topic %s (%s)", topic, language)
        dispatcher.utter_message(text=reply)
        return [SlotSet("language", language)]
