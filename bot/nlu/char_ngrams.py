"""Character n-gram TF-IDF features of a text, fitted with scikit-learn and stored as plain
arrays (vocabulary as JSON, idf as npz; no pickle)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Optional, Sequence

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer

MAX_CHARS = 4000  # the n-grams of a huge message's beginning are enough (and stay cheap)
SETTINGS = {"analyzer": "char_wb", "ngram_range": (2, 4), "sublinear_tf": True,
            "lowercase": True, "dtype": np.float32}


class CharNgrams:
    """L2-normalised TF-IDF rows of character 2-4-grams (inside word boundaries)."""

    def __init__(self, vocabulary: Optional[Dict[str, int]] = None,
                 idf: Optional[np.ndarray] = None, max_features: int = 50000) -> None:
        self._vectorizer = TfidfVectorizer(max_features=max_features, **SETTINGS)
        if vocabulary is not None and idf is not None:
            self._vectorizer = TfidfVectorizer(vocabulary=vocabulary, **SETTINGS)
            self._vectorizer.idf_ = idf

    def fit(self, texts: Sequence[str]) -> CharNgrams:
        self._vectorizer.fit(list(texts))
        return self

    def transform(self, texts: Sequence[str]) -> csr_matrix:
        return self._vectorizer.transform([text[:MAX_CHARS] for text in texts])

    def save(self, directory: Path, name: str) -> None:
        vocabulary = {k: int(v) for k, v in self._vectorizer.vocabulary_.items()}
        (directory / f"{name}.vocabulary.json").write_text(json.dumps(vocabulary),
                                                           encoding="utf-8")
        np.savez(directory / f"{name}.idf.npz", idf=self._vectorizer.idf_)

    @classmethod
    def load(cls, directory: Path, name: str) -> CharNgrams:
        vocabulary = json.loads((directory / f"{name}.vocabulary.json").read_text("utf-8"))
        idf = np.load(directory / f"{name}.idf.npz", allow_pickle=False)["idf"]
        return cls(vocabulary, idf)
