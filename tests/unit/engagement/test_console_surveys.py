"""The administrators' survey page: counts per question and answer, officers kept out."""

from __future__ import annotations

from flask.testing import FlaskClient

from bot.store.feedback import record_answer
from tests.unit.test_console_app import admin, app, db, db_url, rcmp  # noqa: F401


def test_admins_see_counts_per_answer_and_officers_do_not(admin: FlaskClient,  # noqa: F811
                                                         rcmp: FlaskClient, db) -> None:  # noqa: F811, ANN001
    for token, answer in (("a", "4"), ("b", "4"), ("c", "2")):
        record_answer(db, "community-safety-2026", "feel_safe", answer, "es", "sms", token)
    db.commit()
    page = admin.get("/admin/surveys").get_data(as_text=True)
    assert 'id="question-feel_safe"' in page
    row = page.split('id="question-feel_safe"')[1].split("</table>")[0]
    assert "<td>2</td>" in row and "<td>1</td>" in row
    assert rcmp.get("/admin/surveys").status_code in (302, 403)
