"""Carrier keywords (CTIA / CWTA): opt-out, opt-in and help, handled before the NLU.

A keyword is the whole message: one word, any case, surrounding spaces and punctuation
ignored ("stop", "Stop.", " STOP! "). "I want to stop smoking" is not a keyword; it goes
to the bot. Canadian carriers also require the French ARRET (opt-out) and AIDE (help).
``YES`` opts a tipster back in only while they are opted out (Twilio's behaviour);
otherwise it is an ordinary answer for the bot.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Optional

OPT_OUT = "stop"
OPT_IN = "start"
HELP = "help"

# keyword -> (kind, language the keyword is written in, or None when it says nothing)
KEYWORDS: dict[str, tuple[str, Optional[str]]] = {
    "STOP": (OPT_OUT, None),
    "STOPALL": (OPT_OUT, None),
    "UNSUBSCRIBE": (OPT_OUT, "en"),
    "CANCEL": (OPT_OUT, "en"),
    "END": (OPT_OUT, "en"),
    "QUIT": (OPT_OUT, "en"),
    "ARRET": (OPT_OUT, "fr"),
    "START": (OPT_IN, None),
    "UNSTOP": (OPT_IN, "en"),
    "HELP": (HELP, "en"),
    "INFO": (HELP, None),
    "AIDE": (HELP, "fr"),
    "AYUDA": (HELP, "es"),
}
OPT_IN_WHEN_OPTED_OUT = {"YES": "en", "OUI": "fr", "SI": "es"}


@dataclass(frozen=True)
class Keyword:
    """A carrier keyword found in a message."""

    kind: str  # stop | start | help
    word: str
    language: Optional[str]  # the keyword's own language, when it tells one


def _normalise(body: str) -> str:
    stripped = body.strip().strip(".,;:!?¡¿'\"()[]*-_~ \t\r\n")
    folded = unicodedata.normalize("NFKD", stripped)
    return "".join(ch for ch in folded if not unicodedata.combining(ch)).upper()


def match(body: Optional[str], opted_out: bool = False) -> Optional[Keyword]:
    """The keyword ``body`` consists of, or None for an ordinary message."""
    if not body:
        return None
    word = _normalise(body)
    if not word or any(ch.isspace() for ch in word):
        return None
    if word in KEYWORDS:
        kind, language = KEYWORDS[word]
        return Keyword(kind, word, language)
    if opted_out and word in OPT_IN_WHEN_OPTED_OUT:
        return Keyword(OPT_IN, word, OPT_IN_WHEN_OPTED_OUT[word])
    return None
