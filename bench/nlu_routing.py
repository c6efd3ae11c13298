"""NLU and routing accuracy on the held-out tips (bench/data/heldout_tips.yml).

Loads the trained model in-process (no network: translation off), parses every held-out
tip, routes it with the deployment's rules and gazetteer, and prints intent accuracy per
language, precision/recall/F1 per category, side accuracy and queue accuracy.

    .venv/bin/python -m bench.nlu_routing [--model models/current.tar.gz]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List

import yaml

from harness.servers import ROOT

HELDOUT = ROOT / "bench" / "data" / "heldout_tips.yml"


def f1_table(pairs: List[tuple[str, str]]) -> Dict[str, tuple[float, float, float, int]]:
    """Per-label precision, recall, F1 and support from (expected, predicted) pairs."""
    labels = sorted({e for e, _ in pairs})
    table = {}
    for label in labels:
        tp = sum(1 for e, p in pairs if e == label and p == label)
        fp = sum(1 for e, p in pairs if e != label and p == label)
        fn = sum(1 for e, p in pairs if e == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        table[label] = (precision, recall, f1, tp + fn)
    return table


async def run(model: Path) -> None:
    os.environ.setdefault("TIPLINE_TRANSLATION_PROVIDER", "none")
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings

    configure_logging_and_warnings(logging.WARNING)  # no per-message debug lines

    from bot.conversation import TIP_CATEGORIES
    from bot.routing.router import get_router

    tips = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))["tips"]
    agent = Agent.load(str(model))
    router = get_router()
    intents: List[tuple[str, str]] = []
    by_language: Dict[str, Counter] = defaultdict(Counter)
    side_ok = queue_ok = language_ok = 0
    for tip in tips:
        parsed = await agent.parse_message(tip["text"])
        predicted = parsed["intent"]["name"]
        category = predicted if predicted in TIP_CATEGORIES else "suspicious_activity"
        intents.append((tip["category"], predicted))
        by_language[tip["language"]]["n"] += 1
        by_language[tip["language"]]["ok"] += predicted == tip["category"]
        language_ok += parsed.get("language") == tip["language"]
        routed = router.route(category, [tip["text"]])
        expected_queue = router.table.route(tip["category"], tip["side"]).queue
        side_ok += routed.location.side == tip["side"]
        queue_ok += routed.queue == expected_queue
    n = len(tips)
    print(f"held-out tips: {n} ({HELDOUT.relative_to(ROOT)}), model {model.name}")
    print(f"{'language':<10}{'n':>4}{'intent accuracy':>18}")
    for language, counts in sorted(by_language.items()):
        print(f"{language:<10}{counts['n']:>4}{counts['ok'] / counts['n']:>17.1%}")
    print(f"{'all':<10}{n:>4}{sum(e == p for e, p in intents) / n:>17.1%}")
    print(f"\n{'category':<22}{'precision':>10}{'recall':>8}{'F1':>7}{'n':>5}")
    for label, (precision, recall, f1, support) in f1_table(intents).items():
        print(f"{label:<22}{precision:>10.2f}{recall:>8.2f}{f1:>7.2f}{support:>5}")
    print(f"\nlanguage identified: {language_ok / n:.1%}")
    print(f"side of the border:  {side_ok / n:.1%}")
    print(f"queue (routing):     {queue_ok / n:.1%}  (expected queue = SPEC table of the "
          f"labelled category and side)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "current.tar.gz")
    args = parser.parse_args()
    asyncio.run(run(args.model.resolve()))


if __name__ == "__main__":
    main()
