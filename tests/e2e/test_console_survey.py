"""A survey set in the console, end to end: an administrator creates and publishes it through
the console server, a resident answers it by SMS in French (real Rasa and action servers,
SQLite), the answers are stored under its id and counted on /admin/surveys.

The stack keeps the data/ survey active today: a published console survey runs in its place
(docs/engagement.md, "Which survey runs")."""

from __future__ import annotations

import re
import time
from typing import Iterator, List

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.feedback import SurveyAnswer
from harness.console import ConsoleServer, console_env, csrf_from, login_session, make_officer
from harness.fakes.twilio_api import FakeTwilioApi
from harness.servers import (
    TipLineStack,
    sqlite_tracker,
    stack_env,
    write_credentials,
    write_endpoints,
)
from harness.twilio import twilio_credentials, twilio_env
from tests.e2e.test_feedback_survey import _engine, flat, rows, said
from tests.e2e.test_sms import Sms, number

pytestmark = pytest.mark.timeout(600)
SURVEY = """id: ferry-2026
title: Ferry crossings
languages: [en, fr]
keywords: {en: FERRY, fr: TRAVERSIER}
questions:
  - id: used
    kind: yesno
    text:
      en: "Did you take the ferry this month?"
      fr: "Avez-vous pris le traversier ce mois-ci ?"
  - id: safe
    kind: scale
    text: {en: "How safe did it feel?", fr: "Vous êtes-vous senti en sécurité ?"}
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory,
          fake_twilio: FakeTwilioApi) -> Iterator[TipLineStack]:
    tmp = tmp_path_factory.mktemp("console-survey-stack")
    env = stack_env(tmp, f"sqlite:///{tmp / 'tips.db'}", **twilio_env(fake_twilio))
    started = TipLineStack(env, tmp, write_endpoints(tmp, sqlite_tracker(tmp)),
                           write_credentials(tmp, twilio_credentials())).start()
    yield started
    started.stop()


def keyword_until_started(sms: Sms, phone: str, keyword: str) -> List[str]:
    """The keyword, sent again until the action server's cache of published surveys (30 s)
    has the new survey."""
    deadline = time.monotonic() + 45
    while True:
        replies = sms.say(phone, keyword)
        if said("survey_intro", "fr", replies) or time.monotonic() > deadline:
            return replies
        time.sleep(5)


def test_a_survey_published_in_the_console_is_answered_by_sms(
        stack: TipLineStack, fake_twilio: FakeTwilioApi,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    url = stack.env["TIPLINE_DATABASE_URL"]
    with Session(_engine(stack)) as session:
        make_officer(session, "survey-setter", None, role="admin")
        session.commit()
    env = console_env(tmp_path_factory.mktemp("console-survey"), url)
    console = ConsoleServer(env, "console-survey").start()
    try:
        http = login_session(console.url, "survey-setter")
        token = csrf_from(http.get(f"{console.url}/admin/surveys/new", timeout=10).text)
        created = http.post(f"{console.url}/admin/surveys/new", timeout=10,
                            data={"definition": SURVEY, "csrf_token": token})
        assert created.status_code == 200 and "Ferry crossings" in created.text, created.text
        published = http.post(f"{created.url}/publish", data={"csrf_token": token}, timeout=10)
        assert 'id="survey-state">published<' in published.text

        sms, phone = Sms(stack, fake_twilio), number()
        replies = keyword_until_started(sms, phone, "traversier")
        assert said("survey_intro", "fr", replies), replies
        assert "Avez-vous pris le traversier ce mois-ci ?" in flat(replies)
        replies = sms.say(phone, "1")
        assert "Vous êtes-vous senti en sécurité ?" in flat(replies), replies
        assert said("survey_done", "fr", sms.say(phone, "4"))
        stored = {(a.survey_id, a.question_id, a.answer, a.language, a.channel)
                  for a in rows(stack, select(SurveyAnswer))}
        assert stored == {("ferry-2026", "used", "yes", "fr", "sms"),
                          ("ferry-2026", "safe", "4", "fr", "sms")}

        page = http.get(f"{console.url}/admin/surveys", timeout=10).text
        assert re.search(r'id="survey-active">ferry-2026<', page)
        table = re.search(r'id="question-safe">(.*?)</table>', page, re.S).group(1)
        assert re.findall(r"<td>(\d+)</td>", table) == ["0", "0", "0", "1", "0"]
    finally:
        console.stop()
