"""The huey instance of the tip line, built from ``TIPLINE_JOBS_URL`` (SQLite or Redis)."""

from __future__ import annotations

from pathlib import Path

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey

from bot.settings import JobsSettings, get_settings

NAME = "tipline"
# No task's return value is ever read: results are not stored (the queue does not grow).
OPTIONS = {"results": False, "utc": True}


def build_huey(settings: JobsSettings) -> Huey:
    """``sqlite:///path`` (embedded default), ``redis://``/``rediss://`` (production) or
    ``memory://`` (one process only: tests)."""
    url = settings.url
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(NAME, filename=str(path), **OPTIONS)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(NAME, url=url, **OPTIONS)
    if url == "memory://":
        return MemoryHuey(NAME, **OPTIONS)
    raise ValueError(f"TIPLINE_JOBS_URL must be sqlite:///..., redis://... or memory://, "
                     f"not {url.split(':', 1)[0]!r}")


huey = build_huey(get_settings().jobs)
