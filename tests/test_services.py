"""Services against a real database: registering, logging, edits, migration, status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.db import Database
from bot.models import Channel, EntryKind, EventKind, LogEntry, Partnership
from bot.services import log as comm_log
from bot.services import partnerships
from bot.services.log import ContactCommand, IncomingMessage
from bot.services.status import communication_status

CHAT = -100123
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


async def _register(db: Database, chat_id: int = CHAT, coordinator: int = 7) -> Partnership:
    async with db.transaction() as session:
        result = await partnerships.register(
            session,
            chat_id=chat_id,
            name="Partnerstwo Czarne",
            coordinator_user_id=coordinator,
            coordinator_name="Anna Nowak",
            timezone="Europe/Warsaw",
        )
    return result.partnership


def _msg(
    message_id: int,
    text: str = "hej",
    *,
    chat_id: int = CHAT,
    at: datetime = NOW,
    edited_at: datetime | None = None,
    author: int = 11,
) -> IncomingMessage:
    return IncomingMessage(
        chat_id=chat_id,
        message_id=message_id,
        occurred_at=at,
        author_user_id=author,
        author_name=f"User {author}",
        text=text,
        media_kind=None,
        reply_to_message_id=None,
        edited_at=edited_at,
    )


async def test_register_is_idempotent_and_logged(database: Database) -> None:
    first = await _register(database)
    again = await _register(database, coordinator=99)
    assert again.id == first.id and again.coordinator_user_id == 7
    async with database.transaction() as session:
        entries = (await session.exec(select(LogEntry))).all()
    assert [(e.kind, e.channel) for e in entries] == [(EntryKind.EVENT, EventKind.REGISTERED)]


async def test_store_messages_is_idempotent_and_ignores_unregistered_chats(database: Database) -> None:
    p = await _register(database)
    batch = [_msg(1), _msg(2), _msg(3, chat_id=-555)]
    async with database.transaction() as session:
        assert await comm_log.store_messages(session, messages=batch) == 2
    async with database.transaction() as session:  # redelivered after a crash
        assert await comm_log.store_messages(session, messages=batch) == 0
        assert p.id is not None
        assert await comm_log.count_entries(session, partnership_id=p.id) == 3  # + event


async def test_edit_keeps_previous_text(database: Database) -> None:
    await _register(database)
    async with database.transaction() as session:
        await comm_log.store_messages(session, messages=[_msg(5, "spotkanie w piątek")])
    edits = [_msg(5, "spotkanie w sobotę", edited_at=NOW + timedelta(minutes=3))]
    async with database.transaction() as session:
        await comm_log.store_messages(session, messages=edits)
    async with database.transaction() as session:  # the same edit delivered twice
        await comm_log.store_messages(session, messages=edits)
    async with database.transaction() as session:
        entry = (await session.exec(select(LogEntry).where(LogEntry.message_id == 5))).one()
        assert entry.text == "spotkanie w sobotę"
        assert entry.edited_at == NOW + timedelta(minutes=3)
        assert entry.id is not None
        history = await comm_log.revisions(session, entry_id=entry.id)
    assert [r.text for r in history] == ["spotkanie w piątek"]


async def test_migration_moves_partnership_and_log_follows(database: Database) -> None:
    p = await _register(database, chat_id=-42)
    async with database.transaction() as session:
        await comm_log.store_messages(session, messages=[_msg(1, chat_id=-42)])
        moved = await partnerships.follow_migration(session, old_chat_id=-42, new_chat_id=-10042)
        assert moved is not None and moved.id == p.id and moved.chat_id == -10042
        again = await partnerships.follow_migration(session, old_chat_id=-42, new_chat_id=-10042)
        assert again is not None and again.id == p.id
        await comm_log.store_messages(session, messages=[_msg(1, chat_id=-10042)])
        assert p.id is not None
        page = await comm_log.history_page(session, partnership_id=p.id, page=0)
    kinds = [(e.kind, e.chat_id) for e in page.entries]
    assert (EntryKind.MESSAGE, -42) in kinds and (EntryKind.MESSAGE, -10042) in kinds


async def test_bot_left_and_back_keeps_everything(database: Database) -> None:
    await _register(database)
    async with database.transaction() as session:
        await comm_log.store_messages(session, messages=[_msg(1)])
        left = await partnerships.bot_left(session, chat_id=CHAT)
        assert left is not None and not left.is_active and left.deactivated_at is not None
        back = await partnerships.bot_joined(session, chat_id=CHAT, can_read_messages=True)
        assert back is not None and back.is_active
        assert back.id is not None
        assert await comm_log.count_entries(session, partnership_id=back.id) == 4


async def test_history_pages_newest_first(database: Database) -> None:
    p = await _register(database)
    assert p.id is not None
    async with database.transaction() as session:
        await comm_log.store_messages(
            session, messages=[_msg(i, f"m{i}", at=NOW + timedelta(minutes=i)) for i in range(1, 20)]
        )
        first = await comm_log.history_page(session, partnership_id=p.id, page=0, page_size=8)
        last = await comm_log.history_page(session, partnership_id=p.id, page=2, page_size=8)
    assert [e.text for e in first.entries if e.kind == EntryKind.MESSAGE][:3] == ["m19", "m18", "m17"]
    assert first.has_older and not first.has_newer
    assert len(last.entries) == 4 and not last.has_older and last.has_newer


async def test_status_counts_week_month_and_people(database: Database) -> None:
    p = await _register(database)
    assert p.id is not None
    zone = ZoneInfo("Europe/Warsaw")
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)  # Thursday
    messages = [
        _msg(1, at=datetime(2026, 11, 25, 9, tzinfo=UTC), author=1),  # this week
        _msg(2, at=datetime(2026, 11, 25, 10, tzinfo=UTC), author=1),
        _msg(3, at=datetime(2026, 11, 10, 10, tzinfo=UTC), author=2),  # this month
        _msg(4, at=datetime(2026, 10, 31, 23, 30, tzinfo=UTC), author=3),  # 1 Nov, 00:30 local
        _msg(5, at=datetime(2026, 10, 31, 22, 30, tzinfo=UTC), author=4),  # 31 Oct, 23:30 local
    ]
    async with database.transaction() as session:
        await comm_log.store_messages(session, messages=messages)
        await comm_log.record_contact(
            session,
            partnership_id=p.id,
            contact=ContactCommand(Channel.PHONE, "x"),
            author_user_id=7,
            author_name="Anna Nowak",
            at=datetime(2026, 11, 24, 8, tzinfo=UTC),
        )
        report = await communication_status(session, partnership_id=p.id, now=now, zone=zone)
    assert (report.messages_week, report.messages_month) == (2, 4)
    assert (report.contacts_week, report.contacts_month) == (1, 1)
    assert report.active_people[0].name == "User 1"
    assert report.active_people_total == 4  # three writers and the coordinator
    assert report.last_activity_at == datetime(2026, 11, 25, 10, tzinfo=UTC)


async def test_naive_datetimes_are_refused(database: Database) -> None:
    p = await _register(database)
    assert p.id is not None
    with pytest.raises(Exception, match="naive"):
        async with database.transaction() as session:
            naive = datetime(2026, 1, 1)
            session.add(LogEntry(partnership_id=p.id, kind=EntryKind.MESSAGE, occurred_at=naive))
            await session.flush()


async def test_telegram_ids_are_64_bit(database: Database) -> None:
    big = -1002_000_000_000_123
    p = await _register(database, chat_id=big, coordinator=9_000_000_000)
    async with database.transaction() as session:
        found = await partnerships.by_chat(session, chat_id=big)
    assert found is not None and found.id == p.id and found.coordinator_user_id == 9_000_000_000
