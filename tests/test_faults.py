"""Nothing done twice, under faults: the experiments of benchmarks/bench_faults.py, asserted.

The two-process, flood-wait, outage and timeout tests run the benchmark's own experiments at a
small size (the counts they return are what is asserted); the 5xx test is written out here so
that its failures are deterministic (every first try to one group fails).
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from benchmarks.bench_faults import CONCURRENCY, FaultyFake, exp_flood, exp_outage, exp_procs, exp_timeout
from bot.app import build_application
from bot.db import Database
from bot.models import EntryKind, LogEntry
from bot.outage import database_unreachable
from tests.e2e_fixtures import COORDINATOR, MEMBER_PL, register_group
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest


def _postgres_only(db_url: str) -> None:
    """Several processes claiming the same deliveries: a PostgreSQL set-up."""
    if not db_url.startswith("postgresql"):
        pytest.skip("several scheduler processes share one PostgreSQL database")


async def test_two_processes_one_killed_mid_fan_out_double_at_most_its_sends_in_flight(
    database: Database, db_url: str, tmp_path: Path
) -> None:
    _postgres_only(db_url)
    outcome = await exp_procs(db_url, "postgresql", True, tmp_path, random.Random(3), count=200)
    assert outcome["exit_code"] == 0, json.dumps(outcome)
    assert outcome["claims_held_at_kill"] > 0, json.dumps(outcome)  # killed while it was sending
    assert outcome["lost"] == 0 and outcome["not_marked_sent"] == 0, json.dumps(outcome)
    assert outcome["sent_twice"] <= CONCURRENCY, json.dumps(outcome)  # the README's bound: sends in flight
    assert outcome["two_rounds"] == 0, json.dumps(outcome)


async def test_a_429_longer_than_the_lease_sends_nothing_twice_across_two_processes(
    database: Database, db_url: str, tmp_path: Path
) -> None:
    _postgres_only(db_url)
    outcome = await exp_flood(db_url, "postgresql", True, tmp_path, random.Random(4), count=60)
    assert outcome["exit_codes"] == [0, 0], json.dumps(outcome)
    assert outcome["refused_429"] == 15 and outcome["retry_after_s"] > outcome["lease_s"], json.dumps(outcome)
    assert (outcome["sent_twice"], outcome["lost"], outcome["two_rounds"]) == (0, 0, 0), json.dumps(outcome)
    assert outcome["not_marked_sent"] == 0, json.dumps(outcome)


async def test_answers_after_the_timeout_are_repeated_only_for_checkins(
    database: Database, db_url: str, tmp_path: Path
) -> None:
    label = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    outcome = await exp_timeout(db_url, label, True, tmp_path, random.Random(5))
    assert (outcome["status_replies_twice"], outcome["status_replies_lost"]) == (0, 0), json.dumps(outcome)
    # Check-ins: tried again (a loss is worse), so the late first copy and the retry both arrive,
    # but it is the same round.
    assert (outcome["checkins_twice"], outcome["checkins_lost"]) == (outcome["checkins"], 0), json.dumps(
        outcome
    )
    assert outcome["checkin_rounds_twice"] == 0, json.dumps(outcome)
    assert (outcome["alerts_twice"], outcome["alerts_lost"]) == (0, 0), json.dumps(outcome)


async def test_a_database_outage_recovers_within_5_s_and_warns_once_a_minute(
    database: Database, db_url: str, tmp_path: Path
) -> None:
    # PostgreSQL: a TCP proxy in front of it is closed for 30 s (real time, once in the suite).
    # SQLite: another process holds an EXCLUSIVE lock for 6 s (every write fails meanwhile).
    label = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    away = 30.0 if label == "postgresql" else 6.0
    outcome = await exp_outage(db_url, label, True, tmp_path, random.Random(6), away=away)
    assert outcome["exit_code"] == 0, json.dumps(outcome)
    assert not outcome["confirmed_while_away"], json.dumps(outcome)  # nothing confirmed that was not stored
    assert outcome["first_handled_after_return_s"] < 5.0, json.dumps(outcome)
    assert outcome["all_handled_after_return_s"] < 5.0, json.dumps(outcome)
    # One warning line per minute (the scheduler and the poller share one rate limit), no tracebacks.
    # (A lock shorter than SQLite's 15 s busy timeout is waited out without any failure at all.)
    least = 1 if label == "postgresql" else 0
    assert least <= outcome["warning_lines_while_away"] <= 1 + int(away // 60), json.dumps(outcome)
    assert outcome["tracebacks_total"] == 0, json.dumps(outcome)
    assert (outcome["updates_lost"], outcome["updates_twice"], outcome["contact_replies"]) == (0, 0, 1), (
        outcome
    )


class FirstTryFails(FaultyFake):
    """The fake answering the first try of every message to some chats with 502, then 500."""

    def __init__(self, chats: set[int]) -> None:
        super().__init__()
        self.chats = {str(c) for c in chats}
        self.seen: set[tuple[str, str]] = set()

    def _handle_call(
        self,
        token: str,
        method: str,
        raw: dict[str, str],
        typed: dict[str, Any],
        files: dict[str, bytes],
        filenames: dict[str, str],
    ) -> tuple[int, dict[str, Any]]:
        """Fail a message's first try to the chosen chats, then answer as the fake does."""
        chat = str(typed.get("chat_id", raw.get("chat_id")))
        key = (chat, str(typed.get("text", raw.get("text"))))
        if method.lower() == "sendmessage" and chat in self.chats and key not in self.seen:
            self.seen.add(key)
            code = 502 if len(self.seen) % 2 else 500
            self.fail_next(
                method, error_code=code, description="Bad Gateway" if code == 502 else "Internal Error"
            )
        return super()._handle_call(token, method, raw, typed, files, filenames)


async def test_5xx_bursts_retry_at_once_deliver_once_and_leave_other_chats_alone(
    database: Database, db_url: str
) -> None:
    flaky = tg.supergroup(-100_900_000_001, "Burza")
    calm = tg.supergroup(-100_900_000_002, "Cisza")
    with FirstTryFails({flaky["id"]}) as fake:
        bot = BotUnderTest(fake, db_url)
        bot.app = build_application(bot.settings, rate_limit=True)  # the production pace
        await bot.start()
        try:
            await register_group(bot, flaky, name="Partnerstwo Burza")
            await register_group(bot, calm, name="Partnerstwo Cisza")
            fake.clear_calls()
            pushed_at = time.monotonic()
            updates = [tg.message(flaky, COORDINATOR, f"/log telefon burza {i}") for i in range(3)]
            updates += [tg.message(flaky, MEMBER_PL, f"zwykła {i}") for i in range(3)]
            updates.append(tg.message(calm, COORDINATOR, "/log telefon cisza"))
            await bot.deliver(*updates)
            for _ in range(100):  # the retried replies come a moment after the confirmation
                if sum(c.ok for c in fake.calls("sendMessage")) >= 4:
                    break
                await asyncio.sleep(0.05)  # real time: the fake answers over HTTP
        finally:
            await bot.stop()
        calls = fake.calls("sendMessage")
    for i in range(3):
        tries = [c for c in calls if f"burza {i}" in (c.text or "")]
        assert [c.status for c in tries] in ([502, 200], [500, 200]), [c.short() for c in tries]
        assert tries[1].at - tries[0].at < 1.0  # retried at once, not after the group's 2 s pace
    other = [c for c in calls if "cisza" in (c.text or "")]
    assert [c.status for c in other] == [200]
    assert (
        other[0].at - pushed_at < 1.0
    )  # Call.at is time.monotonic() too  # the other chat did not wait for the retries
    async with database.transaction() as session:
        entries = list(await session.exec(select(LogEntry)))
    contacts = sorted(e.text or "" for e in entries if e.kind == EntryKind.CONTACT)
    assert contacts == sorted([*(f"burza {i}" for i in range(3)), "cisza"])
    plain = sorted(e.text or "" for e in entries if (e.text or "").startswith("zwykła"))
    assert plain == [f"zwykła {i}" for i in range(3)]


async def test_a_postgresql_server_that_refuses_connections_is_an_operational_error() -> None:
    # asyncpg lets ConnectionRefusedError through SQLAlchemy unwrapped; the lanes, the handlers'
    # error path and the scheduler wait out only SQLAlchemy's errors (the outage test above found it).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once the socket is closed
    db = Database(f"postgresql+asyncpg://nobody@127.0.0.1:{port}/nothing")
    try:
        with pytest.raises(OperationalError) as raised:
            async with db.transaction():
                pass
        assert database_unreachable(raised.value)
    finally:
        await db.dispose()
