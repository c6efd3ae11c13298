"""The KPI dashboard's and transparency report's queries on 1,000,000 tips in PostgreSQL.

Creates its own database ``tipline_kpi_<random>`` on the local PostgreSQL (trust auth,
user postgres), migrates it, generates about two years of tips and their audit entries
server-side (bench/kpi_data.py). Then times (first run and best of three) the dashboard for
a few scopes and the transparency report from the live tables only (as before the roll-up),
the roll-up's rebuild and 35-day refresh, each part read with the roll-up, how far its
medians are from the exact ones, and the cost of 20 tips changed on 20 days since the last
refresh. The database is dropped at the end unless ``--keep``; ``--url`` reuses one.

    PYTHONPATH=. .venv/bin/python -m bench.kpi_queries [--tips 1000000] [--keep]
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from typing import Callable, Iterator, Optional, Tuple

from sqlalchemy import create_engine, delete, func, select, text
from sqlalchemy.orm import Session

from bench.kpi_data import load, vacuum
from bot.console import kpi
from bot.console import kpi_rollup_read as read
from bot.console.kpi_models import KpiRollup
from bot.console.kpi_rollup import TABLES, rebuild, refresh
from bot.console.kpi_sql import period_for
from bot.console.transparency import build_report
from bot.store.migrate import upgrade

ADMIN_URL = os.environ.get("TIPLINE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def timed(label: str, work: Callable[[], object], runs: int = 3) -> None:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    print(f"  {label:<40} first {times[0]:7.0f} ms   best {min(times):7.0f} ms")


def scopes(now: datetime) -> Iterator[Tuple[str, kpi.KpiScope]]:
    """The dashboard's scopes (bot/console/dashboard.py): whole UTC days up to today."""
    end = datetime.combine(now.date() + timedelta(days=1), dt_time(), tzinfo=UTC)
    for label, days, queues in (("team, 30 days", 30, None), ("team, 365 days", 365, None),
                                ("team, 3 years (the maximum)", 3 * 366, None),
                                ("RCMP + shared, 365 days", 365, ("RCMP", "IBET_JOINT"))):
        start = end - timedelta(days=days)
        scope = kpi.KpiScope(start, end, period_for(start, end), queues)
        yield f"{label} (per {scope.period})", scope


def rollup(engine) -> None:  # type: ignore[no-untyped-def]
    now, settle = datetime.now(UTC), timedelta(seconds=10)
    print("roll-up:")
    with Session(engine) as session:
        timed("full rebuild", lambda: (rebuild(session, now, settle), session.commit()), 1)
        vacuum(engine, (model.__table__.name for model in TABLES))  # as autovacuum would
        since = (now - timedelta(days=35)).date()
        timed("refresh of the last 35 days", lambda: (
            refresh(session, since, datetime.now(UTC), settle), session.commit()))
        for model in TABLES:
            rows = session.execute(select(func.count()).select_from(model)).scalar_one()
            print(f"  {model.__table__.name:<40} {rows:,} rows")


def off(exact: Optional[float], approx: Optional[float]) -> float:
    return abs(approx / exact - 1) if exact and approx else 0.0


def measure_scope(session: Session, scope: kpi.KpiScope, now: datetime) -> None:
    part = read.split(session, scope, now, 15)
    timed("split (changed days)", lambda: read.split(session, scope, now, 15))
    timed("tips by the 5 dimensions", lambda: read.series(session, scope, part))
    timed("durations (median, p90)", lambda: read.durations(session, scope, part))
    timed("rates and corrections per language",
          lambda: read.per_language(session, scope, part, 15, now))
    timed("satisfaction", lambda: kpi.satisfaction(session, scope))
    timed("whole dashboard", lambda: read.dashboard(session, scope, 15, now))
    if scope.period != "day":
        exact, approx = kpi.durations(session, scope), read.durations(session, scope, part)
        print("  histogram against exact:", ", ".join(
            f"{n} {k} {100 * off(exact[n][k], approx[n][k]):.1f} %"
            for n in exact for k in ("median", "p90")))


def measure(engine) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    with Session(engine) as session:
        session.execute(delete(KpiRollup))  # every figure live, as before the roll-up
        print("live tables only (no roll-up, as before it):")
        for label, scope in scopes(now):
            timed(label, lambda s=scope: read.dashboard(session, s, 15, now))
        live = build_report(session, 10, now)
        timed("transparency report", lambda: build_report(session, 10, now))
        session.rollback()
        rollup(engine)
        for label, scope in scopes(now):
            print(f"{label}, roll-up:")
            measure_scope(session, scope, now)
        print("transparency report (12 months, all tips), roll-up:")
        timed("build_report", lambda: build_report(session, 10, now))
        report = build_report(session, 10, now)
        worst = max(off(live.response[m][n], v) for m, steps in report.response.items()
                    for n, v in steps.items())
        same = [t.rows for t in report.tables] == [t.rows for t in live.tables]
        print(f"  counts equal to the live report: {same}; medians off by at most "
              f"{100 * worst:.1f} %")
    changes(engine, 20)


CHANGE = ("UPDATE tips SET updated_at = now() WHERE id IN "  # one tip a day from 36 days back
          "(SELECT 50000 + g * 1372 FROM generate_series(1, :n) AS g)")


def changes(engine, count: int) -> None:  # type: ignore[no-untyped-def]
    """Tips changed on ``count`` different days since the last refresh: read live until the
    job's next run (every minute) recomputes those days."""
    with engine.begin() as conn:
        conn.execute(text(CHANGE), {"n": count})
    print(f"{count} tips changed on {count} different days since the last refresh:")
    with Session(engine) as session:
        for label, scope in list(scopes(datetime.now(UTC)))[1:3]:
            timed(label, lambda s=scope: read.dashboard(session, s, 15, datetime.now(UTC)))
        time.sleep(11)  # past the settle time: the job's run sees every change
        timed("the job's run (those days only)", lambda: (refresh(
            session, datetime.now(UTC).date(), datetime.now(UTC), timedelta(seconds=10)),
            session.commit()), 1)
        for label, scope in list(scopes(datetime.now(UTC)))[1:3]:
            timed(f"then {label}", lambda s=scope: read.dashboard(session, s, 15,
                                                                 datetime.now(UTC)))


def loadavg(when: str) -> None:
    print(f"load average (1, 5, 15 min) at the {when}: " + " ".join(
        f"{x:.2f}" for x in os.getloadavg()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tips", type=int, default=1_000_000)
    parser.add_argument("--url", help="an already loaded database (nothing created)")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    args = parser.parse_args()
    loadavg("start")
    if args.url:
        measure(create_engine(args.url, future=True))
        loadavg("end")
        return 0
    name = f"tipline_kpi_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    print(f"database {name}")
    engine = create_engine(url, future=True)
    try:
        upgrade(url)
        load(engine, args.tips)
        measure(engine)
        loadavg("end")
    finally:
        engine.dispose()
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
