"""Triage of a tip by an officer. Every change is audited with officer, time, before/after."""

from __future__ import annotations

from typing import Dict, Optional, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.console.models import Officer, TipNote
from bot.console.officers import agency_codes
from bot.console.scope import can_see_queue
from bot.routing.rules import CATEGORIES
from bot.store.models import RoutingDecision, Tip
from bot.store.tips import audit

MAX_NOTE = 5000
MAX_REASON = 500
DONE = ("closed", "duplicate")
# Status changes an officer may make directly. "assigned" also needs an assignee;
# "rerouted" and "duplicate" are set by re-routing and by marking a duplicate.
TRANSITIONS: Dict[str, Sequence[str]] = {
    "new": ("triaged", "assigned", "closed"),
    "triaged": ("assigned", "actioned", "closed"),
    "assigned": ("triaged", "actioned", "closed"),
    "actioned": ("assigned", "triaged", "closed"),
    "closed": ("triaged",),
    "rerouted": ("triaged", "assigned", "closed"),
    "duplicate": ("triaged",),
}


class WorkflowError(ValueError):
    """The change is not allowed; the message says why (shown to the officer)."""


def _state(tip: Tip, *fields: str) -> dict:
    return {name: getattr(tip, name) for name in fields}


def allowed_statuses(tip: Tip) -> Sequence[str]:
    targets = TRANSITIONS.get(tip.status, ())
    return [s for s in targets if s != "assigned" or tip.assigned_to]


def claim(session: Session, tip: Tip, officer: Officer) -> None:
    """Assign the tip to the officer doing it."""
    assign(session, tip, officer, officer)


def assign(session: Session, tip: Tip, officer: Officer, assignee: Optional[Officer]) -> None:
    """Assign the tip to ``assignee`` (None: unassign); status follows."""
    if tip.status in DONE:
        raise WorkflowError(f"tip {tip.reference} is {tip.status}: reopen it first")
    if assignee is not None:
        if not assignee.active:
            raise WorkflowError(f"{assignee.username} is not an active officer")
        if not can_see_queue(assignee, tip.queue):
            raise WorkflowError(f"{assignee.username} cannot see queue {tip.queue}")
    before = _state(tip, "assigned_to", "status")
    new_assignee = assignee.username if assignee else None
    if new_assignee == tip.assigned_to:
        raise WorkflowError(f"tip {tip.reference} is already "
                            + (f"assigned to {new_assignee}" if new_assignee else "unassigned"))
    tip.assigned_to = new_assignee
    if new_assignee and tip.status in ("new", "triaged", "rerouted"):
        tip.status = "assigned"
    elif not new_assignee and tip.status == "assigned":
        tip.status = "triaged"
    action = "claimed" if assignee is officer else "assigned"
    audit(session, tip, officer.username, action, before, _state(tip, "assigned_to", "status"))


def set_status(session: Session, tip: Tip, officer: Officer, status: str) -> None:
    """Move the tip along the workflow."""
    if status == tip.status:
        raise WorkflowError(f"tip {tip.reference} is already {status}")
    if status not in TRANSITIONS.get(tip.status, ()):
        raise WorkflowError(f"a {tip.status} tip cannot become {status}")
    if status == "assigned" and not tip.assigned_to:
        raise WorkflowError("claim the tip or assign it to an officer first")
    before, after = {"status": tip.status}, {"status": status}
    if tip.status == "duplicate":  # not a duplicate after all
        original = session.get(Tip, tip.duplicate_of_id) if tip.duplicate_of_id else None
        before["duplicate_of"] = original.reference if original else None
        after["duplicate_of"] = None
        tip.duplicate_of_id = None
    tip.status = status
    audit(session, tip, officer.username, "status_changed", before, after)


def reroute(session: Session, tip: Tip, officer: Officer, queue: str, reason: str) -> None:
    """Send the tip to another agency's queue, with the reason; it shows up there at once."""
    queue = (queue or "").strip().upper()
    reason = " ".join((reason or "").split())
    if queue not in agency_codes():
        raise WorkflowError(f"unknown queue {queue!r}")
    if queue == tip.queue:
        raise WorkflowError(f"tip {tip.reference} is already in queue {queue}")
    if tip.status in DONE:
        raise WorkflowError(f"tip {tip.reference} is {tip.status}: reopen it first")
    if len(reason) < 3:
        raise WorkflowError("give the reason for the re-route")
    if len(reason) > MAX_REASON:
        raise WorkflowError(f"the reason is limited to {MAX_REASON} characters")
    before = _state(tip, "queue", "status", "assigned_to")
    tip.queue, tip.status, tip.assigned_to = queue, "rerouted", None
    session.add(RoutingDecision(tip_id=tip.id, category=tip.category, side=tip.location_side,
                                on_water=False, queue=queue, rule=f"re-routed: {reason}",
                                decided_by=officer.username))
    after = {**_state(tip, "queue", "status", "assigned_to"), "reason": reason}
    audit(session, tip, officer.username, "rerouted", before, after)


def mark_duplicate(session: Session, tip: Tip, officer: Officer, original: Tip) -> None:
    """Mark the tip as a duplicate of ``original`` (a tip the officer can see)."""
    if original.id == tip.id:
        raise WorkflowError("a tip cannot be a duplicate of itself")
    if tip.status in DONE:
        raise WorkflowError(f"tip {tip.reference} is {tip.status}: reopen it first")
    seen, cursor = {tip.id}, original
    for _ in range(50):  # the original must not (through its own originals) point back here
        if cursor.duplicate_of_id is None:
            break
        if cursor.duplicate_of_id in seen:
            raise WorkflowError(f"{original.reference} is itself a duplicate of this tip")
        seen.add(cursor.id)
        cursor = session.get(Tip, cursor.duplicate_of_id)
    before = {"status": tip.status, "duplicate_of": None}
    tip.duplicate_of_id, tip.status = original.id, "duplicate"
    audit(session, tip, officer.username, "marked_duplicate", before,
          {"status": "duplicate", "duplicate_of": original.reference})


def add_note(session: Session, tip: Tip, officer: Officer, text: str) -> TipNote:
    """An internal note (officers only)."""
    text = (text or "").strip()
    if not text:
        raise WorkflowError("the note is empty")
    if len(text) > MAX_NOTE:
        raise WorkflowError(f"a note is limited to {MAX_NOTE} characters")
    note = TipNote(tip_id=tip.id, author=officer.username, text=text)
    session.add(note)
    session.flush()
    audit(session, tip, officer.username, "note_added", None, {"note_id": note.id, "text": text})
    return note


def correct_category(session: Session, tip: Tip, officer: Officer, category: str) -> None:
    """Replace the NLU's category (its confidence no longer applies)."""
    if category not in CATEGORIES:
        raise WorkflowError(f"unknown category {category!r}")
    if category == tip.category:
        raise WorkflowError(f"tip {tip.reference} is already {category}")
    before = _state(tip, "category", "category_confidence")
    tip.category, tip.category_confidence = category, None
    audit(session, tip, officer.username, "category_corrected", before,
          _state(tip, "category", "category_confidence"))


def assignable_officers(session: Session, tip: Tip) -> list:
    """Active officers who can see the tip's queue."""
    officers = session.execute(
        select(Officer).where(Officer.active.is_(True)).order_by(Officer.username)
    ).scalars()
    return [o for o in officers if can_see_queue(o, tip.queue)]
