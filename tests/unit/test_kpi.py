"""The KPI queries on known tips and audit entries (SQLite and PostgreSQL), and suppression."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from bot.console.kpi import KpiScope, corrections, durations, per_language, series, totals
from bot.console.kpi_sql import percentile, period_labels
from bot.console.transparency import build_report, suppress
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from bot.store.models import AuditEntry
from harness.console import make_tip, scratch_database

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday
NOW = T0 + timedelta(days=3)
SCOPE = KpiScope(start=datetime(2026, 11, 1, tzinfo=UTC), end=datetime(2026, 11, 8, tzinfo=UTC),
                 period="day")


def act(session: Session, tip, minutes: float, action: str, **after: object) -> None:  # type: ignore[no-untyped-def]
    session.add(AuditEntry(tip_id=tip.id, actor="rcmp-one", action=action, before=None,
                           after=after or None, created_at=T0 + timedelta(minutes=minutes)))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def session(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    with scratch_database(request.param, tmp_path_factory.mktemp("kpi")) as url:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as s:
            a = make_tip(s, language="fr", urgency="high", created_at=T0)
            act(s, a, 5, "claimed", assigned_to="rcmp-one", status="assigned")
            act(s, a, 60, "status_changed", status="closed")
            b = make_tip(s, language="fr", created_at=T0)
            act(s, b, 10, "status_changed", status="triaged")
            act(s, b, 12, "category_corrected", category="human_smuggling")
            act(s, b, 20, "assigned", assigned_to="rcmp-two", status="assigned")
            c = make_tip(s, language="en", urgency="high", queue="HSI", created_at=T0,
                         channel="webchat")
            act(s, c, 30, "status_changed", status="triaged")
            act(s, c, 31, "rerouted", queue="HSI", status="rerouted")
            d = make_tip(s, language="en", queue="HSI", status="duplicate",
                         created_at=T0 + timedelta(days=1) - timedelta(hours=2))
            act(s, d, 24 * 60, "marked_duplicate", status="duplicate", duplicate_of="X")
            e = make_tip(s, language="es", created_at=T0)
            act(s, e, 1, "note_added", note_id=1)  # a note is not triage
            act(s, e, 15, "assigned", assigned_to=None, status="triaged")  # an unassignment
            make_tip(s, created_at=T0 - timedelta(days=30))  # outside the scope
            s.commit()
            yield s
        engine.dispose()


def test_medians_and_p90_of_each_step(session: Session) -> None:
    got = durations(session, SCOPE)
    # triage: 300, 600, 900, 1800, 7200 s; assignment: 300, 1200; closure: 3600, 7200
    assert got["triage"] == {"median": 900.0, "p90": pytest.approx(5040.0), "n": 5}
    assert got["assignment"] == {"median": 750.0, "p90": pytest.approx(1110.0), "n": 2}
    assert got["closure"] == {"median": 5400.0, "p90": pytest.approx(6840.0), "n": 2}


def test_an_agency_scope_counts_only_its_queues(session: Session) -> None:
    rcmp = KpiScope(SCOPE.start, SCOPE.end, "day", ("RCMP",))
    assert durations(session, rcmp)["triage"]["median"] == pytest.approx(600.0)
    assert totals(per_language(session, rcmp, 15, NOW))["tips"] == 3


def test_rates(session: Session) -> None:
    got = totals(per_language(session, SCOPE, 15, NOW))
    assert got == {"tips": 5, "triaged": 5, "rerouted": 1, "duplicates": 1, "urgent": 2,
                   "urgent_due": 2, "urgent_in_time": 1, "corrected": 1}
    # an urgent tip created 10 minutes ago is not late yet
    early = per_language(session, SCOPE, 15, T0 + timedelta(minutes=10))
    assert totals(early)["urgent_due"] == 0


def test_category_corrections_per_language(session: Session) -> None:
    rows = {r["language"]: r for r in corrections(per_language(session, SCOPE, 15, NOW))}
    assert rows["fr"] == {"language": "fr", "tips": 2, "triaged": 2, "corrected": 1,
                          "accuracy": 0.5}
    assert rows["en"]["corrected"] == 0 and rows["en"]["accuracy"] == 1.0


def test_series_per_day_and_week(session: Session) -> None:
    days = series(session, SCOPE, "channel")
    assert period_labels(SCOPE.start, SCOPE.end, "day")[1] == "2026-11-02"
    assert days["sms"] == [0, 3, 1, 0, 0, 0, 0] and days["webchat"] == [0, 1, 0, 0, 0, 0, 0]
    weeks = KpiScope(SCOPE.start, SCOPE.end, "week")
    assert period_labels(weeks.start, weeks.end, "week") == ["2026-10-26", "2026-11-02"]
    assert series(session, weeks, "language") == {"fr": [0, 2], "en": [0, 2], "es": [0, 1]}


def test_percentile_matches_percentile_cont() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5
    assert percentile([10.0], 0.9) == 10.0
    assert percentile([], 0.5) is None


def test_small_counts_and_their_complement_are_suppressed() -> None:
    rows, totals_ = suppress({"m1": {"a": 25, "b": 3, "c": 12}, "m2": {"a": 5},
                              "m3": {"a": 30, "c": 2}, "m4": {"a": 15, "b": 20, "c": 11}},
                             ["a", "b", "c"], 10)
    assert rows["m1"] == {"a": 25, "b": None, "c": None} and totals_["m1"] == 40
    assert rows["m2"] == {"a": None, "b": None, "c": None} and totals_["m2"] is None
    assert rows["m3"] == {"a": 30, "b": None, "c": None} and totals_["m3"] == 32
    assert rows["m4"] == {"a": 15, "b": 20, "c": 11} and totals_["m4"] == 46


def test_the_report_publishes_no_small_count(session: Session) -> None:
    report = build_report(session, 2, NOW)
    assert report.months[-1] == "2026-11" and len(report.months) == 12
    language = next(t for t in report.tables if t.name == "language")
    # November: fr 2, en 2, es 1 -> es is below 2; its complement (fr or en) is hidden too
    assert language.rows["2026-11"]["es"] is None
    assert sorted(v for v in language.rows["2026-11"].values() if v is not None) == [2]
    assert language.totals["2026-11"] == 5
    october = next(t for t in report.tables if t.name == "channel").rows["2026-10"]
    assert set(october.values()) == {None}  # one tip in October: nothing shown
    assert report.response["2026-11"]["triage"] == 900.0
    assert report.response.get("2026-10", {}).get("triage") is None


def test_dates_of_the_scope_are_utc_days() -> None:
    assert period_labels(datetime(2026, 1, 30, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC),
                         "month") == ["2026-01", "2026-02", "2026-03"]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_migration_fills_milestones_from_the_existing_audit_log(
        kind: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    with scratch_database(kind, tmp_path_factory.mktemp("kpi-backfill")) as url:
        upgrade(url, "0009")  # the revision before 0010, the milestones
        engine = make_engine(url)
        with engine.begin() as conn:
            tip_id = conn.execute(text(
                "INSERT INTO tips (reference, conversation_id, channel, language, original_text,"
                " translation_status, category, urgency, queue, status, location_side, entities,"
                " created_at, updated_at) VALUES ('KPIBACKFILL1', 'c', 'sms', 'fr', 't',"
                " 'done', 'contraband', 'high', 'RCMP', 'closed', 'CA', '[]', :t, :t)"
                " RETURNING id"), {"t": T0}).scalar_one()
            for minutes, action, after in ((3, "note_added", '{"note_id": 1}'),
                                           (4, "claimed", '{"assigned_to": "x"}'),
                                           (9, "status_changed", '{"status": "closed"}')):
                conn.execute(text("INSERT INTO audit_log (tip_id, actor, action, after,"
                                  " created_at) VALUES (:tip, 'x', :action, :after, :t)"),
                             {"tip": tip_id, "action": action, "after": after,
                              "t": T0 + timedelta(minutes=minutes)})
        upgrade(url)
        with Session(engine) as s:
            got = durations(s, SCOPE)
        engine.dispose()
    assert [got[name]["median"] for name in ("triage", "assignment", "closure")] == [
        240.0, 240.0, 540.0]
