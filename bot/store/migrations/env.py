"""Alembic environment: migrations run online against the configured engine."""

from alembic import context

from bot.store.db import make_engine
from bot.store.models import Base
from bot.store.registry import import_all_models

import_all_models()  # tables declared next to their feature (console, channels) join Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run migrations in a transaction on the configured database."""
    engine = make_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
