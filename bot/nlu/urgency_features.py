"""The urgency model's features, fitting and cross-validated scores (bot/nlu/urgency.py and
bench/urgency_lab.py share them, so the lab measures what the pipeline trains)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, NamedTuple, Optional, Sequence

import numpy as np
import yaml
from scipy.sparse import csr_matrix, hstack

from bot.nlu.char_ngrams import CharNgrams
from bot.nlu.linear import LinearModel

URGENT, CALM = "urgent", "calm"


@dataclass(frozen=True)
class UrgencySettings:
    """How the urgency model is trained (config.yml's UrgencyClassifier entry)."""

    c: float = 1.0
    sparse_weight: float = 0.5
    hard_weight: float = 1.0  # weight of data/urgency's not-urgent examples (hard negatives)
    tip_weight: float = 1.0  # weight of data/nlu's tips taken as not urgent (some are)
    nlu_calm: bool = True  # data/nlu's unmarked tips and conversation turns as not urgent
    cv_miss: float = 0.05
    grouped: bool = True  # keep the translations of one example in the same fold


class UrgencyExample(NamedTuple):
    """One example of data/urgency: its text, its label and its cross-validation group."""

    text: str
    urgent: bool
    group: str


def read_urgency_data(directory: Path) -> List[UrgencyExample]:
    """The examples of every ``<lang>.yml`` in ``directory``, each with its fold group.

    The language files are written in parallel blocks (each block appended at the end of
    every file), so the examples at the same place from the end of their list are mostly
    translations of one another: they share a group, and cross-validation never scores an
    example with its translation in the training folds (that would flatter the model).
    """
    examples: List[UrgencyExample] = []
    for path in sorted(Path(directory).glob("*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for label, urgent in (("urgent", True), ("not_urgent", False)):
            items = raw.get(label) or []
            for i, text in enumerate(items):
                if not isinstance(text, str) or not text.strip():
                    raise ValueError(f"{path}: empty or non-text example under {label}")
                examples.append(UrgencyExample(text.strip(), urgent,
                                               f"{label}:{len(items) - i}"))
    return examples


@dataclass
class Features:
    """Sentence vector, then the character n-grams of the text scaled by ``weight``."""

    ngrams: Optional[CharNgrams]
    weight: float

    @classmethod
    def fit(cls, settings: UrgencySettings, texts: Sequence[str]) -> Features:
        if settings.sparse_weight <= 0:
            return cls(None, 0.0)
        return cls(CharNgrams().fit(texts), settings.sparse_weight)

    def matrix(self, vectors: np.ndarray, texts: Sequence[str]) -> Any:
        dense = np.atleast_2d(vectors)
        if self.ngrams is None or self.weight <= 0:
            return dense
        return hstack([csr_matrix(dense), self.ngrams.transform(texts) * self.weight]).tocsr()


def sample_weights(settings: UrgencySettings, y: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """Balanced class weights, times ``hard_weight`` for the hard negatives and
    ``tip_weight`` for the NLU tips taken as not urgent."""
    weights = np.where(y, len(y) / (2 * max(1, y.sum())), len(y) / (2 * max(1, (~y).sum())))
    return weights * np.where(sources == "hard", settings.hard_weight,
                              np.where(sources == "tip", settings.tip_weight, 1.0))


def fit_scorer(settings: UrgencySettings, matrix: Any, y: np.ndarray,
               sources: np.ndarray) -> LinearModel:
    """A binary logistic regression (urgent or calm) with the weights of ``sample_weights``."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=settings.c, max_iter=2000, random_state=7)
    model.fit(matrix, np.where(y, URGENT, CALM), sample_weight=sample_weights(settings, y,
                                                                               sources))
    w, b = model.coef_[0], model.intercept_[0]
    classes = [str(c) for c in model.classes_]
    return LinearModel(classes, np.asarray(np.vstack([-w / 2, w / 2]), np.float32),
                       np.asarray([-b / 2, b / 2], np.float32))


def urgency(model: LinearModel, matrix: Any) -> np.ndarray:
    """The probability of "urgent" for each row."""
    return model.probabilities(matrix)[:, model.classes.index(URGENT)]


def out_of_fold_scores(settings: UrgencySettings, features: Features, vectors: np.ndarray,
                       texts: Sequence[str], y: np.ndarray, sources: np.ndarray,
                       groups: Optional[Sequence[str]] = None, folds: int = 5,
                       seed: int = 7) -> np.ndarray:
    """Each example's urgency by a model that did not see it (stratified k-fold; with
    ``groups``, an example and its translations are in the same fold)."""
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    matrix = features.matrix(vectors, texts)
    scores = np.zeros(len(y))
    if groups is not None and settings.grouped:
        splits = StratifiedGroupKFold(folds, shuffle=True, random_state=seed).split(
            np.zeros(len(y)), y, list(groups))
    else:
        splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(
            np.zeros(len(y)), y)
    for train, test in splits:
        model = fit_scorer(settings, matrix[train], y[train], sources[train])
        scores[test] = urgency(model, matrix[test])
    return scores


def cv_threshold(settings: UrgencySettings, scores: np.ndarray, y: np.ndarray,
                 caught: np.ndarray, fallback: float) -> float:
    """The ``cv_miss`` quantile of the out-of-fold urgency of the urgent examples that the
    lexicon does not catch (those it catches are urgent whatever the model says)."""
    pool = scores[y & ~caught]
    return float(np.quantile(pool, settings.cv_miss)) if len(pool) else fallback
