"""k-fold cross-validation of the NLU on data/nlu, per intent F1 (stratified folds).

Each fold trains the real pipeline of config.yml (`rasa train nlu`) on the other folds and
parses the held-back examples with the trained model in-process (translation off).

    .venv/bin/python -m bench.cross_validation --folds 3
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

from bench.nlu_routing import f1_table
from harness.servers import ROOT


def stratified_folds(examples: List[Tuple[str, str]], k: int, seed: int = 7) -> List[List[int]]:
    """Indices of ``examples`` split into k folds with every intent spread evenly."""
    by_intent: Dict[str, List[int]] = defaultdict(list)
    for index, (_, intent) in enumerate(examples):
        by_intent[intent].append(index)
    folds: List[List[int]] = [[] for _ in range(k)]
    rng = random.Random(seed)
    for indices in by_intent.values():
        rng.shuffle(indices)
        for position, index in enumerate(indices):
            folds[position % k].append(index)
    return folds


async def evaluate(model: Path, examples: List[Tuple[str, str]]) -> List[Tuple[str, str]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    pairs = []
    for text, intent in examples:
        parsed = await agent.parse_message(text)
        pairs.append((intent, parsed["intent"]["name"]))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--only-fold", type=int, help="evaluate one fold (quick experiments)")
    args = parser.parse_args()
    os.environ.setdefault("TIPLINE_TRANSLATION_PROVIDER", "none")
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.utils.common import configure_logging_and_warnings

    configure_logging_and_warnings(logging.WARNING)
    data = load_data(str(ROOT / "data" / "nlu"))
    messages = [m for m in data.intent_examples]
    examples = [(m.get("text"), m.get("intent")) for m in messages]
    pairs: List[Tuple[str, str]] = []
    work = Path(tempfile.mkdtemp(prefix="tipline-cv-"))
    for number, held in enumerate(stratified_folds(examples, args.folds), start=1):
        if args.only_fold and number != args.only_fold:
            continue
        held_set = set(held)
        train = data.filter_training_examples(lambda m: True)
        train.training_examples = [m for i, m in enumerate(messages) if i not in held_set]
        (work / f"fold{number}.yml").write_text(train.nlu_as_yaml(), encoding="utf-8")
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "bot.serve", "rasa", "train", "nlu", "--config",
             str(args.config.resolve()), "--nlu", str(work / f"fold{number}.yml"), "--out",
             str(work), "--fixed-model-name", f"fold{number}", "--quiet"],
            cwd=work, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        fold_pairs = asyncio.run(evaluate(work / f"fold{number}.tar.gz",
                                          [examples[i] for i in held]))
        accuracy = sum(e == p for e, p in fold_pairs) / len(fold_pairs)
        print(f"fold {number}: {len(fold_pairs)} held back, accuracy {accuracy:.1%}, "
              f"trained in {time.monotonic() - started:.0f} s", flush=True)
        pairs += fold_pairs
    print(f"\n{'intent':<22}{'precision':>10}{'recall':>8}{'F1':>7}{'n':>5}")
    for label, (precision, recall, f1, support) in f1_table(pairs).items():
        print(f"{label:<22}{precision:>10.2f}{recall:>8.2f}{f1:>7.2f}{support:>5}")
    print(f"accuracy over {len(pairs)} examples: "
          f"{sum(e == p for e, p in pairs) / len(pairs):.1%}")


if __name__ == "__main__":
    main()
