"""Administrators' view of the community surveys and feedback: counts only, never a row."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import List, Optional

from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from bot.console.context import admin_required, db
from bot.engagement.console_surveys import published
from bot.engagement.flow import file_surveys, in_order, known_languages
from bot.engagement.surveys import Survey, active_survey, parse_text
from bot.store.feedback import TipFeedback, answer_counts, completions
from bot.store.surveys import ConsoleSurvey, all_surveys

bp = Blueprint("surveys", __name__, url_prefix="/admin")


def live_surveys() -> List[Survey]:
    """The surveys the conversations use, read now (no cache), in their order."""
    files = file_surveys()
    return in_order(published(db(), known_languages(), {s.id for s in files}), files)


def counted(survey_id: str, rows: List[ConsoleSurvey]) -> Optional[Survey]:
    """The survey ``survey_id`` whose counts are asked for (a data/ one, or a console one
    published or closed: a draft has no answers)."""
    found = next((s for s in file_surveys() if s.id == survey_id), None)
    row = next((r for r in rows if r.survey_id == survey_id and r.state != "draft"), None)
    if found is None and row is not None:
        found = parse_text(row.definition, "definition", known_languages())[0]
    return found


@bp.route("/surveys")
@admin_required
def overview():  # type: ignore[no-untyped-def]
    session = db()
    rows = all_surveys(session)
    active = active_survey(live_surveys(), datetime.now(UTC).date())
    chosen = request.args.get("survey", "")
    survey = counted(chosen, rows) if chosen else active
    counts = answer_counts(session, survey.id) if survey else {}
    done = completions(session, survey.id, survey.questions[-1].id) if survey else 0
    scores = dict(session.execute(select(TipFeedback.score, func.count())
                                  .group_by(TipFeedback.score)).all())
    return render_template("admin_surveys.html", survey=survey, counts=counts,
                           completions=done, scores=scores, files=file_surveys(), rows=rows,
                           active=active)
