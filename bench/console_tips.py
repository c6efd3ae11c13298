"""Synthetic tips for the console benchmark: plausible text, queues and statuses, bulk-loaded."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import List, Sequence

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine

from bot.store.models import Tip

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
