"""Word lists that raise urgency or place a tip on the water (data/routing/lexicon.yml)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, List

import yaml

from bot.routing.text import contains_phrase, normalise


class Lexicon:
    """Phrase lists matched as whole words after normalisation."""

    def __init__(self, urgency_high: List[str], water: List[str]) -> None:
        self.urgency_high = [normalise(p) for p in urgency_high if normalise(p)]
        self.water = [normalise(p) for p in water if normalise(p)]

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        return cls(raw.get("urgency_high") or [], raw.get("water") or [])

    def is_urgent(self, texts: Iterable[str]) -> bool:
        norm = " ".join(normalise(t) for t in texts if t)
        return any(contains_phrase(norm, p) for p in self.urgency_high)

    def on_water(self, texts: Iterable[str]) -> bool:
        norm = " ".join(normalise(t) for t in texts if t)
        return any(contains_phrase(norm, p) for p in self.water)
