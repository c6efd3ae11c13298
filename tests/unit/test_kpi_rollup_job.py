"""The KPI roll-up over time: a later milestone is picked up, the job and the command run it,
and the histogram buckets and minutes are the same in SQL (SQLite, PostgreSQL) and Python."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from bot.console.kpi import KpiScope
from bot.console.kpi_models import KpiDaily
from bot.console.kpi_rollup import refresh, state
from bot.console.kpi_rollup_read import dashboard, split
from bot.console.kpi_sql import EDGES, bucket, bucket_of, histogram_percentile, minutes_up
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from bot.store.models import AuditEntry
from harness.console import make_tip, scratch_database
from harness.env import tipline_env
from tests.unit.test_kpi_rollup import NOW, SETTLE, live, near

DAY = datetime(2026, 3, 10, tzinfo=UTC)
SCOPE = KpiScope(DAY - timedelta(days=90), DAY + timedelta(days=1), "week")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_milestone_arriving_later_is_picked_up(kind: str, tmp_path: Path) -> None:
    with scratch_database(kind, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as s:
            recent = make_tip(s, created_at=NOW - timedelta(days=3))
            old = make_tip(s, created_at=NOW - timedelta(days=60), queue="HSI")
            s.commit()
            refresh(s, (NOW - timedelta(days=35)).date(), NOW, SETTLE)  # the first: every day
            s.commit()
            assert dashboard(s, SCOPE, 15, NOW).totals["triaged"] == 0
            later = NOW + timedelta(hours=1)
            # the console's way: the tip changes (updated_at) with its audit entry
            s.add(AuditEntry(tip_id=old.id, actor="hsi-one", action="claimed",
                             after={"assigned_to": "hsi-one", "status": "assigned"},
                             created_at=later))
            old.assigned_to, old.status, old.updated_at = "hsi-one", "assigned", later
            # a script's way: an audit entry alone, within the recomputed window
            s.add(AuditEntry(tip_id=recent.id, actor="rcmp-one", action="status_changed",
                             after={"status": "triaged"}, created_at=later))
            s.commit()
            soon = NOW + timedelta(hours=2)
            part = split(s, SCOPE, soon, 15)
            assert part.changed == ((NOW - timedelta(days=60)).date(),)  # read live until
            got = dashboard(s, SCOPE, 15, soon)  # the next refresh
            assert got.totals["triaged"] == 1 and got.durations["assignment"]["n"] == 1
            refresh(s, (soon - timedelta(days=35)).date(), soon, SETTLE)
            s.commit()
            assert split(s, SCOPE, soon, 15).changed == ()
            got = dashboard(s, SCOPE, 15, soon)
            want = live(s, lambda: dashboard(s, SCOPE, 15, soon))
            assert got.totals == want.totals and got.totals["triaged"] == 2
            assert got.durations["triage"]["n"] == 2
            assert s.execute(select(func.sum(KpiDaily.triaged)).where(
                KpiDaily.day == old.created_at.date())).scalar() == 1
            make_tip(s, created_at=NOW - timedelta(days=80))  # imported before the first day
            s.commit()
            assert dashboard(s, SCOPE, 15, soon).totals["tips"] == 3
        engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_buckets_and_minutes_are_the_same_in_sql_and_python(kind: str, tmp_path: Path) -> None:
    values = [-3.0, 0.0, 0.001, 59.999, 60.0, 60.001, 900.0, 900.001, 86400.0, 1e9]
    values += [float(e) + d for e in EDGES for d in (-0.001, 0.0, 0.001)]
    with scratch_database(kind, tmp_path) as url:
        engine = make_engine(url)
        with Session(engine) as s:
            dialect = engine.dialect.name
            buckets = s.execute(select(*(bucket_of(literal(v), dialect)
                                         for v in values))).one()
            minutes = s.execute(select(*(minutes_up(literal(v), dialect)
                                         for v in values[:10]))).one()
        engine.dispose()
    assert list(buckets) == [bucket(v) for v in values]
    assert list(minutes) == [max(0, math.ceil(v / 60)) for v in values[:10]]
    assert bucket(59.9) == 0 and bucket(60) == 1 and bucket(1e9) == len(EDGES)


def test_percentiles_from_a_histogram_are_within_a_bucket() -> None:
    rng = random.Random(12)
    samples = [[rng.lognormvariate(8, 2) for _ in range(n)] for n in (1, 2, 3, 10, 500)]
    samples += [[rng.uniform(0, 120) for _ in range(50)], [1e8, 1e8 + 5, 30.0]]
    for values in samples:
        counts: dict = {}
        for v in values:
            counts[bucket(v)] = counts.get(bucket(v), 0) + 1
        for fraction in (0.0, 0.5, 0.9, 1.0):
            assert near(histogram_percentile(counts, fraction), values, fraction), (
                len(values), fraction)
    assert histogram_percentile({}, 0.5) is None
    assert histogram_percentile({len(EDGES): 3}, 0.5) == EDGES[-1]  # "90 days or more"


def test_the_job_and_the_command_fill_the_roll_up(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    with tipline_env(tmp_path, TIPLINE_JOBS_KPI_ROLLUP_DAYS="5") as env:
        from bot.cli import main
        from bot.jobs import tasks

        engine = make_engine(env["TIPLINE_DATABASE_URL"])
        with Session(engine) as s:
            make_tip(s, created_at=datetime.now(UTC) - timedelta(days=9))
            s.commit()
        assert main(["kpi-rollup"]) == 0
        first = json.loads(capsys.readouterr().out)
        assert first["days"] == 9 and first["end_day"] == datetime.now(UTC).date().isoformat()
        tasks.huey.immediate = True
        try:
            tasks.refresh_kpi_rollup()  # enqueued; immediate mode runs it now
        finally:
            tasks.huey.immediate = False
        with Session(engine) as s:
            assert s.execute(select(func.sum(KpiDaily.tips))).scalar() == 1
            refreshed = state(s).refreshed_at
        assert main(["kpi-rollup", "--days", "2"]) == 0
        assert json.loads(capsys.readouterr().out)["days"] == 2
        assert main(["kpi-rollup", "--rebuild"]) == 0
        assert json.loads(capsys.readouterr().out)["days"] == 9
        with Session(engine) as s:
            assert state(s).refreshed_at > refreshed
        engine.dispose()
