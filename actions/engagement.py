"""Feedback and surveys around every action: answers read first, the question asked after.

rasa_sdk's executor runs each action of this server; its ``run`` is wrapped once, when
the actions load (as actions/base.py does for the inbox marks). Before the first action
of a turn, a pending survey question or feedback question takes a message that answers
it (bot/engagement/flow.py); any other message drops it and runs as usual. After an
action that confirmed a tip outside the form, the feedback question is asked once.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from actions.base import language_of, turn_of
from actions.intake import ANSWER_SLOTS, is_new_tip
from bot.conversation import channel_of
from bot.engagement import flow
from bot.engagement.confirmed import open_note
from bot.inbox.marks import mark_handled
from bot.messages import get_catalog

_WRAPPED = "_tipline_engagement"
# run inside a turn already started (the form and its parts): never the start of a turn
NOT_FIRST = {"tip_form", "validate_tip_form", "action_complete_tip", "action_ask_tip_location",
             "action_ask_tip_time"}
LISTEN = {"action_listen", "action_extract_slots", "action_session_start"}


def slot(tracker: Dict[str, Any], name: str) -> Any:
    """A slot's value, from the domain's slots or, for a model trained before the slot was
    declared, from the conversation's latest SlotSet event."""
    slots = tracker.get("slots") or {}
    if name in slots:
        return slots[name]
    for event in reversed(tracker.get("events") or []):
        if event.get("event") == "slot" and event.get("name") == name:
            return event.get("value")
    return None


def first_of_turn(tracker: Dict[str, Any]) -> bool:
    """Whether no action ran yet since the latest user message."""
    for event in reversed(tracker.get("events") or []):
        if event.get("event") == "user":
            return True
        if event.get("event") == "action" and event.get("name") not in LISTEN:
            return False
    return False


def before(name: str, raw: Dict[str, Any]) -> Optional[flow.Outcome]:
    """The turn taken by a survey or feedback answer, or the slots to clear (handled False)."""
    if name in NOT_FIRST or (raw.get("active_loop") or {}).get("name") or not first_of_turn(raw):
        return None
    tracker = Tracker.from_dict(raw)
    turn, text = turn_of(tracker), (tracker.latest_message or {}).get("text") or ""
    if turn.urgent:
        return None
    channel = channel_of(tracker.get_latest_input_channel())
    keyword = flow.keyword_survey(text)
    if keyword is not None:
        return flow.start_survey(keyword[0], keyword[1], language_of(tracker))
    state = slot(raw, flow.SURVEY)
    if isinstance(state, dict):
        return flow.survey_step(state, text, channel)
    reference = slot(raw, flow.FEEDBACK)
    if reference and not is_new_tip(turn):
        return flow.feedback_step(str(reference), text, language_of(tracker), channel)
    return flow.Outcome(False, slots={flow.FEEDBACK: None}) if reference else None


def after(name: str, raw: Dict[str, Any], confirmed: List[tuple]) -> Optional[flow.Outcome]:
    """The feedback question after a tip confirmed outside the form, once per conversation."""
    if not confirmed or name in ("tip_form", "validate_tip_form"):
        return None
    if ((raw.get("latest_message") or {}).get("intent") or {}).get("name") == "goodbye":
        return None
    reference, language = confirmed[-1]
    channel = channel_of(Tracker.from_dict(raw).get_latest_input_channel())
    if not flow.should_ask(reference, bool(slot(raw, flow.ASKED)), channel):
        return None
    return flow.Outcome(True, [get_catalog().render("feedback_ask", language)],
                        {flow.FEEDBACK: reference, flow.ASKED: True})


def _events(outcome: flow.Outcome) -> List[Dict[str, Any]]:
    return [SlotSet(name, value) for name, value in outcome.slots.items()]


def _messages(outcome: flow.Outcome) -> List[Dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    for text in outcome.texts:
        dispatcher.utter_message(text=text)
    return dispatcher.messages


def wrap_executor() -> None:
    original = ActionExecutor.run
    if getattr(original, _WRAPPED, False):
        return

    async def run(self: ActionExecutor, action_call: Dict[str, Any]) -> Optional[Dict]:
        name, raw = action_call.get("next_action") or "", action_call.get("tracker") or {}
        outcome = await asyncio.to_thread(before, name, raw) if name else None
        if outcome is not None and outcome.handled:
            events = _events(outcome)
            if name == "action_receive_tip":  # the form the rules start ends at once
                events += [SlotSet("tip_reference", None),
                           *(SlotSet(s, "unknown") for s in ANSWER_SLOTS)]
            latest = raw.get("latest_message") or {}
            await asyncio.to_thread(mark_handled, latest.get("message_id"))
            return self._create_api_response(events, _messages(outcome))
        note = open_note()
        result = await original(self, action_call)
        if result is None:
            return result
        extra = [outcome] if outcome is not None else []
        asked = await asyncio.to_thread(after, name, raw, note)
        extra += [asked] if asked is not None else []
        for item in extra:
            result.setdefault("events", []).extend(_events(item))
            result.setdefault("responses", []).extend(_messages(item))
        return result

    setattr(run, _WRAPPED, True)
    ActionExecutor.run = run  # type: ignore[method-assign]


wrap_executor()
