"""Console routes and page blocks of sharing, related tips and escalation alerts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, List

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.console import escalation, linking, sharing, workflow
from bot.console.context import db, login_required
from bot.console.models import Officer
from bot.console.scope import can_see_queue, get_tip, scoped
from bot.console.workflow import WorkflowError
from bot.store.models import Tip
from bot.store.sharing import Escalation, TipShare

bp = Blueprint("coordination", __name__, url_prefix="/tips")


@dataclass
class Coordination:
    """What the tip page shows about sharing, related tips and escalation."""

    owns: bool
    shares: List[TipShare] = field(default_factory=list)
    targets: List[str] = field(default_factory=list)
    related: List[tuple] = field(default_factory=list)
    linked: List[Tip] = field(default_factory=list)
    escalation: Any = None


@bp.app_template_global()
def tip_coordination(tip: Tip) -> Coordination:
    session, me = db(), g.officer
    owns = sharing.owns(me, tip)
    return Coordination(
        owns=owns, shares=sharing.all_shares(session, tip),
        targets=sharing.share_targets(session, tip) if owns else [],
        related=linking.suggestions(session, me, tip), linked=linking.linked_tips(session, tip),
        escalation=session.execute(select(Escalation).where(
            Escalation.tip_id == tip.id)).scalar_one_or_none())


@bp.app_template_global()
def shared_mark(tip: Tip) -> bool:
    """The tip is in this officer's list only because another agency shared it."""
    me = g.get("officer")
    return bool(me) and not can_see_queue(me, tip.queue)


@bp.app_template_global()
def visible_to_me(tip: Tip) -> bool:
    me = g.get("officer")
    return bool(me) and get_tip(db(), me, tip.reference, shared=True) is not None


@bp.app_template_global()
def escalation_alerts() -> List[tuple]:
    me = g.get("officer")
    if me is None:
        return []
    return escalation.open_alerts(db(), scoped(select(Tip.id), me, shared=True))


def _act(reference: str, change: Callable[[Session, Tip, Officer], str],
         shared: bool = False):  # type: ignore[no-untyped-def]
    session = db()
    tip = get_tip(session, g.officer, reference, for_update=True, shared=shared)
    if tip is None:
        abort(404)
    try:
        message = change(session, tip, g.officer)
    except WorkflowError as exc:
        session.rollback()
        flash(str(exc), "error")
    else:
        session.commit()
        flash(message, "info")
    return redirect(url_for("tips.show", reference=tip.reference))


@bp.route("/<reference>/share", methods=["POST"])
@login_required
def share(reference: str):  # type: ignore[no-untyped-def]
    agency, reason = request.form.get("agency") or "", request.form.get("reason") or ""

    def change(session: Session, tip: Tip, me: Officer) -> str:
        row = sharing.share(session, tip, me, agency, reason)
        return f"Tip {tip.reference} is shared with {row.agency}."

    return _act(reference, change)


@bp.route("/<reference>/shares/<int:share_id>/revoke", methods=["POST"])
@login_required
def revoke(reference: str, share_id: int):  # type: ignore[no-untyped-def]
    def change(session: Session, tip: Tip, me: Officer) -> str:
        row = sharing.revoke(session, tip, me, share_id)
        return f"{row.agency} no longer sees tip {tip.reference}."

    return _act(reference, change)


@bp.route("/<reference>/shared-note", methods=["POST"])
@login_required
def shared_note(reference: str):  # type: ignore[no-untyped-def]
    """A note from either side: the owning agency or one the tip is shared with."""
    text = request.form.get("text") or ""

    def change(session: Session, tip: Tip, me: Officer) -> str:
        workflow.add_note(session, tip, me, text)
        return "Note added."

    return _act(reference, change, shared=True)


@bp.route("/<reference>/link", methods=["POST"])
@login_required
def link(reference: str):  # type: ignore[no-untyped-def]
    other_ref = (request.form.get("other") or "").strip().upper()

    def change(session: Session, tip: Tip, me: Officer) -> str:
        other = get_tip(session, me, other_ref, shared=True) if other_ref else None
        if other is None:
            raise WorkflowError(f"no tip {other_ref!r} that you can see")
        linking.link(session, tip, other, me)
        return f"Tips {tip.reference} and {other.reference} are linked."

    return _act(reference, change)


@bp.app_template_global()
def tip_coordination_owns(tip: Tip) -> bool:
    """The triage and reply forms are for the agency that holds the tip, not a shared one."""
    me = g.get("officer")
    return bool(me) and sharing.owns(me, tip)
