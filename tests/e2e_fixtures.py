"""Fixtures for end-to-end tests: the fake Bot API server and the running bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bot.db import Database
from tests.fakebot import FakeBotApi
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest

GROUP_ID = -100_500_600_700
COORDINATOR = tg.user(1001, "Anna", last_name="Nowak", language_code="pl")
MEMBER_PL = tg.user(1002, "Jan", last_name="Kowalski", language_code="pl")
MEMBER_EN = tg.user(1003, "Emma", language_code="en")
STRANGER = tg.user(1004, "Obcy", language_code="pl")


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    """The fake Bot API server; every call the bot made must be valid by the spec."""
    with FakeBotApi() as server:
        yield server
        server.assert_clean()


@pytest.fixture
async def running_bot(fake: FakeBotApi, database: Database, db_url: str) -> AsyncIterator[BotUnderTest]:
    """The real Application polling the fake server, on a migrated database."""
    bot = BotUnderTest(fake, db_url)
    await bot.start()
    yield bot
    await bot.stop()


async def register_group(
    bot: BotUnderTest,
    chat: dict | None = None,
    name: str = "Partnerstwo Czarne",
    coordinator: dict = COORDINATOR,
) -> dict:
    """Add the bot to a group and register it with /setup by an administrator."""
    chat = chat or tg.supergroup(GROUP_ID, "Czarne")
    bot.fake.set_chat_member(chat["id"], coordinator["id"], "administrator")
    await bot.deliver(
        tg.my_chat_member(
            chat, coordinator, old_status="left", new_status="member", bot_user=bot.fake.bot_user
        ),
        tg.message(chat, coordinator, f"/setup {name}"),
    )
    return chat
