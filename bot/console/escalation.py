"""Escalation of urgent tips left unclaimed: found by a periodic job, recorded once per tip.

A tip is due when it is urgent, open, assigned to nobody and older than its agency's
minutes (data/routing/escalation.yml). The ``escalations`` row is unique per tip: with two
job workers racing, the database keeps one and the other skips the tip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Dict, List, Optional

import yaml
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.console.coordination import coordination_settings
from bot.console.officers import agency_codes
from bot.console.queries import as_utc
from bot.store.models import Tip, utcnow
from bot.store.sharing import Escalation
from bot.store.tips import audit

UNCLAIMED_STATUSES = ("new", "triaged", "rerouted")
BATCH = 200


@dataclass
class EscalationRules:
    """Minutes before escalation, per agency queue code."""

    default_minutes: int = 15
    agencies: Dict[str, int] = field(default_factory=dict)

    def minutes_for(self, agency: str) -> int:
        return self.agencies.get(agency, self.default_minutes)

    @classmethod
    def load(cls, path: Path) -> EscalationRules:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        agencies = {str(k): v for k, v in (data.get("agencies") or {}).items()}
        default = data.get("default_minutes", 15)
        known = set(agency_codes())
        for name, minutes in [("default_minutes", default), *agencies.items()]:
            if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 1:
                raise ValueError(f"{path}: {name} must be a whole number of minutes >= 1")
        unknown = sorted(set(agencies) - known)
        if unknown:
            raise ValueError(f"{path}: unknown agencies {unknown} (not in the routing rules)")
        return cls(default, agencies)


def load_rules() -> EscalationRules:
    return EscalationRules.load(coordination_settings().escalation_rules)


def due_tips(session: Session, rules: EscalationRules, now: datetime) -> List[Tip]:
    """Urgent unclaimed tips past their agency's delay and not escalated yet, oldest first."""
    found: List[Tip] = []
    for agency in agency_codes():
        cutoff = now - timedelta(minutes=rules.minutes_for(agency))
        found += session.execute(
            select(Tip).where(Tip.queue == agency, Tip.urgency == "high",
                              Tip.assigned_to.is_(None), Tip.status.in_(UNCLAIMED_STATUSES),
                              Tip.created_at <= cutoff,
                              ~exists().where(Escalation.tip_id == Tip.id))
            .order_by(Tip.created_at).limit(BATCH)
        ).scalars().all()
    return found


def escalate_due(session: Session, rules: Optional[EscalationRules] = None,
                 now: Optional[datetime] = None, webhook: Optional[bool] = None) -> List[int]:
    """Record an escalation (and its audit entry) for each due tip; commit; return the new
    escalations' ids (the caller sends their webhooks)."""
    rules = rules or load_rules()
    now = now or utcnow()
    if webhook is None:
        webhook = bool(coordination_settings().webhook_url)
    created: List[int] = []
    for tip in due_tips(session, rules, now):
        minutes = rules.minutes_for(tip.queue)
        row = Escalation(tip_id=tip.id, agency=tip.queue, threshold_minutes=minutes,
                         escalated_at=now, webhook_status="pending" if webhook else "off",
                         webhook_attempts=0)
        try:
            with session.begin_nested():  # a unique violation: another worker fired it
                session.add(row)
                session.flush()
                age = int((now - as_utc(tip.created_at)).total_seconds() // 60)
                audit(session, tip, "escalation", "escalated", None,
                      {"agency": tip.queue, "threshold_minutes": minutes, "age_minutes": age,
                       "webhook": row.webhook_status})
        except IntegrityError:
            continue
        created.append(row.id)
    session.commit()
    return created


def open_alerts(session: Session, visible: select) -> List[tuple]:
    """``(escalation, tip)`` of escalated tips in ``visible`` (a scoped select of tip ids)
    that nobody has claimed yet: the console's alert banner."""
    return list(session.execute(
        select(Escalation, Tip).join(Tip, Tip.id == Escalation.tip_id)
        .where(Tip.id.in_(visible), Tip.assigned_to.is_(None),
               Tip.status.in_(UNCLAIMED_STATUSES))
        .order_by(Escalation.escalated_at).limit(50)
    ).all())
