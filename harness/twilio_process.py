"""This test process configured like a tip line with SMS, and its cached state forgotten."""

from __future__ import annotations

import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator

from cryptography.fernet import Fernet

from bot.channels.twilio.spec import SPEC
from harness.twilio_account import twilio_env

_template_db: Dict[str, Path] = {}


def _migrated_template(directory: Path) -> Path:
    """A migrated empty tips database, made once per test session and copied per test."""
    if "path" not in _template_db:
        from bot.store.migrate import upgrade

        path = directory / "template.db"
        upgrade(url=f"sqlite:///{path}")
        _template_db["path"] = path
    return _template_db["path"]


def reset_process_state() -> None:
    """Forget settings, engines, catalogs and senders cached from an earlier environment."""
    import bot.outbound
    import bot.translation
    from bot.channels.twilio.sender import set_sender
    from bot.messages import get_catalog, get_officer_replies
    from bot.settings import get_settings
    from bot.store.db import get_engine

    if get_engine.cache_info().currsize:
        get_engine().dispose()  # the engine of the configured database
    get_engine.cache_clear()
    get_settings.cache_clear()
    get_catalog.cache_clear()
    get_officer_replies.cache_clear()
    bot.translation._service = None
    set_sender(None)
    bot.outbound._senders.pop(SPEC.name, None)


@contextmanager
def sms_environment(tmp_path: Path, fake_api: Any, template_dir: Path,
                    **overrides: str) -> Iterator[Dict[str, str]]:
    """This process configured like a tip line with SMS: a fresh SQLite tips database
    (copied from a migrated template), fresh secrets, Twilio pointed at ``fake_api``."""
    database = tmp_path / "tips.db"
    shutil.copyfile(_migrated_template(template_dir), database)
    env = {
        "TIPLINE_DATABASE_URL": f"sqlite:///{database}",
        "TIPLINE_VAR_DIR": str(tmp_path),
        "TIPLINE_HASH_KEY": "unit-hash-key-" + secrets.token_hex(8),
        "TIPLINE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "TIPLINE_TRANSLATION_PROVIDER": "none",
        **twilio_env(fake_api),
        "TIPLINE_TWILIO_SEND_TIMEOUT": "1",
        "TIPLINE_TWILIO_SEND_BACKOFF": "0.01",
        **overrides,
    }
    from harness.env import process_env

    with process_env(env):
        yield env


@contextmanager
def sms_database(dialect: str, tmp_path: Path, fake_api: Any, template_dir: Path,
                 **overrides: str) -> Iterator[str]:
    """``sms_environment`` on a fresh SQLite tips database (``dialect`` "sqlite") or on a
    fresh, migrated PostgreSQL one ("postgresql"); yields the dialect."""
    if dialect == "sqlite":
        with sms_environment(tmp_path, fake_api, template_dir, **overrides):
            yield dialect
        return
    from bot.store.migrate import upgrade
    from harness.inbox import pg_database

    for url in pg_database():
        upgrade(url)
        with sms_environment(tmp_path, fake_api, template_dir, TIPLINE_DATABASE_URL=url,
                             **overrides):
            yield dialect
