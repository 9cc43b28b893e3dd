"""Applying the Alembic migrations from code (used by `partnerbot db upgrade` and `run`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.db import create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """Alembic's configuration pointing at our migrations and the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


MIGRATION_LOCK = 0x70626D67  # "pbmg": one key for every partnerbot instance on the database


async def upgrade_database(url: str, revision: str = "head") -> None:
    """Bring the database schema up to the given revision.

    On PostgreSQL the migrations run under a transaction-scoped advisory lock: when several
    instances start together, one migrates and the others wait, then find nothing to do.
    """
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            await connection.run_sync(_upgrade, url, revision)
    finally:
        await engine.dispose()


def _upgrade(connection: Connection, url: str, revision: str) -> None:
    """Run Alembic's upgrade on an open connection (inside the async engine's thread)."""
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
