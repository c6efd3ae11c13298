"""Escalation of urgent unclaimed tips, on SQLite and PostgreSQL: after the agency's delay,
once per tip (also with two workers at once), and the signed webhook a local pager receives."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path
from typing import Iterator, List

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.console import paging
from bot.console.coordination import CoordinationSettings
from bot.console.escalation import EscalationRules, escalate_due, load_rules
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from bot.store.models import AuditEntry, Tip, utcnow
from bot.store.sharing import Escalation
from harness.console import make_tip, scratch_database
from harness.env import tipline_env
from harness.pager import FakePager

RULES = EscalationRules(default_minutes=15, agencies={"RCMP": 10, "USCG": 5})
SECRET = "pager-shared-secret"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with scratch_database(request.param, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()


def seed(engine: Engine, minutes_old: float, **fields) -> Tip:  # type: ignore[no-untyped-def]
    with Session(engine, expire_on_commit=False) as session:
        tip = make_tip(session, created_at=utcnow() - timedelta(minutes=minutes_old),
                       **{"urgency": "high", **fields})
        session.commit()
        return tip


def escalated(engine: Engine) -> List[str]:
    with Session(engine) as session:
        return sorted(session.execute(select(Tip.reference).join(
            Escalation, Escalation.tip_id == Tip.id)).scalars())


def test_an_urgent_unclaimed_tip_escalates_once_after_its_agency_delay(engine: Engine) -> None:
    waiting = seed(engine, 9, queue="RCMP")  # RCMP: 10 minutes
    late = seed(engine, 11, queue="RCMP")
    coast = seed(engine, 6, queue="USCG")  # USCG: 5 minutes
    seed(engine, 12, queue="HSI")  # the default, 15 minutes
    seed(engine, 60, queue="RCMP", assigned_to="rcmp-1", status="assigned")  # claimed
    seed(engine, 60, queue="RCMP", urgency="normal")
    seed(engine, 60, queue="RCMP", status="closed")
    with Session(engine) as session:
        first = escalate_due(session, RULES, webhook=False)
        assert len(first) == 2
        assert escalated(engine) == sorted([late.reference, coast.reference])
        assert escalate_due(session, RULES, webhook=False) == []  # once per tip
        assert escalate_due(session, RULES, now=utcnow() + timedelta(minutes=2),
                            webhook=False) != []  # the 9-minute tip is now past 10
        assert waiting.reference in escalated(engine) and len(escalated(engine)) == 3
        entry = session.execute(select(AuditEntry).where(
            AuditEntry.tip_id == late.id, AuditEntry.action == "escalated")).scalar_one()
        assert entry.actor == "escalation"
        assert entry.after["threshold_minutes"] == 10 and entry.after["age_minutes"] >= 11
        assert entry.after["webhook"] == "off"


def test_two_workers_at_once_escalate_each_tip_once(engine: Engine) -> None:
    tips = [seed(engine, 30 + i, queue="RCMP") for i in range(12)]
    results: List[List[int]] = []
    start = threading.Barrier(2)

    def worker() -> None:
        with Session(engine) as session:
            start.wait()
            results.append(escalate_due(session, RULES, webhook=False))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(len(r) for r in results) == len(tips)
    with Session(engine) as session:
        per_tip = session.execute(select(AuditEntry.tip_id, func.count()).where(
            AuditEntry.action == "escalated").group_by(AuditEntry.tip_id)).all()
        assert sorted(t for t, _ in per_tip) == sorted(t.id for t in tips)
        assert {n for _, n in per_tip} == {1}


def test_the_pager_receives_a_signed_webhook_without_tip_text(engine: Engine) -> None:
    tip = seed(engine, 20, queue="RCMP", original_text="SECRET TEXT of the tipster")
    with FakePager(statuses=[503]) as pager, Session(engine) as session:
        settings = CoordinationSettings(webhook_url=pager.url, webhook_secret=SECRET,
                                        webhook_timeout=5, console_url="https://c.example")
        [escalation_id] = escalate_due(session, RULES, webhook=True)
        with pytest.raises(paging.PagingError, match="HTTP 503"):
            paging.deliver(session, escalation_id, settings)  # huey retries this
        assert paging.deliver(session, escalation_id, settings) == "sent"
        assert paging.deliver(session, escalation_id, settings) == "nothing to do"
        row = session.get(Escalation, escalation_id)
        assert (row.webhook_status, row.webhook_attempts) == ("sent", 2)
    assert len(pager.received) == 2
    for request in pager.received:
        headers = request.headers
        assert paging.verify(SECRET, headers["X-Tipline-Timestamp"], request.body,
                             headers["X-Tipline-Signature"])
        assert not paging.verify("another secret", headers["X-Tipline-Timestamp"],
                                 request.body, headers["X-Tipline-Signature"])
        assert headers["X-Tipline-Delivery"] == str(escalation_id)
    body = json.loads(pager.received[-1].body)
    assert body["event"] == "tip.escalated" and body["reference"] == tip.reference
    assert (body["agency"], body["urgency"], body["threshold_minutes"]) == ("RCMP", "high", 10)
    assert body["age_minutes"] >= 20 and body["url"] == f"https://c.example/tips/{tip.reference}"
    assert "SECRET" not in pager.received[-1].body.decode()


def test_the_periodic_job_escalates_and_pages(tmp_path: Path) -> None:
    with FakePager() as pager, tipline_env(
            tmp_path, TIPLINE_ESCALATION_WEBHOOK_URL=pager.url,
            TIPLINE_ESCALATION_WEBHOOK_SECRET=SECRET) as env:
        from bot.jobs import tasks

        engine = make_engine(env["TIPLINE_DATABASE_URL"])
        tip = seed(engine, 40, queue="IBET_JOINT")
        tasks.huey.immediate = True
        try:
            tasks.escalate_unclaimed()  # enqueued; immediate mode runs it (and pages) now
            tasks.escalate_unclaimed()
        finally:
            tasks.huey.immediate = False
        assert escalated(engine) == [tip.reference]
        with Session(engine) as session:
            assert session.execute(select(Escalation.webhook_status)).scalar_one() == "sent"
        engine.dispose()
    [request] = pager.received
    assert json.loads(request.body)["reference"] == tip.reference
    assert paging.verify(SECRET, request.headers["X-Tipline-Timestamp"], request.body,
                         request.headers["X-Tipline-Signature"])


def test_the_escalation_rules_of_the_deployment_load_and_bad_ones_are_refused(
        tmp_path: Path) -> None:
    rules = load_rules()
    assert rules.minutes_for("USCG") == 5 and rules.minutes_for("NOWHERE") == 15
    bad = tmp_path / "escalation.yml"
    for text, message in (("agencies: {RCMP: 0}", "minutes"), ("agencies: {NSA: 5}", "unknown"),
                          ("default_minutes: ten", "minutes")):
        bad.write_text(text)
        with pytest.raises(ValueError, match=message):
            EscalationRules.load(bad)
