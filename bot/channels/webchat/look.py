"""The "what to look for" page (``/webchat/look/<lang>``), in every community language,
rendered from the awareness catalogue (data/awareness/) by a Jinja template that escapes
everything: an agency edits the texts, never HTML."""

from __future__ import annotations

from functools import lru_cache
from typing import List, Optional

from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.awareness.catalogue import get_awareness

RIGHT_TO_LEFT = frozenset({"ar", "fa", "ur"})


@lru_cache(maxsize=1)
def _environment() -> Environment:
    from bot.channels.webchat.pages import PAGES

    return Environment(loader=FileSystemLoader(str(PAGES)),
                       autoescape=select_autoescape(["html"], default=True))


def look_languages() -> List[str]:
    """The languages the page exists in: those of the catalogue."""
    return sorted(get_awareness().languages)


def look_title(language: str) -> str:
    """The page's title in ``language`` (the demo pages' link text)."""
    return str(get_awareness().look(language)["title"])


def render_look(language: str) -> Optional[str]:
    """The page in ``language``, or None for a language the catalogue does not have."""
    catalogue = get_awareness()
    if language not in catalogue.languages:
        return None
    others = [(code, str(catalogue.look(code)["title"])) for code in look_languages()
              if code != language]
    return _environment().get_template("look.html").render(
        lang=language, direction="rtl" if language in RIGHT_TO_LEFT else "ltr",
        look=catalogue.look(language), others=others)
