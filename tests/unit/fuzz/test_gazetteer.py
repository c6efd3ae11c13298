"""The border gazetteer's matcher, fuzzed: a place named in any surroundings is found, in any
case and Unicode form; text of no place's letters names no place; nothing makes it raise."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import List, Optional, Tuple

import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from bot.routing.gazetteer import Gazetteer
from bot.routing.text import normalise
from harness.servers import ROOT
from tests.unit.fuzz.strategies import hostile_text, short_text, text_of, weighted

PLACES = ROOT / "data" / "gazetteer" / "places.yml"
GAZETTEER = Gazetteer.load(PLACES)
# (a name or alias as written in the data file, the place it names)
NAMES: List[Tuple[str, str]] = [
    (alias, entry["name"]) for entry in yaml.safe_load(Path(PLACES).read_text("utf-8"))["places"]
    for alias in (entry["name"], *(entry.get("aliases") or []))]
KEYS = [normalise(alias) for alias, _ in NAMES]
# every code point a name can be made of, decomposed (a text of none of them names nothing)
NAME_LETTERS = {ch for key in KEYS for ch in key + unicodedata.normalize("NFKD", key)}
SEPARATORS = st.sampled_from([" ", ", ", ". ", "! ", "?\n", " — ", " (", ") ", "\u3000", "、",
                              "。", " «", "» ", "\t", " ...", "\u060c ", "\u00a0", "\n\n"])
CASES = {"as written": str, "upper": str.upper, "lower": str.lower, "title": str.title,
         "swapcase": str.swapcase, "casefold": str.casefold}
FORMS = ("NFC", "NFD", "NFKC", "NFKD")


def _named_nothing(ch: str) -> bool:
    """True if ``ch``, normalised as the matcher does, has no letter of any place name."""
    if unicodedata.category(ch).startswith("M") or "\u1100" <= ch <= "\u11ff":
        return False  # combining marks and Hangul jamo compose with what precedes them
    folded = normalise(ch) + unicodedata.normalize("NFKD", normalise(ch))
    return not set(folded) & NAME_LETTERS


# what a text of no place can be made of: the Basic Multilingual Plane and the emoji that pass
NO_PLACE = [chr(c) for c in (*range(0x20, 0xD800), *range(0xE000, 0x10000),
                             *range(0x1F300, 0x1FB00)) if _named_nothing(chr(c))]


def found(text: str) -> List[str]:
    return [place.name for _, place in GAZETTEER.find_places(text)]


@given(hostile_text, st.one_of(st.none(), st.floats()), st.one_of(st.none(), st.floats()))
@example("\ud800 Lacolle \x00 \u202e디트로이트에서 底特律 \u2028", float("nan"), 1e308)
@example("Niagara Falls on the Canadian side", -45.0, 57.2)
def test_the_matcher_never_raises(text: str, lat: Optional[float], lon: Optional[float]) -> None:
    places = GAZETTEER.find_places(text)
    assert all(key in KEYS for key, _ in places)
    assert GAZETTEER.stated_side(text) in (None, "CA", "US")
    location = GAZETTEER.resolve([text, text.upper()])
    assert location.side in ("CA", "US", "unknown")
    if lat is not None and lon is not None and abs(lat) <= 90 and abs(lon) <= 180:
        assert GAZETTEER.resolve([text], lat, lon).side in ("CA", "US")  # as a web chat sends


@given(st.sampled_from(NAMES), st.sampled_from(sorted(CASES)), hostile_text, SEPARATORS,
       SEPARATORS, hostile_text)
@example(("Sault Ste. Marie", "Sault Ste. Marie"), "upper", "I saw", " ", "!", "")
@example(("底特律", "Detroit"), "as written", "\ud800我在", "、", "。", "看到")
def test_a_place_is_found_whatever_surrounds_it(name: Tuple[str, str], case: str, before: str,
                                                 left: str, right: str, after: str) -> None:
    alias, place = name
    written = CASES[case](alias)
    places = GAZETTEER.find_places(f"{before}{left}{written}{right}{after}")
    key = normalise(alias)
    # found, unless the surroundings make a longer name of it ("...Sault" + "Ste. Marie")
    assert place in [p.name for _, p in places] or any(
        key in other and key != other for other, _ in places), (written, places)


@given(weighted((1, hostile_text), (2, st.sampled_from(NAMES).map(lambda n: f"near {n[0]}!"))),
       st.sampled_from(FORMS))
@example("à Montréal, près de Lacolle", "NFD")
@example("ｄｅｔｒｏｉｔ ﾃﾞﾄﾛｲﾄ", "NFKC")
def test_matching_ignores_the_unicode_normal_form(text: str, form: str) -> None:
    assert found(unicodedata.normalize(form, text)) == found(text)


@given(text_of(st.sampled_from(NO_PLACE), max_size=60), SEPARATORS)
@example("###  !!! 123", " ")
def test_text_of_no_place_letters_names_no_place(text: str, separator: str) -> None:
    assert found(text) == [] and found(separator.join([text, text])) == []
    assert GAZETTEER.resolve([text]).place is None


@given(short_text, st.sampled_from(GAZETTEER.places), st.floats(-0.01, 0.01),
       st.floats(-0.01, 0.01))
def test_a_coordinate_anywhere_on_earth_gives_a_side(text: str, place, dlat: float,
                                                     dlon: float) -> None:
    """Shared locations are checked to be finite and in range; every such point, the
    antipodes of the border places included, resolves to a side."""
    lat = max(-90.0, min(90.0, -place.lat + dlat))
    lon = ((place.lon + 180.0 + dlon) + 180.0) % 360.0 - 180.0
    location = GAZETTEER.resolve([text], lat, lon)
    assert location.side in ("CA", "US") and location.place is not None
