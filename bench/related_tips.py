"""Related-tips benchmark: precision and recall of the console's pair score on labelled tips.

    .venv/bin/python -m bench.related_tips [--data bench/data/related_tips.yml] [--sweep]

Every pair of tips in the file is a question "are these about the same thing?"; the truth
is "same cluster". The console suggests a pair when its score reaches the threshold
(bot/console/related.py, ``TIPLINE_RELATED_THRESHOLD``).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from bot.console.related import THRESHOLD, TipFeatures, encode_texts, encoder_name, relate

DATA = Path(__file__).resolve().parent / "data" / "related_tips.yml"
WINDOW_HOURS = 72.0
START = datetime(2026, 1, 5, tzinfo=UTC)


def load(path: Path, semantic: bool = True) -> Tuple[List[TipFeatures], Dict[str, str]]:
    tips = yaml.safe_load(path.read_text(encoding="utf-8"))["tips"]
    vectors = encode_texts([t["text"] for t in tips]) if semantic else {}
    features = [TipFeatures.build(t["id"], START + timedelta(hours=t["hours"]), t.get("place"),
                                  t.get("category", ""), t.get("entities") or [],
                                  vectors.get(t["text"])) for t in tips]
    return features, {t["id"]: t.get("cluster") or "" for t in tips}


def measure(features: List[TipFeatures], clusters: Dict[str, str],
            threshold: float) -> Dict[str, float]:
    tp = fp = fn = 0
    for a, b in itertools.combinations(features, 2):
        relation = relate(a, b, WINDOW_HOURS)
        predicted = relation.score >= threshold and bool(relation.reasons)
        truth = bool(clusters[a.key]) and clusters[a.key] == clusters[b.key]
        tp += predicted and truth
        fp += predicted and not truth
        fn += truth and not predicted
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"threshold": threshold, "precision": precision, "recall": recall,
            "true_pairs": tp + fn, "suggested": tp + fp, "correct": tp}


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--sweep", action="store_true", help="also other thresholds")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    features, clusters = load(args.data)
    took = time.perf_counter() - started
    languages = len({t["lang"] for t in yaml.safe_load(args.data.read_text())["tips"]})
    print(f"{len(features)} tips in {languages} languages, "
          f"{len(set(clusters.values()) - {''})} clusters; encoder {encoder_name()} "
          f"({took:.1f} s to load and encode)")
    rows = [measure(features, clusters, THRESHOLD)]
    if args.sweep:
        rows += [measure(features, clusters, t) for t in (0.3, 0.4, 0.6, 0.7) if t != THRESHOLD]
        plain, _ = load(args.data, semantic=False)
        no_semantic = measure(plain, clusters, THRESHOLD)
        no_semantic["threshold"] = f"{THRESHOLD} no encoder"  # type: ignore[assignment]
        rows.append(no_semantic)
    print("| threshold | precision | recall | pairs related | suggested | correct |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['threshold']} | {row['precision']:.2f} | {row['recall']:.2f} | "
              f"{row['true_pairs']} | {row['suggested']} | {row['correct']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
