"""Actions that store a tip, ask what is missing and confirm it with a reference."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import language_of, say, turn_of
from bot.conversation import channel_of
from bot.intake import MAX_FIELD, complete_tip, coordinates_of, receive_tip

FORM_SLOTS = ("tip_reference", "tip_location", "tip_time")


class ActionReceiveTip(Action):
    """Store the tip at once (nothing is lost if the tipster stops answering)."""

    def name(self) -> str:
        return "action_receive_tip"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        turn = turn_of(tracker)
        language = language_of(tracker)
        if turn.urgent:  # the 911 advice comes first, before anything else is done
            say(dispatcher, "emergency", language)
        receipt = await asyncio.to_thread(
            receive_tip, turn, tracker.sender_id, channel_of(tracker.get_latest_input_channel()),
            language,
        )
        if receipt.urgency == "high" and not turn.urgent:
            say(dispatcher, "emergency", language)
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
            say(dispatcher, "tip_received", language, reference=reference)
        return [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("language", language),
                *(SlotSet(slot, None) for slot in FORM_SLOTS)]


class ValidateTipForm(FormValidationAction):
    """Accept any answer, including "I don't know"; never keep the tipster in a loop."""

    def name(self) -> str:
        return "validate_tip_form"

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
