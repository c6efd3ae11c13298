"""Validation of the data files themselves: the border gazetteer and the routing lexicon.

Only PyYAML and the standard library, so a data edit can be checked without the bot's deps: the
matcher's normalisation (bot/routing/text.py, standard library only) is loaded from its file.
"""

from __future__ import annotations

import importlib.util
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
GAZETTEER = DATA_DIR / "gazetteer" / "places.yml"
LEXICON = DATA_DIR / "routing" / "lexicon.yml"

SIDES = {"CA", "US", "both"}
KINDS = {"town", "crossing", "landmark", "water", "reserve"}
CA_REGIONS = {"BC", "AB", "SK", "MB", "ON", "QC", "NB", "NS", "YT"}
US_REGIONS = {"WA", "ID", "MT", "ND", "MN", "MI", "NY", "VT", "NH", "ME", "AK", "OH", "PA"}
REQUIRED_REGIONS = ["BC", "AB", "SK", "MB", "ON", "QC", "NB", "YT",
                    "WA", "ID", "MT", "ND", "MN", "MI", "NY", "VT", "NH", "ME", "AK"]

_SPEC = importlib.util.spec_from_file_location("_routing_text",
                                               ROOT / "bot" / "routing" / "text.py")
_TEXT = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_TEXT)
normalise = _TEXT.normalise


def accented_latin(phrase: str) -> List[str]:
    """Latin letters beyond ASCII (é, ł, ß...): data phrases are written without them."""
    return [ch for ch in phrase
            if ord(ch) > 127 and unicodedata.name(ch, "").startswith("LATIN")]


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
                 "usa", "us", "on", "new", "north", "south", "port", "point",
                 "soo"]:  # Somali "soo" (hither) is in most Somali sentences; "the Soo" is fine
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
        assert not accented_latin(phrase), f"accent in {phrase!r}"


# How each community language beyond en/fr/es states each side: must be found by the side
# phrases of that side only.
SIDE_PHRASES_BY_LANGUAGE = {
    "pt": ("lado canadense", "do lado americano"),
    "de": ("auf der kanadischen Seite", "auf der amerikanischen Seite"),
    "it": ("dal lato canadese", "negli Stati Uniti"),
    "nl": ("aan de Canadese kant", "aan de Amerikaanse kant"),
    "pl": ("po kanadyjskiej stronie", "po amerykańskiej stronie"),
    "ru": ("на канадской стороне", "на американской стороне"),
    "uk": ("на канадській стороні", "на американській стороні"),
    "tl": ("sa Canada side", "sa US side"),
    "vi": ("phía Canada", "phía Mỹ"),
    "ar": ("الجانب الكندي", "الجانب الأمريكي"),
    "zh": ("加拿大那边", "美国那边"),
    "ja": ("カナダ側", "アメリカ側"),
    "ko": ("캐나다 쪽에", "미국 쪽에"),
    "pa": ("ਕੈਨੇਡਾ ਵਾਲੇ ਪਾਸੇ", "ਅਮਰੀਕਾ ਵਾਲੇ ਪਾਸੇ"),
    "pa-Latn": ("canada wale paase", "america wale paase"),
    "hi": ("कनाडा की तरफ़", "अमेरिका की तरफ"),
    "ur": ("کینیڈا کی طرف", "امریکہ کی طرف"),
    "fa": ("در سمت کانادا", "در سمت آمریکا"),
    "so": ("dhinaca Kanada", "dhinaca Maraykanka"),
}


@pytest.mark.parametrize("language", sorted(SIDE_PHRASES_BY_LANGUAGE))
def test_side_phrases_in_every_community_language(gazetteer: dict, language: str) -> None:
    phrases = gazetteer["side_phrases"]

    def sides(text: str) -> set:
        return {side for side in ("CA", "US")
                if any(_TEXT.contains_phrase(normalise(text), normalise(p)) for p in phrases[side])}

    ca_text, us_text = SIDE_PHRASES_BY_LANGUAGE[language]
    assert sides(ca_text) == {"CA"}
    assert sides(us_text) == {"US"}


# Places as the communities write them: (alias, gazetteer name).
NON_LATIN_ALIASES = [
    ("ਸਰੀ", "Surrey"), ("सरी", "Surrey"), ("سرے", "Surrey"), ("素里", "Surrey"),
    ("ਐਬਟਸਫੋਰਡ", "Abbotsford"), ("ऐबट्सफ़ोर्ड", "Abbotsford"), ("ऐबट्सफोर्ड", "Abbotsford"),
    ("温哥华", "Vancouver"), ("溫哥華", "Vancouver"), ("ਵੈਨਕੂਵਰ", "Vancouver"),
    ("밴쿠버", "Vancouver"),
    ("Ванкувер", "Vancouver"), ("ਬਲੇਨ", "Blaine"), ("ਵਿੰਡਸਰ", "Windsor"), ("温莎", "Windsor"),
    ("Виндзор", "Windsor"), ("底特律", "Detroit"), ("デトロイト", "Detroit"),
    ("디트로이트", "Detroit"),
    ("ديترويت", "Detroit"), ("دیترویت", "Detroit"), ("Детройт", "Detroit"), ("Детройте", "Detroit"),
    ("尼亚加拉瀑布", "Niagara Falls"), ("ナイアガラの滝", "Niagara Falls"),
    ("나이아가라 폭포", "Niagara Falls"), ("Ниагарский водопад", "Niagara Falls"),
    ("شلالات نياجرا", "Niagara Falls"), ("水牛城", "Buffalo"), ("Буффало", "Buffalo"),
    ("滿地可", "Montréal"), ("蒙特利尔", "Montréal"), ("Монреаль", "Montréal"),
    ("多伦多", "Toronto"),
    ("ਟੋਰਾਂਟੋ", "Toronto"), ("Сарния", "Sarnia"), ("休伦港", "Port Huron"),
    ("苏圣玛丽", "Sault Ste. Marie"),
]


@pytest.mark.parametrize(("alias", "name"), NON_LATIN_ALIASES)
def test_main_places_have_their_community_spellings(by_name: Dict[str, dict], alias: str,
                                                    name: str) -> None:
    assert by_name[normalise(alias)]["name"] == name


SCRIPTS = {"CYRILLIC", "ARABIC", "DEVANAGARI", "GURMUKHI", "HANGUL", "CJK", "KATAKANA"}
# The towns, crossings and waters tips name most: a spelling in every script communities write.
MAIN_PLACES = ["Vancouver", "Surrey", "Abbotsford", "Seattle", "Blaine", "Bellingham", "Windsor",
               "Detroit", "Detroit River", "Ambassador Bridge", "Sarnia", "Port Huron",
               "Blue Water Bridge", "Niagara Falls", "Niagara River", "Buffalo", "Fort Erie",
               "Lewiston", "Toronto", "Lake Erie", "Lake Ontario", "St. Lawrence River",
               "Cornwall", "Akwesasne", "Montréal", "Lacolle", "Champlain", "Lake Champlain",
               "Stanstead", "Sault Ste. Marie", "Emerson", "Pembina", "Winnipeg", "Peace Arch"]


@pytest.mark.parametrize("name", MAIN_PLACES)
def test_main_places_have_a_spelling_in_every_script(places: List[dict], name: str) -> None:
    [place] = [p for p in places if p["name"] == name]
    scripts = {unicodedata.name(ch).split()[0] for alias in place.get("aliases") or []
               for ch in alias if ch.isalpha() and not ch.isascii()}
    assert scripts >= SCRIPTS, f"{name}: no alias in {sorted(SCRIPTS - scripts)}"


def test_non_latin_aliases_keep_their_script(places: List[dict]) -> None:
    """An alias in another script must not normalise to Latin or lose its letters."""
    for place in places:
        for alias in place.get("aliases") or []:
            if any(ord(ch) > 0x24F and ch.isalpha() for ch in alias):
                key = normalise(alias)
                assert sum(ch.isalpha() for ch in key) >= 2, (place["name"], alias, key)
                assert not key.isascii(), (place["name"], alias, key)


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
        assert not accented_latin(phrase), f"accent in {phrase!r}"


def test_urgency_phrases_are_specific(lexicon: dict) -> None:
    keys = {normalise(p) for p in lexicon["urgency_high"]}
    for too_broad in ["now", "maintenant", "ahora", "help", "gun", "urgent", "emergency",
                      "today", "tonight", "agora", "jetzt", "hilfe", "teraz", "сейчас", "зараз",
                      "ngayon", "bay gio", "الآن", "现在", "今", "지금", "ਹੁਣ", "abhi", "अभी",
                      "ابھی", "الان", "hadda", "urgente", "срочно", "有枪", "e urgente"]:
        assert normalise(too_broad) not in keys, too_broad
    for needed in ["right now", "in danger", "en ce moment", "en danger", "ahora mismo",
                   "en peligro"]:
        assert needed in keys, needed


def test_water_phrases(lexicon: dict) -> None:
    keys = {normalise(p) for p in lexicon["water"]}
    for needed in ["boat", "bateau", "lancha", "jet ski", "kayak", "on the river"]:
        assert needed in keys, needed
    # "boot" is a German/Dutch boat but an English shoe and car trunk
    assert "boot" not in keys


# (urgency phrase, water phrase) that must be in the lexicon, per language beyond en/fr/es.
LEXICON_BY_LANGUAGE = {
    "pt": ("em perigo", "no rio"),
    "de": ("in Gefahr", "auf dem Fluss"),
    "it": ("in pericolo", "sul fiume"),
    "nl": ("in gevaar", "op de rivier"),
    "pl": ("w niebezpieczeństwie", "na rzece"),
    "ru": ("прямо сейчас", "на реке"),
    "uk": ("прямо зараз", "човен"),
    "tl": ("nasa panganib", "bangka"),
    "vi": ("gặp nguy hiểm", "thuyền"),
    "ar": ("في خطر", "قارب"),
    "zh": ("救命", "快艇"),
    "ja": ("助けて", "ボート"),
    "ko": ("살려주세요", "보트"),
    "pa": ("ਖ਼ਤਰੇ ਵਿੱਚ", "ਕਿਸ਼ਤੀ"),
    "hi": ("ख़तरे में", "नाव"),
    "ur": ("خطرے میں", "کشتی"),
    "fa": ("در خطر", "قایق"),
    "so": ("khatar ku jira", "doomo"),
}


@pytest.mark.parametrize("language", sorted(LEXICON_BY_LANGUAGE))
def test_lexicon_covers_every_community_language(lexicon: dict, language: str) -> None:
    urgent, water = LEXICON_BY_LANGUAGE[language]
    assert normalise(urgent) in {normalise(p) for p in lexicon["urgency_high"]}
    assert normalise(water) in {normalise(p) for p in lexicon["water"]}


def test_romanised_south_asian_urgency(lexicon: dict) -> None:
    keys = {normalise(p) for p in lexicon["urgency_high"]}
    for needed in ["madad karo", "bachao", "hune", "khatre mein", "abhi ke abhi"]:
        assert needed in keys, needed
