"""Nothing done twice: timeouts decided per kind, claims held through long flood waits."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.models import Delivery, DeliveryKind, DeliveryStatus, EntryKind, HandledUpdate, LogEntry, Partnership
from bot.runtime import services_of
from bot.services import scheduling
from scheduler.runner import Dispatcher
from tests.e2e_fixtures import COORDINATOR, GROUP_ID, MEMBER_PL, register_group
from tests.fakebot import FakeBotApi
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest
from tests.recording import RecordingNotifier

MOMENT = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # a Wednesday morning, nothing special


@pytest.fixture
async def impatient_bot(fake: FakeBotApi, database: Database, db_url: str) -> AsyncIterator[BotUnderTest]:
    """The bot waiting only 0.5 s for Telegram's answers."""
    bot = BotUnderTest(fake, db_url, telegram_timeout=0.5)
    await bot.start()
    yield bot
    await bot.stop()


async def _queue(database: Database, *rows: tuple[DeliveryKind, dict[str, object]]) -> dict[str, int]:
    """Only the given deliveries, due at MOMENT, for the registered partnership."""
    async with database.transaction() as session:
        await session.exec(delete(Delivery))  # type: ignore[call-overload]
        partnership = (await session.exec(select(Partnership))).one()
        await scheduling.enqueue(
            session,
            [
                scheduling.delivery_row(
                    partnership_id=partnership.id or 0,
                    kind=kind,
                    due_at=MOMENT,
                    key=f"t:{kind}",
                    payload=payload,
                )
                for kind, payload in rows
            ],
        )
        return {d.kind: d.id or 0 for d in await session.exec(select(Delivery))}


async def _status(database: Database, delivery_id: int) -> Delivery:
    async with database.transaction() as session:
        found = await session.get(Delivery, delivery_id)
        assert found is not None
        return found


async def test_a_reply_that_timed_out_is_neither_repeated_nor_apologised_for(
    impatient_bot: BotUnderTest,
) -> None:
    chat = await register_group(impatient_bot)
    fake = impatient_bot.fake
    before = len(fake.sent_texts(GROUP_ID))
    fake.delay_next("sendMessage", 1.0)  # Telegram answers after the bot stopped waiting
    await impatient_bot.deliver(tg.message(chat, MEMBER_PL, "/status"))
    await asyncio.sleep(1.0)  # real HTTP time: let the late answer arrive, then see nothing follows
    texts = fake.sent_texts(GROUP_ID)[before:]
    assert len(texts) == 1 and "Partnerstwo Czarne" in texts[0]  # the one reply; no apology


async def test_timed_out_checkin_is_retried_and_timed_out_alert_is_not(
    impatient_bot: BotUnderTest, database: Database
) -> None:
    await register_group(impatient_bot)
    ids = await _queue(
        database,
        (DeliveryKind.CHECKIN, {"question": "Jak idzie?"}),
        (
            DeliveryKind.ALERT,
            {"alert": "silent_partner", "partner": "Parafia", "days": 21, "to": COORDINATOR["id"]},
        ),
    )
    fake = impatient_bot.fake
    fake.delay_next("sendMessage", 1.0, times=2)
    impatient_bot.dispatcher.clock = lambda: MOMENT
    result = await impatient_bot.dispatcher.tick()
    assert (result.retried, result.uncertain, result.sent) == (1, 1, 0)
    checkin = await _status(database, ids[DeliveryKind.CHECKIN])
    assert checkin.status == DeliveryStatus.PENDING and checkin.due_at > MOMENT  # asked again later
    alert = await _status(database, ids[DeliveryKind.ALERT])
    assert alert.status == DeliveryStatus.SENT and "timed out" in alert.last_error  # not repeated
    await asyncio.sleep(1.0)  # real HTTP time: the late answers arrive; nothing may be repeated
    assert len([t for t in fake.sent_texts(COORDINATOR["id"]) if "Parafia" in t]) == 1


async def test_a_flood_wait_longer_than_the_lease_does_not_let_another_process_send(
    running_bot: BotUnderTest, database: Database
) -> None:
    await register_group(running_bot)
    ids = await _queue(database, (DeliveryKind.CHECKIN, {"question": "Czy jest sala?"}))
    fake = running_bot.fake
    fake.fail_next(
        "sendMessage", error_code=429, description="Too Many Requests: retry after 3", retry_after=3
    )
    lease = timedelta(seconds=1.5)  # the flood wait is twice as long as the lease
    first = Dispatcher(database, running_bot.dispatcher.notifier, default_locale="pl", lease=lease)
    other = Dispatcher(database, running_bot.dispatcher.notifier, default_locale="pl", lease=lease)
    now = MOMENT
    first.clock = other.clock = lambda: now
    waiting = asyncio.create_task(first.tick())
    takeovers = 0
    while not waiting.done():
        await asyncio.sleep(0.3)
        now += timedelta(seconds=0.3)  # the clock runs as fast as the wait
        takeovers += (await other.tick()).sent
    assert (await waiting).sent == 1 and takeovers == 0
    assert len([t for t in fake.sent_texts(GROUP_ID) if "Czy jest sala?" in t]) == 1
    assert (await _status(database, ids[DeliveryKind.CHECKIN])).status == DeliveryStatus.SENT
    async with database.transaction() as session:
        assert len(list(await session.exec(select(Delivery).where(col(Delivery.status) == "sent")))) == 1


async def test_a_database_outage_delays_updates_and_warns_once(
    running_bot: BotUnderTest, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    chat = await register_group(running_bot)
    db = services_of(running_bot.app.bot_data).db
    real = db.transaction
    down = True

    def flaky(*, mark: bool = True) -> AbstractAsyncContextManager[AsyncSession]:
        if down:
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("the database is away"))
        return real(mark=mark)

    db.transaction = flaky  # type: ignore[method-assign,assignment]
    fake = running_bot.fake
    ids = fake.push_updates(
        [
            tg.message(chat, MEMBER_PL, "w trakcie awarii"),
            tg.message(tg.private_chat(COORDINATOR), COORDINATOR, "/log telefon Dzwoniłam do szkoły"),
        ]
    )
    with caplog.at_level(logging.WARNING):
        await asyncio.sleep(3.0)  # a few retries of each lane
        assert fake.confirmed_offset <= ids[0]  # nothing confirmed while the database is away
        down = False
        loop = asyncio.get_running_loop()
        back = loop.time()
        await fake.await_confirmed(ids[-1], timeout=5)
        assert loop.time() - back < 5.0
    outage_lines = [
        r for r in caplog.records if "unreachable" in r.getMessage() or "could not" in r.getMessage()
    ]
    assert 1 <= len(outage_lines) <= 2 and not any(r.exc_info for r in outage_lines)  # no tracebacks
    async with database.transaction() as session:
        kinds = [e.kind for e in await session.exec(select(LogEntry).where(col(LogEntry.partnership_id) > 0))]
    assert kinds.count(EntryKind.CONTACT) == 1 and kinds.count(EntryKind.MESSAGE) == 1
    assert "Dzwoniłam do szkoły" in fake.sent_texts(COORDINATOR["id"])[-1]


async def test_handled_marks_older_than_a_week_are_forgotten_by_the_scheduler(database: Database) -> None:
    async with database.transaction() as session:
        session.add(HandledUpdate(update_id=1, handled_at=MOMENT - timedelta(days=8)))
        session.add(HandledUpdate(update_id=2, handled_at=MOMENT - timedelta(days=1)))
    dispatcher = Dispatcher(database, RecordingNotifier(), default_locale="pl", clock=lambda: MOMENT)
    await dispatcher.tick()
    async with database.transaction() as session:
        assert [h.update_id for h in await session.exec(select(HandledUpdate))] == [2]
