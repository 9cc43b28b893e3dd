"""End to end: chats handled side by side, each chat in order, and nothing done twice."""

from __future__ import annotations

import asyncio

from sqlmodel import select
from telegram import Update

from bot.db import Database
from bot.models import EntryKind, HandledUpdate, LogEntry
from tests.e2e_fixtures import COORDINATOR, GROUP_ID, MEMBER_PL, register_group
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest

OTHER = tg.supergroup(-100_900_800_700, "Inna")


async def _contacts(database: Database) -> list[LogEntry]:
    async with database.transaction() as session:
        return list(await session.exec(select(LogEntry).where(LogEntry.kind == EntryKind.CONTACT)))


async def test_a_slow_chat_does_not_hold_up_another(running_bot: BotUnderTest) -> None:
    chat = await register_group(running_bot)
    fake = running_bot.fake
    fake.clear_calls()  # wait below for group A's own reply, not the registration messages
    fake.delay_next("sendMessage", 1.5)  # the reply in group A takes long (a pace, a slow network)
    (slow,) = fake.push_updates([tg.message(chat, MEMBER_PL, "/help")])
    await fake.await_for("sendMessage", lambda c: c.params["chat_id"] == GROUP_ID, timeout=2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    (quick,) = fake.push_updates([tg.message(OTHER, MEMBER_PL, "/help")])
    await fake.await_for("sendMessage", lambda c: c.params["chat_id"] == OTHER["id"], timeout=2)
    assert loop.time() - started < 1.0  # answered while group A's reply (1.5 s) is still on its way
    # Group B's update is handled, but it is not confirmed past A's, which is not handled yet.
    assert fake.confirmed_offset <= slow
    await fake.await_confirmed(quick, timeout=5)


async def test_one_chat_is_handled_strictly_in_order(running_bot: BotUnderTest) -> None:
    chat = await register_group(running_bot)
    fake = running_bot.fake
    fake.clear_calls()
    fake.delay_next("sendMessage", 1.0)  # the first reply is slow; the next must still wait for it
    commands = ["/help", "/privacy", "/status", "/help"]
    ids = fake.push_updates(
        [tg.message(chat, MEMBER_PL, c) for c in commands] + [tg.message(OTHER, MEMBER_PL, "/help")]
    )
    await fake.await_confirmed(ids[-1], timeout=10)
    in_group = [c for c in fake.calls("sendMessage") if c.params["chat_id"] == GROUP_ID]
    assert len(in_group) == 4
    help_text, privacy_text = in_group[0].params["text"], in_group[1].params["text"]
    assert in_group[3].params["text"] == help_text and privacy_text != help_text
    # The other group was answered before group A's slow first reply came back.
    other = [i for i, c in enumerate(fake.calls("sendMessage")) if c.params["chat_id"] == OTHER["id"]]
    assert other and other[0] < 2


async def test_a_redelivered_log_command_changes_nothing_and_answers_nothing(
    running_bot: BotUnderTest, database: Database
) -> None:
    chat = await register_group(running_bot)
    fake = running_bot.fake
    raw = tg.message(chat, COORDINATOR, "/log telefon Rozmowa z proboszczem")
    (update_id,) = await running_bot.deliver(raw)
    answers = len(fake.sent_texts(GROUP_ID))
    # Telegram delivers it again (the bot crashed after handling it, before confirming it).
    again = Update.de_json({"update_id": update_id, **raw}, running_bot.app.bot)
    assert running_bot.poller is not None
    await running_bot.poller._dispatch(again)
    assert len(await _contacts(database)) == 1
    assert len(fake.sent_texts(GROUP_ID)) == answers
    async with database.transaction() as session:
        assert [h.update_id for h in await session.exec(select(HandledUpdate))].count(update_id) == 1


async def test_an_edited_log_command_records_no_second_contact(
    running_bot: BotUnderTest, database: Database
) -> None:
    chat = await register_group(running_bot)
    raw = tg.message(chat, COORDINATOR, "/log telefon Rozmowa z proboszczem")
    await running_bot.deliver(raw)
    await running_bot.deliver(tg.edited_message(raw, "/log telefon Rozmowa z proboszczem i wikarym"))
    assert len(await _contacts(database)) == 1


async def test_reading_commands_leave_no_mark_and_answer_again(
    running_bot: BotUnderTest, database: Database
) -> None:
    chat = await register_group(running_bot)
    raw = tg.message(chat, MEMBER_PL, "/status")
    (update_id,) = await running_bot.deliver(raw)
    before = len(running_bot.fake.sent_texts(GROUP_ID))
    assert running_bot.poller is not None
    await running_bot.poller._dispatch(Update.de_json({"update_id": update_id, **raw}, running_bot.app.bot))
    assert len(running_bot.fake.sent_texts(GROUP_ID)) == before + 1


async def test_checkin_now_is_sent_by_the_scheduler_not_inside_the_update(running_bot: BotUnderTest) -> None:
    chat = await register_group(running_bot)
    fake = running_bot.fake
    fake.delay_next("sendMessage", 1.5)  # the check-in itself is slow to go out
    (update_id,) = fake.push_updates([tg.message(chat, COORDINATOR, "/checkin Jak idzie?")])
    loop = asyncio.get_running_loop()
    started = loop.time()
    await fake.await_confirmed(update_id, timeout=5)
    assert loop.time() - started < 1.0  # confirmed without waiting for the send
    await running_bot.settle()
    assert any("Jak idzie?" in t for t in fake.sent_texts(GROUP_ID))


async def test_a_full_window_is_not_asked_for_again_until_the_oldest_update_is_finished(
    running_bot: BotUnderTest,
) -> None:
    poller = running_bot.poller
    assert poller is not None
    asked: list[tuple[bool, int]] = []  # (the last answer was full, the offset asked from)
    fetch = poller._fetch

    async def counted() -> tuple[Update, ...]:
        asked.append((poller._window_full, poller.confirmable))
        return await fetch()

    poller._fetch = counted  # type: ignore[method-assign]
    people = [tg.user(40_000 + i, f"Osoba {i}", language_code="pl") for i in range(40)]
    # 400 updates in 40 private chats: Telegram answers at most 100 at a time, all held.
    ids = running_bot.fake.push_updates(
        [tg.message(tg.private_chat(p), p, "/privacy") for _ in range(10) for p in people]
    )
    await running_bot.fake.await_confirmed(ids[-1], timeout=60)
    # A full answer can only change once the offset moved: asking again from the same offset
    # (it used to ask after every finished update, hundreds of times) decodes it all for nothing.
    again = sum(
        1 for (full, offset), (_f, before) in zip(asked[1:], asked, strict=False) if full and offset == before
    )
    assert any(full for full, _offset in asked)
    assert again <= 2, (again, len(asked))  # at most the 1 s fallback for a slow oldest update
