"""End to end: the bot in a partnership's group chat, through the fake Bot API server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.db import Database
from bot.models import EntryKind, LogEntry, LogEntryRevision, Partnership
from tests.e2e_fixtures import COORDINATOR, GROUP_ID, MEMBER_EN, MEMBER_PL, register_group
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest


async def _partnership(database: Database, chat_id: int = GROUP_ID) -> Partnership | None:
    async with database.transaction() as session:
        return (await session.exec(select(Partnership).where(Partnership.chat_id == chat_id))).first()


async def _messages(database: Database) -> list[LogEntry]:
    async with database.transaction() as session:
        rows = await session.exec(
            select(LogEntry).where(LogEntry.kind == EntryKind.MESSAGE).order_by(LogEntry.id)  # type: ignore[arg-type]
        )
        return list(rows)


async def test_command_menus_are_published_per_scope_and_language(running_bot: BotUnderTest) -> None:
    calls = running_bot.fake.calls("setMyCommands")
    seen = {
        (c.params["scope"]["type"], c.params.get("language_code"))
        for c in calls
        if c.params["scope"]["type"].startswith("all_")
    }
    assert seen == {
        (scope, lang) for scope in ("all_group_chats", "all_private_chats") for lang in (None, "pl", "en")
    }
    polish = next(
        c
        for c in calls
        if c.params.get("language_code") == "pl" and c.params["scope"]["type"] == "all_group_chats"
    )
    assert {"command": "status", "description": "Aktywność, postęp planu, partnerzy"} in (
        polish.params["commands"]
    )


async def test_added_to_group_greets_with_privacy_notice_in_adders_language(
    running_bot: BotUnderTest,
) -> None:
    chat = tg.group(-4001, "Radlin")
    await running_bot.deliver(
        tg.my_chat_member(
            chat, MEMBER_EN, old_status="left", new_status="member", bot_user=running_bot.fake.bot_user
        )
    )
    (greeting,) = running_bot.fake.sent_texts(-4001)
    assert "What I record and why" in greeting and "/setup" in greeting
    assert "cannot read" not in greeting

    chat = tg.group(-4002, "Czarne")
    await running_bot.deliver(
        tg.my_chat_member(
            chat, COORDINATOR, old_status="left", new_status="member", bot_user=running_bot.fake.bot_user
        )
    )
    (greeting,) = running_bot.fake.sent_texts(-4002)
    assert "Co zapisuję i dlaczego" in greeting and "/setup" in greeting


async def test_privacy_mode_on_is_explained(running_bot: BotUnderTest) -> None:
    running_bot.fake.set_can_read_all_group_messages(False)
    running_bot.app.bot._bot_user = None  # type: ignore[attr-defined]  # forget the cached getMe
    await running_bot.app.bot.get_me()
    chat = tg.group(-4003, "Sędziejowice")
    await running_bot.deliver(
        tg.my_chat_member(
            chat, MEMBER_EN, old_status="left", new_status="member", bot_user=running_bot.fake.bot_user
        )
    )
    (greeting,) = running_bot.fake.sent_texts(-4003)
    assert "I cannot read this group's messages" in greeting and "/setprivacy" in greeting
    # As an administrator the bot reads everything, so there is no warning.
    chat = tg.group(-4004, "Radlin")
    await running_bot.deliver(
        tg.my_chat_member(
            chat, MEMBER_EN, old_status="left", new_status="administrator", bot_user=running_bot.fake.bot_user
        )
    )
    (greeting,) = running_bot.fake.sent_texts(-4004)
    assert "cannot read" not in greeting


async def test_setup_by_admin_registers_once(running_bot: BotUnderTest, database: Database) -> None:
    chat = await register_group(running_bot)
    texts = running_bot.fake.sent_texts(GROUP_ID)
    assert "Zarejestrowano partnerstwo „Partnerstwo Czarne”. Koordynator: Anna Nowak." in texts[-1]
    p = await _partnership(database)
    assert p is not None and p.coordinator_user_id == COORDINATOR["id"] and p.is_active

    await running_bot.deliver(tg.message(chat, COORDINATOR, "/setup Inna nazwa"))
    assert "już zarejestrowana jako „Partnerstwo Czarne”" in running_bot.fake.sent_texts(GROUP_ID)[-1]
    again = await _partnership(database)
    assert again is not None and again.name == "Partnerstwo Czarne"


async def test_setup_refused_for_non_admin_and_bad_names(
    running_bot: BotUnderTest, database: Database
) -> None:
    chat = tg.supergroup(GROUP_ID, "Czarne")
    running_bot.fake.set_chat_member(GROUP_ID, MEMBER_EN["id"], "member")
    await running_bot.deliver(tg.message(chat, MEMBER_EN, "/setup Partnership Radlin"))
    assert "Only a group administrator can register" in running_bot.fake.sent_texts(GROUP_ID)[-1]
    running_bot.fake.set_chat_member(GROUP_ID, MEMBER_EN["id"], "creator")
    await running_bot.deliver(tg.message(chat, MEMBER_EN, "/setup"))
    assert "give the partnership's name" in running_bot.fake.sent_texts(GROUP_ID)[-1]
    assert await _partnership(database) is None
    await running_bot.deliver(tg.message(tg.private_chat(MEMBER_EN), MEMBER_EN, "/setup Radlin"))
    assert "works in the partnership's group chat" in running_bot.fake.sent_texts(MEMBER_EN["id"])[-1]
    assert await _partnership(database) is None


async def test_group_messages_are_logged_with_media_replies_and_edits(
    running_bot: BotUnderTest, database: Database
) -> None:
    chat = await register_group(running_bot)
    first = tg.message(chat, MEMBER_PL, "Plakaty wiszą w ośrodku zdrowia")
    photo = tg.message(chat, MEMBER_EN, caption="Poster at the library", media="photo")
    reply = tg.message(chat, COORDINATOR, "Dziękuję!", reply_to_message_id=first["message"]["message_id"])
    voice = tg.message(chat, MEMBER_PL, media="voice")
    await running_bot.deliver(first, photo, reply, voice)
    await running_bot.deliver(tg.edited_message(first, "Plakaty wiszą w ośrodku zdrowia i w sklepie"))

    logged = await _messages(database)
    assert [(m.author_name, m.text, m.media_kind) for m in logged] == [
        ("Jan Kowalski", "Plakaty wiszą w ośrodku zdrowia i w sklepie", None),
        ("Emma", "Poster at the library", "photo"),
        ("Anna Nowak", "Dziękuję!", None),
        ("Jan Kowalski", None, "voice"),
    ]
    assert logged[2].reply_to_message_id == first["message"]["message_id"]
    assert logged[0].edited_at is not None and logged[0].author_user_id == MEMBER_PL["id"]
    assert all(m.occurred_at.tzinfo is not None for m in logged)
    async with database.transaction() as session:
        revisions = list(await session.exec(select(LogEntryRevision)))
    assert [r.text for r in revisions] == ["Plakaty wiszą w ośrodku zdrowia"]
    # Plain group messages need no answer: the bot sent nothing for them.
    assert len(running_bot.fake.sent_texts(GROUP_ID)) == 2  # greeting and /setup


async def test_messages_in_unregistered_groups_are_not_logged(
    running_bot: BotUnderTest, database: Database
) -> None:
    chat = tg.group(-777, "Not registered")
    await running_bot.deliver(tg.message(chat, MEMBER_PL, "hello"))
    assert await _messages(database) == []


async def test_setup_and_messages_in_one_batch_are_logged_in_order(
    running_bot: BotUnderTest, database: Database
) -> None:
    chat = tg.supergroup(GROUP_ID, "Czarne")
    running_bot.fake.set_chat_member(GROUP_ID, COORDINATOR["id"], "administrator")
    await running_bot.deliver(
        tg.message(chat, MEMBER_PL, "before setup"),
        tg.message(chat, COORDINATOR, "/setup Partnerstwo Czarne"),
        tg.message(chat, MEMBER_PL, "after setup"),
    )
    assert [m.text for m in await _messages(database)] == ["after setup"]


async def test_removed_then_added_back_keeps_everything(
    running_bot: BotUnderTest, database: Database
) -> None:
    chat = await register_group(running_bot)
    await running_bot.deliver(tg.message(chat, MEMBER_PL, "pierwsza"))
    await running_bot.deliver(
        tg.my_chat_member(
            chat, COORDINATOR, old_status="member", new_status="kicked", bot_user=running_bot.fake.bot_user
        )
    )
    p = await _partnership(database)
    assert p is not None and not p.is_active and p.deactivated_at is not None
    await running_bot.deliver(
        tg.my_chat_member(
            chat, COORDINATOR, old_status="kicked", new_status="member", bot_user=running_bot.fake.bot_user
        )
    )
    assert "Wróciłem" in running_bot.fake.sent_texts(GROUP_ID)[-1]
    p = await _partnership(database)
    assert p is not None and p.is_active
    await running_bot.deliver(tg.message(chat, MEMBER_PL, "druga"))
    assert [m.text for m in await _messages(database)] == ["pierwsza", "druga"]


async def test_group_upgraded_to_supergroup_takes_its_log_along(
    running_bot: BotUnderTest, database: Database
) -> None:
    old = await register_group(running_bot, chat=tg.group(-3001, "Czarne"))
    await running_bot.deliver(tg.message(old, MEMBER_PL, "w starej grupie"))
    new = tg.supergroup(-100_3001, "Czarne")
    await running_bot.deliver(
        tg.message(old, COORDINATOR, migrate_to_chat_id=-100_3001),
        tg.message(new, COORDINATOR, migrate_from_chat_id=-3001),
        tg.message(new, MEMBER_PL, "w supergrupie"),
    )
    assert await _partnership(database, -3001) is None
    moved = await _partnership(database, -100_3001)
    assert moved is not None and moved.name == "Partnerstwo Czarne"
    assert [m.text for m in await _messages(database)] == ["w starej grupie", "w supergrupie"]
    await running_bot.deliver(tg.message(new, MEMBER_PL, "/history"))
    page = running_bot.fake.sent_texts(-100_3001)[-1]
    assert "w starej grupie" in page and "w supergrupie" in page


@pytest.mark.calendar
async def test_status_in_group_polish_and_english(running_bot: BotUnderTest) -> None:
    chat = await register_group(running_bot)
    await running_bot.deliver(*[tg.message(chat, MEMBER_PL, f"wiadomość {i}") for i in range(5)])
    await running_bot.deliver(tg.message(chat, COORDINATOR, "/log telefon Rozmowa z OSP o plakatach"))
    await running_bot.deliver(tg.message(chat, MEMBER_PL, "/status"))
    status_pl = running_bot.fake.sent_texts(GROUP_ID)[-1]
    assert "<b>Partnerstwo Czarne</b>" in status_pl
    assert "Koordynator: Anna Nowak" in status_pl
    # 5 plain messages + the /log command message + the /status command message.
    assert "W tym tygodniu: 7 wiadomości, 1 zapisany kontakt" in status_pl
    assert "Jan Kowalski (6)" in status_pl
    assert "Ostatnia aktywność:" in status_pl
    await running_bot.deliver(tg.message(chat, MEMBER_EN, "/status"))
    status_en = running_bot.fake.sent_texts(GROUP_ID)[-1]
    assert "This week: 8 messages, 1 recorded contact" in status_en
    assert "Coordinator: Anna Nowak" in status_en


async def test_timestamps_are_utc(running_bot: BotUnderTest, database: Database) -> None:
    chat = await register_group(running_bot)
    await running_bot.deliver(
        tg.message(chat, MEMBER_PL, "czas", date=int(datetime(2026, 3, 29, 1, 30, tzinfo=UTC).timestamp()))
    )
    (logged,) = await _messages(database)
    assert logged.occurred_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
