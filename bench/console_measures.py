"""The console benchmark's measures: timed HTTP requests and timed queries with their plans."""

from __future__ import annotations

import re
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Callable, Dict, List

import requests
from sqlalchemy import select, tuple_
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bench.stats import percentile
from bot.console.models import Officer
from bot.console.queries import TipFilters, list_query, urgent_query
from bot.store.models import Tip
from harness.console import csrf_from, login_session


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
