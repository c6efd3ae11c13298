"""Related tips: the same plate or vehicle, the same place in a time window, or similar
meaning across languages (the multilingual sentence encoder of the NLU)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence

import numpy as np

# How much each kind of evidence weighs; a pair is "probably related" at THRESHOLD or more.
PLATE, VEHICLE, PLACE_TIME, CATEGORY = 0.6, 0.2, 0.3, 0.1
# e5 cosines of unrelated tips sit near 0.79 (median), 0.84 (90th centile): only the part
# above the floor counts. Weights and threshold chosen on bench/data/related_tips.yml.
SEMANTIC, SEMANTIC_FLOOR = 1.0, 0.82
THRESHOLD = 0.4


def plate_key(value: str) -> str:
    """``abc-123`` and ``ABC 123`` are one plate: letters and digits only, upper case."""
    return re.sub(r"[\W_]+", "", value or "").upper()


def vehicle_key(value: str) -> str:
    return " ".join((value or "").casefold().split())


@dataclass
class TipFeatures:
    """What the related-tips score looks at (built from a tip, or from the benchmark)."""

    key: str
    created_at: datetime
    place: Optional[str] = None
    category: str = ""
    plates: FrozenSet[str] = frozenset()
    vehicles: FrozenSet[str] = frozenset()
    vector: Optional[np.ndarray] = None

    @classmethod
    def build(cls, key: str, created_at: datetime, place: Optional[str], category: str,
              entities: Iterable[dict], vector: Optional[np.ndarray] = None) -> TipFeatures:
        plates, vehicles = set(), set()
        for entity in entities or []:
            if not isinstance(entity, dict):
                continue
            kind, value = entity.get("entity"), str(entity.get("value") or "")
            if kind == "plate" and len(plate_key(value)) >= 4:
                plates.add(plate_key(value))
            elif kind == "vehicle" and vehicle_key(value):
                vehicles.add(vehicle_key(value))
        return cls(key, created_at, (place or "").casefold() or None, category,
                   frozenset(plates), frozenset(vehicles), vector)


@dataclass
class Relation:
    """Why two tips are probably related, with the score."""

    score: float
    reasons: List[str] = field(default_factory=list)
    similarity: Optional[float] = None


def relate(a: TipFeatures, b: TipFeatures, window_hours: float) -> Relation:
    """The score of a pair (0..1+) and the reasons an officer sees."""
    score, reasons = 0.0, []
    if a.plates & b.plates:
        score += PLATE
        reasons.append("same plate " + ", ".join(sorted(a.plates & b.plates)))
    if a.vehicles & b.vehicles:
        score += VEHICLE
        reasons.append("same vehicle " + ", ".join(sorted(a.vehicles & b.vehicles)))
    hours = abs((a.created_at - b.created_at).total_seconds()) / 3600
    if a.place and a.place == b.place and hours <= window_hours:
        score += PLACE_TIME
        reasons.append(f"same place within {hours:.0f} h")
    if a.category and a.category == b.category:
        score += CATEGORY
    similarity = None
    if a.vector is not None and b.vector is not None:
        similarity = float(np.dot(a.vector, b.vector))
        lift = max(0.0, similarity - SEMANTIC_FLOOR) / (1 - SEMANTIC_FLOOR)
        if lift > 0:
            score += SEMANTIC * lift
            reasons.append(f"similar meaning ({similarity:.2f})")
    return Relation(round(score, 3), reasons, similarity)


def rank(tip: TipFeatures, others: Sequence[TipFeatures], window_hours: float,
         threshold: float = THRESHOLD, limit: int = 10) -> List[tuple]:
    """``(other, relation)`` of the others at or over the threshold, best first."""
    scored = [(o, relate(tip, o, window_hours)) for o in others if o.key != tip.key]
    kept = [pair for pair in scored if pair[1].score >= threshold and pair[1].reasons]
    return sorted(kept, key=lambda pair: -pair[1].score)[:limit]


def encode_texts(texts: Sequence[str]) -> Dict[str, np.ndarray]:
    """Vectors of ``texts`` from the NLU's encoder (loaded once per process, offline)."""
    from bot.nlu.encoders import EncoderSpec, get_encoder

    encoder = get_encoder(EncoderSpec())
    vectors = encoder.encode(list(texts)) if texts else []
    return {text: vector for text, vector in zip(texts, vectors, strict=True)}


def encoder_name() -> str:
    from bot.nlu.encoders import EncoderSpec, get_encoder

    return get_encoder(EncoderSpec()).name
