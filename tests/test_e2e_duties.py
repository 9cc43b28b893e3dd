"""End to end: tasks for partners and meetings with RSVPs and an .ics file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select, update

from bot.clock import ManualClock
from bot.db import Database, as_utc
from bot.ics import meeting_ics
from bot.models import Delivery, MeetingReply, Task
from bot.services.duties import task_reminder_at
from bot.timing import SendingRules
from tests.e2e_fixtures import GROUP_ID, register_group
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest
from tests.test_e2e_checkins import REPS, WARSAW, _with_representatives
from tests.test_e2e_registry import COORD, OTHER, buttons, last_text, press, say


@pytest.mark.calendar
async def test_task_assigned_done_and_overdue(
    running_bot: BotUnderTest, database: Database, clock: ManualClock
) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    await _with_representatives(database)
    private = tg.private_chat(COORD)
    today = clock.now().astimezone(WARSAW).date()
    due = today + timedelta(days=10)
    await running_bot.deliver(tg.message(private, COORD, "/task"))
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["Partner 0"])
    await running_bot.deliver(tg.message(private, COORD, "Plakaty w ośrodku zdrowia"))
    await running_bot.deliver(tg.message(private, COORD, "1.01.2020"))
    assert "That date has passed" in last_text(running_bot, COORD["id"])
    await running_bot.deliver(tg.message(private, COORD, due.strftime("%d.%m.%Y")))
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["✔ Save"])
    announcement = running_bot.fake.calls("sendMessage")[-1]
    assert announcement.params["chat_id"] == GROUP_ID
    assert (
        "New task for “Partner 0”" in announcement.params["text"]
        and f"tg://user?id={REPS[0]['id']}" in (announcement.params["text"])
    )
    done = announcement.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    task_message = running_bot.fake.last_message(GROUP_ID)
    await running_bot.deliver(tg.callback_query(REPS[1], task_message, done))  # another partner: refused
    async with database.transaction() as session:
        assert (await session.exec(select(Task))).one().done_at is None
    # Overdue tasks show in /status.
    async with database.transaction() as session:
        await (await session.connection()).execute(update(Task).values(due_on=today - timedelta(days=1)))
    await say(running_bot, OTHER, chat, "/status")
    assert "Overdue tasks" in last_text(running_bot, GROUP_ID) and "Plakaty w ośrodku zdrowia" in (
        last_text(running_bot, GROUP_ID)
    )
    await running_bot.deliver(tg.callback_query(REPS[0], task_message, done))
    async with database.transaction() as session:
        assert (await session.exec(select(Task))).one().done_at is not None
    assert last_text(running_bot, GROUP_ID).startswith("✔")
    # The reminder, queued for the working day before, is not sent for a task that is done.
    async with database.transaction() as session:
        reminder = (await session.exec(select(Delivery).where(Delivery.kind == "task_reminder"))).one()
    assert as_utc(reminder.due_at) == task_reminder_at(due, zone=WARSAW, rules=SendingRules())
    assert SendingRules().working_day(as_utc(reminder.due_at).astimezone(WARSAW).date())
    clock.set(as_utc(reminder.due_at))
    running_bot.fake.clear_calls()
    await running_bot.dispatcher.tick()
    assert running_bot.fake.calls("sendMessage") == []


@pytest.mark.calendar
async def test_meeting_invitation_rsvp_ics_and_reminders(
    running_bot: BotUnderTest, database: Database, clock: ManualClock
) -> None:
    await register_group(running_bot, coordinator=COORD)
    private = tg.private_chat(COORD)
    local_day = clock.now().astimezone(WARSAW).date() + timedelta(days=20)
    starts = datetime.combine(local_day, datetime.min.time().replace(hour=17), tzinfo=WARSAW)
    local = starts
    await running_bot.deliver(tg.message(private, COORD, "/meeting"))
    await running_bot.deliver(tg.message(private, COORD, local.strftime("%d.%m.%Y") + " 17:00"))
    await running_bot.deliver(tg.message(private, COORD, "Biblioteka, sala na piętrze"))
    await running_bot.deliver(tg.message(private, COORD, "Podsumowanie roku; plan na wiosnę"))
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["✔ Save"])
    invite = [c for c in running_bot.fake.calls("sendMessage") if c.params["chat_id"] == GROUP_ID][-1]
    assert (
        "Partnership meeting" in invite.params["text"]
        and "Biblioteka, sala na piętrze" in invite.params["text"]
    )
    (ics_call,) = running_bot.fake.calls("sendDocument")
    calendar = ics_call.files["document"].decode("utf-8")
    assert calendar.startswith("BEGIN:VCALENDAR\r\n") and "END:VEVENT" in calendar
    assert f"DTSTART:{starts.astimezone(UTC):%Y%m%dT%H%M%SZ}" in calendar
    assert f"DTSTAMP:{clock.now():%Y%m%dT%H%M%SZ}" in calendar  # stamped by the bot's clock
    yes = invite.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await running_bot.deliver(tg.callback_query(REPS[0], running_bot.fake.last_message(GROUP_ID), yes))
    async with database.transaction() as session:
        assert [(r.name, r.answer) for r in await session.exec(select(MeetingReply))] == [("Ola", "yes")]
        reminders = list(
            await session.exec(
                select(Delivery).where(Delivery.kind == "meeting_reminder").order_by(col(Delivery.due_at))
            )
        )
    rules = SendingRules()
    # A week and a day before, each moved to the next allowed time when it falls outside it, and
    # dropped only if that is no longer before the meeting (a Sunday meeting after a Saturday).
    expected = [rules.next_allowed(starts - timedelta(days=days), WARSAW) for days in (7, 1)]
    expected = [at for at in expected if at < starts]
    assert [as_utc(r.due_at) for r in reminders] == expected and len(expected) >= 1
    assert all(rules.allowed(at.astimezone(WARSAW)) for at in expected)
    clock.set(expected[-1])
    await running_bot.dispatcher.tick()
    assert "Coming: 1; not coming: 0; maybe: 0" in last_text(running_bot, GROUP_ID)


def test_ics_escapes_and_folds() -> None:
    data = meeting_ics(
        uid="m-1@partnerbot",
        starts_at=datetime(2026, 3, 5, 16, 0, tzinfo=UTC),
        title="Partnerstwo Czarne",
        place="Sala, piętro 1; wejście od podwórza",
        agenda="x" * 200,
        stamp=datetime(2026, 1, 1, tzinfo=UTC),
    ).decode("utf-8")
    assert "DTSTART:20260305T160000Z" in data and "DTEND:20260305T180000Z" in data
    assert "LOCATION:Sala\\, piętro 1\\; wejście od podwórza" in data
    assert all(len(line.encode("utf-8")) <= 75 for line in data.split("\r\n"))
