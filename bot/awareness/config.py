"""Settings of the awareness answers (``TIPLINE_AWARENESS_*``): ``get_settings().awareness``.

Kept apart from bot/settings.py, as bot/inbox/config.py is, so that it reads on its own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "data"


def _env(name: str, default: str) -> str:
    return os.environ.get(f"TIPLINE_AWARENESS_{name}", default)


@dataclass(frozen=True)
class AwarenessSettings:
    """The catalogue, how close a question must be to a topic, and the public link.

    ``threshold`` is the cosine similarity (multilingual encoder) between a message and a
    topic's closest example question under which the bot lists what it can answer instead.
    ``link_base`` is the tip line's public address (``https://tips.example.org``): web chat
    answers end with a link to ``<link_base>/webchat/look/<lang>``; empty: no link.
    ``cache_dir`` keeps the example questions' vectors (``$TIPLINE_CACHE/awareness``).
    """

    directory: Path = field(default_factory=lambda: Path(_env("DIR", str(DATA_DIR / "awareness"))))
    threshold: float = field(default_factory=lambda: float(_env("THRESHOLD", "0.86")))
    link_base: str = field(default_factory=lambda: _env("LINK_BASE", "http://127.0.0.1:5005"))
    # the example questions' vectors, keyed by encoder and texts (shared by every process)
    cache_dir: Path = field(default_factory=lambda: Path(_env("CACHE", str(Path(
        os.environ.get("TIPLINE_CACHE", Path.home() / ".cache" / "tipline")) / "awareness"))))

    def look_url(self, language: str) -> str:
        """The public address of the "what to look for" page in ``language`` ("" if none)."""
        base = self.link_base.rstrip("/")
        return f"{base}/webchat/look/{language}" if base else ""
