"""The tip page and the officer's triage actions on it (every one audited); replies: replies.py."""

from __future__ import annotations

from typing import Any, Callable, Optional, Tuple, Union

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.console import workflow
from bot.console.context import db, login_required
from bot.console.models import Officer, TipNote
from bot.console.officers import agency_codes, agency_names, find_officer
from bot.console.replyinfo import MAX_REPLY, reply_context
from bot.console.scope import can_see_queue, get_tip, scoped
from bot.console.sharing import READ, record_read
from bot.console.summary import summarise
from bot.console.workflow import WorkflowError
from bot.routing.router import get_router
from bot.routing.rules import CATEGORIES
from bot.store.models import AuditEntry, Tip

bp = Blueprint("tips", __name__, url_prefix="/tips")
Change = Callable[[Session, Tip, Officer], Union[str, Tuple[str, str]]]


@bp.route("/<reference>")
@login_required
def show(reference: str):  # type: ignore[no-untyped-def]
    tip = get_tip(db(), g.officer, reference, shared=True)
    if tip is None:
        abort(404)
    record_read(db(), tip, g.officer, "page")
    return render_tip(tip)


def render_tip(tip: Tip, status: int = 200, **extra: Any):  # type: ignore[no-untyped-def]
    """The tip page of ``tip``; ``extra`` overrides template values (a refused reply)."""
    session = db()
    original = session.get(Tip, tip.duplicate_of_id) if tip.duplicate_of_id else None
    duplicates = session.execute(
        scoped(select(Tip).where(Tip.duplicate_of_id == tip.id), g.officer).order_by(Tip.id)
    ).scalars().all()
    notes = session.execute(
        select(TipNote).where(TipNote.tip_id == tip.id).order_by(TipNote.id)
    ).scalars().all()
    entries = session.execute(
        select(AuditEntry).where(AuditEntry.tip_id == tip.id, AuditEntry.action != READ)
        .order_by(AuditEntry.id)
    ).scalars().all()
    corrected = next((e for e in reversed(entries) if e.action == "category_corrected"), None)
    context = dict(
        tip=tip, summary=summarise(tip), original=original,
        original_visible=bool(original and can_see_queue(g.officer, original.queue)),
        duplicates=duplicates, notes=notes, audit_entries=entries, corrected=corrected,
        statuses=workflow.allowed_statuses(tip),
        assignees=workflow.assignable_officers(session, tip),
        queues=[q for q in agency_codes() if q != tip.queue], queue_names=agency_names(),
        categories=CATEGORIES, max_reply=MAX_REPLY, draft="", reply_refused=False,
        **reply_context(tip, entries),
    )
    context.update(extra)
    return render_template("tip.html", **context), status


def _act(reference: str, change: Change):  # type: ignore[no-untyped-def]
    """Apply ``change`` to the tip under a row lock, commit, and go back to the tip."""
    session = db()
    tip = get_tip(session, g.officer, reference, for_update=True)
    if tip is None:
        abort(404)
    try:
        message = change(session, tip, g.officer)
    except WorkflowError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("tips.show", reference=tip.reference))
    session.commit()
    text, level = message if isinstance(message, tuple) else (message, "info")
    flash(text, level)
    if not can_see_queue(g.officer, tip.queue):  # re-routed out of this agency's queues
        return redirect(url_for("queue.index"))
    return redirect(url_for("tips.show", reference=tip.reference))


@bp.route("/<reference>/claim", methods=["POST"])
@login_required
def claim(reference: str):  # type: ignore[no-untyped-def]
    def change(session: Session, tip: Tip, me: Officer) -> str:
        workflow.claim(session, tip, me)
        return f"Tip {tip.reference} is assigned to you."

    return _act(reference, change)


@bp.route("/<reference>/assign", methods=["POST"])
@login_required
def assign(reference: str):  # type: ignore[no-untyped-def]
    username = (request.form.get("assignee") or "").strip()

    def change(session: Session, tip: Tip, me: Officer) -> str:
        assignee: Optional[Officer] = None
        if username:
            assignee = find_officer(session, username)
            if assignee is None:
                raise WorkflowError(f"no officer named {username!r}")
        workflow.assign(session, tip, me, assignee)
        return (f"Tip {tip.reference} is assigned to {assignee.username}." if assignee
                else f"Tip {tip.reference} is unassigned.")

    return _act(reference, change)


@bp.route("/<reference>/status", methods=["POST"])
@login_required
def status(reference: str):  # type: ignore[no-untyped-def]
    target = (request.form.get("status") or "").strip()

    def change(session: Session, tip: Tip, me: Officer) -> str:
        workflow.set_status(session, tip, me, target)
        return f"Tip {tip.reference} is now {target}."

    return _act(reference, change)


@bp.route("/<reference>/reroute", methods=["POST"])
@login_required
def reroute(reference: str):  # type: ignore[no-untyped-def]
    queue = request.form.get("queue") or ""
    reason = request.form.get("reason") or ""

    def change(session: Session, tip: Tip, me: Officer) -> str:
        workflow.reroute(session, tip, me, queue, reason)
        return f"Tip {tip.reference} re-routed to {tip.queue}."

    return _act(reference, change)


@bp.route("/<reference>/duplicate", methods=["POST"])
@login_required
def duplicate(reference: str):  # type: ignore[no-untyped-def]
    other = (request.form.get("original") or "").strip().upper()

    def change(session: Session, tip: Tip, me: Officer) -> str:
        original = get_tip(session, me, other) if other else None
        if original is None:
            raise WorkflowError(f"no tip {other!r} in your queues")
        workflow.mark_duplicate(session, tip, me, original)
        return f"Tip {tip.reference} marked as a duplicate of {original.reference}."

    return _act(reference, change)


@bp.route("/<reference>/notes", methods=["POST"])
@login_required
def note(reference: str):  # type: ignore[no-untyped-def]
    text = request.form.get("text") or ""

    def change(session: Session, tip: Tip, me: Officer) -> str:
        workflow.add_note(session, tip, me, text)
        return "Note added."

    return _act(reference, change)


@bp.route("/<reference>/category", methods=["POST"])
@login_required
def category(reference: str):  # type: ignore[no-untyped-def]
    target = (request.form.get("category") or "").strip()

    def change(session: Session, tip: Tip, me: Officer) -> str:
        workflow.correct_category(session, tip, me, target)
        suggested = get_router().table.route(target, tip.location_side).queue
        hint = "" if suggested == tip.queue else (
            f" The routing rules would send it to {suggested}: re-route it if that is right.")
        return f"Category of {tip.reference} set to {target}.{hint}"

    return _act(reference, change)
