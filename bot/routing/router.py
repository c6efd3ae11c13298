"""The routing decision for one tip: category + location + urgency → queue."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Optional, Sequence

from bot.routing.gazetteer import Gazetteer, Location
from bot.routing.lexicon import Lexicon
from bot.routing.rules import CATEGORIES, UNKNOWN_CATEGORY, RoutingTable
from bot.settings import get_settings


@dataclass(frozen=True)
class RoutingResult:
    """Where a tip goes and why."""

    queue: str
    rule: str
    location: Location
    urgency: str  # high | normal
    on_water: bool


class Router:
    """Applies the routing table to what a tip says."""

    def __init__(self, table: RoutingTable, gazetteer: Gazetteer, lexicon: Lexicon) -> None:
        self.table = table
        self.gazetteer = gazetteer
        self.lexicon = lexicon

    def route(
        self,
        category: str,
        texts: Sequence[str],
        *,
        lat: Optional[float] = None,
        lon: Optional[float] = None,
        entity_types: Iterable[str] = (),
        urgent: bool = False,
        location_hint: Optional[str] = None,
    ) -> RoutingResult:
        """Route a tip of ``category`` whose words are ``texts`` (original and English)."""
        if category not in CATEGORIES:
            category = UNKNOWN_CATEGORY
        all_texts = [t for t in [*texts, location_hint or ""] if t]
        location = self.gazetteer.resolve(all_texts, lat, lon)
        on_water = location.on_water or "vessel" in set(entity_types) or self.lexicon.on_water(
            all_texts
        )
        route = self.table.route(category, location.side, on_water)
        urgency = "high" if urgent or self.lexicon.is_urgent(all_texts) else "normal"
        return RoutingResult(route.queue, route.rule, location, urgency, on_water)


@lru_cache(maxsize=1)
def get_router() -> Router:
    """The router built from the configured data files (validated once per process)."""
    settings = get_settings()
    return Router(
        RoutingTable.load(settings.routing_rules),
        Gazetteer.load(settings.gazetteer),
        Lexicon.load(settings.routing_rules.parent / "lexicon.yml"),
    )
