"""The scheduler with an injected clock and a recording notifier: no sleeping, no Telegram."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import select

from bot.db import Database
from bot.models import (
    CheckinAnswer,
    CheckinRound,
    Delivery,
    DeliveryStatus,
    PartnerKind,
    Partnership,
    PartnerStatus,
    Schedule,
)
from bot.services import checkins, partnerships, people, registry, scheduling
from bot.services.people import PersonInfo
from bot.timing import Recurrence, RecurrenceSpec, SendingRules
from scheduler.runner import Dispatcher
from tests.clocks import SetClock
from tests.recording import RecordingNotifier

pytestmark = pytest.mark.calendar  # every test here is about dates and times

CHAT = -100_777
MONDAY_9 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Warsaw



async def _partnership(db: Database, reps: int = 2) -> Partnership:
    async with db.transaction() as session:
        p = (
            await partnerships.register(
                session,
                chat_id=CHAT,
                name="Partnerstwo Czarne",
                coordinator_user_id=1,
                coordinator_name="Anna",
                timezone="Europe/Warsaw",
            )
        ).partnership
        for i in range(reps):
            partner = await registry.add_partner(
                session,
                partnership=p,
                name=f"Partner {i}",
                kind=PartnerKind.NGO,
                status=PartnerStatus.ACTIVE,
                by_user_id=1,
            )
            await registry.add_representative(
                session, partner=partner, person=PersonInfo(100 + i, f"Rep {i}")
            )
    return p


async def _weekly(db: Database, p: Partnership, clock: SetClock) -> Schedule:
    async with db.transaction() as session:
        fresh = await session.get(Partnership, p.id)
        assert fresh is not None
        return await scheduling.add_schedule(
            session,
            partnership=fresh,
            spec=RecurrenceSpec(Recurrence.WEEKLY, at=time(9, 0), weekday=0),
            question="Jak idzie promocja?",
            by_user_id=1,
            now=clock.now - timedelta(minutes=1),
            rules=SendingRules(),
        )


async def _deliveries(db: Database) -> list[Delivery]:
    async with db.transaction() as session:
        return list(await session.exec(select(Delivery).order_by(Delivery.id)))  # type: ignore[arg-type]


async def test_checkin_round_reminder_and_close(database: Database) -> None:
    clock = SetClock(MONDAY_9)
    p = await _partnership(database)
    await _weekly(database, p, clock)
    notifier = RecordingNotifier()
    dispatcher = Dispatcher(database, notifier, default_locale="en", clock=clock)

    result = await dispatcher.tick()
    assert (result.materialised, result.sent) == (1, 1)
    (question,) = notifier.messages
    assert question.chat_id == CHAT and "Jak idzie promocja?" in question.text
    round_id = int(question.buttons[0][0].data.split(":")[1])
    assert [b.data for b in question.buttons[0]] == [
        f"ci:{round_id}:done",
        f"ci:{round_id}:progress",
        f"ci:{round_id}:help",
    ]
    assert (await dispatcher.tick()).sent == 0  # nothing twice

    async with database.transaction() as session:
        await checkins.answer(
            session,
            partnership_id=p.id or 0,
            round_id=round_id,
            person=PersonInfo(100, "Rep 0"),
            choice="done",
            text=None,
            now=clock.now,
        )
    clock.advance(hours=24)  # the reminder: only Rep 1, in the group and privately
    result = await dispatcher.tick()
    assert result.sent == 1
    reminder_texts = notifier.texts()[1:]
    assert any("Rep 1" in t and "tg://user?id=101" in t for t in reminder_texts)
    assert all("Rep 0" not in t for t in reminder_texts)
    assert {m.chat_id for m in notifier.messages[1:]} == {CHAT, 101}

    clock.advance(hours=24)  # the window ends: the coordinator gets the summary privately
    await dispatcher.tick()
    summary = notifier.messages[-1]
    assert summary.chat_id == 1 and "Rep 0 (Partner 0): done" in summary.text
    assert "Did not answer: Rep 1 (Partner 1)" in summary.text
    async with database.transaction() as session:
        answers = {a.name: a.answer for a in await session.exec(select(CheckinAnswer))}
    assert answers == {"Rep 0": "done", "Rep 1": "none"}  # "did not answer" is recorded explicitly

    # A late answer still updates the round, marked late.
    async with database.transaction() as session:
        _round, late = await checkins.answer(
            session,
            partnership_id=p.id or 0,
            round_id=round_id,
            person=PersonInfo(101, "Rep 1"),
            choice="help",
            text="Brak sali",
            now=clock.now,
        )
    assert late.answer == "help" and late.late


async def test_paused_reminders_and_quiet_hours(database: Database) -> None:
    clock = SetClock(MONDAY_9)
    p = await _partnership(database)
    async with database.transaction() as session:
        await checkins.pause_reminders(session, user_id=101, until=date(2026, 12, 1))
    notifier = RecordingNotifier()
    dispatcher = Dispatcher(database, notifier, default_locale="en", clock=clock)
    clock.advance(hours=11)  # Monday 20:00 Warsaw: the check-in now, the reminder not at night
    async with database.transaction() as session:
        fresh = await session.get(Partnership, p.id)
        assert fresh is not None
        round_ = await checkins.open_round(
            session,
            partnership=fresh,
            question="Q?",
            now=clock.now,
            rules=SendingRules(),
            reminder_after_hours=1,
            window_hours=48,
        )
    reminder = next(d for d in await _deliveries(database) if d.kind == "checkin_reminder")
    assert reminder.due_at == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # Tuesday 08:00 Warsaw
    clock.now = reminder.due_at
    await dispatcher.tick()
    assert round_.id is not None
    texts = notifier.texts()
    assert any("Rep 0" in t for t in texts) and all("Rep 1" not in t for t in texts)  # Rep 1 is on holiday


async def test_downtime_sends_recent_once_and_records_old_as_missed(database: Database) -> None:
    clock = SetClock(MONDAY_9)
    p = await _partnership(database)
    await _weekly(database, p, clock)
    notifier = RecordingNotifier()
    # The bot was down for three weeks: the three old Mondays are missed, not flooded into the chat.
    clock.advance(days=21, minutes=30)
    dispatcher = Dispatcher(database, notifier, default_locale="en", clock=clock)
    result = await dispatcher.tick()
    assert result.materialised == 4 and result.missed == 3 and result.sent == 1
    assert len(notifier.messages) == 1
    statuses = [d.status for d in await _deliveries(database) if d.kind == "checkin"]
    assert statuses == ["missed", "missed", "missed", "sent"]
    async with database.transaction() as session:
        schedule = (await session.exec(select(Schedule))).one()
    assert schedule.next_run_at == datetime(2026, 12, 21, 8, 0, tzinfo=UTC)  # the Monday after


@pytest.mark.parametrize(
    ("locale", "head", "lines"),
    [
        (
            "en",
            "While I was not running, 3 scheduled messages of “Partnerstwo Czarne” could not go out on time",
            ["• check-in questions: 1", "• check-in reminders: 1", "• check-in summaries: 1"],
        ),
        (
            "pl",
            "Gdy nie działałem, 3 zaplanowane wiadomości partnerstwa „Partnerstwo Czarne” nie mogły wyjść",
            [
                "• pytania kontrolne: 1",
                "• przypomnienia o pytaniach kontrolnych: 1",
                "• podsumowania pytań kontrolnych: 1",
            ],
        ),
    ],
)
async def test_long_downtime_records_the_close_as_missed_and_tells_the_coordinator_once(
    database: Database, locale: str, head: str, lines: list[str]
) -> None:
    clock = SetClock(MONDAY_9)
    p = await _partnership(database)
    await _weekly(database, p, clock)
    async with database.transaction() as session:
        await people.remember_person(session, info=PersonInfo(1, "Anna", language_code=locale))
    notifier = RecordingNotifier()
    dispatcher = Dispatcher(database, notifier, default_locale="en", clock=clock)
    assert (await dispatcher.tick()).sent == 1  # Monday's question goes out, then the bot is down
    clock.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # two weeks later, Monday 10:00 in Warsaw
    result = await dispatcher.tick()
    # Monday 30.11's question, the first round's reminder and its close: missed, none sent late.
    assert result.missed == 3 and result.sent == 1  # today's question (an hour late) still goes out
    assert all(m.chat_id == CHAT for m in notifier.messages)  # no two-week-old summary
    async with database.transaction() as session:
        first_round = (await session.exec(select(CheckinRound).order_by(CheckinRound.id))).first()  # type: ignore[arg-type]
        answers = {a.name: a.answer for a in await session.exec(select(CheckinAnswer))}
    assert first_round is not None and first_round.closed_at is not None  # closed all the same
    assert answers == {"Rep 0": "none", "Rep 1": "none"}  # and "did not answer" is recorded
    clock.advance(minutes=10)
    await dispatcher.tick()
    clock.advance(minutes=10)
    await dispatcher.tick()
    notes = [m for m in notifier.messages if m.chat_id == 1]
    assert len(notes) == 1  # one short note, privately, in the coordinator's language
    assert notes[0].text.startswith(head) and notes[0].text.splitlines()[1:] == lines


async def test_unreachable_group_pauses_schedules_and_tells_coordinator(database: Database) -> None:
    clock = SetClock(MONDAY_9)
    p = await _partnership(database)
    await _weekly(database, p, clock)
    notifier = RecordingNotifier(unreachable=[CHAT])
    dispatcher = Dispatcher(database, notifier, default_locale="en", clock=clock)
    result = await dispatcher.tick()
    assert result.failed == 1
    assert notifier.messages[-1].chat_id == 1 and "weekly digest" in notifier.messages[-1].text
    async with database.transaction() as session:
        schedule = (await session.exec(select(Schedule))).one()
    assert schedule.is_paused and schedule.paused_reason == "bot_removed"
    clock.advance(days=7)
    assert (await dispatcher.tick()).materialised == 0


async def test_two_workers_never_send_the_same_occurrence(database: Database) -> None:
    clock = SetClock(MONDAY_9)
    for i in range(30):
        async with database.transaction() as session:
            p = (
                await partnerships.register(
                    session,
                    chat_id=-2000 - i,
                    name=f"Partnerstwo {i}",
                    coordinator_user_id=1,
                    coordinator_name="Anna",
                    timezone="Europe/Warsaw",
                )
            ).partnership
            await scheduling.add_schedule(
                session,
                partnership=p,
                spec=RecurrenceSpec(Recurrence.WEEKLY, at=time(9, 0), weekday=0),
                question="Q?",
                by_user_id=1,
                now=clock.now - timedelta(minutes=1),
                rules=SendingRules(),
            )
    notifier = RecordingNotifier()
    one = Dispatcher(database, notifier, default_locale="en", clock=clock, worker="one")
    two = Dispatcher(database, notifier, default_locale="en", clock=clock, worker="two")
    results = await asyncio.gather(one.tick(), two.tick(), one.tick(), two.tick())
    assert sum(r.sent for r in results) == 30
    assert sorted(m.chat_id for m in notifier.messages) == sorted(-2000 - i for i in range(30))


async def test_expired_lease_is_claimed_again(database: Database) -> None:
    clock = SetClock(MONDAY_9)
    p = await _partnership(database)
    await _weekly(database, p, clock)
    async with database.transaction() as session:
        await scheduling.materialise(session, now=clock.now, rules=SendingRules())
        (claimed,) = await scheduling.claim(session, now=clock.now, worker="killed")
    # The worker dies before sending. Nobody else may take it while the lease holds...
    async with database.transaction() as session:
        assert await scheduling.claim(session, now=clock.now + timedelta(seconds=30), worker="other") == []
    # ...and once it expires, another worker sends it, and the dead one cannot finish it any more.
    clock.advance(minutes=3)
    notifier = RecordingNotifier()
    assert (
        await Dispatcher(database, notifier, default_locale="en", clock=clock, worker="other").tick()
    ).sent == 1
    async with database.transaction() as session:
        assert not await scheduling.finish(
            session,
            delivery_id=claimed.id,
            worker="killed",
            status=DeliveryStatus.SENT,
            now=clock.now,
        )
    assert len(notifier.messages) == 1
