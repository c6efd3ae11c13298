"""Punjabi, Hindi and Urdu written in Latin letters, told by marker words (data/language)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Optional, Tuple

import yaml

_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class RomanisedMarkers:
    """Marker words per language; ``shared`` ones count for every language listed."""

    markers: Dict[str, FrozenSet[str]]
    order: Tuple[str, ...]
    min_markers: int

    @classmethod
    def load(cls, path: Path) -> RomanisedMarkers:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        order = tuple(raw.get("order") or ())
        groups = raw.get("markers") or {}
        markers: Dict[str, set] = {code: set() for code in order}
        for group, words in groups.items():
            codes = group.split("_")
            unknown = [code for code in codes if code not in markers]
            if unknown:
                raise ValueError(f"{path}: markers.{group}: {unknown} not in order {order}")
            for code in codes:
                markers[code].update(str(word).lower() for word in words or [])
        return cls({k: frozenset(v) for k, v in markers.items()}, order,
                   int(raw.get("min_markers") or 2))

    def identify(self, text: str) -> Optional[Tuple[str, int]]:
        """(language, distinct markers found) when ``text`` reads as one of them, else None."""
        words = set(_WORD.findall(text.casefold()))
        counts = {code: len(words & self.markers[code]) for code in self.order}
        best = max(self.order, key=lambda code: (counts[code], -self.order.index(code)))
        if counts[best] < self.min_markers:
            return None
        return best, counts[best]


@lru_cache(maxsize=2)
def get_markers(path: str) -> RomanisedMarkers:
    return RomanisedMarkers.load(Path(path))
