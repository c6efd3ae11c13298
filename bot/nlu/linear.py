"""A softmax (logistic regression) model over sentence vectors: trained with scikit-learn,
stored as plain arrays (no pickle), applied with numpy."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Sequence

import numpy as np
from scipy.sparse import issparse


@dataclass
class LinearModel:
    """Class names, weights (classes x dim) and biases of a fitted classifier."""

    classes: List[str]
    weights: np.ndarray
    bias: np.ndarray

    @classmethod
    def fit(cls, vectors: Any, labels: Sequence[str], c: float = 10.0,
            balanced: bool = True) -> LinearModel:
        """Fit a multinomial logistic regression (two classes give a binary model)."""
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced" if balanced
                                   else None, random_state=7)
        model.fit(vectors, list(labels))
        classes = [str(c_) for c_ in model.classes_]
        weights, bias = model.coef_, model.intercept_
        if len(classes) == 2:  # sklearn keeps one row for two classes: make it softmax-shaped
            weights = np.vstack([-weights[0] / 2, weights[0] / 2])
            bias = np.array([-bias[0] / 2, bias[0] / 2])
        return cls(classes, np.asarray(weights, np.float32), np.asarray(bias, np.float32))

    def probabilities(self, vectors: Any) -> np.ndarray:
        """Class probabilities, one row per vector (dense or scipy sparse rows)."""
        if not issparse(vectors):
            vectors = np.atleast_2d(vectors)
        scores = np.asarray(vectors @ self.weights.T) + self.bias
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def save(self, directory: Path, name: str) -> None:
        np.savez(directory / f"{name}.npz", weights=self.weights, bias=self.bias)
        (directory / f"{name}.json").write_text(json.dumps(self.classes), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, name: str) -> LinearModel:
        arrays = np.load(directory / f"{name}.npz", allow_pickle=False)
        classes = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
        return cls(classes, arrays["weights"], arrays["bias"])
