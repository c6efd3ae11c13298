"""The voice line's menu and prompts: every community language reachable, in its own words."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.catalogs import validate_catalogs
from bot.channels.voice.languages import VoiceLanguages, digits_in, get_languages, get_prompts
from bot.language.config import load_language_config
from bot.settings import get_settings

COMMUNITY = load_language_config(get_settings().languages).community


def test_every_community_language_is_on_the_menu_once_with_a_voice() -> None:
    languages = get_languages()
    assert sorted(languages.languages) == sorted(COMMUNITY)
    assert languages.page(0) == ("en", "fr", "es")  # English, French and Spanish first
    assert languages.problems(get_prompts()) == []


def test_the_prompts_are_a_checked_catalogue_in_every_language() -> None:
    assert validate_catalogs(get_settings().voice_prompts_dir, COMMUNITY) == []


@pytest.mark.parametrize("lang", COMMUNITY)
def test_each_language_speaks_its_own_words(lang: str) -> None:
    prompts = get_prompts()
    assert "911" in prompts.render("call_911", lang)
    assert get_languages().digit(lang) in digits_in(prompts.render("menu", lang))
    if lang != "en":  # written in the language, not left in English
        assert prompts.render("ask", lang) != prompts.render("ask", "en")
        assert prompts.render("call_911", lang) != prompts.render("call_911", "en")


def test_digits_choose_on_their_page_and_zero_turns_it() -> None:
    languages = get_languages()
    assert languages.choose(0, "2") == "fr" and languages.choose(0, "3") == "es"
    assert languages.choose(1, "1") == "pt" and languages.choose(2, "9") == "fa"
    assert languages.choose(0, "7") is None and languages.choose(0, "0") is None
    assert languages.choose(0, "12") is None and languages.choose(0, "#") is None
    assert languages.page(3) == languages.page(0)  # past the last page: the first again
    assert digits_in("۹ را فشار دهید") == "9"


def test_a_bad_menu_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "languages.yml"
    path.write_text("pages: [[en, fr, en]]\nlanguages:\n  en: {speech: en-US, say: en-US}\n")
    with pytest.raises(ValueError, match="twice") as error:
        VoiceLanguages.load(path)
    assert "fr has no speech or say code" in str(error.value)
