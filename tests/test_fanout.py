"""The scheduler's fan-out keeps the pacer fed: no batch waits for the previous one's slowest
send, few transactions per delivery, and no connection test on every PostgreSQL checkout."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, text

from bot import db as bot_db
from bot.db import Database, utcnow
from bot.models import DeliveryKind
from bot.notifier import Keyboard, Sent
from bot.services import partnerships, scheduling
from scheduler.runner import Dispatcher
from tests.recording import RecordingNotifier

QUESTION = "Jak idzie rekrutacja?"


async def _due_checkins(db: Database, count: int) -> list[int]:
    """`count` partnerships with a check-in due now; the first one is due a minute earlier."""
    now = utcnow()
    chats = [-3000 - i for i in range(count)]
    async with db.transaction() as session:
        rows = []
        for i, chat in enumerate(chats):
            p = (
                await partnerships.register(
                    session,
                    chat_id=chat,
                    name=f"Partnerstwo {i}",
                    coordinator_user_id=1,
                    coordinator_name="Anna",
                    timezone="Europe/Warsaw",
                )
            ).partnership
            rows.append(
                scheduling.delivery_row(
                    partnership_id=p.id or 0,
                    kind=DeliveryKind.CHECKIN,
                    due_at=now - timedelta(minutes=1 if i == 0 else 0),
                    key=f"test:{chat}",
                    payload={"question": QUESTION},
                )
            )
        await scheduling.enqueue(session, rows)
    return chats


class StuckNotifier(RecordingNotifier):
    """Records sends; a send to `stuck` waits until `release` is set; `others_sent` is set once
    `others` messages went to the other chats."""

    def __init__(self, stuck: int, others: int) -> None:
        super().__init__()
        self.stuck = stuck
        self.others = others
        self.release = asyncio.Event()
        self.others_sent = asyncio.Event()

    async def send(
        self, chat_id: int, text: str, *, buttons: Keyboard | None = None, force_reply: bool = False
    ) -> Sent:
        if chat_id == self.stuck:
            await self.release.wait()
        sent = await super().send(chat_id, text, buttons=buttons, force_reply=force_reply)
        if sum(1 for m in self.messages if m.chat_id != self.stuck) >= self.others:
            self.others_sent.set()
        return sent


async def test_a_slow_send_does_not_hold_back_the_next_batches(database: Database) -> None:
    chats = await _due_checkins(database, 12)
    notifier = StuckNotifier(stuck=chats[0], others=11)  # claimed first, in the first batch of 4
    dispatcher = Dispatcher(database, notifier, default_locale="pl", batch=4)
    tick = asyncio.create_task(dispatcher.tick())
    try:
        await asyncio.wait_for(notifier.others_sent.wait(), timeout=20)
    finally:
        notifier.release.set()
        result = await tick
    # The other 11 went out while the first batch still had a send waiting.
    assert sorted(m.chat_id for m in notifier.messages[:11]) == sorted(chats[1:])
    assert result.sent == 12 and notifier.messages[-1].chat_id == chats[0]


async def test_a_checkin_costs_two_transactions(database: Database) -> None:
    await _due_checkins(database, 20)
    begins: list[object] = []
    event.listen(database.engine.sync_engine, "begin", begins.append)
    notifier = RecordingNotifier()
    result = await Dispatcher(database, notifier, default_locale="pl").tick()
    assert result.sent == 20
    # One to open the round, one to record it sent (with where the question was posted),
    # plus a few per tick: materialise, forget old marks, the claim, and two that find nothing
    # (one while the last sends are out, one after them: a send may make something due now).
    assert len(begins) <= 2 * 20 + 5, len(begins)
    async with database.transaction() as session:
        posted = await session.exec(text("SELECT count(*) FROM checkin_round WHERE message_id IS NOT NULL"))  # type: ignore[call-overload]
        assert posted.one()[0] == 20


def _count_pings(database: Database, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every connection test the engine makes, remembered."""
    dialect = database.engine.sync_engine.dialect
    pings: list[object] = []
    real = dialect.do_ping

    def counting(dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return bool(real(dbapi_connection))

    monkeypatch.setattr(dialect, "do_ping", counting)
    return pings


async def test_busy_postgresql_connections_are_not_tested_at_every_checkout(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database.dialect != "postgresql":
        pytest.skip("SQLite has no connection to test")
    pings = _count_pings(database, monkeypatch)
    for _ in range(20):
        async with database.transaction() as session:
            await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    assert pings == []


async def test_an_idle_postgresql_connection_killed_by_the_server_is_replaced_unseen(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database.dialect != "postgresql":
        pytest.skip("SQLite has no connection to test")
    monkeypatch.setattr(bot_db, "PING_AFTER_IDLE", 0.2)
    async with database.transaction() as session:
        pid = (await session.exec(text("SELECT pg_backend_pid()"))).one()[0]  # type: ignore[call-overload]
    other = Database(database.url)
    try:
        async with other.transaction() as session:
            await session.exec(text(f"SELECT pg_terminate_backend({int(pid)})"))  # type: ignore[call-overload]
    finally:
        await other.dispose()
    await asyncio.sleep(0.3)
    pings = _count_pings(database, monkeypatch)
    async with database.transaction() as session:
        now_pid = (await session.exec(text("SELECT pg_backend_pid()"))).one()[0]  # type: ignore[call-overload]
    assert len(pings) == 1 and now_pid != pid
