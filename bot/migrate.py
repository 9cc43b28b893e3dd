"""Applying the Alembic migrations from code (used by `partnerbot db upgrade` and `run`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from bot.db import create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """Alembic's configuration pointing at our migrations and the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade_database(url: str, revision: str = "head") -> None:
    """Bring the database schema up to the given revision."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade, url, revision)
    finally:
        await engine.dispose()


def _upgrade(connection: Connection, url: str, revision: str) -> None:
    """Run Alembic's upgrade on an open connection (inside the async engine's thread)."""
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
