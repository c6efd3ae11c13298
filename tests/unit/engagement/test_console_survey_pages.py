"""Setting a survey in the console: an administrator creates, previews, publishes and closes it
(each step audited, CSRF checked); officers are refused; problems and titles are escaped."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient
from sqlalchemy import select

from bot.messages import get_catalog
from bot.store.models import AuditEntry
from bot.store.surveys import ConsoleSurvey
from tests.unit.test_console_app import admin, app, csrf, db, db_url, rcmp  # noqa: F401

SURVEY = """id: river-2026
title: "River crossings <script>alert('t')</script>"
languages: [en, es, ar]
keywords: {en: RIVER, es: RIO, ar: نهر}
questions:
  - id: seen
    kind: yesno
    text: {en: "Did you see boats at night?", es: "¿Vio botes de noche?",
           ar: "هل رأيت قوارب ليلاً؟"}
"""


def create(client: FlaskClient, text: str):  # type: ignore[no-untyped-def]
    return client.post("/admin/surveys/new", data={"definition": text, "csrf_token": csrf(client)})


def row_of(db, survey_id: str) -> ConsoleSurvey:  # noqa: ANN001, F811
    db.expire_all()
    return db.execute(select(ConsoleSurvey)
                      .where(ConsoleSurvey.survey_id == survey_id)).scalar_one()


def audited(db, survey_id: str) -> list:  # noqa: ANN001, F811
    entries = db.execute(select(AuditEntry).where(AuditEntry.action.like("survey_%"))
                         .order_by(AuditEntry.id)).scalars()
    return [(e.actor, e.action, e.after["state"]) for e in entries
            if e.after and e.after.get("survey") == survey_id]


def test_an_administrator_creates_previews_publishes_and_closes_a_survey(
        admin: FlaskClient, db) -> None:  # noqa: F811, ANN001
    page = admin.get("/admin/surveys/new").get_data(as_text=True)
    assert "id: new-survey" in page and "# kind: scale" in page  # the commented template
    response = create(admin, SURVEY)
    assert response.status_code == 302
    row = row_of(db, "river-2026")
    assert (row.state, row.created_by) == ("draft", row.updated_by)
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    for language, question in (("es", "¿Vio botes de noche?"), ("ar", "هل رأيت قوارب ليلاً؟")):
        preview = page.split(f'id="preview-{language}"')[1].split("</ol>")[0]
        hint = html.escape(get_catalog().render("survey_yesno_hint", language))
        assert question in preview and hint in preview, language
    token = csrf(admin)
    assert admin.post(f"/admin/surveys/{row.id}/publish").status_code == 400  # no CSRF token
    assert admin.post(f"/admin/surveys/{row.id}/publish",
                      data={"csrf_token": token}).status_code == 302
    assert row_of(db, "river-2026").state == "published"
    edited = admin.post(f"/admin/surveys/{row.id}", data={
        "definition": SURVEY.replace("boats", "ships"), "csrf_token": token})
    assert edited.status_code == 409 and "close it and make a new one" in edited.get_data(
        as_text=True)
    assert "boats" in row_of(db, "river-2026").definition
    listing = admin.get("/admin/surveys").get_data(as_text=True)
    assert 'id="survey-file-community-safety-2026"' in listing
    shipped = admin.get("/admin/surveys/file/community-safety-2026").get_data(as_text=True)
    assert "read-only" in shipped and "<textarea" not in shipped
    assert "إلى أي حد تشعر بالأمان" in shipped.split('id="preview-ar"')[1]
    assert f'id="survey-console-{row.id}"' in listing
    assert admin.post(f"/admin/surveys/{row.id}/close",
                      data={"csrf_token": token}).status_code == 302
    assert row_of(db, "river-2026").state == "closed"
    assert audited(db, "river-2026") == [("boss", "survey_created", "draft"),
                                         ("boss", "survey_published", "published"),
                                         ("boss", "survey_closed", "closed")]


def test_a_non_admin_officer_is_refused(rcmp: FlaskClient, db) -> None:  # noqa: F811, ANN001
    for path in ("/admin/surveys/new", "/admin/surveys/file/community-safety-2026"):
        assert rcmp.get(path).status_code == 403
    assert create(rcmp, SURVEY.replace("river-2026", "rcmp-try")).status_code == 403
    assert db.execute(select(ConsoleSurvey).where(ConsoleSurvey.survey_id == "rcmp-try")).first() \
        is None


def test_problems_are_listed_and_nothing_is_saved(admin: FlaskClient, db) -> None:  # noqa: F811, ANN001
    for text, problem in (
            ("id: [oops", "not valid YAML"),
            (SURVEY.replace("river-2026", "community-safety-2026"), "a data/surveys survey"),
            (SURVEY.replace('es: "¿Vio botes de noche?",', ""), "no text in es")):
        response = create(admin, text)
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and 'id="survey-problems"' in page, problem
        assert problem in re.sub(r"\s+", " ", page), page
    assert db.execute(select(ConsoleSurvey.id).where(
        ConsoleSurvey.survey_id == "community-safety-2026")).first() is None


def test_script_in_a_title_or_a_problem_is_escaped(admin: FlaskClient, db) -> None:  # noqa: F811, ANN001
    hostile = SURVEY.replace("river-2026", "river-escaped")
    assert create(admin, hostile).status_code == 302
    row = row_of(db, "river-escaped")
    for path in (f"/admin/surveys/{row.id}", "/admin/surveys"):
        page = admin.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "&lt;script&gt;alert(" in page, path
    response = create(admin, "id: '<img src=x onerror=alert(1)>'\nlanguages: [en]")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # in the textarea, escaped
