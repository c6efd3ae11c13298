"""Held-out tips parsed in-process by a trained model: category accuracy and urgency
precision/recall at several thresholds (how config.yml's thresholds were chosen).

Faster than bench/nlu_multilingual.py (no servers, nothing stored), so it is the one to
run while tuning; the figures that count come from the real servers.

    .venv/bin/python -m bench.nlu_inprocess [models/current.tar.gz] [--errors]
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Dict, List

import yaml

from harness.servers import ROOT

NATIVE = ("en", "fr", "es")
THRESHOLDS = (0.1, 0.2, 0.3, 0.35, 0.45, 0.5, 0.6, 0.7, 0.8)


def heldout() -> List[Dict]:
    tips = []
    for name in ("heldout_tips.yml", "heldout_multilingual.yml"):
        tips += yaml.safe_load((ROOT / "bench" / "data" / name).read_text("utf-8"))["tips"]
    return tips


async def parse_all(model: str) -> List[Dict]:
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings

    configure_logging_and_warnings(logging.WARNING)
    from bot.routing.router import get_router

    lexicon = get_router().lexicon
    agent = Agent.load(model)
    rows = []
    for tip in heldout():
        parsed = await agent.parse_message(tip["text"])
        ranked = [r["name"] for r in parsed.get("intent_ranking") or []
                  if r["name"] != "nlu_fallback"]
        rows.append({"native": tip["language"] in NATIVE, "category": tip["category"],
                     "urgent": bool(tip.get("urgent")), "intent": parsed["intent"]["name"],
                     "best": ranked[0] if ranked else None,
                     "p_urgent": (parsed.get("urgency") or {}).get("confidence", 0.0),
                     "flagged": bool((parsed.get("urgency") or {}).get("urgent")),
                     "lexicon": lexicon.is_urgent([tip["text"]]), "text": tip["text"],
                     "language": tip["language"]})
    return rows


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    model = args[0] if args else str(ROOT / "models" / "current.tar.gz")
    rows = asyncio.run(parse_all(model))
    for name, native in (("en/fr/es", True), ("other 18", False)):
        group = [r for r in rows if r["native"] is native]
        right = sum(r["intent"] == r["category"] for r in group)
        best = sum(r["best"] == r["category"] for r in group)
        fallback = sum(r["intent"] == "nlu_fallback" for r in group)
        print(f"{name}: category {right}/{len(group)} ({100 * right / len(group):.1f} %), "
              f"best non-fallback guess {best}/{len(group)}, fallbacks {fallback}")
    urgent = sum(r["urgent"] for r in rows)
    for threshold in THRESHOLDS:
        flagged = [r for r in rows if r["p_urgent"] >= threshold or r["lexicon"]]
        hits = sum(r["urgent"] for r in flagged)
        print(f"urgency threshold {threshold}: recall {hits}/{urgent}, "
              f"precision {hits}/{len(flagged)}")
    flagged = [r for r in rows if r["flagged"]]
    hits = sum(r["urgent"] for r in flagged)
    print(f"urgency as the model decides (its own threshold, or the lexicon): recall "
          f"{hits}/{urgent}, precision {hits}/{len(flagged)}")
    if "--errors" in sys.argv:
        print_errors(rows)


def print_errors(rows: List[Dict]) -> None:
    """Each misread tip: wrong category, missed or false urgency (for tuning by hand)."""
    for r in rows:
        if r["intent"] != r["category"]:
            print(f"CATEGORY {r['language']} {r['category']} -> {r['intent']}: {r['text'][:90]}")
    for r in rows:
        if r["flagged"] != r["urgent"]:
            kind = "MISSED" if r["urgent"] else "FALSE"
            print(f"URGENT-{kind} {r['language']} p={r['p_urgent']:.2f} lexicon={r['lexicon']}: "
                  f"{r['text'][:90]}")


if __name__ == "__main__":
    main()
