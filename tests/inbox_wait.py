"""Waiting for the shared inbox: a webhook's 200 means stored, handling follows."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from bot.db import Database


async def handled_count(database: Database) -> tuple[int, int]:
    """(handled, stored) updates in the inbox."""
    async with database.engine.connect() as connection:
        row = (
            await connection.execute(
                text("SELECT count(handled), count(*) FROM inbound_update")
            )
        ).one()
    return int(row[0]), int(row[1])


async def until_handled(database: Database, *, at_least: int = 0, within: float = 60.0) -> None:
    """Until every stored update (and at least `at_least`) is marked handled."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        handled, stored = await handled_count(database)
        if handled == stored and handled >= at_least:
            return
        if loop.time() > deadline:
            raise AssertionError(f"{handled} of {stored} stored updates handled after {within} s")
        await asyncio.sleep(0.05)
