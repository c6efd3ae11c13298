"""Community surveys end to end: started by keyword by SMS (ENCUESTA) and web chat
(استبيان), asked and answered in that language, stored in survey_answers, and counted on
the console's /admin/surveys (docs/engagement.md)."""

from __future__ import annotations

import re
from typing import Callable, List

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.messages import get_catalog
from bot.store.feedback import SurveyAnswer
from harness.console import ConsoleServer, console_env, login_session, make_officer
from harness.servers import TipLineStack
from tests.e2e.test_feedback_survey import Chat, Send, _engine, chat, flat, rows, said, sms
from tests.e2e.test_sms import Sms, number

pytestmark = pytest.mark.timeout(600)
__all__ = ["chat", "sms"]  # the fixtures, shared with the feedback tests


def run_survey(send: Send, keyword: str, language: str, answers: List[str]) -> List[str]:
    catalog, replies = get_catalog(), send(keyword)
    assert said("survey_intro", language, replies), replies
    for answer in answers:
        replies += send(answer)
    assert said("survey_done", language, replies), replies
    assert flat([catalog.render("survey_choice_hint", language)]) in flat(replies)
    return replies


SURVEY_QUESTIONS = {"es": "¿Qué tan seguro se siente cerca de la frontera donde vive?",
                    "ar": "إلى أي حد تشعر بالأمان قرب الحدود حيث تعيش؟"}


def test_surveys_by_sms_and_web_chat_are_counted_on_the_admin_page(
        sms: Sms, chat: Callable[[str], Chat], sqlite_stack: TipLineStack,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    phone = number()
    replies = run_survey(lambda text: sms.say(phone, text), "ENCUESTA", "es", ["4", "1", "3"])
    assert SURVEY_QUESTIONS["es"] in flat(replies) and "Llamada" in flat(replies)
    replies = run_survey(chat("ar").send, "استبيان", "ar", ["٥", "٢", "٢"])
    assert SURVEY_QUESTIONS["ar"] in flat(replies) and "الدردشة على الموقع" in flat(replies)
    stored = {(a.question_id, a.answer, a.language, a.channel)
              for a in rows(sqlite_stack, select(SurveyAnswer))}
    assert {("feel_safe", "4", "es", "sms"), ("knew_tip_line", "yes", "es", "sms"),
            ("preferred_channel", "phone", "es", "sms"), ("feel_safe", "5", "ar", "webchat"),
            ("knew_tip_line", "no", "ar", "webchat"),
            ("preferred_channel", "webchat", "ar", "webchat")} <= stored
    page = admin_page(sqlite_stack, tmp_path_factory)
    counts = {(q, a): 0 for q, a, _, _ in stored}
    for answer in rows(sqlite_stack, select(SurveyAnswer)):
        counts[(answer.question_id, answer.answer)] += 1
    for question in ("feel_safe", "knew_tip_line", "preferred_channel"):
        table = re.search(rf'id="question-{question}">(.*?)</table>', page, re.S).group(1)
        heads = re.findall(r"<th>([^<]*)</th>", table)
        cells = [int(n) for n in re.findall(r"<td>(\d+)</td>", table)]
        expected = {h: counts.get((question, h), 0) for h in heads}
        assert dict(zip(heads, cells, strict=True)) == expected, question
    assert int(re.search(r'id="survey-completions">(\d+)<', page).group(1)) >= 2
    assert "facil" not in page and "very easy" not in page  # counts only, never a comment


def admin_page(stack: TipLineStack, tmp_path_factory: pytest.TempPathFactory) -> str:
    url = stack.env["TIPLINE_DATABASE_URL"]
    with Session(_engine(stack)) as session:
        make_officer(session, "survey-admin", None, role="admin")
        session.commit()
    console = ConsoleServer(console_env(tmp_path_factory.mktemp("surveys-console"), url),
                            "surveys").start()
    try:
        response = login_session(console.url, "survey-admin").get(
            f"{console.url}/admin/surveys", timeout=10)
        assert response.status_code == 200
        return response.text
    finally:
        console.stop()
