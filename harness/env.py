"""This test process configured like a tip line: a fresh tips database, fresh secrets."""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator

from cryptography.fernet import Fernet


@contextmanager
def tipline_env(tmp_path: Path, **overrides: str) -> Iterator[Dict[str, str]]:
    """Set ``TIPLINE_*`` for this process (a migrated SQLite tips database in ``tmp_path``,
    the job queue in ``tmp_path/jobs.db``, translation off unless overridden), forget the
    settings and engines cached before, and put everything back afterwards."""
    from bot.store.migrate import upgrade

    database = f"sqlite:///{tmp_path / 'tips.db'}"
    upgrade(database)
    env = {"TIPLINE_DATABASE_URL": database, "TIPLINE_VAR_DIR": str(tmp_path),
           "TIPLINE_JOBS_URL": f"sqlite:///{tmp_path / 'jobs.db'}",
           "TIPLINE_HASH_KEY": "test-" + secrets.token_hex(8),
           "TIPLINE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
           "TIPLINE_TRANSLATION_PROVIDER": "none", **overrides}
    with process_env(env):
        yield env


@contextmanager
def process_env(env: Dict[str, str]) -> Iterator[None]:
    """Put ``env`` in this process's environment, forgetting the settings, engines and
    catalogues cached before; restore the previous values (and forget again) afterwards."""
    from harness.twilio import reset_process_state

    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    reset_process_state()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_process_state()
