"""The KPI roll-up on SQLite and PostgreSQL: the dashboard and the transparency report read
from it give the live tables' counts, medians within a bucket, and a refresh is idempotent."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any, Callable, Dict, Iterator, List

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.console import kpi
from bot.console.kpi_models import KpiRollup
from bot.console.kpi_rollup import TABLES, rebuild, refresh, state
from bot.console.kpi_rollup_read import dashboard, split
from bot.console.kpi_sql import EDGES, bucket, percentile
from bot.console.transparency import build_report
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from bot.store.models import AuditEntry
from harness.console import make_tip, scratch_database

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SETTLE = timedelta(seconds=10)
QUEUES = ("RCMP", "IBET_JOINT", "HSI", "CBSA")
LANGUAGES = ("fr", "en", "es", "pa")
FIRST_ACTIONS = (("status_changed", {"status": "triaged"}),
                 ("claimed", {"assigned_to": "rcmp-one", "status": "assigned"}),
                 ("rerouted", {"queue": "HSI", "status": "rerouted"}),
                 ("category_corrected", {"category": "contraband"}),
                 ("marked_duplicate", {"status": "duplicate"}))


def act(session: Session, tip: Any, seconds: float, action: str, after: dict) -> None:
    session.add(AuditEntry(tip_id=tip.id, actor="rcmp-one", action=action, after=after,
                           created_at=tip.created_at + timedelta(seconds=seconds)))


def seed(session: Session, count: int = 260) -> None:
    """Tips over the 100 days before NOW (a few today), with milestones seconds to weeks
    after them."""
    rng = random.Random(11)
    for i in range(count):
        ago = timedelta(hours=rng.uniform(0.5, 11)) if i < 8 else timedelta(
            seconds=rng.uniform(0, 100 * 86400))
        first = FIRST_ACTIONS[i % len(FIRST_ACTIONS)]
        tip = make_tip(session, queue=QUEUES[i % 4], language=rng.choice(LANGUAGES),
                       channel=rng.choice(("sms", "webchat", "voice")),
                       category=rng.choice(("drug_smuggling", "human_smuggling", "contraband")),
                       side=rng.choice(("CA", "US", "unknown")),
                       urgency="high" if rng.random() < 0.35 else "normal",
                       status="duplicate" if first[0] == "marked_duplicate" else "new",
                       created_at=NOW - ago)
        if rng.random() < 0.15:
            continue  # never touched
        delay = math.exp(rng.uniform(math.log(5), math.log(20 * 86400)))
        act(session, tip, delay, *first)
        if rng.random() < 0.6:
            delay *= rng.uniform(1, 4)
            act(session, tip, delay, "assigned", {"assigned_to": "rcmp-two"})
        if rng.random() < 0.5:
            act(session, tip, delay * rng.uniform(1, 30), "status_changed", {"status": "closed"})


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def session(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    with scratch_database(request.param, tmp_path_factory.mktemp("rollup")) as url:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as s:
            seed(s)
            s.commit()
            rebuild(s, NOW, SETTLE)
            s.commit()
            yield s
        engine.dispose()


def live(session: Session, work: Callable[[], Any]) -> Any:
    """What ``work`` gives with no roll-up (every figure from the live tables)."""
    session.execute(delete(KpiRollup))
    try:
        return work()
    finally:
        session.rollback()


def scopes() -> List[kpi.KpiScope]:
    day = datetime(2026, 3, 10, tzinfo=UTC)
    return [kpi.KpiScope(day - timedelta(days=7), day + timedelta(days=1), "day"),
            kpi.KpiScope(day - timedelta(days=97), day + timedelta(days=1), "week"),
            kpi.KpiScope(NOW - timedelta(days=120), NOW, "month"),  # partial first day
            kpi.KpiScope(day - timedelta(days=97), day + timedelta(days=1), "week",
                         ("RCMP", "IBET_JOINT"))]


def near(approx: float, values: List[float], fraction: float) -> bool:
    """Within the width of the buckets of the two delays the exact percentile lies between
    (the last bucket, 90 days or more, is open)."""
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    exact = percentile(ordered, fraction)
    around = (ordered[int(rank)], ordered[min(int(rank) + 1, len(ordered) - 1)])
    widths = [EDGES[b] - (EDGES[b - 1] if b else 0) if b < len(EDGES) else math.inf
              for b in map(bucket, around)]
    return abs(approx - exact) <= max(widths) + 1e-6


@pytest.mark.parametrize("minutes", [5, 15, 90, 1440])
def test_the_dashboard_from_the_roll_up_gives_the_live_counts(session: Session,
                                                              minutes: int) -> None:
    for scope in scopes():
        assert split(session, scope, NOW, minutes).first is not None  # the roll-up is read
        got = dashboard(session, scope, minutes, NOW)
        want = live(session, lambda s=scope: dashboard(session, s, minutes, NOW))
        assert got.totals["tips"] > 20
        assert (got.series, got.totals, got.corrections) == (
            want.series, want.totals, want.corrections), scope
        for name, figures in got.durations.items():
            assert figures["n"] == want.durations[name]["n"]
            if scope.period == "day":
                assert figures == want.durations[name]  # exact per day


def test_medians_and_p90_from_the_histograms_are_within_a_bucket(session: Session) -> None:
    scope = scopes()[1]
    m = kpi.milestones(scope, session.get_bind().dialect.name)
    rows = session.execute(select(*(m.c[name] for name in kpi.MILESTONES))).all()
    got = dashboard(session, scope, 15, NOW).durations
    for i, name in enumerate(kpi.MILESTONES):
        values = [float(row[i]) for row in rows if row[i] is not None]
        assert len(values) > 30
        for stat, fraction in (("median", 0.5), ("p90", 0.9)):
            assert near(got[name][stat], values, fraction), (name, stat)


def test_the_transparency_report_from_the_roll_up(session: Session) -> None:
    got = build_report(session, 3, NOW)
    want = live(session, lambda: build_report(session, 3, NOW))
    assert [(t.name, t.rows, t.totals) for t in got.tables] == [
        (t.name, t.rows, t.totals) for t in want.tables]
    assert got.months == want.months and set(got.response) == set(want.response)
    for month, steps in got.response.items():
        for step, median in steps.items():
            assert (median is None) == (want.response[month][step] is None), (month, step)


def rows(session: Session) -> Dict[str, list]:
    return {model.__table__.name: sorted(tuple(r) for r in session.execute(
        select(*model.__table__.columns)).all()) for model in TABLES}


def test_a_refresh_is_idempotent(session: Session) -> None:
    before = rows(session)
    assert before["kpi_daily"] and before["kpi_daily_urgent"]
    refresh(session, (NOW - timedelta(days=35)).date(), NOW, SETTLE)
    session.commit()
    assert rows(session) == before
    rebuild(session, NOW, SETTLE)
    session.commit()
    assert rows(session) == before
    assert state(session).first_day == min(r[0] for r in before["kpi_daily"])
