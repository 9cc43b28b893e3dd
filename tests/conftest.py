"""Shared fixtures: a migrated database per test (SQLite, and PostgreSQL when configured), and the
bot's clock set to a fixed moment for every test (`--today` or PARTNERBOT_TEST_TODAY moves it)."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

import bot.instances  # the tables several instances share (bot.instances)
import bot.models  # noqa: F401  (all tables on the metadata)
from bot import clock as bot_clock
from bot.clock import ManualClock
from bot.db import Database
from bot.migrate import upgrade_database

pytest_plugins = ["tests.e2e_fixtures"]

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
PG_SKIP_REASON = "PostgreSQL tests skipped: set TEST_DATABASE_URL to run them"
WARSAW = ZoneInfo("Europe/Warsaw")
# An ordinary moment: a Wednesday morning in November, no holiday near, far from DST changes.
DEFAULT_TODAY = "2026-11-18T10:00"
TODAY_ENV = "PARTNERBOT_TEST_TODAY"


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--today`: the moment the bot's clock starts at in every test."""
    parser.addoption(
        "--today",
        default=os.environ.get(TODAY_ENV) or DEFAULT_TODAY,
        help=(
            "start every test's clock at this moment: 2026-12-24, 2026-12-31T23:59 (local "
            f"Europe/Warsaw) or with an offset; also ${TODAY_ENV}; default {DEFAULT_TODAY}"
        ),
    )


def parse_today(text: str) -> datetime:
    """A date (10:00 local) or a date and time, local Europe/Warsaw unless it has an offset."""
    moment = datetime.fromisoformat(text.strip())
    if len(text.strip()) == 10:  # a date alone: an ordinary hour of that day
        moment = datetime.combine(moment.date(), time(10, 0))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=WARSAW)
    return moment


def pytest_configure(config: pytest.Config) -> None:
    """Check `--today` once, up front, and register the marker of time-sensitive tests."""
    try:
        parse_today(str(config.getoption("--today")))
    except ValueError as exc:
        raise pytest.UsageError(f"--today: {exc}") from None
    config.addinivalue_line(
        "markers", "calendar: depends on the date or time of day; must pass with any --today"
    )


@pytest.fixture(autouse=True)
def clock(request: pytest.FixtureRequest) -> Iterator[ManualClock]:
    """The bot's clock for this test: standing at `--today` until the test moves it."""
    manual = ManualClock(parse_today(str(request.config.getoption("--today"))))
    with bot_clock.using(manual):
        yield manual


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


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say up front which databases the run covers and what day the tests think it is."""
    today = parse_today(str(config.getoption("--today")))
    return [
        "databases: SQLite" + (" and PostgreSQL" if PG_URL else f" only ({PG_SKIP_REASON})"),
        f"today (the bot's clock): {today.astimezone(WARSAW):%Y-%m-%d %H:%M %Z} ({today:%A})",
    ]
