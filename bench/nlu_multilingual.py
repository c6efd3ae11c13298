"""Every community language, end to end: the real Rasa and action servers, translation off.

Each held-out tip (bench/data/heldout_*.yml, never trained on) is sent as a new REST
conversation. Printed per language: tips stored, right category, right queue, urgent
recall and precision (urgent = stored with urgency high and the 911 advice as the first
reply), replies in the tipster's language; then non-tips that created no tip, and short
answers (yes / no / don't know) recognised.

    .venv/bin/python -m bench.nlu_multilingual [--languages pa,hi] [--limit N]
"""

from __future__ import annotations

import argparse
import tempfile
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

import yaml

from harness.db import TipsDb
from harness.replies import reply_languages
from harness.servers import (
    ROOT,
    TipLineStack,
    sqlite_tracker,
    stack_env,
    write_credentials,
    write_endpoints,
)

DATA = ROOT / "bench" / "data"
COLUMNS = ("tips", "stored", "category", "queue", "urgent", "urgent_hit", "flagged",
           "flagged_ok", "replies", "replies_ok")


def load(name: str) -> Dict[str, List[dict]]:
    path = DATA / name
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}


def expected_queue(tip: dict) -> str:
    from bot.routing.router import get_router

    return get_router().table.route(tip["category"], tip["side"]).queue


def run_tips(stack: TipLineStack, db: TipsDb, tips: List[dict]) -> Dict[str, Dict[str, int]]:
    rows: Dict[str, Dict[str, int]] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    for tip in tips:
        row, language = rows[tip["language"]], tip["language"]
        who = f"bench-{uuid.uuid4().hex[:12]}"
        replies = stack.say(who, tip["text"])
        stored = db.tips_of(who)
        row["tips"] += 1
        row["stored"] += int(len(stored) == 1)
        row["replies"] += len(replies)
        row["replies_ok"] += sum(1 for r in replies if language in reply_languages(r))
        for reply in (r for r in replies if language not in reply_languages(r)):
            print(f"  REPLY NOT IN {language}: {tip['text'][:50]!r} -> {reply[:60]!r}")
        if not stored:
            print(f"  NOT STORED [{language}] {tip['text'][:70]!r} -> {replies[:1]}")
            continue
        got = stored[0]
        row["category"] += int(got.category == tip["category"])
        row["queue"] += int(got.queue == expected_queue(tip))
        advised = bool(replies) and "911" in replies[0]
        flagged = got.urgency == "high" and advised
        row["urgent"] += int(bool(tip.get("urgent")))
        row["urgent_hit"] += int(bool(tip.get("urgent")) and flagged)
        row["flagged"] += int(flagged)
        row["flagged_ok"] += int(flagged and bool(tip.get("urgent")))
        if got.category != tip["category"] or bool(tip.get("urgent")) != flagged:
            want = tip["category"] + (" URGENT" if tip.get("urgent") else "")
            have = got.category + (" URGENT" if flagged else "")
            print(f"  [{language}] expected {want} got {have}: {tip['text'][:60]!r}")
    return rows


def pct(ok: int, total: int) -> str:
    return f"{ok}/{total} ({100 * ok / total:.0f} %)" if total else "-"


def report(rows: Dict[str, Dict[str, int]]) -> None:
    native = ("en", "fr", "es")
    print(f"{'lang':5s} {'stored':>14s} {'category':>14s} {'queue':>14s} {'urgent recall':>14s} "
          f"{'replies in lang':>16s}")
    for language in sorted(rows, key=lambda code: (code not in native, code)):
        r = rows[language]
        print(f"{language:5s} {pct(r['stored'], r['tips']):>14s}"
              f" {pct(r['category'], r['tips']):>14s}"
              f" {pct(r['queue'], r['tips']):>14s} {pct(r['urgent_hit'], r['urgent']):>14s}"
              f" {pct(r['replies_ok'], r['replies']):>16s}")
    for name, group in (("en/fr/es", [rows[c] for c in native if c in rows]),
                        ("other 18", [r for c, r in rows.items() if c not in native])):
        total = {k: sum(r[k] for r in group) for k in COLUMNS}
        print(f"{name}: stored {pct(total['stored'], total['tips'])}, category "
              f"{pct(total['category'], total['tips'])}, "
              f"queue {pct(total['queue'], total['tips'])},"
              f" urgent recall {pct(total['urgent_hit'], total['urgent'])}, urgent precision "
              f"{pct(total['flagged_ok'], total['flagged'])}, replies in the tipster's language "
              f"{pct(total['replies_ok'], total['replies'])}")


def run_others(stack: TipLineStack, db: TipsDb, data: Dict[str, List[dict]]) -> None:
    quiet = 0
    non_tips = data.get("non_tips") or []
    for item in non_tips:
        who = f"bench-{uuid.uuid4().hex[:12]}"
        replies = stack.say(who, item["text"])
        quiet += int(not db.tips_of(who))
        if db.tips_of(who):
            print(f"  non-tip stored [{item['language']}] {item['text']!r} -> {replies[:1]}")
    print(f"non-tips that created no tip: {pct(quiet, len(non_tips))}")
    answers = data.get("short_answers") or []
    understood = 0
    for item in answers:
        parsed = stack.parse(item["text"])
        understood += int(parsed["intent"]["name"] == item["intent"])
    print(f"short answers recognised (affirm / deny / dont_know): {pct(understood, len(answers))}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--languages", default="")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    multilingual = load("heldout_multilingual.yml")
    tips = (load("heldout_tips.yml").get("tips") or []) + (multilingual.get("tips") or [])
    if args.languages:
        wanted = set(args.languages.split(","))
        tips = [t for t in tips if t["language"] in wanted]
    tips = tips[: args.limit] if args.limit else tips
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        env = stack_env(tmp, f"sqlite:///{tmp / 'tips.db'}")
        stack = TipLineStack(env, tmp, write_endpoints(tmp, sqlite_tracker(tmp)),
                             write_credentials(tmp)).start()
        try:
            db = TipsDb(env["TIPLINE_DATABASE_URL"])
            report(run_tips(stack, db, tips))
            run_others(stack, db, multilingual)
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
