"""One turn of feedback or survey: is the message an answer, and what to say and remember.

The state lives in the conversation (slots ``feedback_pending`` and ``survey_state``),
never in the stored answers. A message that is not an answer drops the pending question
silently and is handled as usual: a tip sent instead of a score is never lost.

The surveys are the console's published ones (the latest published first, read with a
short cache) then the data/ files' (by file name): the active survey is the first active of
that list, so a survey an administrator publishes runs without a deploy.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Dict, List, Optional

from bot.channels.voice.spec import SPEC as VOICE
from bot.engagement.answers import bare_number, numbered
from bot.engagement.console_surveys import PublishedCache, published
from bot.engagement.surveys import Question, Survey, active_survey, load_surveys
from bot.language.config import load_language_config
from bot.messages import get_catalog
from bot.settings import get_settings
from bot.store.db import session_scope
from bot.store.feedback import has_feedback, record_answer, record_feedback

FEEDBACK, ASKED, SURVEY = "feedback_pending", "feedback_asked", "survey_state"
# a caller cannot type a score: the question is never said on a voice call
NOT_ASKED_ON = frozenset({VOICE.name})


@dataclass
class Outcome:
    """What the turn gets: replies and slots; ``handled`` False means "run as usual"."""

    handled: bool
    texts: List[str] = field(default_factory=list)
    slots: Dict[str, Any] = field(default_factory=dict)


PUBLISHED = PublishedCache()  # the console's published surveys (bot/engagement/console_surveys.py)


@lru_cache(maxsize=1)
def known_languages() -> List[str]:
    return list(load_language_config(get_settings().languages).community)


@lru_cache(maxsize=1)
def file_surveys() -> List[Survey]:
    """The valid surveys of data/surveys (read once per process), by file name."""
    return load_surveys(get_settings().engagement.surveys_dir, known_languages())[0]


def _console_surveys() -> List[Survey]:
    with session_scope() as session:
        return published(session, known_languages(), {s.id for s in file_surveys()})


def surveys() -> List[Survey]:
    """The surveys in the order the running one is chosen (``in_order``)."""
    return in_order(PUBLISHED.get(_console_surveys), file_surveys())


def in_order(console: List[Survey], files: List[Survey]) -> List[Survey]:
    """The console's published surveys (``console`` by publish time: the latest first), then
    the data/ ones: the first active one runs."""
    return list(reversed(console)) + files


def keyword_survey(text: str) -> Optional[tuple[Optional[Survey], str]]:
    """(the active survey or None, the keyword's language) when ``text`` is a keyword."""
    found = surveys()
    for survey in found:
        language = survey.keyword_language(text)
        if language:
            return active_survey(found, datetime.now(UTC).date()), language
    return None


def prompt(question: Question, language: str) -> str:
    """A question as sent: its text, its numbered choices, then how to answer."""
    lines = [question.text.get(language) or question.text["en"]]
    lines += [f"{n}. {text.get(language) or text['en']}"
              for n, (_, text) in enumerate(question.choices, start=1)]
    lines.append(get_catalog().render(f"survey_{question.kind}_hint", language))
    return "\n".join(lines)


def start_survey(survey: Optional[Survey], keyword_language: str,
                 conversation_language: str) -> Outcome:
    catalog = get_catalog()
    if survey is None:
        return Outcome(True, [catalog.render("survey_none", conversation_language)],
                       {SURVEY: None, FEEDBACK: None})
    language = keyword_language if keyword_language != "en" else conversation_language
    language = language if language in survey.languages else "en"
    state = {"survey": survey.id, "question": 0, "language": language,
             "token": uuid.uuid4().hex}
    return Outcome(True, [catalog.render("survey_intro", language),
                          prompt(survey.questions[0], language)],
                   {SURVEY: state, FEEDBACK: None})


def survey_step(state: Dict[str, Any], text: str, channel: str) -> Outcome:
    """An answer to the survey's current question, or the survey dropped."""
    survey = next((s for s in surveys() if s.id == state.get("survey")), None)
    index = int(state.get("question", 0))
    if survey is None or index >= len(survey.questions):
        return Outcome(False, slots={SURVEY: None})
    question = survey.questions[index]
    number = bare_number(text, question.highest)
    if number is None:
        return Outcome(False, slots={SURVEY: None})
    language = state.get("language", "en")
    with session_scope() as session:
        record_answer(session, survey.id, question.id, question.answer(number), language,
                      channel, str(state.get("token", "")))
    if index + 1 < len(survey.questions):
        return Outcome(True, [prompt(survey.questions[index + 1], language)],
                       {SURVEY: {**state, "question": index + 1}})
    return Outcome(True, [get_catalog().render("survey_done", language)], {SURVEY: None})


def feedback_step(reference: str, text: str, language: str, channel: str) -> Outcome:
    """A score (1-5, any script, optional comment) for tip ``reference``, or dropped."""
    answer = numbered(text)
    if answer is None:
        return Outcome(False, slots={FEEDBACK: None})
    with session_scope() as session:
        record_feedback(session, reference, answer.number, answer.comment, language, channel)
    return Outcome(True, [get_catalog().render("feedback_thanks", language)], {FEEDBACK: None})


def should_ask(reference: str, asked_before: bool, channel: str) -> bool:
    """Ask once per conversation, never about a tip already rated, never on a voice call,
    and only when enabled."""
    if asked_before or channel in NOT_ASKED_ON or not get_settings().engagement.feedback:
        return False
    with session_scope() as session:
        return not has_feedback(session, reference)
