"""Sharing a tip with another agency (read access and notes, not a re-route), and audited reads.

A share gives the officers of one more agency read access to a tip and lets them add
notes; it never moves the tip. Only the agencies that own the tip (its queue, or an
administrator) share and revoke. Each share, revocation and reading of a tip is appended
to the audit log (``shared``, ``share_revoked``, ``tip_read``).
"""

from __future__ import annotations

from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.console.models import Officer
from bot.console.officers import agency_codes
from bot.console.scope import can_see_queue, shared_queues
from bot.console.workflow import MAX_REASON, WorkflowError
from bot.store.models import Tip, utcnow
from bot.store.sharing import TipShare
from bot.store.tips import audit

READ = "tip_read"  # the audit action of a reading (left out of the tip page's history)


def owns(officer: Officer, tip: Tip) -> bool:
    """The officer's agency holds the tip (its queue or a joint one), or an administrator."""
    return can_see_queue(officer, tip.queue)


def active_shares(session: Session, tip: Tip) -> List[TipShare]:
    return list(session.execute(
        select(TipShare).where(TipShare.tip_id == tip.id, TipShare.revoked_at.is_(None))
        .order_by(TipShare.id)
    ).scalars())


def all_shares(session: Session, tip: Tip) -> List[TipShare]:
    return list(session.execute(
        select(TipShare).where(TipShare.tip_id == tip.id).order_by(TipShare.id)
    ).scalars())


def is_shared_with(session: Session, agency: Optional[str], tip: Tip) -> bool:
    if not agency:
        return False
    return session.execute(
        select(TipShare.id).where(TipShare.tip_id == tip.id, TipShare.agency == agency,
                                  TipShare.revoked_at.is_(None)).limit(1)
    ).first() is not None


def share_targets(session: Session, tip: Tip) -> List[str]:
    """Agencies the tip can be shared with: not its own queue, not a joint queue, not
    already shared."""
    taken = {s.agency for s in active_shares(session, tip)} | {tip.queue, *shared_queues()}
    return [code for code in agency_codes() if code not in taken]


def share(session: Session, tip: Tip, officer: Officer, agency: str, reason: str) -> TipShare:
    """Give ``agency`` read access to the tip (call with the tip's row locked)."""
    agency = (agency or "").strip().upper()
    reason = " ".join((reason or "").split())
    if not owns(officer, tip):
        raise WorkflowError("only the agency that holds the tip can share it")
    if agency not in agency_codes():
        raise WorkflowError(f"unknown agency {agency!r}")
    if agency not in share_targets(session, tip):
        raise WorkflowError(f"tip {tip.reference} is already visible to {agency}")
    if len(reason) < 3:
        raise WorkflowError("give the reason for sharing")
    if len(reason) > MAX_REASON:
        raise WorkflowError(f"the reason is limited to {MAX_REASON} characters")
    row = TipShare(tip_id=tip.id, agency=agency, reason=reason, shared_by=officer.username)
    session.add(row)
    session.flush()
    tip.updated_at = utcnow()  # the other agency's incremental API pulls see it now
    audit(session, tip, officer.username, "shared", None,
          {"agency": agency, "reason": reason, "share_id": row.id})
    return row


def revoke(session: Session, tip: Tip, officer: Officer, share_id: int) -> TipShare:
    """End a share: the agency loses access at once (its notes stay on the tip)."""
    if not owns(officer, tip):
        raise WorkflowError("only the agency that holds the tip can revoke a share")
    row = session.get(TipShare, share_id)
    if row is None or row.tip_id != tip.id or row.revoked_at is not None:
        raise WorkflowError("no such active share of this tip")
    row.revoked_at, row.revoked_by = utcnow(), officer.username
    tip.updated_at = row.revoked_at
    audit(session, tip, officer.username, "share_revoked", {"agency": row.agency},
          {"agency": row.agency, "share_id": row.id})
    return row


def record_read(session: Session, tip: Tip, officer: Officer, via: str) -> None:
    """Append the reading of a tip (``via``: page or api) to the audit log and commit."""
    audit(session, tip, officer.username, READ, None,
          {"via": via, "agency": officer.agency, "shared": not owns(officer, tip)})
    session.commit()
