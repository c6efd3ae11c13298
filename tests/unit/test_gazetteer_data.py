"""Validation of the data files themselves: the border gazetteer and the routing lexicon.

Only PyYAML and the standard library, so a data edit can be checked without the bot's deps.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
GAZETTEER = DATA_DIR / "gazetteer" / "places.yml"
LEXICON = DATA_DIR / "routing" / "lexicon.yml"

SIDES = {"CA", "US", "both"}
KINDS = {"town", "crossing", "landmark", "water", "reserve"}
CA_REGIONS = {"BC", "AB", "SK", "MB", "ON", "QC", "NB", "NS", "YT"}
US_REGIONS = {"WA", "ID", "MT", "ND", "MN", "MI", "NY", "VT", "NH", "ME", "AK", "OH", "PA"}
REQUIRED_REGIONS = ["BC", "AB", "SK", "MB", "ON", "QC", "NB", "YT",
                    "WA", "ID", "MT", "ND", "MN", "MI", "NY", "VT", "NH", "ME", "AK"]

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise(text: str) -> str:
    """As the matcher: NFKD, no combining marks, casefold, punctuation → space."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", stripped.casefold()).strip()


@pytest.fixture(scope="module")
def gazetteer() -> dict:
    with GAZETTEER.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def places(gazetteer: dict) -> List[dict]:
    return gazetteer["places"]


@pytest.fixture(scope="module")
def by_name(places: List[dict]) -> Dict[str, dict]:
    """Every normalised name and alias → its place."""
    table: Dict[str, dict] = {}
    for place in places:
        for alias in [place["name"], *(place.get("aliases") or [])]:
            table.setdefault(normalise(alias), place)
    return table


@pytest.fixture(scope="module")
def lexicon() -> dict:
    with LEXICON.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


# --------------------------------------------------------------------------- gazetteer


def test_gazetteer_loads(gazetteer: dict) -> None:
    assert isinstance(gazetteer, dict)
    assert gazetteer.get("version") == 1
    assert isinstance(gazetteer.get("places"), list)


def test_at_least_200_places(places: List[dict]) -> None:
    assert len(places) >= 200


def test_every_place_is_well_formed(places: List[dict]) -> None:
    problems = []
    for i, place in enumerate(places):
        label = f"#{i} {place.get('name')!r}"
        if not isinstance(place.get("name"), str) or not place["name"].strip():
            problems.append(f"{label}: no name")
        if place.get("side") not in SIDES:
            problems.append(f"{label}: side {place.get('side')!r}")
        if place.get("kind") not in KINDS:
            problems.append(f"{label}: kind {place.get('kind')!r}")
        aliases = place.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip()
                                                     for a in aliases):
            problems.append(f"{label}: aliases must be a list of non-empty strings")
        lat, lon = place.get("lat"), place.get("lon")
        if not isinstance(lat, (int, float)) or not 41 <= lat <= 70:
            problems.append(f"{label}: lat {lat!r}")
        if not isinstance(lon, (int, float)) or not -141.5 <= lon <= -66:
            problems.append(f"{label}: lon {lon!r}")
        region = place.get("region")
        if not isinstance(region, str) or not region:
            problems.append(f"{label}: region {region!r}")
            continue
        parts = region.split("/")
        unknown = [p for p in parts if p not in CA_REGIONS | US_REGIONS]
        if unknown:
            problems.append(f"{label}: unknown region {unknown}")
        elif place.get("side") == "CA" and not set(parts) <= CA_REGIONS:
            problems.append(f"{label}: side CA but region {region}")
        elif place.get("side") == "US" and not set(parts) <= US_REGIONS:
            problems.append(f"{label}: side US but region {region}")
    assert not problems, "\n".join(problems)


def test_names_and_aliases_are_unique_after_normalisation(places: List[dict]) -> None:
    seen: Dict[str, str] = {}
    clashes = []
    for place in places:
        for alias in [place["name"], *(place.get("aliases") or [])]:
            key = normalise(alias)
            assert key, f"{place['name']!r}: alias {alias!r} normalises to nothing"
            if key in seen:
                clashes.append(f"{key!r}: {seen[key]!r} and {place['name']!r}")
            seen[key] = place["name"]
    assert not clashes, "\n".join(clashes)


@pytest.mark.parametrize("name", ["Niagara Falls", "Sault Ste. Marie", "Akwesasne",
                                  "Lake Champlain"])
def test_places_on_both_sides(by_name: Dict[str, dict], name: str) -> None:
    assert by_name[normalise(name)]["side"] == "both"


@pytest.mark.parametrize("name", ["Lacolle", "Stanstead", "Surrey", "Windsor", "Sarnia",
                                  "Fort Erie", "North Portal", "Campobello Island", "Woodstock"])
def test_canadian_places(by_name: Dict[str, dict], name: str) -> None:
    assert by_name[normalise(name)]["side"] == "CA"


@pytest.mark.parametrize("name", ["Champlain", "Derby Line", "Blaine", "Detroit", "Port Huron",
                                  "Buffalo", "Point Roberts", "Portal ND"])
def test_american_places(by_name: Dict[str, dict], name: str) -> None:
    assert by_name[normalise(name)]["side"] == "US"


@pytest.mark.parametrize("name", [
    "Ambassador Bridge", "Detroit-Windsor Tunnel", "Blue Water Bridge", "Peace Bridge",
    "Rainbow Bridge", "Lewiston-Queenston Bridge", "Thousand Islands Bridge",
    "Seaway International Bridge", "Sault Ste. Marie International Bridge", "Peace Arch",
    "Haskell Free Library", "St. Clair River", "Detroit River", "Niagara River",
    "St. Lawrence River", "Lake of the Woods", "Lake Memphremagog", "St. Croix River",
    "Lake Erie", "Lake Ontario", "Lake Superior", "Lake Huron", "Rainy River",
    "Passamaquoddy Bay", "Boundary Bay", "Haro Strait", "Strait of Juan de Fuca",
])
def test_shared_crossings_landmarks_and_waters_are_both(by_name: Dict[str, dict],
                                                        name: str) -> None:
    assert by_name[normalise(name)]["side"] == "both"


@pytest.mark.parametrize("alias", ["Sault Ste Marie", "Sault Sainte Marie", "the Soo", "Niagara",
                                   "Chutes Niagara", "Cataratas del Niagara", "Lac Champlain",
                                   "Lago Champlain", "fleuve Saint-Laurent", "rio San Lorenzo"])
def test_common_spellings_and_translations(by_name: Dict[str, dict], alias: str) -> None:
    assert normalise(alias) in by_name


def test_ambiguous_words_are_not_aliases(by_name: Dict[str, dict]) -> None:
    # "Portal" alone would also hit North Portal, web portals...; "Champlain" alone is the US
    # town, not the lake; "Woodstock" alone is the NB border town.
    assert "portal" not in by_name
    assert by_name["champlain"]["name"] == "Champlain"
    assert by_name["champlain"]["kind"] != "water"
    assert by_name["woodstock"]["region"] == "NB"
    windsor = [p for p in by_name.values() if p["name"] != "Windsor"]
    assert "windsor" in by_name and by_name["windsor"]["name"] == "Windsor"
    assert all(normalise(a) != "windsor" for p in windsor for a in p.get("aliases") or [])
    for word in ["border", "bridge", "river", "lake", "crossing", "the", "falls", "canada",
                 "usa", "us", "on", "new", "north", "south", "port", "point"]:
        assert word not in by_name, word


@pytest.mark.parametrize("region", REQUIRED_REGIONS)
def test_each_region_has_at_least_three_places(places: List[dict], region: str) -> None:
    count = Counter(part for p in places for part in str(p.get("region", "")).split("/"))
    assert count[region] >= 3, f"{region}: {count[region]} places"


def test_49th_parallel_places_are_on_their_side(places: List[dict]) -> None:
    """Between Semiahmoo Bay and Lake of the Woods the border is the 49th parallel; a place on a
    side is used as the nearest point for coordinates, so it must lie on that side."""
    wrong = []
    for p in places:
        if -122.75 < p["lon"] < -95.16:
            if p["side"] == "CA" and p["lat"] < 49.0:
                wrong.append(p["name"])
            if p["side"] == "US" and p["lat"] > 49.0:
                wrong.append(p["name"])
    assert not wrong, wrong


def test_side_phrases(gazetteer: dict) -> None:
    phrases = gazetteer.get("side_phrases") or {}
    assert set(phrases) == {"CA", "US"}
    ca = {normalise(p) for p in phrases["CA"]}
    us = {normalise(p) for p in phrases["US"]}
    assert len(ca) >= 20 and len(us) >= 20
    assert "" not in ca | us
    assert not ca & us, ca & us
    for needed in ["canadian side", "in canada", "du cote canadien", "lado canadiense"]:
        assert needed in ca, needed
    for needed in ["american side", "us side", "u s side", "cote americain", "aux etats unis",
                   "lado americano", "en estados unidos"]:
        assert needed in us, needed
    for not_a_side in ["de l autre bord", "del otro lado", "other side", "the other side"]:
        assert not_a_side not in ca | us
    for phrase in phrases["CA"] + phrases["US"]:
        assert phrase == phrase.lower() and normalise(phrase) == normalise(phrase.lower())
        assert unicodedata.normalize("NFKD", phrase) == phrase, f"accent in {phrase!r}"


# --------------------------------------------------------------------------- lexicon


def test_lexicon_loads_with_enough_phrases(lexicon: dict) -> None:
    assert lexicon.get("version") == 1
    assert len(lexicon["urgency_high"]) >= 40
    assert len(lexicon["water"]) >= 25


@pytest.mark.parametrize("key", ["urgency_high", "water"])
def test_lexicon_phrases_are_normalised_and_unique(lexicon: dict, key: str) -> None:
    phrases = lexicon[key]
    assert all(isinstance(p, str) for p in phrases)
    keys = [normalise(p) for p in phrases]
    assert "" not in keys
    assert len(keys) == len(set(keys)), [k for k, n in Counter(keys).items() if n > 1]
    for phrase in phrases:
        assert phrase == phrase.lower(), phrase
        assert unicodedata.normalize("NFKD", phrase) == phrase, f"accent in {phrase!r}"


def test_urgency_phrases_are_specific(lexicon: dict) -> None:
    keys = {normalise(p) for p in lexicon["urgency_high"]}
    for too_broad in ["now", "maintenant", "ahora", "help", "gun", "urgent", "emergency",
                      "today", "tonight"]:
        assert too_broad not in keys, too_broad
    for needed in ["right now", "in danger", "en ce moment", "en danger", "ahora mismo",
                   "en peligro"]:
        assert needed in keys, needed


def test_water_phrases(lexicon: dict) -> None:
    keys = {normalise(p) for p in lexicon["water"]}
    for needed in ["boat", "bateau", "lancha", "jet ski", "kayak", "on the river"]:
        assert needed in keys, needed
