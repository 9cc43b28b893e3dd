"""Several scheduler processes on one database, one killed after claiming: every occurrence once."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select, update

from bot.db import Database, utcnow
from bot.models import Delivery, Schedule
from bot.services import partnerships, scheduling
from bot.timing import Recurrence, RecurrenceSpec
from tests.fakebot import FakeBotApi
from tests.scheduler_worker import ALWAYS

ROOT = Path(__file__).resolve().parent.parent
PARTNERSHIPS = 40


async def _worker(
    fake: FakeBotApi, db_url: str, name: str, mode: str, *, now: datetime, ready_dir: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one scheduler process to its end, on the test's clock."""
    command = [
        sys.executable,
        "-m",
        "tests.scheduler_worker",
        "--db",
        db_url,
        "--base-url",
        fake.base_url,
        "--token",
        fake.token,
        "--worker",
        name,
        "--mode",
        mode,
        "--batch",
        "7",
        "--lease",
        "2",
        "--now",
        now.isoformat(),
        *(["--ready-dir", str(ready_dir), "--peers", "2"] if ready_dir else []),
    ]
    # asyncio's own process handling (no time.sleep polling: it breaks under libfaketime, which
    # the calendar-days CI run preloads).
    process = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    except TimeoutError:
        process.kill()
        raise
    assert process.returncode is not None
    return subprocess.CompletedProcess(command, process.returncode, out.decode(), err.decode())


@pytest.mark.calendar
async def test_two_processes_and_a_killed_one_send_each_occurrence_exactly_once(
    fake: FakeBotApi, database: Database, db_url: str, tmp_path: Path
) -> None:
    now = utcnow()
    async with database.transaction() as session:
        for i in range(PARTNERSHIPS):
            p = (
                await partnerships.register(
                    session,
                    chat_id=-5000 - i,
                    name=f"Partnerstwo {i}",
                    coordinator_user_id=1,
                    coordinator_name="Anna",
                    timezone="Europe/Warsaw",
                )
            ).partnership
            await scheduling.add_schedule(
                session,
                partnership=p,
                question=f"Pytanie {i}?",
                by_user_id=1,
                now=now,
                spec=RecurrenceSpec(Recurrence.WEEKLY, at=time(9, 0)),
                rules=ALWAYS,
            )
        await (await session.connection()).execute(
            update(Schedule).values(next_run_at=now - timedelta(minutes=1))
        )
    crashed = await _worker(fake, db_url, "doomed", "crash", now=now)
    assert crashed.returncode == 9 and "claimed 7" in crashed.stdout, crashed.stderr
    # Each send takes a while, and both workers start together: both must get a share.
    fake.delay_next("sendMessage", 0.1, times=PARTNERSHIPS)
    ready = tmp_path / "ready"
    ready.mkdir()
    first, second = await asyncio.gather(
        _worker(fake, db_url, "one", "run", now=now, ready_dir=ready),
        _worker(fake, db_url, "two", "run", now=now, ready_dir=ready),
    )
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr

    sent = Counter(call.params["chat_id"] for call in fake.calls("sendMessage"))
    assert sent == Counter({-5000 - i: 1 for i in range(PARTNERSHIPS)})
    async with database.transaction() as session:
        rows = list(await session.exec(select(Delivery).where(col(Delivery.kind) == "checkin")))
    assert len(rows) == PARTNERSHIPS and {r.status for r in rows} == {"sent"}
    takers = Counter(r.claimed_by for r in rows)
    assert set(takers) == {"one", "two"}, takers  # both sent, the killed one none
    assert sum(takers.values()) == PARTNERSHIPS
    assert (
        sum(r.attempts for r in rows) == PARTNERSHIPS + 7
    )  # the 7 claimed by the killed process were claimed twice
