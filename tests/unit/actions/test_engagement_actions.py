"""Feedback and surveys through rasa_sdk's real executor: asked once, answered, never a lost tip."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

from rasa_sdk.executor import ActionExecutor
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.messages import get_catalog
from bot.store.feedback import SurveyAnswer, TipFeedback
from bot.store.models import Tip
from tests.unit.actions.conftest import parse_data


def executor() -> ActionExecutor:
    found = ActionExecutor()
    found.register_package("actions")
    return found


def call(name: str, message: Dict[str, Any], events: List[Dict[str, Any]]) -> Dict[str, Any]:
    user = {"event": "user", "text": message["text"], "parse_data": message}
    tracker = {"sender_id": "c-1", "slots": {}, "latest_message": message,
               "events": [*events, user], "paused": False, "followup_action": None,
               "active_loop": {}, "latest_action_name": "action_listen"}
    result = asyncio.run(executor().run({"next_action": name, "tracker": tracker,
                                         "domain": {}}))
    events.extend([user, *result["events"]])
    return result


def texts(result: Dict[str, Any]) -> List[str]:
    return [r["text"] for r in result["responses"]]


def rows(url: str, model: type) -> list:
    with Session(create_engine(url, future=True)) as session:
        return list(session.execute(select(model)).scalars())


def test_a_confirmed_tip_gets_one_question_and_a_score_in_arabic_digits(tips_store: str) -> None:
    events: List[Dict[str, Any]] = []
    tip = "رأيت شاحنة تفرغ صناديق عند النهر قرب المعبر ليلة أمس في الظلام"
    first = call("action_fallback", parse_data(tip, "nlu_fallback", language="ar"), events)
    assert texts(first)[-1] == get_catalog().render("feedback_ask", "ar")
    answer = call("action_anything_else", parse_data("٤ سهل جدا", "inform", language="ar"),
                  events)
    assert texts(answer) == [get_catalog().render("feedback_thanks", "ar")]
    [feedback] = rows(tips_store, TipFeedback)
    assert (feedback.score, feedback.comment, feedback.language) == (4, "سهل جدا", "ar")
    again = call("action_fallback", parse_data("مرة أخرى " + tip, "nlu_fallback", language="ar"),
                 events)
    assert get_catalog().render("feedback_ask", "ar") not in texts(again)  # never twice
    assert len(rows(tips_store, Tip)) == 2


def test_a_new_tip_instead_of_a_score_is_kept_as_a_tip(tips_store: str) -> None:
    events: List[Dict[str, Any]] = []
    call("action_fallback", parse_data("a van unloads boxes at the old pier every night",
                                       "nlu_fallback"), events)
    second = "Two men carried guns across the river at Emerson this morning"
    result = call("action_receive_tip", parse_data(second, "weapons_smuggling"), events)
    assert [tip.original_text for tip in rows(tips_store, Tip)][-1] == second
    assert rows(tips_store, TipFeedback) == []
    assert {"event": "slot", "name": "feedback_pending", "value": None,
            "timestamp": None} in result["events"]


def test_the_survey_keyword_runs_the_survey_in_spanish(tips_store: str) -> None:
    events: List[Dict[str, Any]] = []
    catalog = get_catalog()
    start = call("action_fallback", parse_data("ENCUESTA", "nlu_fallback", language="es"), events)
    assert texts(start)[0] == catalog.render("survey_intro", "es")
    assert catalog.render("survey_scale_hint", "es") in texts(start)[1]
    for answer in ("4", "1"):
        call("action_anything_else", parse_data(answer, "inform", language="es"), events)
    done = call("action_anything_else", parse_data("٣", "inform", language="es"), events)
    assert texts(done) == [catalog.render("survey_done", "es")]
    stored = [(a.question_id, a.answer, a.language) for a in rows(tips_store, SurveyAnswer)]
    assert stored == [("feel_safe", "4", "es"), ("knew_tip_line", "yes", "es"),
                      ("preferred_channel", "phone", "es")]
    assert len({a.run_token for a in rows(tips_store, SurveyAnswer)}) == 1
