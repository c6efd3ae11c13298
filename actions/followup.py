"""Actions for a tipster who writes again: status, more information, forget my number."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import language_of, say, turn_of
from actions.receipts import answer_receipt, answered, confirm
from bot.conversation import channel_of
from bot.intake import add_information, forget_contact, receive_tip, reference_in, tip_status
from bot.messages import get_catalog


class ActionTipStatus(Action):
    def name(self) -> str:
        return "action_tip_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        language = language_of(tracker)
        reference = reference_in(turn_of(tracker))
        if await answer_receipt(dispatcher, tracker, language) is not None:
            pass  # a receipt quoted from any channel: its answer is the whole reply
        elif not reference:
            say(dispatcher, "status_ask_reference", language)
        else:
            status = await asyncio.to_thread(tip_status, reference, tracker.sender_id)
            if status is None:
                say(dispatcher, "status_not_found", language)
            else:
                # the message joins the tip's conversation too: a status question that also
                # carries details ("about B4RT7W, the plate was GKT 4419") loses nothing
                await asyncio.to_thread(add_information, turn_of(tracker), tracker.sender_id)
                label = get_catalog().status_label(status, language)
                say(dispatcher, "status", language, reference=reference, status=label)
        return [SlotSet("language", language)]


class ActionAddInformation(Action):
    def name(self) -> str:
        return "action_add_information"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        language = language_of(tracker)
        turn = turn_of(tracker)
        if turn.urgent:
            say(dispatcher, "emergency", language)
        if answered(await answer_receipt(dispatcher, tracker, language)):
            return [SlotSet("language", language)]
        reference = await asyncio.to_thread(add_information, turn, tracker.sender_id)
        if reference:
            say(dispatcher, "info_added", language, reference=reference)
        elif reference_in(turn):
            say(dispatcher, "status_not_found", language)
        else:  # no earlier tip: this is a new tip, never dropped
            receipt = await asyncio.to_thread(
                receive_tip, turn, tracker.sender_id,
                channel_of(tracker.get_latest_input_channel()), language,
            )
            await confirm(dispatcher, tracker, "tip_received", language, receipt.reference)
        return [SlotSet("language", language)]


class ActionForgetMe(Action):
    def name(self) -> str:
        return "action_forget_me"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        language = language_of(tracker)
        if answered(await answer_receipt(dispatcher, tracker, language)):
            return [SlotSet("language", language)]  # a receipt the NLU misread
        await asyncio.to_thread(forget_contact, tracker.sender_id)
        say(dispatcher, "forgotten", language)
        return [SlotSet("language", language)]


class ActionFallback(Action):
    """Not understood: anything with substance is kept as a tip; a short word gets a prompt.

    Greetings, questions and short answers have intents of their own; what reaches this
    action and has ``MIN_WORDS_FOR_TIP`` words (or names a tip category as its best guess)
    is stored with the category ``unknown`` for a human to read. Nothing is dropped.
    """

    MIN_WORDS_FOR_TIP = 4

    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        language = language_of(tracker)
        turn = turn_of(tracker)
        words = turn.word_count
        if answered(await answer_receipt(dispatcher, tracker, language)):
            pass  # a receipt, and nothing more to keep as a tip
        elif not turn.has_words:
            say(dispatcher, "blank", language)
        elif words >= self.MIN_WORDS_FOR_TIP or turn.urgent or (
                turn.likely_category and words >= 2):
            if turn.urgent:
                say(dispatcher, "emergency", language)
            receipt = await asyncio.to_thread(
                receive_tip, turn, tracker.sender_id,
                channel_of(tracker.get_latest_input_channel()), language,
            )
            if receipt.urgency == "high" and not turn.urgent:
                say(dispatcher, "emergency", language)
            await confirm(dispatcher, tracker, "tip_received_unclassified", language,
                          receipt.reference)
        else:
            say(dispatcher, "fallback", language)
        return [SlotSet("language", language)]
