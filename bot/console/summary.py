"""An English summary of what the tip line understood of a tip (pure: no database, no Flask)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple

from bot.console.display import CATEGORY_LABELS, SIDE_LABELS

URGENCY_LABELS = {
    "high": "URGENT: someone in danger now or a crossing under way",
    "normal": "normal: no sign of immediate danger",
}
NONE_MENTIONED = "none mentioned"
MAX_VALUE = 200
# entity -> the summary field that lists its values
ENTITY_FIELDS = {"vehicle": "vehicles", "plate": "plates", "vessel": "vessels",
                 "people_count": "people", "location": "locations", "time": "times"}


@dataclass(frozen=True)
class TipSummary:
    """The facts an officer reads first; the values of entities are as the tipster said them."""

    category: str
    category_label: str
    urgency: str
    urgency_label: str
    place: Optional[str]
    side: str
    side_label: str
    where: str
    time: Optional[str]
    vehicles: List[str] = field(default_factory=list)
    plates: List[str] = field(default_factory=list)
    vessels: List[str] = field(default_factory=list)
    people: List[str] = field(default_factory=list)

    def rows(self) -> List[Tuple[str, str, str]]:
        """(id, label, text) lines for the tip page, every one present."""
        return [
            ("category", "Category", self.category_label),
            ("urgency", "Urgency", self.urgency_label),
            ("where", "Where", self.where),
            ("when", "When", self.time or "not given"),
            ("vehicles", "Vehicles", _listed(self.vehicles)),
            ("plates", "Plates", _listed(self.plates)),
            ("vessels", "Vessels", _listed(self.vessels)),
            ("people", "People", _listed(self.people)),
        ]

    @property
    def text(self) -> str:
        """The summary as one English sentence per fact."""
        return " ".join(f"{label}: {value}." for _, label, value in self.rows())

    def as_dict(self) -> Dict[str, Any]:
        """The summary in the tips API (``summary``)."""
        return {**asdict(self), "text": self.text}


def _listed(values: List[str]) -> str:
    return ", ".join(values) if values else NONE_MENTIONED


def _clean(value: Any) -> str:
    text = " ".join(str(value).split()) if value is not None else ""
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def entity_values(entities: Any) -> Dict[str, List[str]]:
    """Values of the entities the summary uses, by summary field, deduplicated in order."""
    found: Dict[str, List[str]] = {name: [] for name in ENTITY_FIELDS.values()}
    seen: set = set()
    for item in entities if isinstance(entities, Iterable) else []:
        if not isinstance(item, dict) or item.get("entity") not in ENTITY_FIELDS:
            continue
        name, value = ENTITY_FIELDS[item["entity"]], _clean(item.get("value"))
        if value and (name, value.casefold()) not in seen:
            seen.add((name, value.casefold()))
            found[name].append(value)
    return found


def category_text(category: Optional[str]) -> str:
    if not category or category == "unknown":
        return CATEGORY_LABELS["unknown"]
    return CATEGORY_LABELS.get(category, category)


def where_text(place: Optional[str], side: str) -> str:
    """``Lacolle, Canada side (CA)``, ``Lacolle, side unknown``, ``no place given, …``."""
    side_text = (f"{SIDE_LABELS[side]} side ({side})" if side in ("CA", "US")
                 else "side unknown")
    return f"{place or 'no place given'}, {side_text}"


def summarise(tip: Any) -> TipSummary:
    """The summary of ``tip`` (any object with the ``Tip`` model's attributes)."""
    values = entity_values(getattr(tip, "entities", None))
    side = tip.location_side if tip.location_side in ("CA", "US") else "unknown"
    place = _clean(tip.location_place or tip.location_text) or (
        values["locations"][0] if values["locations"] else None)
    urgency = tip.urgency or "normal"
    incident = _clean(tip.incident_time) or (values["times"][0] if values["times"] else None)
    return TipSummary(
        category=tip.category or "unknown", category_label=category_text(tip.category),
        urgency=urgency, urgency_label=URGENCY_LABELS.get(urgency, urgency),
        place=place, side=side, side_label=SIDE_LABELS[side], where=where_text(place, side),
        time=incident, vehicles=values["vehicles"], plates=values["plates"],
        vessels=values["vessels"], people=values["people"],
    )
