"""The border gazetteer: place names, their side of the border, and side phrases."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from bot.routing.text import contains_phrase, match_mode, normalise, phrase_starts

VALID_SIDES = ("CA", "US", "both")


@dataclass(frozen=True)
class Place:
    """A place of the gazetteer."""

    name: str
    side: str
    kind: str
    region: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Location:
    """Where a tip happened, as far as the text and coordinates tell."""

    text: Optional[str]
    side: str  # CA | US | unknown
    place: Optional[str]
    lat: Optional[float] = None
    lon: Optional[float] = None
    on_water: bool = False


class Gazetteer:
    """Finds border places and explicit side phrases in free text."""

    def __init__(self, places: Sequence[Place], names: Dict[str, Place],
                 side_phrases: Dict[str, List[str]]) -> None:
        self.places = list(places)
        self._names = names
        self._max_words = max((len(n.split()) for n in names), default=1)
        # Names in Han/kana (found inside words, katakana not inside a katakana word) and Hangul
        # (found at the start of a word)
        self._scanned = [n for n in names if match_mode(n) != "word"]
        self._side_phrases = side_phrases

    @classmethod
    def load(cls, path: Path) -> Gazetteer:
        """Read the gazetteer YAML; raise ValueError naming a bad entry."""
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        places: List[Place] = []
        names: Dict[str, Place] = {}
        for i, entry in enumerate(raw.get("places") or []):
            if entry.get("side") not in VALID_SIDES:
                raise ValueError(f"gazetteer {path}: place #{i} {entry.get('name')!r} has bad side")
            place = Place(entry["name"], entry["side"], entry.get("kind", "town"),
                          entry.get("region", ""), float(entry["lat"]), float(entry["lon"]))
            places.append(place)
            for alias in [entry["name"], *(entry.get("aliases") or [])]:
                key = normalise(alias)
                if key:
                    names.setdefault(key, place)
        phrases = {side: [normalise(p) for p in raw.get("side_phrases", {}).get(side, [])]
                   for side in ("CA", "US")}
        return cls(places, names, phrases)

    def find_places(self, text: str) -> List[Tuple[str, Place]]:
        """Places named in ``text``, longest match first at each position, in text order."""
        norm = normalise(text)
        words = [(m.start(), m.end()) for m in re.finditer(r"\S+", norm)]
        spans: List[Tuple[int, int, str]] = []
        for i, (start, _) in enumerate(words):
            for size in range(min(self._max_words, len(words) - i), 0, -1):
                end = words[i + size - 1][1]
                if norm[start:end] in self._names:
                    spans.append((start, end, norm[start:end]))
                    break
        for key in self._scanned:
            spans.extend((pos, pos + len(key), key)
                         for pos in phrase_starts(norm, key, kana_words=True))
        found: List[Tuple[str, Place]] = []
        reached = 0
        for start, end, key in sorted(spans, key=lambda s: (s[0], s[0] - s[1])):
            if start >= reached:
                found.append((key, self._names[key]))
                reached = end
        return found

    def stated_side(self, text: str) -> Optional[str]:
        """CA or US when the text says which side ("on the Canadian side"), else None."""
        norm = normalise(text)
        sides = {side for side, phrases in self._side_phrases.items()
                 if any(contains_phrase(norm, p) for p in phrases if p)}
        return sides.pop() if len(sides) == 1 else None

    def nearest(self, lat: float, lon: float, exclude_both: bool = True) -> Optional[Place]:
        """The gazetteer place nearest to a coordinate (places on both sides skipped)."""
        candidates = [p for p in self.places if not (exclude_both and p.side == "both")]
        return min(candidates, key=lambda p: _distance_km(lat, lon, p.lat, p.lon), default=None)

    def resolve(self, texts: Sequence[str], lat: Optional[float] = None,
                lon: Optional[float] = None) -> Location:
        """The location of a tip from its texts (original, translation) and coordinates."""
        joined = " \n ".join(t for t in texts if t)
        matches = self.find_places(joined)
        place = matches[0][1] if matches else None
        stated = self.stated_side(joined)
        if lat is not None and lon is not None:
            near = self.nearest(lat, lon)
            side = stated or (near.side if near else "unknown")
            return Location(f"{lat:.5f},{lon:.5f}", side, near.name if near else None, lat, lon)
        if stated:
            side = stated
        else:
            sides = {p.side for _, p in matches if p.side != "both"}
            side = sides.pop() if len(sides) == 1 else "unknown"
        on_water = any(p.kind == "water" for _, p in matches)
        return Location(place.name if place else None, side, place.name if place else None,
                        place.lat if place else None, place.lon if place else None, on_water)


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))
