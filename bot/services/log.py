"""The partnership's communication log: group messages, recorded contacts, history."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, tuple_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import insert_ignoring_duplicates, utcnow
from bot.models import (
    Channel,
    EntryKind,
    LogEntry,
    LogEntryRevision,
    Partner,
    Partnership,
    PartnerStatus,
    Representative,
)
from bot.text import fold

log = logging.getLogger(__name__)
HISTORY_PAGE_SIZE = 8
CONTACT_TEXT_MAX = 2000

# Words a coordinator may type for each channel, in Polish and English, folded.
CHANNEL_WORDS: dict[str, Channel] = {
    "phone": Channel.PHONE,
    "call": Channel.PHONE,
    "telefon": Channel.PHONE,
    "tel": Channel.PHONE,
    "rozmowa": Channel.PHONE,
    "email": Channel.EMAIL,
    "e-mail": Channel.EMAIL,
    "mail": Channel.EMAIL,
    "meeting": Channel.MEETING,
    "spotkanie": Channel.MEETING,
    "zebranie": Channel.MEETING,
    "in_person": Channel.IN_PERSON,
    "in-person": Channel.IN_PERSON,
    "inperson": Channel.IN_PERSON,
    "osobiscie": Channel.IN_PERSON,
    "online": Channel.ONLINE_MEETING,
    "online_meeting": Channel.ONLINE_MEETING,
    "online-meeting": Channel.ONLINE_MEETING,
    "video": Channel.ONLINE_MEETING,
    "wideo": Channel.ONLINE_MEETING,
    "wideokonferencja": Channel.ONLINE_MEETING,
    "sms": Channel.SMS,
    "text": Channel.SMS,
}


@dataclass(frozen=True)
class IncomingMessage:
    """A group message (or an edit of one) as the log needs it."""

    chat_id: int
    message_id: int
    occurred_at: datetime
    author_user_id: int | None
    author_name: str
    text: str | None
    media_kind: str | None
    reply_to_message_id: int | None
    edited_at: datetime | None = None


@dataclass(frozen=True)
class ContactCommand:
    """A parsed `/log <channel> <what happened>`."""

    channel: Channel
    text: str


class ContactParseError(ValueError):
    """What was wrong with a /log command: 'empty', 'channel' or 'text'."""

    def __init__(self, reason: str, word: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.word = word


@dataclass(frozen=True)
class HistoryPage:
    """One page of the log, newest first."""

    entries: list[LogEntry]
    page: int
    has_newer: bool
    has_older: bool
    first_texts: dict[int, str] = field(default_factory=dict)  # edited entry id -> what it said at first


def storable(text: str) -> str:
    """Text any database can store: PostgreSQL refuses U+0000 in text, and one such message must
    not stop the log (the character is invisible, so nothing readable is lost)."""
    if "\x00" in text:
        log.warning("removed U+0000 from a text before storing it")
        return text.replace("\x00", "")
    return text


def storable_or_none(text: str | None) -> str | None:
    """storable() for an optional text."""
    return None if text is None else storable(text)


def parse_channel(word: str) -> Channel | None:
    """The channel a word names, in Polish or English, or None."""
    return CHANNEL_WORDS.get(fold(word.strip()))


def parse_contact_command(args: str) -> ContactCommand:
    """Split the text after /log into a channel and a description."""
    parts = args.strip().split(maxsplit=1)
    if not parts:
        raise ContactParseError("empty")
    channel = parse_channel(parts[0])
    if channel is None:
        raise ContactParseError("channel", parts[0])
    text = parts[1].strip() if len(parts) > 1 else ""
    if not text or len(text) > CONTACT_TEXT_MAX:
        raise ContactParseError("text")
    return ContactCommand(channel=channel, text=text)


async def store_messages(session: AsyncSession, *, messages: Sequence[IncomingMessage]) -> int:
    """Log a batch of group messages and edits in registered chats; returns rows written."""
    if not messages:
        return 0
    partnership_of, speaks_for = await _chats_and_authors(
        session,
        chat_ids={m.chat_id for m in messages},
        authors={m.author_user_id for m in messages if m.author_user_id is not None},
    )
    now = utcnow()
    new_rows = [
        {
            "partnership_id": partnership_of[m.chat_id],
            "kind": EntryKind.MESSAGE.value,
            "occurred_at": m.occurred_at,
            "recorded_at": now,
            "author_user_id": m.author_user_id,
            "author_name": storable(m.author_name)[:400],
            "text": storable_or_none(m.text),
            "media_kind": m.media_kind,
            "chat_id": m.chat_id,
            "message_id": m.message_id,
            "reply_to_message_id": m.reply_to_message_id,
            "partner_id": speaks_for.get((partnership_of[m.chat_id], m.author_user_id or 0)),
        }
        for m in messages
        if m.edited_at is None and m.chat_id in partnership_of
    ]
    written = 0
    if new_rows:
        connection = await session.connection()
        statement = insert_ignoring_duplicates(LogEntry, connection.dialect.name).returning(col(LogEntry.id))
        written += len((await connection.execute(statement, new_rows)).all())
    edits = [m for m in messages if m.edited_at is not None and m.chat_id in partnership_of]
    if edits:
        written += await _apply_edits(session, edits=edits, partnership_of=partnership_of)
    return written


async def _chats_and_authors(
    session: AsyncSession, *, chat_ids: set[int], authors: set[int]
) -> tuple[dict[int, int], dict[tuple[int, int], int]]:
    """In one statement: chat -> its partnership, and (partnership, author) -> the partner
    organisation the author represents there (the first they joined)."""
    speaking = (
        select(
            col(Partner.partnership_id).label("partnership_id"),
            col(Representative.user_id).label("user_id"),
            col(Partner.id).label("partner_id"),
            col(Representative.id).label("joined"),
        )
        .join(Partner, col(Partner.id) == col(Representative.partner_id))
        .where(
            col(Representative.user_id).in_(authors or {0}),
            Partner.status != PartnerStatus.WITHDRAWN.value,
        )
        .subquery()
    )
    rows = await session.exec(
        select(Partnership.chat_id, Partnership.id, speaking.c.user_id, speaking.c.partner_id)
        .outerjoin(speaking, speaking.c.partnership_id == col(Partnership.id))
        .where(col(Partnership.chat_id).in_(chat_ids))
        .order_by(speaking.c.joined)
    )
    partnership_of: dict[int, int] = {}
    found: dict[tuple[int, int], int] = {}
    for chat_id, partnership_id, user_id, partner_id in rows:
        if partnership_id is None:
            continue
        partnership_of[chat_id] = partnership_id
        if user_id is not None and partner_id is not None:
            found.setdefault((partnership_id, user_id), partner_id)
    return partnership_of, found


async def _apply_edits(
    session: AsyncSession, *, edits: Sequence[IncomingMessage], partnership_of: dict[int, int]
) -> int:
    """Update edited entries, keeping each replaced text as a revision."""
    keys = [(m.chat_id, m.message_id) for m in edits]
    found = await session.exec(
        select(LogEntry).where(tuple_(col(LogEntry.chat_id), col(LogEntry.message_id)).in_(keys))
    )
    entries = {(e.chat_id, e.message_id): e for e in found}
    for m in edits:
        assert m.edited_at is not None
        entry = entries.get((m.chat_id, m.message_id))
        if entry is None:
            # The original arrived before the bot was here: log the edited text as the message.
            entry = LogEntry(
                partnership_id=partnership_of[m.chat_id],
                kind=EntryKind.MESSAGE,
                occurred_at=m.occurred_at,
                author_user_id=m.author_user_id,
                author_name=storable(m.author_name)[:400],
                text=storable_or_none(m.text),
                media_kind=m.media_kind,
                chat_id=m.chat_id,
                message_id=m.message_id,
                reply_to_message_id=m.reply_to_message_id,
                edited_at=m.edited_at,
            )
            session.add(entry)
            entries[(m.chat_id, m.message_id)] = entry
            continue
        if entry.edited_at is not None and entry.edited_at >= m.edited_at:
            continue  # a redelivered or out-of-order edit
        assert entry.id is not None
        session.add(LogEntryRevision(entry_id=entry.id, text=entry.text, replaced_at=m.edited_at))
        entry.text = storable_or_none(m.text)
        entry.edited_at = m.edited_at
    await session.flush()
    return len(edits)


async def record_contact(
    session: AsyncSession,
    *,
    partnership_id: int,
    contact: ContactCommand,
    author_user_id: int,
    author_name: str,
    at: datetime | None = None,
) -> LogEntry:
    """Log a contact outside the chat (a call, an e-mail, a meeting...)."""
    entry = LogEntry(
        partnership_id=partnership_id,
        kind=EntryKind.CONTACT,
        channel=contact.channel.value,
        text=storable(contact.text),
        occurred_at=at or utcnow(),
        author_user_id=author_user_id,
        author_name=author_name[:400],
    )
    session.add(entry)
    await session.flush()
    return entry


async def history_page(
    session: AsyncSession, *, partnership_id: int, page: int, page_size: int = HISTORY_PAGE_SIZE
) -> HistoryPage:
    """A page of the log, newest first; page 0 is the newest."""
    page = max(page, 0)
    result = await session.exec(
        select(LogEntry)
        .where(LogEntry.partnership_id == partnership_id)
        .order_by(col(LogEntry.occurred_at).desc(), col(LogEntry.id).desc())
        .offset(page * page_size)
        .limit(page_size + 1)
    )
    entries = list(result)
    shown = entries[:page_size]
    first_texts = {}
    for entry in shown:
        if entry.edited_at is None or entry.id is None:
            continue
        earlier = await revisions(session, entry_id=entry.id)
        if earlier and earlier[0].text:
            first_texts[entry.id] = earlier[0].text
    return HistoryPage(
        entries=shown,
        page=page,
        has_newer=page > 0,
        has_older=len(entries) > page_size,
        first_texts=first_texts,
    )


async def revisions(session: AsyncSession, *, entry_id: int) -> list[LogEntryRevision]:
    """Earlier texts of an edited entry, oldest first."""
    result = await session.exec(
        select(LogEntryRevision)
        .where(LogEntryRevision.entry_id == entry_id)
        .order_by(col(LogEntryRevision.replaced_at), col(LogEntryRevision.id))
    )
    return list(result)


async def count_entries(session: AsyncSession, *, partnership_id: int) -> int:
    """How many entries a partnership's log holds."""
    result = await session.exec(
        select(func.count()).select_from(LogEntry).where(LogEntry.partnership_id == partnership_id)
    )
    return int(result.one())
