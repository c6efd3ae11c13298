"""The tips store: SQLAlchemy models, engine and repository functions."""
