"""The synthetic tips of bench.kpi_queries, generated server-side in PostgreSQL.

About two years of tips (one every 63 seconds back from now) over 21 languages, every
channel, category and queue, and their officers' audit entries: 70 % triaged, 50 %
assigned, 40 % closed, 3 % re-routed, 5 % category corrections, 2 % duplicates. The
``tip_milestones`` trigger (migration 0010) fills its rows as the entries are inserted.
"""

from __future__ import annotations

import time
from typing import Iterable, List

from sqlalchemy import text

from bot.console.officers import agency_codes
from bot.routing.rules import CATEGORIES
from bot.store.models import CHANNELS

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


def vacuum(engine, tables: Iterable[str]) -> None:  # type: ignore[no-untyped-def]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name in tables:  # fixed names
            conn.execute(text(f"VACUUM ANALYZE {name}"))


def load(engine, tips: int) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(TIPS), {"n": tips})
        for where, action, after, delay in AUDIT:
            conn.execute(text(
                "INSERT INTO audit_log (tip_id, actor, action, after, created_at) "  # noqa: S608
                f"SELECT id, 'bench', :action, CAST(:after AS json), created_at + {delay} "
                f"FROM tips WHERE {where}"), {"action": action, "after": after})
    vacuum(engine, ("tips", "audit_log", "tip_milestones"))
    with engine.connect() as conn:
        audit = conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    print(f"loaded {tips:,} tips and {audit:,} audit entries in "
          f"{time.perf_counter() - started:.0f} s")


