"""End to end, one test per item of "any input gets a clear answer and breaks nothing" (issue 11),
and the form items of issue 12, through the real Application against the fake Bot API server."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot import clock
from bot.db import Database
from bot.models import Delivery, DeliveryStatus, LogEntry, Partner, Resource, Schedule, Task
from bot.services import log as comm_log
from bot.services import plan
from tests.e2e_fixtures import GROUP_ID, register_group
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest
from tests.test_e2e_registry import COORD, OTHER, _add, _partnership, buttons, last_text, press, say

WARSAW = ZoneInfo("Europe/Warsaw")
NOW = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)  # a Wednesday
PRIVATE = tg.private_chat(COORD)
STALE = "This button no longer works."


@pytest.fixture(autouse=True)
def fixed_clock() -> Iterator[clock.ManualClock]:
    """The bot's clock on a fixed working day (no test depends on today)."""
    manual = clock.ManualClock(NOW)
    with clock.using(manual):
        yield manual


@pytest.fixture(autouse=True)
def no_tracebacks(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """No handler may fail: a traceback in the log fails the test."""
    caplog.set_level(logging.ERROR)
    yield
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failures, [r.getMessage() for r in failures]


async def private(bot: BotUnderTest, *texts: str) -> None:
    """The coordinator types each text in the private chat."""
    for text in texts:
        await bot.deliver(tg.message(PRIVATE, COORD, text))


async def seed_plan(database: Database) -> None:
    """A 2027 period with targets and a past session for seniors in a 10-seat lab."""
    partnership = await _partnership(database)
    assert partnership.id is not None
    async with database.transaction() as session:
        groups = {g.key: g for g in await plan.target_groups(session, partnership_id=partnership.id)}
        await plan.add_period(
            session,
            partnership_id=partnership.id,
            name="2027",
            starts_on=date(2027, 1, 1),
            ends_on=date(2027, 12, 31),
        )
        starts = datetime(2027, 3, 3, 17, 0, tzinfo=WARSAW)
        await plan.add_session(
            session,
            partnership_id=partnership.id,
            starts_at=starts,
            topic="Bankowość",
            group=groups["seniors"],
            seats=20,
            local_day=starts.date(),
        )


def answers(bot: BotUnderTest) -> list[dict[str, Any]]:
    """Every answerCallbackQuery the bot made, as parameters."""
    return [c.params for c in bot.fake.calls("answerCallbackQuery")]


# --------------------------------------------------------------------------- 1. export


async def test_export_survives_control_characters_and_formulas(
    running_bot: BotUnderTest, database: Database
) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    await say(running_bot, OTHER, chat, "a\x0bb")
    await say(running_bot, OTHER, chat, '=HYPERLINK("http://evil.example","klik")')
    await _add(database, "Koło\x07 Gospodyń")
    for _ in range(2):  # every later export works too
        await say(running_bot, COORD, chat, "/export")
    xlsx = running_bot.fake.calls("sendDocument")[-2].files["document"]
    book = load_workbook(io.BytesIO(xlsx))
    log_cells = [row[5] for row in book["Log"].iter_rows(min_row=2)]
    texts = [c.value for c in log_cells]
    assert "ab" in texts
    formula = next(c for c in log_cells if str(c.value).startswith("=HYPERLINK"))
    assert formula.data_type == "s"  # text, never a live formula
    assert isinstance(book["Log"]["A2"].value, datetime)  # a real date cell
    assert book["Partners"]["A2"].value == "Koło Gospodyń"


# ----------------------------------------- 2. extreme meeting date; no looping delivery


async def test_meeting_in_9999_is_refused_and_a_failing_delivery_is_not_repeated(
    running_bot: BotUnderTest,
    database: Database,
    fixed_clock: clock.ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await register_group(running_bot, coordinator=COORD)
    await private(running_bot, "/meeting", "31.12.9999 23:59")
    assert "Dates from 2000 to 2099 only" in last_text(running_bot, COORD["id"])

    # A fault while composing the invitation (as the .ics overflow was): saved, told so, sent never twice.
    def broken(**_: object) -> bytes:
        raise OverflowError("date value out of range")

    monkeypatch.setattr("scheduler.senders.duties.meeting_ics", broken)
    await private(running_bot, "15.03.2027 17:00", "Biblioteka", "Plan na wiosnę")
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["✔ Save"])
    assert "Meeting saved" in last_text(running_bot, COORD["id"])
    posts = len(running_bot.fake.calls("sendMessage"))
    for _ in range(3):
        fixed_clock.advance(timedelta(minutes=5))
        await running_bot.dispatcher.tick()
    assert len(running_bot.fake.calls("sendMessage")) == posts
    async with database.transaction() as session:
        invite = (await session.exec(select(Delivery).where(Delivery.kind == "meeting_invite"))).one()
    assert invite.status == DeliveryStatus.FAILED.value and "OverflowError" in invite.last_error


# --------------------------------------------------------------------------- 3. forged and malformed buttons


FORGED = [
    "ci:²:done",
    "rsvp:²:yes",
    "jr:²:y",
    "sch:²:p",
    "hist:99999999999999999999:0",
    "hist:1:²",
    "task:²",
    "use:99999999999999999999",
    "nudge:evil",
    "zzz:1",
    "lang:xx",
    "f:nonsense",
]


async def test_every_forged_button_gets_an_answer(running_bot: BotUnderTest) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    await say(running_bot, OTHER, chat, "/history")
    await running_bot.deliver(tg.message(tg.private_chat(OTHER), OTHER, "/help"))
    for where in (GROUP_ID, OTHER["id"]):
        for data in FORGED:
            before = len(answers(running_bot))
            await running_bot.deliver(tg.callback_query(OTHER, running_bot.fake.last_message(where), data))
            given = answers(running_bot)[before:]
            assert len(given) == 1, data
            if data not in ("lang:xx", "f:nonsense"):
                assert given[0].get("text") == STALE, data
    # A stranger's forged history button with a real id shows nothing of the partnership.
    await running_bot.deliver(
        tg.callback_query(OTHER, running_bot.fake.last_message(OTHER["id"]), "hist:1:0")
    )
    assert "Communication log" not in last_text(running_bot, OTHER["id"])


async def test_stale_button_answer_is_in_polish(running_bot: BotUnderTest) -> None:
    polish = tg.user(5100, "Ola", language_code="pl")
    await running_bot.deliver(tg.message(tg.private_chat(polish), polish, "/help"))
    await running_bot.deliver(
        tg.callback_query(polish, running_bot.fake.last_message(polish["id"]), "ci:²:done")
    )
    assert answers(running_bot)[-1]["text"] == "Ten przycisk już nie działa."


# --------------------------------------------------------------------------- 4. long answers in forms


async def test_a_long_answer_is_limited_and_the_summary_stays_valid(
    running_bot: BotUnderTest, database: Database
) -> None:
    await register_group(running_bot, coordinator=COORD)
    await _add(database, "Biblioteka")
    await private(running_bot, "/resource Biblioteka")
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["room"])
    await private(running_bot, "&" * 1001)
    assert "at most 1000 characters (you typed 1001)" in last_text(running_bot, COORD["id"])
    await private(running_bot, "&" * 999, "-")
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["✔ Save"])
    assert last_text(running_bot, COORD["id"]) == "Saved the resource of “Biblioteka”."
    async with database.transaction() as session:
        (resource,) = list(await session.exec(select(Resource)))
    assert resource.description == "&" * 999
    await private(running_bot, "/trained")
    await private(running_bot, "1" * 4000)  # no session yet: a number is not a button press
    assert "&amp;" not in last_text(running_bot, COORD["id"]).replace("&amp;amp;", "")


# --------------------------------------------------------------------------- 5, 6. cron


@pytest.mark.parametrize(
    ("cron", "reason"),
    [
        ("0 9 * * 1," + "1," * 40 + "2", "at most 64 characters"),
        ("0 9 * * 8", "not a cron expression I can use"),
        ("0 9 30 2 *", "never fires"),
    ],
)
async def test_bad_cron_is_refused_at_its_step(
    running_bot: BotUnderTest, database: Database, cron: str, reason: str
) -> None:
    await register_group(running_bot, coordinator=COORD)
    await private(running_bot, "/schedule add")
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["a cron expression"])
    await private(running_bot, cron)
    assert reason in last_text(running_bot, COORD["id"])
    await private(running_bot, "0 9 * * 1", "Jak idzie?")
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["✔ Save"])
    async with database.transaction() as session:
        (schedule,) = list(await session.exec(select(Schedule)))
    assert schedule.cron == "0 9 * * 1"
    await private(running_bot, "/schedule")
    assert "<code>0 9 * * 1</code>" in last_text(running_bot, COORD["id"])


async def test_unicode_digits_are_refused_with_the_reason(running_bot: BotUnderTest) -> None:
    await register_group(running_bot, coordinator=COORD)
    await private(running_bot, "/schedule add")
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["every month"])
    await private(running_bot, "²")
    assert "from 1 to 31" in last_text(running_bot, COORD["id"])


# --------------------------------------------------------------------------- 7. extreme dates


async def test_extreme_task_and_period_dates_are_refused(
    running_bot: BotUnderTest, database: Database
) -> None:
    await register_group(running_bot, coordinator=COORD)
    await _add(database, "Biblioteka")
    await private(running_bot, "/task")
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["Biblioteka"])
    await private(running_bot, "Plakaty", "31.12.9999")
    assert "Dates from 2000 to 2099 only" in last_text(running_bot, COORD["id"])
    await private(running_bot, "/period", "Stary", "1.01.0001")
    assert "Dates from 2000 to 2099 only" in last_text(running_bot, COORD["id"])
    await private(running_bot, "/cancel", "/session", "/export")
    assert running_bot.fake.calls("sendDocument")
    async with database.transaction() as session:
        assert list(await session.exec(select(Task))) == []


# --------------------------------------------------------------------------- 9. edited commands


async def test_an_edited_command_does_not_record_twice(running_bot: BotUnderTest, database: Database) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    original = tg.message(chat, COORD, "/log phone pierwszy")
    await running_bot.deliver(original)
    await running_bot.deliver(tg.edited_message(original, "/log phone poprawiony"))
    assert "edited commands" in last_text(running_bot, GROUP_ID)
    async with database.transaction() as session:
        contacts = list(await session.exec(select(LogEntry).where(LogEntry.kind == "contact")))
    assert [c.text for c in contacts] == ["pierwszy"]


# --------------------------------------------------------------------------- 10. U+0000


async def test_a_nul_character_does_not_stop_the_log(running_bot: BotUnderTest, database: Database) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    await say(running_bot, OTHER, chat, "przed\x00po")
    await say(running_bot, OTHER, chat, "następna")
    await running_bot.deliver(tg.message(PRIVATE, COORD, "/log phone z\x00zerem"))
    async with database.transaction() as session:
        texts = [e.text for e in await session.exec(select(LogEntry).where(LogEntry.kind != "event"))]
    assert "przedpo" in texts and "następna" in texts and "zzerem" in texts


async def test_store_messages_keeps_a_batch_with_nul(database: Database) -> None:
    """The whole batch is stored (PostgreSQL refuses U+0000 in text; the character is removed)."""
    from bot.services import partnerships

    chat_id = -100_777
    async with database.transaction() as session:
        await partnerships.register(
            session,
            chat_id=chat_id,
            name="Test",
            coordinator_user_id=1,
            coordinator_name="A",
            timezone="Europe/Warsaw",
        )
    batch = [
        comm_log.IncomingMessage(
            chat_id=chat_id,
            message_id=n,
            occurred_at=NOW,
            author_user_id=5,
            author_name="A\x00B",
            text=text,
            media_kind=None,
            reply_to_message_id=None,
        )
        for n, text in enumerate(["x\x00y", "ok"], start=1)
    ]
    async with database.transaction() as session:
        assert await comm_log.store_messages(session, messages=batch) == 2
    async with database.transaction() as session:
        stored = sorted(
            (e.text, e.author_name)
            for e in await session.exec(select(LogEntry).where(LogEntry.kind == "message"))
        )
    assert stored == [("ok", "AB"), ("xy", "AB")]


# --------------------------------------------------------------------------- 11. /use privately only


async def test_use_in_a_group_lists_nothing(running_bot: BotUnderTest) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    await say(running_bot, COORD, chat, "/use")
    sent = running_bot.fake.calls("sendMessage")[-1]
    assert "private chat" in sent.params["text"] and "reply_markup" not in sent.params


# --------------------------------------------------------------------------- 12. minor points


async def test_checkin_after_removal_says_only_that_nobody_was_asked(running_bot: BotUnderTest) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    await running_bot.deliver(
        tg.my_chat_member(
            chat, COORD, old_status="member", new_status="left", bot_user=running_bot.fake.bot_user
        )
    )
    await private(running_bot, "/checkin Jak idzie?")
    texts = running_bot.fake.sent_texts(COORD["id"])
    assert "nobody was asked" in texts[-1]
    assert not any("Asked the group" in t for t in texts)


async def test_setup_refuses_an_invisible_name(running_bot: BotUnderTest) -> None:
    chat = tg.supergroup(-100_900, "Pusta")
    running_bot.fake.set_chat_member(chat["id"], COORD["id"], "administrator")
    await running_bot.deliver(
        tg.my_chat_member(
            chat, COORD, old_status="left", new_status="member", bot_user=running_bot.fake.bot_user
        ),
        tg.message(chat, COORD, "/setup \u200b\u200b\u200b\x07"),
    )
    assert "3 to 120 characters" in running_bot.fake.sent_texts(chat["id"])[-1]


async def test_log_with_many_ampersands_has_no_stray_entity(running_bot: BotUnderTest) -> None:
    await register_group(running_bot, coordinator=COORD)
    await private(running_bot, "/log phone " + "&" * 1500)
    shown = running_bot.fake.sent_texts(COORD["id"], plain=True)[-3:]
    assert not any("amp;" in t for t in shown)


# --------------------------------------------------------------------------- issue 12: forms


async def test_trained_summary_shows_what_was_typed_and_accepts_inne(
    running_bot: BotUnderTest, database: Database
) -> None:
    await register_group(running_bot, coordinator=COORD)
    await _add(database, "Biblioteka Publiczna")
    await seed_plan(database)
    await private(running_bot, "/trained")
    (label,) = [k for k in buttons(running_bot, COORD["id"]) if "Bankowość" in k]
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])[label])
    await private(running_bot, "1500")
    assert "20 seats; type at most 40 registered" in last_text(running_bot, COORD["id"])
    await private(running_bot, "12", "seniors 9", "2", "Biblioteka 5, inne 1")
    summary = last_text(running_bot, COORD["id"])
    assert "<i>seniors 9</i>" in summary and "<i>Biblioteka 5, inne 1</i>" in summary
    assert "{" not in summary and "}" not in summary
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["✔ Save"])
    assert last_text(running_bot, COORD["id"]) == "Recorded the outcome of “Bankowość”."


async def test_session_summary_shows_a_local_date_and_example_dates_follow_today(
    running_bot: BotUnderTest, database: Database
) -> None:
    await register_group(running_bot, coordinator=COORD)
    await seed_plan(database)
    await private(running_bot, "/session")
    assert "e.g. 17.03.2027 17:30" in last_text(running_bot, COORD["id"])  # today + 7 days
    await private(running_bot, "5 kwietnia 17:30")
    summary = last_text(running_bot, COORD["id"])
    assert "<i>5.04.2027 17:30</i>" in summary and "T17:30" not in summary


async def test_addpartner_with_a_name_asks_the_next_question(running_bot: BotUnderTest) -> None:
    await register_group(running_bot, coordinator=COORD)
    await private(running_bot, "/addpartner Gminny Ośrodek Kultury")
    text = last_text(running_bot, COORD["id"])
    assert "<i>Gminny Ośrodek Kultury</i>" in text and "What kind of organisation is it?" in text


async def test_typed_answers_edit_one_form_message(running_bot: BotUnderTest) -> None:
    await register_group(running_bot, coordinator=COORD)
    await private(running_bot, "/period")
    sent = len(running_bot.fake.calls("sendMessage"))
    await private(running_bot, "Wiosna 2027", "1.04.2027")
    assert len(running_bot.fake.calls("sendMessage")) == sent  # no new summary per answer
    edits = running_bot.fake.calls("editMessageText")
    assert "Wiosna 2027" in edits[-1].params["text"] and "<i>1.04.2027</i>" in edits[-1].params["text"]


async def test_a_refusal_at_save_keeps_the_draft_and_asks_again(
    running_bot: BotUnderTest, database: Database
) -> None:
    await register_group(running_bot, coordinator=COORD)
    await private(running_bot, "/addpartner Parafia")
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["parish"])
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["candidate"])
    await _add(database, "PARAFIA")  # someone else added it meanwhile
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["✔ Save"])
    assert "What is the organisation's name?" in last_text(running_bot, COORD["id"])
    await private(running_bot, "Parafia św. Anny")
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["✔ Save"])
    async with database.transaction() as session:
        names = sorted(p.name for p in await session.exec(select(Partner)))
    assert names == ["PARAFIA", "Parafia św. Anny"]


async def test_command_arguments_prefill_the_first_question(running_bot: BotUnderTest) -> None:
    await register_group(running_bot, coordinator=COORD)
    await private(running_bot, "/period Wiosna 2027")
    text = last_text(running_bot, COORD["id"])
    assert "<i>Wiosna 2027</i>" in text and "First day? (e.g. 17.03.2027)" in text


async def test_form_refusals_in_polish(running_bot: BotUnderTest, database: Database) -> None:
    coordinator = tg.user(5200, "Anna", language_code="pl")
    chat = await register_group(running_bot, coordinator=coordinator)
    del chat
    await seed_plan(database)
    chat_private = tg.private_chat(coordinator)
    for text in ("/session", "31.02.2027 17:00"):
        await running_bot.deliver(tg.message(chat_private, coordinator, text))
    assert "Data 31.02.2027 nie istnieje w kalendarzu" in last_text(running_bot, coordinator["id"])
    await running_bot.deliver(tg.message(chat_private, coordinator, "5.03.2028 17:00"))
    assert "nie należy do żadnego okresu planu: 2027 (1.01.2027–31.12.2027)" in last_text(
        running_bot, coordinator["id"]
    )
    await running_bot.deliver(tg.message(chat_private, coordinator, "/trained"))
    (label,) = [k for k in buttons(running_bot, coordinator["id"]) if "Bankowość" in k]
    await press(running_bot, coordinator, coordinator["id"], buttons(running_bot, coordinator["id"])[label])
    await running_bot.deliver(tg.message(chat_private, coordinator, "1500"))
    assert "Zajęcia mają 20 miejsc; wpisz najwyżej 40 zapisanych." in last_text(
        running_bot, coordinator["id"]
    )


async def test_media_and_edits_in_a_private_chat_get_an_answer(running_bot: BotUnderTest) -> None:
    await running_bot.deliver(tg.message(PRIVATE, COORD, media="sticker"))
    assert "I only understand text and commands here" in last_text(running_bot, COORD["id"])
    original = tg.message(PRIVATE, COORD, "Wiosna")
    await running_bot.deliver(original)
    await running_bot.deliver(tg.edited_message(original, "Lato"))
    assert "edited message as an answer" in last_text(running_bot, COORD["id"])
    await running_bot.deliver(tg.edited_message(tg.message(PRIVATE, COORD, "/help"), "/status"))
    assert "edited commands" in last_text(running_bot, COORD["id"])


async def test_export_keeps_the_newest_log_rows_and_is_built_off_the_event_loop(
    running_bot: BotUnderTest, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from bot import export
    from bot.services import exporting

    chat = await register_group(running_bot, coordinator=COORD)
    for n in range(4):
        await say(running_bot, OTHER, chat, f"wiadomość {n}")
    monkeypatch.setattr(exporting, "LOG_ROWS_MAX", 2)
    threads: list[str] = []
    build = export.workbook

    def recording(sheets: list[export.Sheet]) -> bytes:
        threads.append(threading.current_thread().name)
        return build(sheets)

    monkeypatch.setattr(export, "workbook", recording)
    await private(running_bot, "/export")
    assert threads and threads[0] != threading.main_thread().name
    book = load_workbook(io.BytesIO(running_bot.fake.calls("sendDocument")[-2].files["document"]))
    texts = [row[5].value for row in book["Log"].iter_rows(min_row=2)]
    assert texts == ["wiadomość 2", "wiadomość 3"]  # the newest, oldest first
