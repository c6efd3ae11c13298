"""Officers' console with 100,000 tips in PostgreSQL: queue page and tips API p50/p95.

Creates its own database ``tipline_bench_<random>`` on the local PostgreSQL (trust auth,
user postgres), migrates it, loads the tips, starts the console (``python -m bot.console``)
and times real HTTP requests of a signed-in RCMP officer, an administrator and an API
token; then times the main queries in the database and prints their EXPLAIN (ANALYZE),
with and without the console's indexes (migration 0004). The database is dropped at the
end (``--keep`` to keep it). The tips come from ``bench.console_tips``, the timings from
``bench.console_measures``.

    .venv/bin/python -m bench.console_queries [--tips 100000] [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bench.console_measures import database_benchmarks, http_benchmarks
from bench.console_tips import load_tips
from bot.store.migrate import upgrade
from harness.console import ConsoleServer, console_env, make_officer

ADMIN_URL = os.environ.get("TIPLINE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
CONSOLE_INDEXES = ["ix_tips_queue_created", "ix_tips_urgency_created", "ix_tips_updated_id",
                   "ix_tips_original_trgm", "ix_tips_translated_trgm"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tips", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    args = parser.parse_args()

    name = f"tipline_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    print(f"database {name}")
    tmp = Path(tempfile.mkdtemp(prefix="tipline-console-bench-"))
    server = None
    engine = create_engine(url, future=True)
    try:
        upgrade(url)
        with Session(engine) as session:
            make_officer(session, "rcmp-bench", "RCMP")
            make_officer(session, "admin-bench", None, role="admin")
            session.commit()
        load_tips(engine, args.tips)
        server = ConsoleServer(console_env(tmp, url, TIPLINE_CONSOLE_POLL_SECONDS="5"),
                               "bench").start()
        http_benchmarks(server.url, args.requests)
        print("\nDatabase only (same queries, with the console's indexes), EXPLAIN ANALYZE:")
        database_benchmarks(engine, args.requests, show_plans=True)
        with engine.begin() as conn:
            for index in CONSOLE_INDEXES:
                conn.execute(text(f"DROP INDEX IF EXISTS {index}"))
        print("\nDatabase only, WITHOUT the indexes of migration 0004 (for comparison):")
        database_benchmarks(engine, max(20, args.requests // 5), show_plans=False)
    finally:
        if server:
            server.stop()
        engine.dispose()
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = :n"), {"n": name})
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            print(f"dropped {name}")
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
