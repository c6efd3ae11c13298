"""Urgency on the held-out tips without a Rasa training: the urgency model fitted as
bot/nlu/urgency.py fits it (same data, features, settings and cross-validated threshold),
then scored on bench/data's held-out tips, model OR lexicon, as the pipeline decides.

It answers "would this change of data/urgency or of the settings help on unseen tips?" in
about a minute, before a training of a quarter of an hour; the figures that count still come
from the real servers (bench/nlu_multilingual.py). The threshold is never chosen on the
held-out tips. ``--candidates`` lists instead the data/nlu tips taken as not urgent that a
model which did not see them scores highest (out-of-fold): the ones to read and label.
Two ways of treating those K tips, each scored on the held-out tips: ``--drop-top=K``
leaves them out of training (labelled "unsure"), ``--mine-top=K`` makes them hard negatives
(weighed ``hard_weight`` times, with a VARIANT such as ``hard3``). A VARIANT of
bench/urgency_lab.py changes config.yml's settings (``BASE``) by what it names.

    .venv/bin/python -m bench.urgency_heldout [VARIANT ...] [--errors] [--candidates=N]
        [--drop-top=K | --mine-top=K]
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import List, Optional

import numpy as np

from bench.nlu_inprocess import heldout
from bench.urgency_lab import VARIANTS, Example, gather, vectors_of
from bot.nlu.urgency_features import (
    Features,
    UrgencySettings,
    cv_threshold,
    fit_scorer,
    out_of_fold_scores,
    urgency,
)

BASE = {"grouped": False}  # config.yml's settings (c 1, plain folds)


def fit(settings: UrgencySettings, data: List[Example], vectors: np.ndarray):  # noqa: ANN201
    texts = [e.text for e in data]
    y = np.array([e.urgent for e in data])
    sources = np.array([e.source for e in data])
    features = Features.fit(settings, texts)
    model = fit_scorer(settings, features.matrix(vectors, texts), y, sources)
    scores = out_of_fold_scores(settings, features, vectors, texts, y, sources,
                                [e.group for e in data])
    caught = np.array([e.lexicon for e in data])
    return features, model, cv_threshold(settings, scores, y, caught, 0.5), scores


def score_heldout(name: str, settings: UrgencySettings, data: List[Example],
                  vectors: np.ndarray, errors: bool) -> None:
    from bot.routing.router import get_router

    features, model, threshold, _ = fit(settings, data, vectors)
    tips = heldout()
    texts = [t["text"] for t in tips]
    p = urgency(model, features.matrix(vectors_of(texts), texts))
    lexicon = get_router().lexicon
    lex = np.array([lexicon.is_urgent([t]) for t in texts])
    truth = np.array([bool(t.get("urgent")) for t in tips])
    flagged = (p >= threshold) | lex
    hits = int((flagged & truth).sum())
    print(f"{name:10s} threshold {threshold:.3f}: recall {hits}/{int(truth.sum())}, "
          f"precision {hits}/{int(flagged.sum())} ({100 * hits / max(1, flagged.sum()):.1f} %); "
          f"lowest urgent {p[truth & ~lex].min():.3f}", flush=True)
    if errors:
        for i in np.argsort(-p):
            if flagged[i] != truth[i]:
                print(f"  {'MISSED' if truth[i] else 'FALSE':6s} {p[i]:.2f} "
                      f"{'lexicon ' if lex[i] else ''}{tips[i]['language']}: {texts[i][:110]}")


def candidates(data: List[Example], vectors: np.ndarray, count: int) -> None:
    """The data/nlu tips labelled not urgent that score highest out of fold."""
    _, _, threshold, scores = fit(UrgencySettings(**BASE), data, vectors)
    tips = [i for i, e in enumerate(data) if e.source == "tip"]
    ranked = sorted(tips, key=lambda i: -scores[i])[:count]
    print(f"threshold {threshold:.3f}; {sum(scores[i] >= threshold for i in tips)} of "
          f"{len(tips)} NLU tips over it")
    for i in ranked:
        print(f"{scores[i]:.3f}\t{data[i].text}")


def top_tips(data: List[Example], vectors: np.ndarray, count: int) -> List[int]:
    """The ``count`` data/nlu tips taken as not urgent that score highest out of fold."""
    _, _, _, scores = fit(UrgencySettings(**BASE), data, vectors)
    return sorted((i for i, e in enumerate(data) if e.source == "tip"),
                  key=lambda i: -scores[i])[:count]


def option(args: List[str], name: str) -> Optional[int]:
    values = [a.split("=", 1)[1] for a in args if a.startswith(f"--{name}=")]
    return int(values[0]) if values else None


def main() -> None:
    args = sys.argv[1:]
    data = gather()
    vectors = vectors_of([e.text for e in data])
    if option(args, "candidates") is not None:
        candidates(data, vectors, option(args, "candidates") or 0)
        return
    if option(args, "drop-top"):
        top = set(top_tips(data, vectors, option(args, "drop-top") or 0))
        keep = [i for i in range(len(data)) if i not in top]
        data, vectors = [data[i] for i in keep], vectors[keep]
    elif option(args, "mine-top"):
        top = set(top_tips(data, vectors, option(args, "mine-top") or 0))
        data = [replace(e, source="hard") if i in top else e for i, e in enumerate(data)]
    names = [a for a in args if a in VARIANTS] or ["ungrouped"]
    for name in names:
        settings = UrgencySettings(**{**BASE, **VARIANTS[name]})
        score_heldout(name, settings, data, vectors, "--errors" in args)


if __name__ == "__main__":
    main()
