"""Urgency experiments without a Rasa training: variants compared by cross-validation on
the urgency training data only (never the held-out tips).

The training texts (data/urgency + data/nlu, as bot/nlu/urgency.py gathers them) are
embedded once with the pipeline's encoder; the vectors are cached under
~/.cache/tipline/urgency_lab/ (one row per text, keyed by its hash). Each variant is scored
by 5-fold cross-validation, as the classifier chooses its threshold: the ``cv_miss``
quantile of the out-of-fold urgency of the urgent examples no lexicon phrase catches. It
prints, per variant, urgent recall (model OR lexicon), the false alarms per source (hard
negatives of data/urgency, tips and conversation turns of data/nlu), precision, and the
false alarms at the threshold that keeps every urgent example (how well they separate).

    .venv/bin/python -m bench.urgency_lab [VARIANT ...] [--errors] [--data=DIR]
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np

from bot.nlu.urgency_features import (
    Features,
    UrgencySettings,
    out_of_fold_scores,
    read_urgency_data,
)

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path.home() / ".cache" / "tipline" / "urgency_lab"
VARIANTS: Dict[str, Dict] = {
    "base": {}, "ungrouped": {"grouped": False},
    "c10-ungrouped": {"c": 10.0, "grouped": False},
    "c0.3": {"c": 0.3}, "c3": {"c": 3.0}, "c10": {"c": 10.0},
    "sw0": {"sparse_weight": 0.0}, "sw0.25": {"sparse_weight": 0.25},
    "sw1": {"sparse_weight": 1.0},
    "hard2": {"hard_weight": 2.0}, "hard3": {"hard_weight": 3.0},
    "hard2-c3": {"hard_weight": 2.0, "c": 3.0},
    "c10-sw1": {"c": 10.0, "sparse_weight": 1.0}, "c30": {"c": 30.0},
    "c10-hard2": {"c": 10.0, "hard_weight": 2.0}, "c100": {"c": 100.0},
    "c30-sw1": {"c": 30.0, "sparse_weight": 1.0}, "c30-hard2": {"c": 30.0, "hard_weight": 2.0},
    "c10-hard3": {"c": 10.0, "hard_weight": 3.0},
    "c10-hard2-sw1": {"c": 10.0, "hard_weight": 2.0, "sparse_weight": 1.0},
    "c10-hard2-tip0.5": {"c": 10.0, "hard_weight": 2.0, "tip_weight": 0.5},
    "c10-hard4-tip0.5": {"c": 10.0, "hard_weight": 4.0, "tip_weight": 0.5},
    "nonlu": {"nlu_calm": False},
}


@dataclass
class Example:
    text: str
    urgent: bool
    source: str  # urgent | hard | tip | chat
    lexicon: bool
    group: str


def gather(urgency_data: Path = ROOT / "data" / "urgency") -> List[Example]:
    """The texts and labels bot/nlu/urgency.py trains on, with where each comes from."""
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.nlu.urgency import CALM_INTENTS
    from bot.routing.router import get_router

    lexicon = get_router().lexicon
    examples = read_urgency_data(urgency_data)
    urgent = {e.text for e in examples if e.urgent}
    out = [Example(e.text, e.urgent, "urgent" if e.urgent else "hard",
                   lexicon.is_urgent([e.text]), e.group) for e in examples]
    for m in load_data(str(ROOT / "data" / "nlu")).intent_examples:
        text = m.get("text")
        if not text or text in urgent:
            continue
        chat = m.get("intent") in CALM_INTENTS
        if chat or not lexicon.is_urgent([text]):
            out.append(Example(text, False, "chat" if chat else "tip", lexicon.is_urgent([text]),
                               f"nlu:{len(out)}"))
    return out


def vectors_of(texts: List[str]) -> np.ndarray:
    """Sentence vectors of the pipeline's encoder, cached per text on disk."""
    from bot.nlu.encoders import EncoderSpec, get_encoder

    CACHE.mkdir(parents=True, exist_ok=True)
    keys_path, rows_path = CACHE / "keys.json", CACHE / "vectors.npy"
    keys: List[str] = json.loads(keys_path.read_text()) if keys_path.exists() else []
    rows = np.load(rows_path) if rows_path.exists() else np.zeros((0, 384), np.float32)
    index = {k: i for i, k in enumerate(keys)}
    wanted = [hashlib.sha256(t.encode("utf-8")).hexdigest()[:24] for t in texts]
    missing = [(k, t) for k, t in dict(zip(wanted, texts, strict=True)).items() if k not in index]
    if missing:
        print(f"encoding {len(missing)} new texts", file=sys.stderr)
        new = get_encoder(EncoderSpec()).encode([t for _, t in missing])
        for k, _ in missing:
            index[k] = len(keys)
            keys.append(k)
        rows = np.vstack([rows, new])
        np.save(rows_path, rows)
        keys_path.write_text(json.dumps(keys))
    return rows[[index[k] for k in wanted]]


def evaluate(name: str, settings: UrgencySettings, data: List[Example], vectors: np.ndarray,
             errors: bool) -> Tuple[int, int]:
    texts = [e.text for e in data]
    y = np.array([e.urgent for e in data])
    lex = np.array([e.lexicon for e in data])
    sources = np.array([e.source for e in data])
    keep = np.ones(len(data), bool) if settings.nlu_calm else np.isin(sources, ["urgent", "hard"])
    feats = Features.fit(settings, [t for t, k in zip(texts, keep, strict=True) if k])
    idx = np.flatnonzero(keep)
    scores = np.zeros(len(data))
    scores[idx] = out_of_fold_scores(settings, feats, vectors[idx], [texts[i] for i in idx],
                                     y[idx], sources[idx], [data[i].group for i in idx])
    pool = scores[idx][y[idx] & ~lex[idx]]
    threshold = float(np.quantile(pool, settings.cv_miss))
    flagged = (scores >= threshold) | lex
    flagged &= keep
    hits, total = int((flagged & y).sum()), int(y[keep].sum())
    fp = {s: int((flagged & ~y & (sources == s)).sum()) for s in ("hard", "tip", "chat")}
    strict = (scores >= pool.min()) | lex
    fp_all = int((strict & ~y & keep).sum())
    print(f"{name:10s} thr {threshold:.3f} recall {hits}/{total} precision {hits}/"
          f"{int(flagged.sum())} ({100 * hits / max(1, flagged.sum()):.1f} %) false: hard "
          f"{fp['hard']}/{int((sources == 'hard').sum())} tip {fp['tip']} chat {fp['chat']}; "
          f"at 100 % recall ({pool.min():.3f}): {fp_all} false", flush=True)
    if settings.grouped and "--leaky" in sys.argv:  # the threshold as ungrouped folds set it
        loose = np.zeros(len(data))
        loose[idx] = out_of_fold_scores(settings, feats, vectors[idx], [texts[i] for i in idx],
                                        y[idx], sources[idx])
        t2 = float(np.quantile(loose[idx][y[idx] & ~lex[idx]], settings.cv_miss))
        f2 = ((scores >= t2) | lex) & keep
        print(f"{'':10s} at the ungrouped threshold {t2:.3f}: recall {int((f2 & y).sum())}/"
              f"{total} precision {int((f2 & y).sum())}/{int(f2.sum())}", flush=True)
    if errors:
        for i in np.argsort(-scores):
            if keep[i] and flagged[i] != y[i] and not (y[i] and lex[i]):
                print(f"  {'MISSED' if y[i] else 'FALSE':6s} {scores[i]:.2f} {sources[i]}: "
                      f"{texts[i][:100]}")
    return hits, int(flagged.sum())


def main() -> None:
    args = sys.argv[1:]
    names = [a for a in args if not a.startswith("--") and a in VARIANTS] or list(VARIANTS)
    folder = [a.split("=", 1)[1] for a in args if a.startswith("--data=")]
    data = gather(Path(folder[0])) if folder else gather()
    vectors = vectors_of([e.text for e in data])
    counts = {s: sum(e.source == s for e in data) for s in ("urgent", "hard", "tip", "chat")}
    print(f"{len(data)} examples: {counts}")
    for name in names:
        evaluate(name, UrgencySettings(**VARIANTS[name]), data, vectors, "--errors" in sys.argv)


if __name__ == "__main__":
    main()
