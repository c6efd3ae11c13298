"""Routing table, rules-file validation, gazetteer lookup and the router."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.routing.gazetteer import Gazetteer
from bot.routing.lexicon import Lexicon
from bot.routing.router import Router
from bot.routing.rules import CATEGORIES, RoutingTable, RulesFileError
from bot.settings import DATA_DIR

RULES = DATA_DIR / "routing" / "rules.yml"

SPEC_TABLE = {
    "drug_smuggling": ("RCMP", "HSI"),
    "human_trafficking": ("RCMP", "HSI"),
    "human_smuggling": ("RCMP", "USBP"),
    "weapons_smuggling": ("RCMP", "HSI"),
    "contraband": ("CBSA", "CBP"),
    "suspicious_activity": ("RCMP", "USBP"),
    "cybercrime": ("RCMP", "HSI"),
}


@pytest.fixture(scope="module")
def table() -> RoutingTable:
    return RoutingTable.load(RULES)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load(DATA_DIR / "gazetteer" / "places.yml")


@pytest.fixture(scope="module")
def router(table: RoutingTable, gazetteer: Gazetteer) -> Router:
    return Router(table, gazetteer, Lexicon.load(DATA_DIR / "routing" / "lexicon.yml"))


@pytest.mark.parametrize("category", CATEGORIES)
def test_default_table_matches_the_spec(table: RoutingTable, category: str) -> None:
    ca, us = SPEC_TABLE[category]
    assert table.route(category, "CA").queue == ca
    assert table.route(category, "US").queue == us
    assert table.route(category, "unknown").queue == "IBET_JOINT"


def test_suspicious_activity_on_water_goes_to_coast_guard(table: RoutingTable) -> None:
    assert table.route("suspicious_activity", "US", on_water=True).queue == "USCG"
    assert table.route("suspicious_activity", "CA", on_water=True).queue == "RCMP"
    assert table.route("drug_smuggling", "US", on_water=True).queue == "HSI"


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def _valid() -> dict:
    return yaml.safe_load(RULES.read_text())


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["routes"].pop("cybercrime"), "no route for categories ['cybercrime']"),
        (lambda d: d["routes"]["contraband"].update(US="FBI"), "queue 'FBI' is not declared"),
        (lambda d: d["routes"]["contraband"].pop("unknown"), "routes.contraband.unknown"),
        (lambda d: d["routes"].update(piracy=d["routes"]["contraband"]), "unknown categories"),
        (lambda d: d["routes"]["suspicious_activity"]["on_water"].update(MX="USCG"),
         "unknown sides ['MX']"),
        (lambda d: d.update(extra=1), "extra"),
    ],
)
def test_invalid_rules_are_refused_with_the_problem_named(tmp_path: Path, mutate, message) -> None:
    data = _valid()
    mutate(data)
    with pytest.raises(RulesFileError) as error:
        RoutingTable.load(_write(tmp_path, data))
    assert message in str(error.value)


def test_rules_that_are_not_yaml_or_missing_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesFileError, match="not valid YAML"):
        RoutingTable.load(_write(tmp_path, "routes: [unclosed"))
    with pytest.raises(RulesFileError, match="does not exist"):
        RoutingTable.load(tmp_path / "missing.yml")


def test_invalid_rules_stop_the_config_check(tmp_path: Path, monkeypatch) -> None:
    data = _valid()
    data["routes"]["contraband"]["US"] = "NOPE"
    path = _write(tmp_path, data)
    monkeypatch.setenv("TIPLINE_ROUTING_RULES", str(path))
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "bot.cli", "check-config"],
                            capture_output=True, text=True, env={**__import__("os").environ})
    assert result.returncode == 2
    assert "queue 'NOPE' is not declared" in result.stderr


@pytest.mark.parametrize(
    ("text", "side", "place"),
    [
        ("a van crossed near Lacolle last night", "CA", "Lacolle"),
        ("des gars a STANSTEAD avec un camion", "CA", "Stanstead"),
        ("vi una lancha cerca de Blaine", "US", "Blaine"),
        ("people walking into Derby Line at 2am", "US", "Derby Line"),
        ("boxes unloaded in niagara falls", "unknown", "Niagara Falls"),
        ("something strange at Sault Ste Marie", "unknown", "Sault Ste. Marie"),
        ("a boat at Akwesasne tonight", "unknown", "Akwesasne"),
        ("on the Canadian side of Niagara Falls a truck", "CA", "Niagara Falls"),
        ("du cote americain des chutes Niagara", "US", "Niagara Falls"),
        ("en el lado canadiense de Sault Ste. Marie", "CA", "Sault Ste. Marie"),
        ("a car with no lights on the road", "unknown", None),
    ],
)
def test_gazetteer_resolves_the_side(gazetteer: Gazetteer, text: str, side: str,
                                     place: str | None) -> None:
    location = gazetteer.resolve([text])
    assert location.side == side
    assert location.place == place


def test_gazetteer_ignores_accents_and_case(gazetteer: Gazetteer) -> None:
    assert gazetteer.resolve(["SAINT-BERNARD-DE-LACOLLE"]).place == "Lacolle"
    assert gazetteer.resolve(["près de Saint-Bernard-de-Lacollé"]).side == "CA"


def test_conflicting_places_make_the_side_unknown(gazetteer: Gazetteer) -> None:
    assert gazetteer.resolve(["from Windsor to Detroit"]).side == "unknown"


def test_coordinates_decide_the_side_by_nearest_place(gazetteer: Gazetteer) -> None:
    assert gazetteer.resolve([""], 45.010, -73.450).side == "CA"  # Lacolle
    assert gazetteer.resolve([""], 48.999, -122.750).side == "US"  # Blaine
    assert gazetteer.resolve([""], 42.3140, -83.0360).side in ("CA", "US")


def test_router_routes_urgency_and_water(router: Router) -> None:
    result = router.route("suspicious_activity", ["a boat with no lights near Blaine right now"])
    assert (result.queue, result.urgency, result.on_water) == ("USCG", "high", True)
    calm = router.route("contraband", ["cartons of cigarettes in a truck at Lacolle yesterday"])
    assert (calm.queue, calm.urgency, calm.location.side) == ("CBSA", "normal", "CA")
    unknown = router.route("not_a_category", ["no place"])
    assert unknown.queue == "IBET_JOINT"
