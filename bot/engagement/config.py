"""Settings of feedback and surveys (``TIPLINE_FEEDBACK_*``, ``TIPLINE_SURVEYS_DIR``).

Kept apart from bot/settings.py (which holds them as ``get_settings().engagement``), as
bot/inbox/config.py is, so that this package's settings read on their own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "data"


@dataclass(frozen=True)
class EngagementSettings:
    """``feedback``: ask the one feedback question after a confirmed tip (on by default);
    ``surveys_dir``: the community surveys (``<id>.yml``, docs/engagement.md)."""

    feedback: bool = field(default_factory=lambda: os.environ.get(
        "TIPLINE_FEEDBACK", "on").lower() not in ("off", "0", "false", "no"))
    surveys_dir: Path = field(default_factory=lambda: Path(os.environ.get(
        "TIPLINE_SURVEYS_DIR", DATA_DIR / "surveys")))
