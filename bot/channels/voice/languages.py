"""The voice line's menu and voices (data/voice/languages.yml) and its spoken prompts
(data/voice/prompts/<lang>.yml, checked like every catalogue: bot/catalogs.py)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from bot.messages import EMERGENCY_NUMBER, _Catalog
from bot.settings import DATA_DIR, get_settings

MAX_PAGE = 9  # digits 1..9 choose; 0 turns the page
NEXT_PAGE = "0"


@dataclass(frozen=True)
class Voice:
    """How Twilio hears and speaks one language."""

    speech: str  # <Gather language=...>
    say: str  # <Say language=...>
    voice: str = ""  # <Say voice=...>; empty: Twilio's default for the language


class VoicePrompts(_Catalog):
    """The voice line's prompts, written in each language (English the source)."""

    def render(self, key: str, language: Optional[str], **params: Any) -> str:
        params.setdefault("emergency_number", EMERGENCY_NUMBER)
        return super().render(key, language, **params)


@dataclass(frozen=True)
class VoiceLanguages:
    """The menu's pages and each language's voice."""

    pages: Tuple[Tuple[str, ...], ...]
    voices: Dict[str, Voice]

    @classmethod
    def load(cls, path: Path | str) -> VoiceLanguages:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        pages = tuple(tuple(str(code) for code in page) for page in raw.get("pages") or [])
        voices = {str(code): Voice(str(v.get("speech") or ""), str(v.get("say") or ""),
                                   str(v.get("voice") or ""))
                  for code, v in (raw.get("languages") or {}).items() if isinstance(v, dict)}
        found = cls(pages, voices)
        problems = found.problems()
        if problems:
            raise ValueError(f"{path}: " + "; ".join(problems))
        return found

    def problems(self, prompts: Optional[VoicePrompts] = None) -> List[str]:
        """What is wrong: pages, voices, and (with ``prompts``) each menu line's digit."""
        problems: List[str] = []
        listed = [code for page in self.pages for code in page]
        if not self.pages or any(not 0 < len(page) <= MAX_PAGE for page in self.pages):
            problems.append(f"pages must hold 1 to {MAX_PAGE} languages each")
        problems += [f"{code} is on the menu twice" for code in set(listed)
                     if listed.count(code) > 1]
        problems += [f"{code} has no speech or say code" for code in listed
                     if code not in self.voices or not (self.voices[code].speech
                                                        and self.voices[code].say)]
        for code in listed if prompts is not None else []:
            digit = self.digit(code)
            if digit not in digits_in(prompts.render("menu", code)):
                problems.append(f"the {code} menu line does not say its digit {digit}")
        return problems

    @property
    def languages(self) -> List[str]:
        return [code for page in self.pages for code in page]

    def page(self, number: int) -> Tuple[str, ...]:
        return self.pages[number % len(self.pages)]

    def digit(self, code: str) -> str:
        for page in self.pages:
            if code in page:
                return str(page.index(code) + 1)
        raise KeyError(code)

    def choose(self, page: int, digit: str) -> Optional[str]:
        """The language of ``digit`` on menu page ``page`` (None: not on the page)."""
        languages = self.page(page)
        if len(digit) == 1 and digit.isdigit() and 0 < int(digit) <= len(languages):
            return languages[int(digit) - 1]
        return None

    def voice(self, code: str) -> Voice:
        return self.voices.get(code) or self.voices[self.pages[0][0]]


def digits_in(text: str) -> str:
    """The digits of ``text`` as ASCII (Persian and Arabic-Indic digits too)."""
    return "".join(str(unicodedata.digit(ch)) for ch in text if unicodedata.digit(ch, None)
                   is not None)


def languages_path() -> Path:
    return Path(get_settings().voice.languages or DATA_DIR / "voice" / "languages.yml")


@lru_cache(maxsize=1)
def get_languages() -> VoiceLanguages:
    return VoiceLanguages.load(languages_path())


@lru_cache(maxsize=1)
def get_prompts() -> VoicePrompts:
    return VoicePrompts(get_settings().voice_prompts_dir)
