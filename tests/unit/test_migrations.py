"""The Alembic migrations build exactly the schema the models declare, with one head."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.store.db import make_engine
from bot.store.migrate import alembic_config, upgrade
from bot.store.models import Base
from bot.store.registry import import_all_models


def test_one_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, heads


def test_migrations_match_the_models(tmp_path: Path) -> None:
    import_all_models()
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        drift = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert drift == []
