"""SMS segment arithmetic and splitting (GSM-7 160/153, UCS-2 70/67)."""

from __future__ import annotations

import regex

from bot.channels.twilio.segments import (
    GSM7,
    UCS2,
    cost,
    encoding_of,
    segment_count,
    split_message,
)


def test_encodings() -> None:
    assert encoding_of("Hello, call 911 now! @ £ é è ñ ü Ä") == GSM7
    assert encoding_of("Bonjour, ça va? Numéro") == UCS2  # ç is not in GSM-7 (Ç is)
    assert encoding_of("Hola ¿qué pasó?") == UCS2  # á/ó are not in GSM-7 either
    assert encoding_of("Здравствуйте") == UCS2
    assert encoding_of("ok 👍") == UCS2


def test_costs() -> None:
    assert cost("a€[", GSM7) == 5  # extension characters take two septets
    assert cost("👍", UCS2) == 2  # outside the BMP: a surrogate pair
    assert cost("é", UCS2) == 1


def test_single_segment_limits() -> None:
    assert segment_count("a" * 160) == 1
    assert segment_count("a" * 161) == 2
    assert segment_count("a" * 306) == 2
    assert segment_count("a" * 307) == 3
    assert segment_count("ф" * 70) == 1
    assert segment_count("ф" * 71) == 2
    assert segment_count("ф" * 134) == 2
    assert segment_count("ф" * 135) == 3
    assert split_message("a" * 160) == ["a" * 160]
    assert split_message("ф" * 70) == ["ф" * 70]


def _words(text: str) -> list[str]:
    return text.split()


def test_long_gsm_text_is_split_at_words_within_153() -> None:
    text = " ".join(f"word{i}" for i in range(100))
    parts = split_message(text)
    assert len(parts) > 1
    assert all(cost(p, GSM7) <= 153 for p in parts)
    assert [w for p in parts for w in _words(p)] == _words(text)  # no word cut or lost


def test_long_ucs2_text_is_split_within_67_units() -> None:
    text = ("Il y a des gens qui traversent à pied près de la frontière, ça arrive "
            "souvent la nuit. ") * 5
    parts = split_message(text)
    assert all(cost(p, UCS2) <= 67 for p in parts)
    assert [w for p in parts for w in _words(p)] == _words(text)


def test_emoji_and_combining_sequences_are_never_cut() -> None:
    family = "👨‍👩‍👧‍👦"  # one grapheme of 7 code points, 11 UTF-16 units
    flag = "🇨🇦"
    accented = "e\u0301"  # e + combining acute accent
    word = (family + flag + accented) * 12  # one "word" much longer than a segment
    parts = split_message("start " + word + " end")
    assert all(cost(p, UCS2) <= 67 for p in parts)
    assert "".join(parts).replace(" ", "") == ("start" + word + "end")
    for part in parts:
        # every part is a whole number of graphemes of the original
        assert "".join(regex.findall(r"\X", part)) == part
        assert not part.startswith("\u0301") and not part.startswith("\u200d")
        assert not regex.match(r"[\U0001F1E6-\U0001F1FF]", part[-1:]) or part.endswith(flag)


def test_1600_character_reply() -> None:
    text = ("The van is blue and parked by the river. " * 40)[:1600]
    parts = split_message(text)
    assert all(cost(p, GSM7) <= 153 for p in parts)
    assert " ".join(parts).split() == text.split()


def test_blank() -> None:
    assert split_message("   ") == []


def test_parts_are_balanced() -> None:
    text = ("Ligne de signalement frontalière : signalez anonymement un crime à la frontière. "
            "En cas d'urgence, appelez le 911. Répondez STOP pour ne plus recevoir de messages.")
    parts = split_message(text)
    assert len(parts) == 2
    assert min(len(p) for p in parts) > 60  # not "...recevoir de" + a lone "messages."
