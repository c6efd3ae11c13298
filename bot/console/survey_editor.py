"""Surveys set in the console (administrators only): a draft typed as YAML, checked and
previewed, then published and closed; every step in the audit log (docs/engagement.md)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError

from bot.console.context import admin_required, db
from bot.engagement.console_surveys import check
from bot.engagement.flow import file_surveys, known_languages, prompt
from bot.engagement.surveys import TEMPLATE, Survey, parse_text
from bot.messages import get_catalog
from bot.store.surveys import ConsoleSurvey, change_draft, change_state, create_draft
from bot.store.tips import audit

bp = Blueprint("survey_editor", __name__, url_prefix="/admin/surveys")
STEPS = {"publish": ("published", "survey_published"), "close": ("closed", "survey_closed")}


def preview(survey: Optional[Survey]) -> List[Tuple[str, str, List[str]]]:
    """Each language, its keyword and what a resident is sent in it: the intro, then every
    question (a language without a keyword is reached by the English one)."""
    if survey is None:
        return []
    intro = get_catalog().render
    return [(lang, survey.keywords.get(lang, survey.keywords["en"]),
             [intro("survey_intro", lang), *(prompt(q, lang) for q in survey.questions)])
            for lang in survey.languages]


def _file_ids() -> set:
    return {s.id for s in file_surveys()}


def _row(number: int) -> ConsoleSurvey:
    row = db().get(ConsoleSurvey, number)
    if row is None:
        abort(404)
    return row


def _page(row: Optional[ConsoleSurvey], text: str, problems: List[str],
          status: int = 200) -> Any:
    survey = None if problems else parse_text(text, "definition", known_languages())[0]
    return render_template("admin_survey_edit.html", row=row, text=text, problems=problems,
                           survey=survey, preview=preview(survey)), status


def _snapshot(row: ConsoleSurvey) -> Dict[str, str]:
    """What the audit log keeps of a console survey, before and after a change."""
    return {"survey": row.survey_id, "state": row.state, "definition": row.definition}


def _saved(row: ConsoleSurvey, action: str, before: Optional[Dict] = None) -> Any:
    """The change audited and committed; back to the survey's page."""
    audit(db(), None, g.officer.username, action, before, _snapshot(row))
    db().commit()
    return redirect(url_for("survey_editor.edit", number=row.id))


@bp.route("/new")
@admin_required
def new():  # type: ignore[no-untyped-def]
    return _page(None, TEMPLATE.read_text(encoding="utf-8"), [])


@bp.route("/new", methods=["POST"])
@admin_required
def create():  # type: ignore[no-untyped-def]
    text = request.form.get("definition", "")
    survey, problems = check(db(), text, known_languages(), _file_ids())
    if survey is None:
        return _page(None, text, problems, 400)
    try:
        row = create_draft(db(), survey.id, survey.title, text, g.officer.id)
    except IntegrityError:  # another administrator took the id a moment ago
        db().rollback()
        return _page(None, text, [f"definition: the id {survey.id} was just taken"], 400)
    flash(f"Draft {survey.id} saved. Check the preview, then publish it.", "info")
    return _saved(row, "survey_created")


@bp.route("/<int:number>")
@admin_required
def edit(number: int):  # type: ignore[no-untyped-def]
    row = _row(number)
    return _page(row, row.definition, [])


@bp.route("/<int:number>", methods=["POST"])
@admin_required
def save(number: int):  # type: ignore[no-untyped-def]
    row = _row(number)
    if row.state != "draft":
        return _page(row, row.definition, [
            f"the survey is {row.state}: its questions cannot change (its answers were given "
            "to them); close it and make a new one"], 409)
    text = request.form.get("definition", "")
    survey, problems = check(db(), text, known_languages(), _file_ids(), row.id)
    if survey is None:
        return _page(row, text, problems, 400)
    before = _snapshot(row)
    try:
        changed = change_draft(db(), row, survey.id, survey.title, text, g.officer.id)
    except IntegrityError:
        db().rollback()
        return _page(row, text, [f"definition: the id {survey.id} was just taken"], 400)
    if not changed:
        db().rollback()
        return _page(_row(number), text, ["the survey was published meanwhile: not saved"], 409)
    flash(f"Draft {survey.id} saved.", "info")
    return _saved(row, "survey_changed", before)


@bp.route("/<int:number>/<any(publish, close):step>", methods=["POST"])
@admin_required
def move(number: int, step: str):  # type: ignore[no-untyped-def]
    row = _row(number)
    state, action = STEPS[step]
    if step == "publish":  # checked again: the languages or the data/ surveys may have changed
        problems = check(db(), row.definition, known_languages(), _file_ids(), row.id)[1]
        if problems:
            return _page(row, row.definition, problems, 400)
    before = {"survey": row.survey_id, "state": row.state}
    if not change_state(db(), row, state, g.officer.id):
        db().rollback()
        flash(f"Not done: the survey is {row.state}.", "error")
        return redirect(url_for("survey_editor.edit", number=number))
    flash(f"Survey {row.survey_id} {state}; conversations see it within a minute.", "info")
    return _saved(row, action, before)


@bp.route("/file/<survey_id>")
@admin_required
def from_file(survey_id: str):  # type: ignore[no-untyped-def]
    survey = next((s for s in file_surveys() if s.id == survey_id), None)
    if survey is None:
        abort(404)
    return render_template("admin_survey_file.html", survey=survey, preview=preview(survey))
