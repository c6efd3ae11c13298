"""Romanised Punjabi, Hindi and Urdu, and Vietnamese typed without diacritics, are told
apart from English, Tagalog, Somali and the Romance languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.language import get_identifier, load_language_config
from bot.language.romanised import RomanisedMarkers, get_markers
from bot.settings import DATA_DIR

MARKERS = DATA_DIR / "language" / "romanised.yml"


@pytest.mark.parametrize(("text", "language"), [
    ("ik truck vich bande lukaye hoye san border kol", "pa"),
    ("oh kudi nu ghar vich band karke rakhde ne, hune madad karo", "pa"),
    ("ek aadmi har hafte gaadi mein cocaine laata hai border ke paas", "hi"),
    ("meri behan ko zabardasti rakha hai, madad karo janab, shukriya", "ur"),
    ("ek banda kashti se naqdi le kar aata hai, mujhe maloom hai kahan", "ur"),
    ("co mot nhom nguoi dua hang qua bien gioi bang xe tai moi dem", "vi"),
])
def test_romanised_tips_are_recognised(text: str, language: str) -> None:
    assert get_markers(str(MARKERS)).identify(text)[0] == language
    guess = get_identifier(load_language_config(DATA_DIR / "languages.yml")).identify(text)
    assert guess.code == language


@pytest.mark.parametrize("text", [
    "I saw two men loading bags into a van near Lacolle last night",
    "may nakita akong mga tao na tumatawid sa ilog kagabi sa may Blaine",
    "waxaan arkay nin baabuur ku qariyay daroogo xuduudda agteeda",
    "vi a un hombre que pasaba droga en una camioneta blanca",
    "c'e uno che fa passare la roba qua vicino al confine, voi lo sapete",
    "le roi du quartier vend de la coke, c'est bien connu",
])
def test_other_latin_languages_have_no_markers(text: str) -> None:
    assert get_markers(str(MARKERS)).identify(text) is None


def test_a_marker_group_for_an_unknown_language_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "romanised.yml"
    path.write_text("order: [pa]\nmarkers:\n  xx: [foo]\n")
    with pytest.raises(ValueError, match="not in order"):
        RomanisedMarkers.load(path)
