"""Numbers in every script, survey files checked, the stored rows carry no contact."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect

from bot.engagement.answers import bare_number, numbered
from bot.engagement.surveys import active_survey, load_surveys, parse_survey
from bot.settings import get_settings
from bot.store.feedback import SurveyAnswer, TipFeedback, clean_comment

LANGS = ["en", "fr", "es", "ar"]


@pytest.mark.parametrize("text, number, comment", [
    ("4", 4, ""), ("4 easy", 4, "easy"), ("٤ سهل", 4, "سهل"), ("۵", 5, ""),
    ("३ ठीक था", 3, "ठीक था"), ("５、とても簡単", 5, "とても簡単"), (" 1. hard ", 1, "hard"),
])
def test_a_score_is_read_in_any_script(text: str, number: int, comment: str) -> None:
    answer = numbered(text)
    assert answer is not None and (answer.number, answer.comment) == (number, comment)


@pytest.mark.parametrize("text", ["", "no", "skip", "6", "0", "45", "12 men at the dock",
                                  "four", "I saw a truck"])
def test_anything_else_is_no_score(text: str) -> None:
    assert numbered(text) is None


def test_a_survey_answer_is_a_bare_number_within_its_choices() -> None:
    assert bare_number("٢", 2) == 2 and bare_number("3", 2) is None
    assert bare_number("2 yes", 5) is None


def test_the_shipped_survey_loads_and_is_active() -> None:
    surveys, problems = load_surveys(get_settings().engagement.surveys_dir,
                                     ["en", "fr", "es", "ar", "zh"])
    assert problems == []
    survey = active_survey(surveys, date(2026, 12, 2))
    assert survey is not None and survey.keyword_language("encuesta") == "es"
    assert [q.values() for q in survey.questions] == [
        ["1", "2", "3", "4", "5"], ["yes", "no"], ["sms", "webchat", "phone"]]


def test_a_survey_missing_a_language_or_kind_is_refused() -> None:
    raw = {"id": "x", "languages": ["en", "es"], "keywords": {"en": "SURVEY"},
           "questions": [{"id": "q", "kind": "essay", "text": {"en": "Why?"}}]}
    survey, problems = parse_survey(raw, "x.yml", LANGS)
    assert survey is None
    assert any("kind" in p for p in problems) and any("no text in es" in p for p in problems)


def test_stored_feedback_and_answers_hold_no_contact_nor_conversation(tmp_path: Path) -> None:
    for model in (TipFeedback, SurveyAnswer):
        columns = {c.name for c in inspect(model).columns}
        assert not columns & {"contact_id", "conversation_id", "sender", "contact_hash"}
    assert clean_comment("call me at +15145550100\x00") == "call me at [redacted-number]\ufffd"
