"""The shipped reply catalogues (bot and officers) and their validation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.catalogs import validate_catalogs
from bot.language.config import load_language_config
from bot.messages import EMERGENCY_NUMBER, MessageCatalog, OfficerReplies
from bot.settings import DATA_DIR

MESSAGES = DATA_DIR / "messages"
OFFICER_REPLIES = DATA_DIR / "officer_replies"
COMMUNITY = load_language_config(DATA_DIR / "languages.yml").community
NEW_KEYS = ("too_long", "delayed", "tip_received_unclassified", "urgent_first")
FILL = {"reference": "X", "status": "Y", "limit": 9, "receipt": "1234 5678 9012 3456"}
OFFICER_KEYS = ["thanks", "ask_vehicle", "ask_place", "ask_time", "ask_photo", "danger_now",
                "investigating", "call_911"]

# Letters of each non-Latin script (ranges of Unicode blocks).
GURMUKHI = "\u0a00-\u0a7f"
DEVANAGARI = "\u0900-\u097f"
ARABIC = "\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff"
CJK = "\u4e00-\u9fff"
KANA = "\u3040-\u30ff"
HANGUL = "\uac00-\ud7af\u1100-\u11ff\u3130-\u318f"
CYRILLIC = "\u0400-\u04ff"
SCRIPTS = {"pa": GURMUKHI, "hi": DEVANAGARI, "ar": ARABIC, "ur": ARABIC, "fa": ARABIC,
           "zh": CJK, "ja": KANA + CJK, "ko": HANGUL, "ru": CYRILLIC, "uk": CYRILLIC}


@pytest.fixture(scope="module")
def catalog() -> MessageCatalog:
    return MessageCatalog(MESSAGES, languages=COMMUNITY)


@pytest.fixture(scope="module")
def replies() -> OfficerReplies:
    return OfficerReplies(OFFICER_REPLIES, languages=COMMUNITY)


def write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for lang, text in files.items():
        (directory / f"{lang}.yml").write_text(text, encoding="utf-8")
    return directory


EN = 'greet: "Hello"\ntip: "Tip {reference} saved."\nstatuses:\n  new: "new"\n'
FR = 'greet: "Bonjour"\ntip: "Signalement {reference} enregistré."\nstatuses:\n  new: "nouveau"\n'


# --- the shipped data ------------------------------------------------------------------------

def test_there_are_21_community_languages() -> None:
    assert len(COMMUNITY) == 21 and {"pa", "ur", "so", "tl", "fa"} <= set(COMMUNITY)


@pytest.mark.parametrize("directory", [MESSAGES, OFFICER_REPLIES], ids=["messages", "officer"])
def test_every_community_language_has_a_complete_valid_catalogue(directory: Path) -> None:
    assert sorted(path.stem for path in directory.glob("*.yml")) == sorted(COMMUNITY)
    assert validate_catalogs(directory, COMMUNITY) == []


def test_both_catalogues_load_for_every_community_language(
        catalog: MessageCatalog, replies: OfficerReplies) -> None:
    assert catalog.languages == sorted(COMMUNITY) == replies.languages
    assert all(catalog.has(lang) and replies.has(lang) for lang in COMMUNITY)


def test_new_keys_render_in_every_language(catalog: MessageCatalog) -> None:
    keys = catalog.keys()
    assert set(NEW_KEYS) <= set(keys) and keys[:3] == ["greet", "goodbye", "thank"]
    assert "officer_reply_prefix" not in keys
    for lang in COMMUNITY:
        assert "1600" in catalog.render("too_long", lang, limit=1600)
        assert "AB12CD" in catalog.render("tip_received_unclassified", lang, reference="AB12CD")
        assert EMERGENCY_NUMBER in catalog.render("urgent_first", lang)
        assert EMERGENCY_NUMBER in catalog.render("emergency", lang)
        delayed = catalog.render("delayed", lang)
        assert delayed and "{" not in delayed
        assert len(catalog.render("urgent_first", lang)) < len(catalog.render("emergency", lang))


def test_sms_keywords_stay_in_latin_letters(catalog: MessageCatalog) -> None:
    for lang in COMMUNITY:
        assert "STOP" in catalog.render("help", lang), lang
        assert "START" in catalog.render("stopped", lang), lang
        assert "STOP" in catalog.render("started", lang), lang


def test_every_language_is_really_written_in_it(catalog: MessageCatalog) -> None:
    keys = catalog.keys()
    english = {key: catalog.render(key, "en", **FILL) for key in keys}
    for lang in COMMUNITY:
        if lang == "en":
            continue
        same = [key for key in keys if english[key] ==
                catalog.render(key, lang, **FILL)]
        assert same == [], f"{lang}: still English: {same}"


def test_officer_replies_have_the_eight_keys(replies: OfficerReplies) -> None:
    assert replies.keys() == OFFICER_KEYS
    for lang in COMMUNITY:
        assert "AB12CD" in replies.render("thanks", lang, reference="AB12CD")
        assert "911" in replies.render("call_911", lang)
        if lang != "en":
            assert replies.render("ask_photo", lang) != replies.render("ask_photo", "en")


@pytest.mark.parametrize("lang", sorted(SCRIPTS))
def test_non_latin_catalogues_are_in_their_script(lang: str, catalog: MessageCatalog,
                                                  replies: OfficerReplies) -> None:
    letters = re.compile(f"[{SCRIPTS[lang]}]")
    greet = catalog.render("greet", lang)
    in_script = len(letters.findall(greet))
    latin = len(re.findall("[A-Za-z]", greet))
    assert in_script > 10 and in_script > 3 * latin, greet
    message_keys, reply_keys = catalog.keys(), replies.keys()
    for key in message_keys:
        text = catalog.render(key, lang, **FILL)
        assert letters.search(text), f"{lang}.{key}: {text}"
    for key in reply_keys:
        assert letters.search(replies.render(key, lang, reference="X")), f"{lang}.{key}"


def test_scripts_that_share_an_alphabet_use_their_own_letters(catalog: MessageCatalog) -> None:
    assert re.search("[\u3040-\u30ff]", catalog.render("greet", "ja"))  # kana: Japanese
    assert not re.search("[\u3040-\u30ff]", catalog.render("greet", "zh"))
    assert re.search("[\u06d2\u06ba\u06c1\u0679]", catalog.render("greet", "ur"))  # ے ں ہ ٹ
    assert "\u06cc" in catalog.render("greet", "fa")  # Persian yeh
    assert "\u064a" not in catalog.render("greet", "fa")  # not the Arabic one
    assert re.search("[іїєґ]", catalog.render("greet", "uk"))  # Ukrainian letters
    assert not re.search("[ыэъё]", catalog.render("greet", "uk"))


# --- rendering -------------------------------------------------------------------------------

def test_render_falls_back_to_english_for_a_language_without_catalogue(
        catalog: MessageCatalog, replies: OfficerReplies) -> None:
    assert not catalog.has("sw") and catalog.has("pa")
    assert catalog.render("goodbye", "sw") == catalog.render("goodbye", "en")
    assert catalog.render("goodbye", None) == catalog.render("goodbye", "en")
    assert catalog.render("tip_received", "sw", reference="AB12CD") == (
        "Thank you. Your tip is recorded with reference AB12CD. Quote it if you write again.")
    assert replies.render("danger_now", "xx") == "Is anyone in danger right now?"


def test_render_fills_the_emergency_number_and_status_labels(catalog: MessageCatalog) -> None:
    assert catalog.render("urgent_first", "en") == "If anyone is in danger now, call 911 now."
    assert catalog.status_label("closed", "fr") == "fermé"
    assert catalog.render("status", "de", reference="AB12CD",
                          status=catalog.status_label("closed", "de")) == (
        "Stand Ihres Hinweises AB12CD: abgeschlossen.")


def test_catalog_takes_no_translate_argument() -> None:
    with pytest.raises(TypeError):
        MessageCatalog(MESSAGES, lambda text, source, target: text)  # type: ignore[misc]


# --- validation ------------------------------------------------------------------------------

def test_valid_temporary_catalogues_have_no_problem(tmp_path: Path) -> None:
    directory = write(tmp_path, {"en": EN, "fr": FR})
    assert validate_catalogs(directory, ["en", "fr"]) == []
    assert MessageCatalog(directory).render("statuses.new", "fr") == "nouveau"


def test_validate_reports_a_missing_key(tmp_path: Path) -> None:
    directory = write(tmp_path, {"en": EN, "fr": 'greet: "Bonjour"\nstatuses:\n  new: "n"\n'})
    assert validate_catalogs(directory, ["en", "fr"]) == [f"{directory}/fr.yml: missing key tip"]


def test_validate_reports_a_missing_nested_key(tmp_path: Path) -> None:
    directory = write(tmp_path, {"en": EN, "fr": FR.replace("  new:", "  old:")})
    problems = validate_catalogs(directory, ["en", "fr"])
    assert f"{directory}/fr.yml: missing key statuses.new" in problems
    assert f"{directory}/fr.yml: extra key statuses.old (not in en.yml)" in problems


def test_validate_reports_an_extra_key(tmp_path: Path) -> None:
    directory = write(tmp_path, {"en": EN, "fr": FR + 'bonus: "Encore"\n'})
    assert validate_catalogs(directory, ["en", "fr"]) == [
        f"{directory}/fr.yml: extra key bonus (not in en.yml)"]


def test_validate_reports_a_broken_placeholder(tmp_path: Path) -> None:
    directory = write(tmp_path, {"en": EN, "fr": FR.replace("{reference}", "{reference")})
    [problem] = validate_catalogs(directory, ["en", "fr"])
    assert problem.startswith(f"{directory}/fr.yml: tip: malformed format string")


@pytest.mark.parametrize("bad, expected", [
    ("{foo}", "unknown placeholder {foo}"),
    ("{}", "malformed placeholder {}"),
    ("{0}", "malformed placeholder {0}"),
    ("{reference!r}", "format spec or conversion in placeholder {reference}"),
])
def test_validate_reports_unknown_and_malformed_placeholders(tmp_path: Path, bad: str,
                                                             expected: str) -> None:
    directory = write(tmp_path, {"en": EN, "fr": FR.replace("{reference}", bad)})
    assert validate_catalogs(directory, ["en", "fr"]) == [f"{directory}/fr.yml: tip: {expected}"]


def test_validate_reports_a_placeholder_set_differing_from_english(tmp_path: Path) -> None:
    directory = write(tmp_path, {"en": EN, "fr": FR.replace(" {reference}", "")})
    assert validate_catalogs(directory, ["en", "fr"]) == [
        f"{directory}/fr.yml: tip: placeholders none differ from en.yml's {{reference}}"]


def test_validate_reports_an_unknown_placeholder_in_english_too(tmp_path: Path) -> None:
    directory = write(tmp_path, {"en": EN.replace("{reference}", "{ref}"),
                                 "fr": FR.replace("{reference}", "{ref}")})
    problems = validate_catalogs(directory, ["en", "fr"])
    assert f"{directory}/en.yml: tip: unknown placeholder {{ref}}" in problems
    assert f"{directory}/fr.yml: tip: unknown placeholder {{ref}}" in problems


def test_validate_reports_empty_and_non_string_values(tmp_path: Path) -> None:
    directory = write(tmp_path, {"en": EN, "fr": FR.replace('"Bonjour"', '"  "')
                                 .replace('"nouveau"', "3")})
    assert validate_catalogs(directory, ["en", "fr"]) == [
        f"{directory}/fr.yml: greet: empty string",
        f"{directory}/fr.yml: statuses.new: expected a string, found int"]


def test_validate_reports_a_missing_language_file(tmp_path: Path) -> None:
    directory = write(tmp_path, {"en": EN, "fr": FR})
    assert validate_catalogs(directory, ["en", "fr", "pa"]) == [
        f"{directory}/pa.yml: no catalogue for language pa"]


def test_validate_reports_a_file_for_a_language_not_in_the_list(tmp_path: Path) -> None:
    directory = write(tmp_path, {"en": EN, "fr": FR, "xx": EN})
    [problem] = validate_catalogs(directory, ["en", "fr"])
    assert problem.startswith(f"{directory}/xx.yml: xx is not one of the languages")


def test_validate_reports_unreadable_files_and_a_missing_english(tmp_path: Path) -> None:
    directory = write(tmp_path, {"fr": FR, "es": "greet: [unclosed\n"})
    problems = validate_catalogs(directory, None)
    assert any(p.startswith(f"{directory}/es.yml: cannot read") for p in problems)
    assert f"{directory}/en.yml: the English catalogue is required" in problems
    assert validate_catalogs(tmp_path / "nowhere", ["en"]) == [
        f"{tmp_path / 'nowhere'}: no such directory"]


def test_catalog_refuses_a_catalogue_with_problems(tmp_path: Path) -> None:
    directory = write(tmp_path, {"en": EN, "fr": FR.replace("{reference}", "{reference")})
    with pytest.raises(ValueError, match="fr.yml: tip: malformed"):
        MessageCatalog(directory)
    with pytest.raises(ValueError, match="no catalogue for language de"):
        OfficerReplies(write(tmp_path / "ok", {"en": EN}), languages=["en", "de"])
    with pytest.raises(ValueError, match="English catalogue is required"):
        MessageCatalog(write(tmp_path / "empty", {}))


# --- tipline check-config --------------------------------------------------------------------

def test_check_config_checks_both_catalogues(tmp_path: Path, monkeypatch, capsys) -> None:
    from bot.cli import cmd_check_config
    from bot.settings import get_settings

    monkeypatch.setenv("TIPLINE_OFFICER_REPLIES", str(write(tmp_path, {"en": EN, "fr": FR})))
    get_settings.cache_clear()
    try:
        assert cmd_check_config(None) == 1  # type: ignore[arg-type]
        out = capsys.readouterr().out
        assert f"{tmp_path}/pa.yml: no catalogue for language pa" in out
        assert out.count("no catalogue for language") == len(COMMUNITY) - 2
        monkeypatch.delenv("TIPLINE_OFFICER_REPLIES")
        get_settings.cache_clear()
        assert cmd_check_config(None) == 0  # type: ignore[arg-type]
        assert "configuration ok" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()
