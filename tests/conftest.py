"""Shared fixtures: a migrated database per test (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

import bot.models  # noqa: F401  (all tables on the metadata)
from bot.db import Database
from bot.migrate import upgrade_database

pytest_plugins = ["tests.e2e_fixtures"]

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
PG_SKIP_REASON = "PostgreSQL tests skipped: set TEST_DATABASE_URL to run them"


def _asyncpg(url: str) -> str:
    """Accept postgresql:// URLs and use the asyncpg driver."""
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+asyncpg://", url)


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for one test: a fresh SQLite file, or the test PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    return _asyncpg(PG_URL)


@pytest.fixture
async def database(db_url: str) -> AsyncIterator[Database]:
    """A migrated, empty database."""
    await upgrade_database(db_url)
    db = Database(db_url)
    tables = [table.name for table in SQLModel.metadata.sorted_tables]
    if db.dialect == "postgresql":
        async with db.engine.begin() as connection:
            await connection.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
    yield db
    await db.dispose()


def pytest_report_header(config: pytest.Config) -> str:
    """Say up front which databases the run covers."""
    return "databases: SQLite" + (" and PostgreSQL" if PG_URL else f" only ({PG_SKIP_REASON})")
