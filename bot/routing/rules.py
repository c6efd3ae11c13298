"""The routing table, loaded from a YAML rules file and validated at load time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional

import yaml
from pydantic import BaseModel, Extra, ValidationError, root_validator, validator

CATEGORIES = (
    "drug_smuggling",
    "human_trafficking",
    "human_smuggling",
    "weapons_smuggling",
    "contraband",
    "suspicious_activity",
    "cybercrime",
)
SIDES = ("CA", "US", "unknown")
# A tip the NLU could not place in a category: stored, and read by a human in the
# ``unclassified`` queue of the rules file (the shared joint queue by default).
UNKNOWN_CATEGORY = "unknown"


class RulesFileError(ValueError):
    """The routing rules file cannot be used; the message names the problem."""


class QueueSpec(BaseModel, extra=Extra.forbid):
    name: str
    country: Optional[str] = None
    shared: bool = False


class RouteSpec(BaseModel, extra=Extra.forbid):
    CA: str
    US: str
    unknown: str
    on_water: Dict[str, str] = {}

    @validator("on_water")
    def _water_sides(cls, value: Dict[str, str]) -> Dict[str, str]:  # noqa: N805
        bad = sorted(set(value) - set(SIDES))
        if bad:
            raise ValueError(f"on_water names unknown sides {bad}; sides are {list(SIDES)}")
        return value


class RulesFile(BaseModel, extra=Extra.forbid):
    version: int
    queues: Dict[str, QueueSpec]
    routes: Dict[str, RouteSpec]
    unclassified: Optional[str] = None

    @root_validator(skip_on_failure=True)
    def _consistent(cls, values: dict) -> dict:  # noqa: N805
        routes: Dict[str, RouteSpec] = values["routes"]
        queues = set(values["queues"])
        missing = [c for c in CATEGORIES if c not in routes]
        if missing:
            raise ValueError(f"routes: no route for categories {missing}")
        unknown_categories = sorted(set(routes) - set(CATEGORIES))
        if unknown_categories:
            raise ValueError(f"routes: unknown categories {unknown_categories}")
        for category, route in routes.items():
            targets = [route.CA, route.US, route.unknown, *route.on_water.values()]
            for queue in targets:
                if queue not in queues:
                    raise ValueError(
                        f"routes.{category}: queue {queue!r} is not declared under queues"
                    )
        unclassified = values.get("unclassified")
        if unclassified is None:
            shared = [code for code, spec in values["queues"].items() if spec.shared]
            if not shared:
                raise ValueError("unclassified: name the queue of tips with no category "
                                 "(no queue is marked shared)")
            values["unclassified"] = shared[0]
        elif unclassified not in queues:
            raise ValueError(f"unclassified: queue {unclassified!r} is not declared under queues")
        return values


@dataclass(frozen=True)
class Route:
    """Where a tip goes, and the rule that sent it there."""

    queue: str
    rule: str


class RoutingTable:
    """Category × side (× on water) → queue."""

    def __init__(self, spec: RulesFile) -> None:
        self._spec = spec

    @classmethod
    def load(cls, path: Path) -> RoutingTable:
        """Read and validate ``path``; raise RulesFileError naming the problem."""
        try:
            raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise RulesFileError(f"routing rules file {path} does not exist") from exc
        except UnicodeDecodeError as exc:
            raise RulesFileError(f"routing rules file {path} is not UTF-8 text: {exc}") from exc
        except yaml.YAMLError as exc:
            raise RulesFileError(f"routing rules file {path} is not valid YAML: {exc}") from exc
        if not isinstance(raw, dict):
            raise RulesFileError(f"routing rules file {path} must be a mapping")
        odd = [key for key in raw if not isinstance(key, str)]
        if odd:  # pydantic would raise TypeError ("keywords must be strings")
            raise RulesFileError(f"routing rules file {path}: unknown top-level key {odd[0]!r}")
        try:
            return cls(RulesFile.parse_obj(raw))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'] if p != '__root__') or 'file'}: {err['msg']}"
                for err in exc.errors()
            )
            raise RulesFileError(f"routing rules file {path} is invalid: {problems}") from exc

    @property
    def queues(self) -> Dict[str, QueueSpec]:
        return dict(self._spec.queues)

    def route(self, category: str, side: str, on_water: bool = False) -> Route:
        """The queue for a tip of ``category`` on ``side``."""
        if category == UNKNOWN_CATEGORY:
            return Route(str(self._spec.unclassified), UNKNOWN_CATEGORY)
        if category not in self._spec.routes:
            raise KeyError(f"no route for category {category!r}")
        if side not in SIDES:
            side = "unknown"
        spec = self._spec.routes[category]
        if on_water and side in spec.on_water:
            return Route(spec.on_water[side], f"{category}/{side}/on_water")
        return Route(getattr(spec, side), f"{category}/{side}")
