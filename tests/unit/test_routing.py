"""Routing table, rules-file validation, gazetteer lookup and the router."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import yaml

from bot.routing.gazetteer import Gazetteer, Place
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


# --------------------------------------------------------------------------- community languages


@pytest.mark.parametrize(
    ("text", "side", "place"),
    [
        ("ਮੈਂ ਸਰੀ ਵਿੱਚ ਦੇਖਿਆ", "CA", "Surrey"),
        ("मैंने ऐबट्सफ़ोर्ड के पास एक ट्रक देखा", "CA", "Abbotsford"),
        ("我在底特律看到", "US", "Detroit"),
        ("昨日デトロイトで見ました", "US", "Detroit"),
        ("디트로이트에서 봤어요", "US", "Detroit"),
        ("رأيت شاحنة في ديترويت", "US", "Detroit"),
        ("Я видел грузовик в Детройте", "US", "Detroit"),
        ("在溫哥華的碼頭", "CA", "Vancouver"),
        ("на канадской стороне Ниагарского водопада", "CA", "Niagara Falls"),
        ("在尼亚加拉瀑布美国那边", "US", "Niagara Falls"),
        ("ਨਿਆਗਰਾ ਫਾਲਸ ਦੇ ਕੈਨੇਡਾ ਵਾਲੇ ਪਾਸੇ", "CA", "Niagara Falls"),
        ("ਸਰੀਰ ਉੱਤੇ ਸੱਟਾਂ ਸਨ", "unknown", None),  # ਸਰੀਰ (body) is not ਸਰੀ
        ("dhowr qof ayaa xadka ka soo gudbay", "unknown", None),  # Somali "soo" is not the Soo
        ("кто-то везёт оружие из Виндзора", "CA", "Windsor"),
    ],
)
def test_gazetteer_resolves_places_in_other_scripts(gazetteer: Gazetteer, text: str, side: str,
                                                    place: str | None) -> None:
    location = gazetteer.resolve([text])
    assert (location.side, location.place) == (side, place)


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("del lado americano", "US"),
        ("ਕੈਨੇਡਾ ਵਾਲੇ ਪਾਸੇ", "CA"),
        ("на канадской стороне", "CA"),
        ("Eles estavam do lado americano", "US"),
        ("Sa Canada side sila tumawid", "CA"),
        ("Họ ở phía Mỹ", "US"),  # accents removed
        ("Ho o phia My", "US"),  # typed without accents
        ("كانوا على الجانب الكندي", "CA"),
        ("他们在加拿大那边", "CA"),
        ("カナダ側で見ました", "CA"),
        ("미국 쪽에서 봤어요", "US"),
        ("वे अमेरिका की तरफ़ थे", "US"),
        ("canada wale paase ik truck", "CA"),
        ("آنها در سمت آمریکا بودند", "US"),
        ("Waxay joogeen dhinaca Kanada", "CA"),
        ("from the canadian side to the american side", None),  # both: unknown
    ],
)
def test_side_phrases_in_community_languages(gazetteer: Gazetteer, text: str,
                                             side: str | None) -> None:
    assert gazetteer.stated_side(text) == side
    assert gazetteer.resolve([text]).side == (side or "unknown")


def test_han_names_are_found_longest_first_and_in_text_order() -> None:
    falls = Place("Falls", "both", "landmark", "ON/NY", 43.08, -79.07)
    river = Place("River", "both", "water", "ON/NY", 43.1, -79.06)
    town = Place("Town", "CA", "town", "ON", 43.0, -79.0)
    names = {"尼亚加拉": river, "尼亚加拉瀑布": falls, "小镇": town, "디트": town}
    gazetteer = Gazetteer([falls, river, town], names, {})
    assert [p.name for _, p in gazetteer.find_places("从小镇到尼亚加拉瀑布再到尼亚加拉")] == [
        "Town", "Falls", "River"]
    assert [k for k, _ in gazetteer.find_places("我在尼亚加拉瀑布")] == ["尼亚加拉瀑布"]
    assert gazetteer.find_places("디트에서 and 남디트") == [("디트", town)]


_SENTENCES = {  # a sentence of each script with the place name in it
    "GURMUKHI": "ਮੈਂ ਕੱਲ੍ਹ {} ਵਿੱਚ ਇੱਕ ਟਰੱਕ ਦੇਖਿਆ",
    "DEVANAGARI": "मैंने कल {} में एक ट्रक देखा",
    "ARABIC": "رأيت شاحنة في {} أمس",
    "CYRILLIC": "Вчера видел грузовик: {}, у моста.",
    "CJK": "我昨天在{}看到一辆卡车",
    "HIRAGANA": "昨日{}でトラックを見ました",
    "KATAKANA": "昨日{}でトラックを見ました",
    "HANGUL": "어제 {}에서 트럭을 봤어요",
}


def test_every_non_latin_alias_is_found_in_a_sentence_of_its_script(gazetteer: Gazetteer) -> None:
    raw = yaml.safe_load((DATA_DIR / "gazetteer" / "places.yml").read_text(encoding="utf-8"))
    checked, missed = 0, []
    for entry in raw["places"]:
        for alias in entry.get("aliases") or []:
            letter = next(ch for ch in alias if ch.isalpha())
            if letter.isascii() or unicodedata.name(letter).startswith("LATIN"):
                continue
            script = unicodedata.name(letter).split()[0]
            assert script in _SENTENCES, f"no sentence for the script of {alias!r}"
            found = gazetteer.find_places(_SENTENCES[script].format(alias))
            checked += 1
            if entry["name"] not in [p.name for _, p in found]:
                missed.append((alias, entry["name"], found))
    assert checked >= 100
    assert not missed, missed


URGENT_BY_LANGUAGE = {
    "en": "Two men are crossing right now near the bridge",
    "fr": "Ils traversent en ce moment près du pont",
    "es": "Están cruzando ahora mismo cerca del puente",
    "pt": "Socorro! Eles estão atravessando agora perto da ponte",
    "de": "Sie gehen gerade über die Grenze, schnell!",
    "it": "Una donna è tenuta rinchiusa in una casa vicino al confine",
    "nl": "Er wordt geschoten bij de grens!",
    "pl": "Kobieta jest przetrzymywana wbrew jej woli w domu przy granicy",
    "ru": "Помогите, пожалуйста! Человек тонет в реке",
    "uk": "Допоможіть нам, у нього пістолет",
    "tl": "Tulungan niyo kami, may baril sila sa may border",
    "vi": "Cứu với! Có người đang cầm súng ở biên giới",
    "ar": "ساعدونا، معه مسدس قرب الحدود",
    "zh": "救命！有人拿着枪在边境",
    "ja": "男が銃を持っています、助けてください",
    "ko": "살려주세요! 남자가 총을 들고 있어요",
    "pa": "ਮਦਦ ਕਰੋ, ਉਹਨਾਂ ਕੋਲ ਹਥਿਆਰ ਹਨ",
    "hi": "बचाओ! एक आदमी नदी में डूब रहा है",
    "ur": "مدد کرو، ان کے پاس اسلحہ ہے",
    "fa": "کمکم کنید، یک نفر اسلحه دارد",
    "so": "Naga caawiya, nin qori ayuu haystaa",
    "pa-Latn": "hune border paar kar rahe ne",
    "hi-Latn": "madad karo, uske paas bandook hai",
}


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.load(DATA_DIR / "routing" / "lexicon.yml")


@pytest.mark.parametrize("language", sorted(URGENT_BY_LANGUAGE))
def test_urgency_lexicon_fires_in_every_language(lexicon: Lexicon, language: str) -> None:
    assert lexicon.is_urgent([URGENT_BY_LANGUAGE[language]])


@pytest.mark.parametrize("text", [
    "I now live near the border",
    "this is not an emergency",
    "Ich wohne jetzt an der Grenze",
    "Теперь я живу у границы",
    "我现在住在边境附近",
    "지금은 국경 근처에 살아요",
    "ਮੈਂ ਹੁਣ ਬਾਰਡਰ ਦੇ ਨੇੜੇ ਰਹਿੰਦਾ ਹਾਂ",
    "मैं अभी बॉर्डर के पास रहता हूँ",
    "main abhi border ke paas rehta hoon",
    "Não é urgente, vi um caminhão ontem",
    "銃を持っていません",
    "Thằng đó bán súng Glock không có số seri",  # bán súng (sells guns) = bắn súng unaccented
])
def test_urgency_lexicon_ignores_calm_texts(lexicon: Lexicon, text: str) -> None:
    assert not lexicon.is_urgent([text])


@pytest.mark.parametrize("text", [
    "Vi uma lancha no rio", "Sie kamen mit dem Boot über den Fluss", "Łódź na rzece",
    "лодка на реке", "човен на річці", "sakay ng bangka", "Họ qua sông bằng thuyền",
    "قارب في النهر", "他们坐船过来", "ボートで来ました", "보트를 타고 왔어요", "ਕਿਸ਼ਤੀ ਵਿੱਚ ਆਏ",
    "नाव से आए", "کشتی میں آئے", "با قایق آمدند", "doomo ayay ku yimaadeen",
])
def test_water_lexicon_in_community_languages(lexicon: Lexicon, text: str) -> None:
    assert lexicon.on_water([text])


def test_water_lexicon_ignores_a_car_boot(lexicon: Lexicon) -> None:
    assert not lexicon.on_water(["the drugs were in the boot of the car"])
