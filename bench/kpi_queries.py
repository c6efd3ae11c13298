"""The KPI dashboard's and transparency report's queries on 1,000,000 tips in PostgreSQL.

Creates its own database ``tipline_kpi_<random>`` on the local PostgreSQL (trust auth,
user postgres), migrates it, generates the tips and their audit entries server-side
(``generate_series``: about two years of tips, 70 % triaged, 50 % assigned, 40 % closed,
3 % re-routed, 5 % category corrections, 2 % duplicates), then times every query of
``bot.console.kpi`` and the transparency report for a few scopes (first run and best of
three). The database is dropped at the end unless ``--keep``; ``--url`` reuses one.

    PYTHONPATH=. .venv/bin/python -m bench.kpi_queries [--tips 1000000] [--keep]
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Callable, List

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bot.console import kpi
from bot.console.kpi_sql import period_for
from bot.console.officers import agency_codes
from bot.console.transparency import build_report
from bot.routing.rules import CATEGORIES
from bot.store.migrate import upgrade
from bot.store.models import CHANNELS

ADMIN_URL = os.environ.get("TIPLINE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
LANGUAGES = ["en", "fr", "es", "pt", "de", "it", "nl", "ar", "zh", "ru", "uk", "pa", "hi", "ur",
             "tl", "vi", "ko", "ja", "pl", "so", "fa"]


def _array(values: List[str]) -> str:
    return "ARRAY[" + ",".join(f"'{v}'" for v in values) + "]"  # fixed codes, not input


TIPS = f"""
INSERT INTO tips (reference, conversation_id, channel, language, original_text,
                  translation_status, category, urgency, queue, status, location_side,
                  entities, created_at, updated_at)
SELECT 'K' || lpad(to_hex(g), 10, '0'), 'kpi-bench-' || g,
       ({_array(list(CHANNELS))})[1 + g % {len(CHANNELS)}],
       ({_array(LANGUAGES)})[1 + (g * 7) % {len(LANGUAGES)}],
       'synthetic tip ' || g, 'not_needed',
       ({_array(list(CATEGORIES))})[1 + (g * 13) % {len(CATEGORIES)}],
       CASE WHEN g % 10 = 0 THEN 'high' ELSE 'normal' END,
       ({_array(list(agency_codes()))})[1 + (g * 3) % {len(agency_codes())}],
       CASE WHEN g % 50 = 0 THEN 'duplicate' WHEN g % 5 IN (1, 2) THEN 'closed'
            WHEN g % 10 < 7 THEN 'assigned' ELSE 'new' END,
       (ARRAY['CA','US','unknown'])[1 + g % 3], '[]',
       now() - g * interval '63 seconds', now() - g * interval '63 seconds'
FROM generate_series(1, :n) AS g
"""  # noqa: S608 (the fixed codes of the tip line, no input)
AUDIT = [  # (condition on the tip id, action, after JSON, delay after the tip's creation)
    ("true", "created", '{"status": "new"}', "interval '0'"),
    ("id % 10 < 7", "status_changed", '{"status": "triaged"}', "(id % 97) * interval '1 minute'"),
    ("id % 10 < 5", "claimed", '{"assigned_to": "officer", "status": "assigned"}',
     "(5 + id % 89) * interval '2 minutes'"),
    ("id % 5 IN (1, 2)", "status_changed", '{"status": "closed"}',
     "(1 + id % 300) * interval '1 hour'"),
    ("id % 33 = 0", "rerouted", '{"status": "rerouted"}', "(id % 50) * interval '3 minutes'"),
    ("id % 20 = 0", "category_corrected", '{"category": "contraband"}',
     "(id % 40) * interval '1 minute'"),
    ("id % 50 = 0", "marked_duplicate", '{"status": "duplicate"}',
     "(id % 70) * interval '10 minutes'"),
]


def load(engine, tips: int) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(TIPS), {"n": tips})
        for where, action, after, delay in AUDIT:
            conn.execute(text(
                "INSERT INTO audit_log (tip_id, actor, action, after, created_at) "  # noqa: S608
                f"SELECT id, 'bench', :action, CAST(:after AS json), created_at + {delay} "
                f"FROM tips WHERE {where}"), {"action": action, "after": after})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE tips"))
        conn.execute(text("VACUUM ANALYZE audit_log"))
        conn.execute(text("VACUUM ANALYZE tip_milestones"))
    with engine.connect() as conn:
        audit = conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    print(f"loaded {tips:,} tips and {audit:,} audit entries in "
          f"{time.perf_counter() - started:.0f} s")


def timed(label: str, work: Callable[[], object]) -> None:
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        work()
        runs.append((time.perf_counter() - started) * 1000)
    print(f"  {label:<34} first {runs[0]:7.0f} ms   best {min(runs):7.0f} ms")


def measure_scope(session: Session, scope: kpi.KpiScope, now: datetime) -> None:
    for dimension in kpi.DIMENSIONS:
        timed(f"tips by {dimension}", lambda d=dimension: kpi.series(session, scope, d))
    timed("durations (median, p90)", lambda: kpi.durations(session, scope))
    timed("rates and corrections per language",
          lambda: kpi.per_language(session, scope, 15, now))
    timed("satisfaction", lambda: kpi.satisfaction(session, scope))
    timed("whole dashboard", lambda: kpi.dashboard(session, scope, 15, now))


def measure(engine) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    scopes = [("team, 30 days", 30, None), ("team, 365 days", 365, None),
              ("team, 3 years (the maximum)", 3 * 366, None), ("RCMP + shared, 365 days", 365,
                                                                 ("RCMP", "IBET_JOINT"))]
    with Session(engine) as session:
        for label, days, queues in scopes:
            start = now - timedelta(days=days)
            scope = kpi.KpiScope(start, now, period_for(start, now), queues)
            print(f"{label} (per {scope.period}):")
            measure_scope(session, scope, now)
        print("transparency report (12 months, all tips):")
        timed("build_report", lambda: build_report(session, 10, now))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tips", type=int, default=1_000_000)
    parser.add_argument("--url", help="an already loaded database (nothing created)")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    args = parser.parse_args()
    if args.url:
        measure(create_engine(args.url, future=True))
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
    finally:
        engine.dispose()
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
