"""Administrators' view of the community surveys and feedback: counts only, never a row."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, render_template
from sqlalchemy import func, select

from bot.console.context import admin_required, db
from bot.engagement.flow import surveys
from bot.engagement.surveys import active_survey
from bot.store.feedback import TipFeedback, answer_counts, completions

bp = Blueprint("surveys", __name__, url_prefix="/admin")


@bp.route("/surveys")
@admin_required
def overview():  # type: ignore[no-untyped-def]
    session = db()
    survey = active_survey(surveys(), datetime.now(UTC).date())
    counts = answer_counts(session, survey.id) if survey else {}
    done = completions(session, survey.id, survey.questions[-1].id) if survey else 0
    scores = dict(session.execute(select(TipFeedback.score, func.count())
                                  .group_by(TipFeedback.score)).all())
    return render_template("admin_surveys.html", survey=survey, counts=counts,
                           completions=done, scores=scores)
