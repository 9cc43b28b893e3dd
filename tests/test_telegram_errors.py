"""Telegram's errors handled on purpose: flood waits, removal, migration, timeouts, crashes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import func, select
from telegram.error import BadRequest, TimedOut
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.db import Database
from bot.models import EntryKind, LogEntry
from bot.notifier import Button, ChatUnreachable, SendFailed, SendTimedOut
from bot.pacing import ChatPacer, Pace
from bot.services import partnerships
from bot.telegram_notifier import TelegramNotifier
from tests.e2e_fixtures import COORDINATOR, GROUP_ID, MEMBER_PL, register_group
from tests.fakebot import FakeBotApi
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest


class Events:
    """What the notifier reported, and how long it was asked to wait."""

    pacer: ChatPacer

    def __init__(self) -> None:
        self.migrations: list[tuple[int, int]] = []
        self.unreachable: list[int] = []

    async def migrated(self, old: int, new: int) -> None:
        self.migrations.append((old, new))

    async def gone(self, chat_id: int, reason: str) -> None:
        self.unreachable.append(chat_id)


@pytest.fixture
async def notifier(fake: FakeBotApi) -> AsyncIterator[tuple[TelegramNotifier, Events]]:
    """The real notifier over a bot whose calls go through the one retry layer, paced as in production."""
    events = Events()
    request = HTTPXRequest(read_timeout=0.3, connect_timeout=1.0)
    pacer = ChatPacer(Pace())
    async with ExtBot(fake.token, base_url=fake.base_url, request=request, rate_limiter=pacer) as bot:
        events.pacer = pacer
        yield TelegramNotifier(bot, on_migrated=events.migrated, on_unreachable=events.gone), events


async def test_flood_wait_is_honoured_and_message_still_goes_out(fake: FakeBotApi, notifier) -> None:
    sender, events = notifier
    fake.fail_next(
        "sendMessage", error_code=429, description="Too Many Requests: retry after 1", retry_after=1
    )
    loop = asyncio.get_running_loop()
    started = loop.time()
    sent = await sender.send(-100_1, "po przerwie")
    assert loop.time() - started >= 0.95
    assert events.pacer.flood_waits == 1
    assert fake.sent_texts(-100_1) == ["po przerwie"] and sent.chat_id == -100_1


async def test_flood_wait_holds_only_its_own_chat(fake: FakeBotApi, notifier) -> None:
    sender, _events = notifier
    fake.fail_next(
        "sendMessage", error_code=429, description="Too Many Requests: retry after 2", retry_after=2
    )
    slow = asyncio.create_task(sender.send(-100_11, "czekam"))
    await fake.await_for("sendMessage", timeout=2)  # the 429 has been answered
    loop = asyncio.get_running_loop()
    started = loop.time()
    await sender.send(-100_12, "ja nie czekam")
    await sender.send(1012, "ja też nie")
    assert loop.time() - started < 0.5 and not slow.done()
    await slow
    assert fake.sent_texts(-100_11) == ["czekam"]


async def test_server_errors_are_retried_without_waiting_for_the_groups_pace(
    fake: FakeBotApi, notifier
) -> None:
    sender, events = notifier
    fake.fail_next("sendMessage", error_code=502, description="Bad Gateway", times=2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    for i in range(3):  # a quiet group's burst is three messages; failed tries do not use it up
        await sender.send(-100_13, f"wiadomość {i}")
    assert loop.time() - started < 2.0
    assert events.pacer.retried == 2
    assert fake.sent_texts(-100_13) == [f"wiadomość {i}" for i in range(3)]


async def test_bot_removed_is_reported_not_swallowed(fake: FakeBotApi, notifier) -> None:
    sender, events = notifier
    fake.fail_next("sendMessage", error_code=403, description="Forbidden: bot was kicked from the group chat")
    with pytest.raises(ChatUnreachable):
        await sender.send(-100_2, "hello")
    assert events.unreachable == [-100_2]


async def test_migrated_chat_is_followed_and_message_resent(fake: FakeBotApi, notifier) -> None:
    sender, events = notifier
    fake.fail_next(
        "sendMessage",
        error_code=400,
        migrate_to_chat_id=-100_333,
        description="Bad Request: group chat was upgraded to a supergroup chat",
    )
    sent = await sender.send(-333, "do supergrupy")
    assert events.migrations == [(-333, -100_333)]
    assert sent.chat_id == -100_333 and fake.sent_texts(-100_333) == ["do supergrupy"]


async def test_a_send_that_timed_out_is_not_repeated(fake: FakeBotApi, notifier) -> None:
    sender, events = notifier
    fake.delay_next("sendMessage", 0.6)  # answers after the 0.3 s read timeout, but delivers
    with pytest.raises(TimedOut):
        await sender.send(-100_4, "może doszło")
    await asyncio.sleep(0.5)
    assert fake.sent_texts(-100_4) == ["może doszło"]  # once: the layer did not send it again
    assert events.pacer.retried == 0


async def test_telegram_errors_are_also_the_notifiers_own(fake: FakeBotApi, notifier) -> None:
    # The scheduler knows only the Notifier's exceptions; handlers may still catch Telegram's.
    sender, _events = notifier
    fake.delay_next("sendMessage", 0.6)
    with pytest.raises(SendTimedOut) as timed_out:
        await sender.send(-100_8, "może doszło")
    assert isinstance(timed_out.value, TimedOut)
    fake.fail_next("sendMessage", error_code=400, description="Bad Request: message text is empty")
    with pytest.raises(SendFailed, match=r"(?i)message text is empty") as refused:
        await sender.send(-100_8, "pusto")
    assert isinstance(refused.value, BadRequest) and not isinstance(refused.value, SendTimedOut)
    await asyncio.sleep(0.5)  # let the delayed answer arrive before the fake shuts down


async def test_questions_are_not_paced(fake: FakeBotApi, notifier) -> None:
    sender, _events = notifier
    for i in range(3):
        await sender.send(-100_5, f"burst {i}")
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(5):  # the group's burst is used up, but getChatMember is not a send
        await sender.bot.get_chat_member(-100_5, 1001)
    assert loop.time() - started < 0.5


async def test_long_text_is_split_and_buttons_go_last(fake: FakeBotApi, notifier) -> None:
    sender, _events = notifier
    text = "\n".join(f"wiersz {i}: " + "ą" * 80 for i in range(100))
    await sender.send(-100_6, text, buttons=[[Button("Dalej", "next:1")]])
    calls = fake.calls("sendMessage")
    assert len(calls) == 3 and all(len(c.params["text"]) <= 4096 for c in calls)
    assert "\n".join(c.params["text"] for c in calls) == text
    assert ["reply_markup" in c.params for c in calls] == [False, False, True]


async def test_unchanged_edit_is_not_an_error(fake: FakeBotApi, notifier) -> None:
    sender, _events = notifier
    sent = await sender.send(-100_7, "ten sam tekst")
    fake.fail_next(
        "editMessageText",
        error_code=400,
        description="Bad Request: message is not modified: specified new message content "
        "and reply markup are exactly the same",
    )
    await sender.edit(sent.chat_id, sent.message_id, "ten sam tekst")  # returns quietly
    assert len(fake.calls("editMessageText")) == 1  # tried once, not retried
    # Any other Bad Request on an edit is still an error.
    fake.fail_next("editMessageText", error_code=400, description="Bad Request: message to edit not found")
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await sender.edit(sent.chat_id, sent.message_id, "inny tekst")


async def test_reply_to_removed_group_deactivates_partnership(
    running_bot: BotUnderTest, database: Database
) -> None:
    chat = await register_group(running_bot)
    running_bot.fake.fail_next(
        "sendMessage", error_code=403, description="Forbidden: bot was kicked from the supergroup chat"
    )
    await running_bot.deliver(tg.message(chat, MEMBER_PL, "/status"))
    async with database.transaction() as session:
        p = await partnerships.by_chat(session, chat_id=GROUP_ID)
    assert p is not None and not p.is_active


async def test_reply_to_migrated_group_follows_it(running_bot: BotUnderTest, database: Database) -> None:
    chat = await register_group(running_bot, chat=tg.group(-5005, "Czarne"))
    running_bot.fake.fail_next(
        "sendMessage",
        error_code=400,
        migrate_to_chat_id=-100_5005,
        description="Bad Request: group chat was upgraded to a supergroup chat",
    )
    await running_bot.deliver(tg.message(chat, MEMBER_PL, "/status"))
    assert "<b>Partnerstwo Czarne</b>" in running_bot.fake.sent_texts(-100_5005)[-1]
    async with database.transaction() as session:
        p = await partnerships.by_chat(session, chat_id=-100_5005)
    assert p is not None and p.name == "Partnerstwo Czarne"


async def _message_count(database: Database) -> int:
    async with database.transaction() as session:
        result = await session.exec(
            select(func.count()).select_from(LogEntry).where(LogEntry.kind == EntryKind.MESSAGE)
        )
        return int(result.one())


async def test_update_is_confirmed_only_after_it_is_stored(
    running_bot: BotUnderTest, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = await register_group(running_bot)
    import bot.polling

    real_store = bot.polling.store_messages  # type: ignore[attr-defined]
    failures = asyncio.Event()

    async def failing_store(session, *, messages):  # type: ignore[no-untyped-def]
        failures.set()
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(bot.polling, "store_messages", failing_store)
    (update_id,) = running_bot.fake.push_updates([tg.message(chat, MEMBER_PL, "nie zgub mnie")])
    await asyncio.wait_for(failures.wait(), timeout=5)
    assert running_bot.fake.confirmed_offset <= update_id  # not acknowledged while unstored
    assert await _message_count(database) == 0
    monkeypatch.setattr(bot.polling, "store_messages", real_store)
    await running_bot.fake.await_confirmed(update_id, timeout=10)
    assert await _message_count(database) == 1


async def test_restart_loses_nothing_and_duplicates_nothing(
    fake: FakeBotApi, database: Database, db_url: str
) -> None:
    first = await BotUnderTest(fake, db_url).start()
    chat = await register_group(first)
    await first.deliver(*[tg.message(chat, MEMBER_PL, f"przed {i}") for i in range(10)])
    await first.stop()
    assert fake.pending_count() == 0
    # Updates that arrive while the bot is down are delivered once it is back.
    fake.push_updates([tg.message(chat, COORDINATOR, f"w przerwie {i}") for i in range(5)])
    second = await BotUnderTest(fake, db_url).start()
    try:
        await second.deliver(tg.message(chat, MEMBER_PL, "po restarcie"))
    finally:
        await second.stop()
    assert await _message_count(database) == 16


async def test_redelivered_batch_is_stored_once(running_bot: BotUnderTest, database: Database) -> None:
    chat = await register_group(running_bot)
    updates = [tg.message(chat, MEMBER_PL, f"raz {i}") for i in range(3)]
    await running_bot.deliver(*updates)
    # Telegram may deliver the same updates again (e.g. a crash before the offset moved).
    await running_bot.deliver(*[dict(u) for u in updates])
    assert await _message_count(database) == 3


async def test_production_pace_against_an_enforcing_fake_sends_everything_without_429(
    fake: FakeBotApi, notifier
) -> None:
    sender, _events = notifier
    fake.enable_flood_control()  # 30 a second, 20 a minute per group, like Telegram
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(sender.send(-100_700 - i, f"do grupy {i}") for i in range(45)))
    spread = loop.time() - started
    quiet_group = [sender.send(-100_999, f"seria {i}") for i in range(4)]
    burst_started = loop.time()
    await asyncio.gather(*quiet_group[:3])
    burst = loop.time() - burst_started
    await quiet_group[3]
    fourth = loop.time() - burst_started
    assert fake.flood_rejections == 0
    assert len(fake.calls("sendMessage")) == 49
    assert 0.9 < spread < 4.0  # 45 messages need more than one second at 30 a second
    assert burst < 0.5 and fourth >= 1.5  # a quiet group's burst at once, then its pace
