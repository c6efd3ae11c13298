"""The tip form on tracker fixtures: an answer fills the form, a second tip is a tip."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.intake import ActionReceiveTip, ValidateTipForm
from bot.messages import get_catalog
from tests.unit.actions.conftest import parse_data, tracker
from tests.unit.actions.test_intake_actions import stored, texts

DOMAIN = {"forms": {"tip_form": {"required_slots": ["tip_location", "tip_time"]}},
          "slots": {"tip_location": {}, "tip_time": {}}}
FIRST = "a white van unloads boxes of cigarettes behind the gas station every night"


def answer_turn(message: Dict[str, Any], reference: str, requested: str) -> Tracker:
    """The form asked for ``requested``; the tipster's message filled it as free text."""
    events: List[Dict[str, Any]] = [
        {"event": "user", "text": message["text"], "parse_data": message},
        {"event": "slot", "name": requested, "value": message["text"]},
    ]
    slots = {"tip_reference": reference, "requested_slot": requested,
             requested: message["text"], "language": message["language"]}
    return Tracker("conversation-1", slots, message, events, False, None,
                   {"name": "tip_form"}, "rest")


def first_tip(dispatcher: CollectingDispatcher) -> str:
    events = asyncio.run(ActionReceiveTip().run(
        dispatcher, tracker(parse_data(FIRST, "contraband")), {}))
    return next(e["value"] for e in events if e.get("name") == "tip_reference")


def test_a_second_tip_during_the_form_is_stored_as_a_tip_of_its_own(
    tips_store: str, dispatcher: CollectingDispatcher,
) -> None:
    reference = first_tip(dispatcher)
    second = ("now two guys are carrying rifles from a boat into a pickup at the marina, "
              "they did it last week too")
    message = parse_data(second, "weapons_smuggling", confidence=0.8)
    events = asyncio.run(ValidateTipForm().run(
        dispatcher, answer_turn(message, reference, "tip_location"), DOMAIN))
    tips = {t.reference: t for t in stored(tips_store)}
    assert len(tips) == 2
    [new] = [t for ref, t in tips.items() if ref != reference]
    assert (new.original_text, new.category) == (second, "weapons_smuggling")
    assert tips[reference].original_text == FIRST  # not the first tip's "where?"
    assert get_catalog().render("tip_received", "en", reference=reference) in texts(dispatcher)
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["tip_reference"] == new.reference
    assert slots["tip_location"] != second  # the form now asks about the new tip


def test_a_short_answer_fills_the_form_and_stores_nothing_new(
    tips_store: str, dispatcher: CollectingDispatcher,
) -> None:
    reference = first_tip(dispatcher)
    message = parse_data("behind the church in Stanstead", "inform")
    events = asyncio.run(ValidateTipForm().run(
        dispatcher, answer_turn(message, reference, "tip_location"), DOMAIN))
    assert [t.reference for t in stored(tips_store)] == [reference]
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["tip_location"] == "behind the church in Stanstead"


def test_a_long_answer_that_mentions_the_crime_again_is_still_an_answer(
    tips_store: str, dispatcher: CollectingDispatcher,
) -> None:
    reference = first_tip(dispatcher)
    message = parse_data("at Rock Island", "contraband", confidence=0.9)
    asyncio.run(ValidateTipForm().run(
        dispatcher, answer_turn(message, reference, "tip_location"), DOMAIN))
    assert len(stored(tips_store)) == 1
