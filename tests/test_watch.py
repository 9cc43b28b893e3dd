"""The weekly digest and the daily watch, with an injected clock and a recording notifier."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select, update

from bot.db import Database, as_utc
from bot.models import (
    AppointedRole,
    Delivery,
    LogEntry,
    Partner,
    PartnerKind,
    Partnership,
    PartnerStatus,
    PartnerStatusChange,
)
from bot.services import partnerships, plan, registry, watch
from bot.services.people import PersonInfo
from bot.timing import SendingRules
from scheduler.runner import Dispatcher
from tests.clocks import SetClock
from tests.recording import RecordingNotifier

pytestmark = pytest.mark.calendar  # every test here is about dates and times

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday
WARSAW = ZoneInfo("Europe/Warsaw")



async def _setup(db: Database, now: datetime = NOW, period_ends: date = date(2026, 12, 1)) -> Partnership:
    SetClock(now)  # a fixed day: everything below, including the bot's own stamps, is then
    async with db.transaction() as session:
        p = (
            await partnerships.register(
                session,
                chat_id=-900,
                name="Partnerstwo Radlin",
                coordinator_user_id=1,
                coordinator_name="Anna",
                timezone="Europe/Warsaw",
            )
        ).partnership
        await registry.add_partner(
            session,
            partnership=p,
            name="OSP",
            kind=PartnerKind.FIRE_BRIGADE,
            status=PartnerStatus.ACTIVE,
            by_user_id=1,
        )
        await registry.appoint(
            session, partnership=p, person=PersonInfo(77, "Sue"), role=AppointedRole.SUPERVISOR
        )
        await watch.start_routines(session, partnership=p, now=now - timedelta(days=30), rules=SendingRules())
        # Everything happened a month ago: the partner and the coordinator have gone quiet since.
        await (await session.connection()).execute(
            update(Partner).values(created_at=now - timedelta(days=30))
        )
        await (await session.connection()).execute(
            update(PartnerStatusChange).values(changed_at=now - timedelta(days=30))
        )
        await (await session.connection()).execute(
            update(Partnership).values(created_at=now - timedelta(days=30))
        )
        await (await session.connection()).execute(
            update(LogEntry).values(occurred_at=now - timedelta(days=30))
        )
        groups = {g.key: g for g in await plan.target_groups(session, partnership_id=p.id or 0)}
        period = await plan.add_period(
            session,
            partnership_id=p.id or 0,
            name="2026",
            starts_on=date(2026, 1, 1),
            ends_on=period_ends,
        )
        await plan.set_target(session, period=period, group=groups["seniors"], count=100, by_user_id=1)
    return p


async def test_watch_alerts_once_each(database: Database) -> None:
    await _setup(database)
    clock = SetClock(NOW)
    notifier = RecordingNotifier()
    dispatcher = Dispatcher(database, notifier, default_locale="en", clock=clock)
    # The routines were started a month ago; the bot catches up: old watches are missed, today's runs.
    async with database.transaction() as session:
        await (await session.connection()).execute(
            update(Delivery).where(col(Delivery.kind) == "watch").values(due_at=NOW - timedelta(minutes=5))
        )
    await dispatcher.tick()
    to_coordinator = [m.text for m in notifier.messages if m.chat_id == 1]
    to_supervisor = [m.text for m in notifier.messages if m.chat_id == 77]
    assert any("“OSP” has been silent for 30 days" in t for t in to_coordinator)
    assert any("has not been active for 30 days" in t for t in to_supervisor)  # told about the coordinator
    period_alerts = [m for m in notifier.messages if "ends in 7 days" in m.text]
    assert period_alerts and period_alerts[0].chat_id == 1  # 1 December is 7 days away, seniors are behind
    sent = len(notifier.messages)
    clock.now += timedelta(days=1)  # tomorrow's watch finds the same silence: no repeat
    await dispatcher.tick()
    # Only the one note about what was missed while the bot was down (last month's digest).
    (note,) = notifier.messages[sent:]
    assert note.chat_id == 1 and "could not go out on time" in note.text and "weekly digests: 1" in note.text
    async with database.transaction() as session:
        pending = list(
            await session.exec(select(Delivery).where(Delivery.kind == "watch", Delivery.status == "pending"))
        )
    assert len(pending) == 1  # and the next day's watch is queued


async def test_weekly_digest(database: Database) -> None:
    p = await _setup(database)
    async with database.transaction() as session:
        digest_row = (await session.exec(select(Delivery).where(Delivery.kind == "digest"))).one()
    assert digest_row.due_at.astimezone().weekday() in (0, 6)  # Monday morning in Warsaw (Sunday night UTC)
    clock = SetClock(NOW)
    async with database.transaction() as session:
        await (await session.connection()).execute(
            update(Delivery).where(col(Delivery.kind) == "digest").values(due_at=NOW)
        )
        summary = await watch.digest(session, partnership=p, now=NOW)
    assert summary.quiet == ["OSP"]
    notifier = RecordingNotifier()
    await Dispatcher(database, notifier, default_locale="en", clock=clock).tick()
    digest = next(m for m in notifier.messages if "Your week" in m.text)
    assert digest.chat_id == 1 and "Quiet for 21 days or more: OSP" in digest.text


async def test_missed_routines_keep_going(database: Database) -> None:
    await _setup(database)  # its first digest and watch were due a month ago
    notifier = RecordingNotifier()
    result = await Dispatcher(database, notifier, default_locale="en", clock=SetClock(NOW)).tick()
    assert result.missed >= 2
    async with database.transaction() as session:
        pending = {d.kind for d in await session.exec(select(Delivery).where(Delivery.status == "pending"))}
    assert {"digest", "watch"} <= pending


async def test_watch_alerts_wait_for_allowed_time(database: Database) -> None:
    saturday = datetime(2026, 11, 28, 9, 0, tzinfo=WARSAW)
    monday_8 = datetime(2026, 11, 30, 8, 0, tzinfo=WARSAW)
    await _setup(database, now=saturday, period_ends=date(2026, 12, 5))  # 7 days after Saturday
    clock = SetClock(saturday)
    async with database.transaction() as session:
        partnership = (await session.exec(select(Partnership))).one()
        assert await watch.watch(session, partnership=partnership, now=saturday, rules=SendingRules()) == 3
        alerts = list(await session.exec(select(Delivery).where(Delivery.kind == "alert")))
    # Found on Saturday, sent on Monday morning: the watch looks every day, alerts follow the rules.
    assert {as_utc(a.due_at) for a in alerts} == {monday_8.astimezone(UTC)}
    notifier = RecordingNotifier()
    dispatcher = Dispatcher(database, notifier, default_locale="en", clock=clock)
    async with database.transaction() as session:  # the routines of a month ago are not the point here
        await (await session.connection()).execute(
            update(Delivery).where(col(Delivery.kind) != "alert").values(status="cancelled")
        )
    await dispatcher.tick()
    assert notifier.messages == []
    clock.now = monday_8.astimezone(UTC)
    await dispatcher.tick()
    texts = [m.text for m in notifier.messages]
    assert len(texts) == 3 and any("“OSP” has been silent" in t for t in texts)
    # The period-end alert counts the days from when it is sent, not from the Saturday it was found.
    assert any("ends in 5 days" in t for t in texts), texts
