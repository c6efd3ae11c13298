"""Officers' console with 100,000 tips in PostgreSQL: queue page and tips API p50/p95.

Creates its own database ``tipline_bench_<random>`` on the local PostgreSQL (trust auth,
user postgres), migrates it, loads the tips, starts the console (``python -m bot.console``)
and times real HTTP requests of a signed-in RCMP officer, an administrator and an API
token; then times the main queries in the database and prints their EXPLAIN (ANALYZE),
with and without the console's indexes (migration 0004). The database is dropped at the
end (``--keep`` to keep it).

    .venv/bin/python -m bench.console_queries [--tips 100000] [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Callable, Dict, List, Sequence

import requests
from sqlalchemy import create_engine, insert, select, text, tuple_
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bench.stats import percentile
from bot.console.models import Officer
from bot.console.queries import TipFilters, list_query, urgent_query
from bot.store.migrate import upgrade
from bot.store.models import Tip
from harness.console import (
    ConsoleServer,
    console_env,
    csrf_from,
    login_session,
    make_officer,
)

ADMIN_URL = os.environ.get("TIPLINE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
QUEUES = [("RCMP", 25), ("IBET_JOINT", 22), ("HSI", 14), ("USBP", 11), ("CBSA", 10),
          ("CBP", 12), ("USCG", 6)]
STATUSES = [("closed", 70), ("duplicate", 5), ("actioned", 8), ("assigned", 5),
            ("triaged", 4), ("new", 7), ("rerouted", 1)]
CATEGORIES = ["drug_smuggling", "human_trafficking", "human_smuggling", "weapons_smuggling",
              "contraband", "suspicious_activity", "cybercrime"]
LANGUAGES = [("en", 45), ("fr", 25), ("es", 15), ("pt", 4), ("pa", 3), ("zh", 3), ("ar", 3),
             ("uk", 2)]
PLACES = [("Lacolle", "CA"), ("Stanstead", "CA"), ("Emerson", "CA"), ("Blaine", "US"),
          ("Champlain", "US"), ("Derby Line", "US"), ("Niagara Falls", "unknown"),
          ("Rouses Point", "US"), ("Surrey", "CA"), ("Sweetgrass", "US"), (None, "unknown")]
SUBJECTS = ["two men", "a woman", "a group of people", "a white van", "a black pickup",
            "a small boat", "a drone", "a snowmobile", "a truck with Ontario plates",
            "someone on a dirt bike", "a red sedan", "three teenagers"]
ACTIONS = ["loading bags", "crossing the field on foot", "unloading boxes of cigarettes",
           "waiting by the river", "carrying long cases", "driving without lights",
           "meeting a car at the ditch", "handing over cash", "hiding packages in the woods",
           "selling fake border passes online"]
TIMES = ["last night", "right now", "every Tuesday", "around 2 am", "this morning",
         "yesterday evening", "since last week"]


def weighted(rng: random.Random, pairs: Sequence[tuple]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def load_tips(engine: Engine, count: int, seed: int = 7) -> None:
    """``count`` tips over two years, with plausible text, queues and statuses."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    references: set = set()
    batch: List[dict] = []
    started = time.perf_counter()
    with engine.begin() as conn:
        for i in range(count):
            while True:
                ref = "".join(rng.choice(alphabet) for _ in range(6))
                if ref not in references and any(c.isdigit() for c in ref):
                    references.add(ref)
                    break
            place, side = rng.choice(PLACES)
            english = (f"I saw {rng.choice(SUBJECTS)} {rng.choice(ACTIONS)} "
                       f"{'near ' + place + ' ' if place else ''}{rng.choice(TIMES)}, "
                       f"plate {rng.choice(alphabet)}{rng.randint(100, 999)} "
                       f"{rng.choice(alphabet)}{rng.choice(alphabet)}")
            language = weighted(rng, LANGUAGES)
            created = now - timedelta(seconds=int(rng.expovariate(1 / (86400 * 120))) % (
                86400 * 730))
            status = weighted(rng, STATUSES)
            batch.append(dict(
                reference=ref, conversation_id=f"bench-{i}", channel=rng.choice(
                    ["sms", "sms", "webchat"]), language=language,
                language_confidence=round(rng.uniform(0.8, 1.0), 2),
                original_text=english if language == "en" else f"[{language}] {english}",
                translated_text=english, translation_status="not_needed" if language == "en"
                else "done", category=rng.choice(CATEGORIES),
                category_confidence=round(rng.uniform(0.4, 0.99), 2),
                urgency="high" if rng.random() < 0.05 else "normal",
                queue=weighted(rng, QUEUES), status=status, location_text=place,
                location_side=side, location_place=place, entities=[],
                assigned_to="rcmp-bench" if status in ("assigned", "actioned") else None,
                created_at=created,
                updated_at=created + timedelta(minutes=rng.randint(0, 600)),
            ))
            if len(batch) == 5000:
                conn.execute(insert(Tip), batch)
                batch = []
        if batch:
            conn.execute(insert(Tip), batch)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE tips"))
    print(f"loaded {count} tips in {time.perf_counter() - started:.1f} s")


def timed(label: str, call: Callable[[int], None], count: int) -> Dict[str, float]:
    for i in range(5):
        call(i)  # warm up
    durations = []
    for i in range(count):
        start = time.perf_counter()
        call(i)
        durations.append(time.perf_counter() - start)
    result = {"p50": percentile(durations, 50) * 1000, "p95": percentile(durations, 95) * 1000,
              "mean": statistics.fmean(durations) * 1000}
    print(f"  {label:<58} p50 {result['p50']:7.1f} ms   p95 {result['p95']:7.1f} ms")
    return result


def http_benchmarks(url: str, count: int) -> None:
    officer = login_session(url, "rcmp-bench")
    admin = login_session(url, "admin-bench")
    page = officer.get(f"{url}/account", timeout=30).text
    token_page = officer.post(f"{url}/account/tokens", timeout=30,
                              data={"csrf_token": csrf_from(page), "name": "bench"}).text
    token = re.search(r'id="new-token">([^<]+)<', token_page).group(1)
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    some = api.get(f"{url}/api/tips", params={"limit": 500}, timeout=30).json()["tips"]
    references = [t["reference"] for t in some]
    middle = api.get(f"{url}/api/tips", timeout=30,
                     params={"since": (datetime.now(UTC) - timedelta(days=365)).isoformat(),
                             "limit": 1}).json()["next"]
    recent = (datetime.now(UTC) - timedelta(hours=6)).isoformat()

    def get(http: requests.Session, path: str, **params: object) -> Callable[[int], None]:
        def call(_i: int) -> None:
            response = http.get(url + path, params=params, timeout=30)
            response.raise_for_status()
        return call

    print("HTTP (one client, sequential; RCMP officer sees RCMP + IBET_JOINT = ~47% of tips)")
    timed("queue page: open tips (default view)", get(officer, "/"), count)
    timed("queue page: all statuses", get(officer, "/", status="all"), count)
    timed("queue page: all statuses, page 20", get(officer, "/", status="all", page=20), count)
    timed("queue page: category + urgency + language filters",
          get(officer, "/", status="all", category="drug_smuggling", urgency="high",
              language="fr"), count)
    timed("queue page: text search 'white van' (all statuses)",
          get(officer, "/", status="all", q="white van"), count)
    timed("queue page: text search 'Q123' (plate fragment)",
          get(officer, "/", status="all", q="Q123"), count)
    timed("queue page: administrator, all agencies, all statuses",
          get(admin, "/", status="all"), count)
    timed("live poll: /queue/changes", get(officer, "/queue/changes",
                                           cursor=datetime.now(UTC).isoformat()), count)
    timed("tip page", lambda i: officer.get(f"{url}/tips/{references[i % len(references)]}",
                                             timeout=30).raise_for_status(), count)
    timed("API GET /api/tips?limit=100 (from the start)", get(api, "/api/tips", limit=100),
          count)
    timed("API GET /api/tips?limit=100&since=<cursor a year back>",
          get(api, "/api/tips", limit=100, since=middle), count)
    timed("API GET /api/tips?since=<6 hours ago> (incremental pull)",
          get(api, "/api/tips", limit=500, since=recent), count)
    timed("API GET /api/tips?status=new&category=contraband&limit=100",
          get(api, "/api/tips", limit=100, status="new", category="contraband"), count)
    timed("API GET /api/tips/{reference}",
          lambda i: api.get(f"{url}/api/tips/{references[i % len(references)]}",
                            timeout=30).raise_for_status(), count)
    started = time.perf_counter()
    rows = sum(1 for _ in api.get(f"{url}/api/tips.csv", timeout=300,
                                  stream=True).iter_lines()) - 1
    print(f"  {'CSV export of every tip the RCMP officer sees':<58} {rows} rows in "
          f"{time.perf_counter() - started:.2f} s")


def queue_query(officer: Officer, urgent: bool = False, **filters: str):  # type: ignore
    f = TipFilters.from_args(filters)
    return urgent_query(f, officer) if urgent else list_query(f, officer).limit(50)


def explain(conn, statement) -> List[str]:  # type: ignore[no-untyped-def]
    compiled = statement.compile(dialect=conn.dialect,
                                 compile_kwargs={"render_postcompile": True})
    plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + str(compiled),
                                compiled.params)
    return [row[0] for row in plan]


def database_benchmarks(engine: Engine, count: int, show_plans: bool) -> Dict[str, Dict]:
    with Session(engine) as session:
        officer = session.execute(select(Officer).where(Officer.username == "rcmp-bench")
                                  ).scalar_one()
        session.expunge(officer)
    moment = datetime.now(UTC) - timedelta(hours=6)
    pull = TipFilters(status="all").apply(select(Tip), officer).where(
        tuple_(Tip.updated_at, Tip.id) > tuple_(moment, 0)).order_by(
        Tip.updated_at, Tip.id).limit(101)
    queries = {
        "queue: urgent open tips (pinned)": queue_query(officer, urgent=True),
        "queue: open tips, newest first": queue_query(officer),
        "queue: all statuses, newest first": queue_query(officer, status="all"),
        "queue: search 'white van' over original + English": queue_query(
            officer, status="all", q="white van"),
        "queue: search 'Q123' (plate fragment)": queue_query(officer, status="all", q="Q123"),
        "API pull: since 6 hours ago, (updated_at, id) order": pull,
    }
    results: Dict[str, Dict] = {}
    with engine.connect() as conn:
        for label, query in queries.items():
            def run(_i: int, query=query) -> None:  # type: ignore[no-untyped-def]
                conn.execute(query).fetchall()

            results[label] = timed(label, run, count)
            if show_plans:
                print("    " + "\n    ".join(explain(conn, query)))
    return results


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
