"""Unicode normalisation and phrase matching of routing (bot/routing/text.py)."""

from __future__ import annotations

import unicodedata

import pytest

from bot.routing.text import contains_phrase, match_mode, normalise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ਮੈਂ ਸਰੀ ਵਿੱਚ ਦੇਖਿਆ!", "ਮੈਂ ਸਰੀ ਵਿੱਚ ਦੇਖਿਆ"),  # Gurmukhi, vowel signs and addak kept
        ("मैंने सरी में ट्रक देखा।", "मैंने सरी में ट्रक देखा"),  # Devanagari, danda is punctuation
        ("شاحنة في ديترويت؟", "شاحنة في ديترويت"),  # Arabic
        ("Я видел ГРУЗОВИК в Детройте.", "я видел грузовик в детройте"),  # Cyrillic, lower-cased
        ("我在底特律看到。", "我在底特律看到"),  # Han
        ("デトロイトで見ました", "デトロイトで見ました"),  # kana and Han
        ("디트로이트에서 봤어요!!", "디트로이트에서 봤어요"),  # Hangul
        ("Його викрали, допоможіть", "його викрали допоможіть"),  # Ukrainian ї, й kept
    ],
)
def test_normalise_keeps_the_letters_of_every_script(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SAINT-BERNARD-DE-LACOLLÉ", "saint bernard de lacolle"),
        ("¿Están cruzando AHORA MISMO?", "estan cruzando ahora mismo"),
        ("Cứu với! Có người đang cầm súng", "cuu voi co nguoi dang cam sung"),  # Vietnamese, đ
        ("Łódź na rzece, wbrew jej woli", "lodz na rzece wbrew jej woli"),
        ("Sie schießen über den Fluss", "sie schiessen uber den fluss"),
        ("ＤＥＴＲＯＩＴ ｎｏｗ", "detroit now"),  # full-width forms
        ("can't_breathe", "can t breathe"),  # underscore is not a letter
    ],
)
def test_normalise_removes_accents_from_latin_letters(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_combining_marks_of_other_scripts_are_kept() -> None:
    for word in ["ਵਿੱਚ", "ਦੇਖਿਆ", "देखा", "ट्रक", "ਖ਼ਤਰੇ"]:
        marks = [ch for ch in unicodedata.normalize("NFD", word) if unicodedata.combining(ch)
                 or unicodedata.category(ch).startswith("M")]
        assert marks, word
        assert normalise(word) == unicodedata.normalize("NFC", word), word


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("\u095e", "\u092b\u093c"),  # Devanagari फ़: precomposed and with a nukta
        ("\u0a36", "\u0a38\u0a3c"),  # Gurmukhi ਸ਼
        ("디트로이트", unicodedata.normalize("NFD", "디트로이트")),  # Hangul syllables and jamo
        ("デトロイト", unicodedata.normalize("NFD", "デトロイト")),  # kana with a dakuten
        ("ﾃﾞﾄﾛｲﾄ", "デトロイト"),  # half-width katakana
        ("Ещё", "еще"),  # Russian ё is commonly typed е
    ],
)
def test_normalise_is_independent_of_the_unicode_form(first: str, second: str) -> None:
    assert normalise(first) == normalise(second)


def test_arabic_script_spellings_meet() -> None:
    # harakat, shadda, hamza forms of alef and tatweel are dropped
    assert normalise("الأَمْرِيكِيّ") == normalise("الامريكي") == "الامريكي"
    assert normalise("أمريكـــا") == normalise("امريكا")
    # Persian/Urdu ی and ک meet Arabic ي and ك, and final ى
    assert normalise("دیترویت") == normalise("ديترويت")
    assert normalise("کینیڈا") == normalise("كينيڈا")
    assert normalise("علی") == normalise("على") == normalise("علي")
    # but Urdu letters of their own are kept
    assert "ڈ" in normalise("ڈیٹرائٹ") and "ٹ" in normalise("ڈیٹرائٹ")


def test_persian_zero_width_non_joiner_separates_words() -> None:
    assert normalise("تیراندازی می\u200cکنند") == normalise("تیراندازی می کنند")


@pytest.mark.parametrize(
    ("phrase", "mode"),
    [("right now", "word"), ("на канадской стороне", "word"), ("ਕੈਨੇਡਾ ਵਾਲੇ ਪਾਸੇ", "word"),
     ("底特律", "infix"), ("カナダ側", "infix"), ("ボート", "infix"), ("캐나다 쪽에", "prefix")],
)
def test_match_mode_by_script(phrase: str, mode: str) -> None:
    assert match_mode(normalise(phrase)) == mode


@pytest.mark.parametrize(
    ("text", "phrase", "found"),
    [
        ("they are crossing right now", "right now", True),
        ("we drove right nowhere", "right now", False),  # whole words only
        ("I now live near the border", "now live", True),
        ("на канадской стороне реки", "на канадской стороне", True),
        ("на канадской сторонеx", "на канадской стороне", False),
        ("ਉਹ ਕੈਨੇਡਾ ਵਾਲੇ ਪਾਸੇ ਸਨ", "ਕੈਨੇਡਾ ਵਾਲੇ ਪਾਸੇ", True),
        ("ਸਰੀਰ ਉੱਤੇ ਸੱਟਾਂ", "ਸਰੀ", False),  # ਸਰੀਰ (body) is not Surrey
        ("我在底特律看到", "底特律", True),  # Han: no spaces between words
        ("昨日デトロイトで見ました", "デトロイト", True),
        ("디트로이트에서 봤어요", "디트로이트", True),  # Hangul: a particle follows
        ("캐나다 쪽에서 봤어요", "캐나다 쪽에", True),
        ("남디트로이트", "디트로이트", False),  # but a Hangul phrase starts a word
        ("", "right now", False),
    ],
)
def test_contains_phrase(text: str, phrase: str, found: bool) -> None:
    assert contains_phrase(normalise(text), normalise(phrase)) is found
