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


def test_0014_officer_reply_parts_goes_down_and_up_again(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import inspect

    url = f"sqlite:///{tmp_path / 'schema.db'}"
    upgrade(url)

    def tables() -> set:
        engine = make_engine(url)
        try:
            return set(inspect(engine).get_table_names())
        finally:
            engine.dispose()

    assert "officer_reply_parts" in tables()
    command.downgrade(alembic_config(url), "0013")
    assert "officer_reply_parts" not in tables() and "console_surveys" in tables()
    upgrade(url)
    assert "officer_reply_parts" in tables()
