"""Actions that store a tip, ask what is missing and confirm it with a reference."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import language_of, say, turn_of
from actions.receipts import answer_receipt, answered, confirm
from bot.conversation import TIP_CATEGORIES, Turn, channel_of
from bot.intake import MAX_FIELD, Receipt, complete_tip, coordinates_of, receive_tip

FORM_SLOTS = ("tip_reference", "tip_location", "tip_time")
ANSWER_SLOTS = ("tip_location", "tip_time")
# A message during the form is a new tip, not an answer, when the NLU is this sure of a tip
# category and the message has this many words ("where?" -> "Stanstead" is an answer).
NEW_TIP_CONFIDENCE = 0.5
NEW_TIP_WORDS = 6


def is_new_tip(turn: Turn) -> bool:
    """A second tip sent while the form asks about the first one."""
    return (turn.intent in TIP_CATEGORIES and (turn.intent_confidence or 0.0) >= NEW_TIP_CONFIDENCE
            and turn.word_count >= NEW_TIP_WORDS)


async def store_tip(dispatcher: CollectingDispatcher, tracker: Tracker, turn: Turn,
                    language: str) -> Receipt:
    """Store ``turn`` as a tip; the 911 advice comes first when the NLU says urgent, or
    right after when the stored tip is urgent (the routing lexicon)."""
    if turn.urgent:
        say(dispatcher, "emergency", language)
    receipt = await asyncio.to_thread(
        receive_tip, turn, tracker.sender_id, channel_of(tracker.get_latest_input_channel()),
        language,
    )
    if receipt.urgency == "high" and not turn.urgent:
        say(dispatcher, "emergency", language)
    return receipt


class ActionReceiveTip(Action):
    """Store the tip at once (nothing is lost if the tipster stops answering)."""

    def name(self) -> str:
        return "action_receive_tip"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        turn = turn_of(tracker)
        language = language_of(tracker)
        if answered(await answer_receipt(dispatcher, tracker, language)):
            # a receipt, not a new tip: the form the rules start has nothing left to ask
            # (both answers set) and ends at once, and action_complete_tip has no reference
            return [SlotSet("language", language), SlotSet("tip_reference", None),
                    *(SlotSet(slot, "unknown") for slot in ANSWER_SLOTS)]
        receipt = await store_tip(dispatcher, tracker, turn, language)
        events: List[Dict[str, Any]] = [
            SlotSet("language", language),
            SlotSet("tip_reference", receipt.reference),
        ]
        if receipt.place and not tracker.get_slot("tip_location"):
            events.append(SlotSet("tip_location", receipt.place))
        if turn.metadata.get("location"):
            events.append(SlotSet("tip_location", "shared position"))
        return events


class ActionCompleteTip(Action):
    """Record the place and time, re-route if needed, and give the reference."""

    def name(self) -> str:
        return "action_complete_tip"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        language = language_of(tracker)
        reference: Optional[str] = tracker.get_slot("tip_reference")
        if reference:
            lat, lon = coordinates_of(turn_of(tracker))  # shared from web chat meanwhile
            await asyncio.to_thread(
                complete_tip, reference, tracker.sender_id,
                tracker.get_slot("tip_location"), tracker.get_slot("tip_time"), lat, lon,
            )
            await confirm(dispatcher, tracker, "tip_received", language, reference)
        return [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("language", language),
                *(SlotSet(slot, None) for slot in FORM_SLOTS)]


class ValidateTipForm(FormValidationAction):
    """Accept any answer, including "I don't know"; never keep the tipster in a loop.

    A second tip sent instead of an answer is not taken for the answer: the first tip is
    completed with what was known and confirmed, the new one is stored as a tip of its own,
    and the form goes on asking about the new one.
    """

    def name(self) -> str:
        return "validate_tip_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        turn = turn_of(tracker)
        requested = tracker.get_slot("requested_slot")
        if requested and await answer_receipt(dispatcher, tracker, language_of(tracker)):
            # a receipt quoted during the form is no answer: the question is asked again
            return [SlotSet(slot, None) for slot in {requested, *tracker.slots_to_validate()}]
        if (tracker.get_slot("requested_slot") and tracker.get_slot("tip_reference")
                and is_new_tip(turn)):
            return await self._second_tip(dispatcher, tracker, turn)
        return await super().run(dispatcher, tracker, domain)

    @staticmethod
    async def _second_tip(dispatcher: CollectingDispatcher, tracker: Tracker,
                          turn: Turn) -> List[Dict[str, Any]]:
        language = language_of(tracker)
        this_turn = tracker.slots_to_validate()
        earlier = {slot: tracker.get_slot(slot) for slot in ANSWER_SLOTS if slot not in this_turn}
        first = tracker.get_slot("tip_reference")
        await asyncio.to_thread(complete_tip, first, tracker.sender_id,
                                earlier.get("tip_location"), earlier.get("tip_time"))
        await confirm(dispatcher, tracker, "tip_received", language, first)
        receipt = await store_tip(dispatcher, tracker, turn, language)
        places, times = turn.entity_values("location"), turn.entity_values("time")
        return [SlotSet("language", language), SlotSet("tip_reference", receipt.reference),
                SlotSet("tip_location", receipt.place or (places[0] if places else None)),
                SlotSet("tip_time", times[0] if times else None)]

    @staticmethod
    def _accept(value: Any) -> Dict[str, Any]:
        text = str(value or "").strip()
        return {"value": text[:MAX_FIELD] if text else "unknown"}

    def validate_tip_location(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: Dict[str, Any]) -> Dict[str, Any]:
        return {"tip_location": self._accept(value)["value"]}

    def validate_tip_time(self, value: Any, dispatcher: CollectingDispatcher,
                          tracker: Tracker, domain: Dict[str, Any]) -> Dict[str, Any]:
        return {"tip_time": self._accept(value)["value"]}
