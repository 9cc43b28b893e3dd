"""Several instances on one PostgreSQL: migrations applied once, under a lock."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import PG_SKIP_REASON, PG_URL, _asyncpg

ROOT = Path(__file__).resolve().parent.parent


async def _fresh_database(name: str) -> str:
    """An empty PostgreSQL database next to the test database."""
    base = _asyncpg(PG_URL)
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


@pytest.mark.postgres
async def test_two_instances_starting_together_migrate_once(tmp_path: Path) -> None:
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    url = await _fresh_database(_asyncpg(PG_URL).rsplit("/", 1)[1] + "_migrations")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))},
        "DATABASE_URL": url,
        "PYTHONPATH": str(ROOT),
    }
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "db",
            "upgrade",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(3)
    ]
    outcomes = await asyncio.gather(*(p.communicate() for p in processes))
    assert all(p.returncode == 0 for p in processes), [err for _out, err in outcomes]
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            versions = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    finally:
        await engine.dispose()
    assert len(versions) == 1
