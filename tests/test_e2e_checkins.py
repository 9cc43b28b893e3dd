"""End to end: scheduled check-ins through the fake Bot API server, with an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, delete, select

from bot.clock import ManualClock
from bot.db import Database, as_utc
from bot.models import CheckinAnswer, CheckinRound, Delivery, PartnerKind, PartnerStatus, Schedule
from bot.services import registry
from bot.services.checkins import round_times
from bot.services.people import PersonInfo
from bot.timing import SendingRules
from tests.e2e_fixtures import GROUP_ID, register_group
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest
from tests.test_e2e_registry import COORD, _partnership, buttons, last_text, press

REPS = [tg.user(4001 + i, name, language_code="pl") for i, name in enumerate(["Ola", "Piotr", "Zosia"])]
WARSAW = ZoneInfo("Europe/Warsaw")


def next_monday_9(now: datetime) -> datetime:
    """When a weekly Monday 9:00 check-in made at `now` first goes out: the next Monday 9:00 local
    after now, moved to the next allowed time if that Monday is a holiday."""
    local = now.astimezone(WARSAW)
    monday = local.date() + timedelta(days=(0 - local.weekday()) % 7)
    candidate = datetime.combine(monday, time(9, 0), tzinfo=WARSAW)
    if candidate <= local:
        candidate = datetime.combine(monday + timedelta(days=7), time(9, 0), tzinfo=WARSAW)
    return SendingRules().next_allowed(candidate, WARSAW)


async def due_of(database: Database, kind: str) -> datetime:
    """When the one pending delivery of a kind is due."""
    async with database.transaction() as session:
        pending = select(Delivery).where(Delivery.kind == kind, Delivery.status == "pending")
        (row,) = await session.exec(pending)
    return as_utc(row.due_at)


async def _with_representatives(database: Database) -> None:
    partnership = await _partnership(database)
    async with database.transaction() as session:
        for i, rep in enumerate(REPS):
            partner = await registry.add_partner(
                session,
                partnership=partnership,
                name=f"Partner {i}",
                kind=PartnerKind.NGO,
                status=PartnerStatus.ACTIVE,
                by_user_id=1,
            )
            await registry.add_representative(
                session, partner=partner, person=PersonInfo(rep["id"], rep["first_name"])
            )


async def _without_routines(database: Database) -> None:
    """Drop the weekly digest and daily watch that /setup queued, so only check-ins are due here."""
    async with database.transaction() as session:
        await (await session.connection()).execute(
            delete(Delivery).where(col(Delivery.kind).in_(["digest", "watch"]))
        )


async def _schedule_weekly(bot: BotUnderTest) -> None:
    private = tg.private_chat(COORD)
    await bot.deliver(tg.message(private, COORD, "/schedule add"))
    await press(bot, COORD, COORD["id"], buttons(bot, COORD["id"])["every week"])
    await press(bot, COORD, COORD["id"], buttons(bot, COORD["id"])["Monday"])
    await bot.deliver(tg.message(private, COORD, "9:00"))
    await bot.deliver(tg.message(private, COORD, "Jak idzie promocja kursu?"))
    await press(bot, COORD, COORD["id"], buttons(bot, COORD["id"])["✔ Save"])


@pytest.mark.calendar
async def test_scheduled_checkin_answers_reminder_and_summary(
    running_bot: BotUnderTest, database: Database, clock: ManualClock
) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    await _with_representatives(database)
    await _schedule_weekly(running_bot)
    await _without_routines(database)
    assert "Check-in scheduled. The first one:" in last_text(running_bot, COORD["id"])
    async with database.transaction() as session:
        schedule = (await session.exec(select(Schedule))).one()
    first = next_monday_9(clock.now())
    assert as_utc(schedule.next_run_at) == first
    clock.set(first)

    await running_bot.dispatcher.tick()
    question = running_bot.fake.calls("sendMessage")[-1]
    assert question.params["chat_id"] == GROUP_ID and "Jak idzie promocja kursu?" in question.params["text"]
    labels = [b["text"] for b in question.params["reply_markup"]["inline_keyboard"][0]]
    assert labels == ["✅ Done", "⏳ In progress", "🆘 Need help"]
    checkin_message = running_bot.fake.last_message(GROUP_ID)
    done = question.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]

    await running_bot.deliver(tg.callback_query(REPS[0], checkin_message, done))
    toast = running_bot.fake.calls("answerCallbackQuery")[-1]
    assert toast.params.get("text", "").startswith("Dziękuję!")  # Ola speaks Polish
    await running_bot.deliver(
        tg.message(chat, REPS[1], "Plakaty w szkole wiszą, czekamy na zapisy", reply_to=checkin_message)
    )
    sent_so_far = len(running_bot.fake.calls("sendMessage"))
    await running_bot.dispatcher.tick()  # nothing new is due
    assert len(running_bot.fake.calls("sendMessage")) == sent_so_far

    # The reminder and the close count working time from the opening: in allowed time, in order.
    close_at, remind_at = round_times(
        first, zone=WARSAW, rules=SendingRules(), window_hours=48, reminder_after_hours=24
    )
    assert remind_at is not None and first < remind_at < close_at
    assert all(SendingRules().allowed(t.astimezone(WARSAW)) for t in (remind_at, close_at))
    assert await due_of(database, "checkin_reminder") == remind_at
    assert await due_of(database, "checkin_close") == close_at
    clock.set(remind_at - timedelta(minutes=1))
    await running_bot.dispatcher.tick()
    assert len(running_bot.fake.calls("sendMessage")) == sent_so_far  # not a minute early
    clock.set(remind_at)
    running_bot.fake.clear_calls()
    await running_bot.dispatcher.tick()
    reminder_targets = {c.params["chat_id"] for c in running_bot.fake.calls("sendMessage")}
    assert reminder_targets == {GROUP_ID, REPS[2]["id"]}
    group_reminder = running_bot.fake.sent_texts(GROUP_ID)[-1]
    assert f"tg://user?id={REPS[2]['id']}" in group_reminder and "Ola" not in group_reminder

    clock.set(close_at)
    await running_bot.dispatcher.tick()
    summary = last_text(running_bot, COORD["id"])
    assert "Check-in closed: Partnerstwo Czarne" in summary
    assert "Ola (Partner 0): done" in summary
    assert "Piotr (Partner 1): in progress — Plakaty w szkole wiszą" in summary
    assert "Did not answer: Zosia (Partner 2)" in summary
    async with database.transaction() as session:
        answers = {a.name: a.answer for a in await session.exec(select(CheckinAnswer))}
    assert answers == {"Ola": "done", "Piotr": "progress", "Zosia": "none"}
    running_bot.fake.clear_calls()
    await running_bot.dispatcher.tick()
    assert running_bot.fake.calls("sendMessage") == []  # restart-safe: nothing is sent twice
    # An edited comment updates the answer; participation shows in /status.
    comment = tg.message(chat, REPS[1], "Plakaty w szkole wiszą", reply_to=checkin_message)
    await running_bot.deliver(comment)
    await running_bot.deliver(tg.edited_message(comment, "Plakaty wiszą w szkole i w bibliotece"))
    async with database.transaction() as session:
        piotr = (await session.exec(select(CheckinAnswer).where(CheckinAnswer.name == "Piotr"))).one()
    assert piotr.text == "Plakaty wiszą w szkole i w bibliotece" and piotr.late
    await running_bot.deliver(tg.message(chat, REPS[2], "/status"))
    assert "Zosia 0/1" not in last_text(running_bot, GROUP_ID)  # never who did not answer, in the group
    await running_bot.deliver(tg.message(tg.private_chat(COORD), COORD, "/status"))
    assert "Ola 1/1, Piotr 1/1, Zosia 0/1" in last_text(running_bot, COORD["id"])


@pytest.mark.calendar
async def test_flood_wait_is_honoured_and_403_pauses(
    running_bot: BotUnderTest, database: Database, clock: ManualClock
) -> None:
    await register_group(running_bot, coordinator=COORD)
    await _schedule_weekly(running_bot)
    await _without_routines(database)
    async with database.transaction() as session:
        schedule = (await session.exec(select(Schedule))).one()
    clock.set(as_utc(schedule.next_run_at))
    running_bot.fake.fail_next(
        "sendMessage", error_code=429, description="Too Many Requests: retry after 1", retry_after=1
    )
    result = await running_bot.dispatcher.tick()
    assert result.sent == 1
    assert "Jak idzie promocja kursu?" in last_text(running_bot, GROUP_ID)  # it still went out
    clock.set(await due_of(database, "checkin_reminder"))
    await running_bot.dispatcher.tick()  # nobody to remind: the partnership has no representatives
    clock.set(await due_of(database, "checkin_close"))
    await running_bot.dispatcher.tick()  # the round closes
    async with database.transaction() as session:
        assert (await session.exec(select(CheckinRound))).one().closed_at is not None
        schedule = (await session.exec(select(Schedule))).one()
    clock.set(as_utc(schedule.next_run_at))  # next week's question
    running_bot.fake.fail_next(
        "sendMessage", error_code=403, description="Forbidden: bot was kicked from the supergroup chat"
    )
    result = await running_bot.dispatcher.tick()
    assert result.failed == 1
    notice = last_text(running_bot, COORD["id"])
    assert "check-ins, task and meeting announcements and reminders" in notice and "weekly digest" in notice
    async with database.transaction() as session:
        schedule = (await session.exec(select(Schedule))).one()
    partnership = await _partnership(database)
    assert schedule.is_paused and not partnership.is_active


async def test_checkin_now_and_schedule_list(running_bot: BotUnderTest) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    await running_bot.deliver(tg.message(chat, COORD, "/checkin Czy macie salę na marzec?"))
    assert "Czy macie salę na marzec?" in last_text(running_bot, GROUP_ID)
    await _schedule_weekly(running_bot)
    await running_bot.deliver(tg.message(tg.private_chat(COORD), COORD, "/schedule"))
    listing = last_text(running_bot, COORD["id"])
    assert "every week, Monday 09:00" in listing and "Jak idzie promocja kursu?" in listing
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["⏸ Pause 1"])
    assert "Paused the check-in" in last_text(running_bot, COORD["id"])
    await running_bot.deliver(tg.message(chat, REPS[0], "/schedule"))
    assert last_text(running_bot, GROUP_ID).startswith("Tylko koordynator")  # in Ola's language


async def test_pause_reminders_needs_a_date(running_bot: BotUnderTest, clock: ManualClock) -> None:
    private = tg.private_chat(REPS[0])
    clock.set(datetime(2027, 3, 10, 9, 0, tzinfo=UTC))
    await running_bot.deliver(tg.message(private, REPS[0], "/pausereminders kiedyś"))
    assert "/pausereminders 24.03.2027" in last_text(running_bot, REPS[0]["id"])  # from today
    await running_bot.deliver(tg.message(private, REPS[0], "/pausereminders 2099-08-15"))
    assert "15.08.2099" in last_text(running_bot, REPS[0]["id"])
    # A past day is refused; 29 February is the next one there is.
    await running_bot.deliver(tg.message(private, REPS[0], "/pausereminders 1.03.2027"))
    assert "Ten dzień już minął" in last_text(running_bot, REPS[0]["id"])
    await running_bot.deliver(tg.message(private, REPS[0], "/pausereminders 29 lutego"))
    assert "29.02.2028" in last_text(running_bot, REPS[0]["id"])


async def test_checkin_now_at_night_waits_for_the_morning(
    running_bot: BotUnderTest, clock: ManualClock
) -> None:
    """/checkin on a Sunday night says the question waits, and it does: nothing until Monday 8:00."""
    sunday_night = datetime(2026, 11, 22, 22, 11, tzinfo=WARSAW)  # a Sunday, after the quiet hour
    clock.set(sunday_night)
    chat = await register_group(running_bot, coordinator=COORD)
    await running_bot.deliver(tg.message(chat, COORD, "/checkin Kto ma rzutnik?"))
    assert "waits for the next allowed time" in last_text(running_bot, GROUP_ID)
    assert not any("Kto ma rzutnik?" in t for t in running_bot.fake.sent_texts(GROUP_ID))
    morning = SendingRules().next_allowed(sunday_night, WARSAW)
    assert morning.astimezone(WARSAW) == datetime(2026, 11, 23, 8, 0, tzinfo=WARSAW)
    clock.set(morning - timedelta(minutes=1))
    await running_bot.dispatcher.tick()
    assert not any("Kto ma rzutnik?" in t for t in running_bot.fake.sent_texts(GROUP_ID))
    clock.set(morning)
    await running_bot.dispatcher.tick()
    assert "Kto ma rzutnik?" in last_text(running_bot, GROUP_ID)
