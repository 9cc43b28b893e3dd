"""Alembic environment: runs on the connection bot.migrate hands over."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import bot.instances  # the tables several instances share (bot.instances)
import bot.models  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata


def run_migrations() -> None:
    """Migrate using the connection given in config.attributes."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with `partnerbot db upgrade`")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
