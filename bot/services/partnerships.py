"""Registering partnerships and following their group chat through Telegram's changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import utcnow
from bot.models import EntryKind, EventKind, LogEntry, Partnership, Person
from bot.text import visible_text

NAME_MIN, NAME_MAX = 3, 120


class InvalidName(ValueError):
    """A partnership name that is empty, too short or too long."""


@dataclass(frozen=True)
class Registration:
    """Outcome of /setup: the partnership and whether this call created it."""

    partnership: Partnership
    created: bool


def clean_name(raw: str) -> str:
    """Collapse whitespace and check the length of a partnership name."""
    name = visible_text(raw)  # a name of control or zero-width characters is no name
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise InvalidName(name)
    return name


async def by_chat(session: AsyncSession, *, chat_id: int) -> Partnership | None:
    """The partnership registered for a group chat, if any."""
    result = await session.exec(select(Partnership).where(Partnership.chat_id == chat_id))
    return result.first()


async def by_id(session: AsyncSession, *, partnership_id: int) -> Partnership | None:
    """A partnership by its id."""
    return await session.get(Partnership, partnership_id)


async def record_event(
    session: AsyncSession,
    *,
    partnership: Partnership,
    event: EventKind,
    at: datetime,
    author_user_id: int | None = None,
    author_name: str = "",
    detail: str | None = None,
) -> LogEntry:
    """Write something that happened to the partnership into its log."""
    assert partnership.id is not None
    entry = LogEntry(
        partnership_id=partnership.id,
        kind=EntryKind.EVENT,
        channel=event.value,
        occurred_at=at,
        author_user_id=author_user_id,
        author_name=author_name,
        text=detail,
    )
    session.add(entry)
    await session.flush()
    return entry


async def register(
    session: AsyncSession,
    *,
    chat_id: int,
    name: str,
    coordinator_user_id: int,
    coordinator_name: str,
    timezone: str,
    can_read_messages: bool = True,
) -> Registration:
    """Register the chat's partnership; an existing one is returned unchanged."""
    existing = await by_chat(session, chat_id=chat_id)
    if existing is not None:
        return Registration(existing, created=False)
    now = utcnow()
    partnership = Partnership(
        chat_id=chat_id,
        name=clean_name(name),
        coordinator_user_id=coordinator_user_id,
        coordinator_name=coordinator_name,
        timezone=timezone,
        can_read_messages=can_read_messages,
        created_at=now,
    )
    session.add(partnership)
    await session.flush()
    await record_event(
        session,
        partnership=partnership,
        event=EventKind.REGISTERED,
        at=now,
        author_user_id=coordinator_user_id,
        author_name=coordinator_name,
        detail=partnership.name,
    )
    return Registration(partnership, created=True)


async def bot_left(session: AsyncSession, *, chat_id: int) -> Partnership | None:
    """The bot was removed: the partnership goes inactive and keeps everything."""
    partnership = await by_chat(session, chat_id=chat_id)
    if partnership is None or not partnership.is_active:
        return partnership
    now = utcnow()
    partnership.is_active = False
    partnership.deactivated_at = now
    await record_event(session, partnership=partnership, event=EventKind.BOT_REMOVED, at=now)
    return partnership


async def bot_joined(session: AsyncSession, *, chat_id: int, can_read_messages: bool) -> Partnership | None:
    """The bot is (back) in the chat: an inactive partnership continues."""
    partnership = await by_chat(session, chat_id=chat_id)
    if partnership is None:
        return None
    partnership.can_read_messages = can_read_messages
    if not partnership.is_active:
        partnership.is_active = True
        partnership.deactivated_at = None
        await record_event(session, partnership=partnership, event=EventKind.BOT_RETURNED, at=utcnow())
    return partnership


async def follow_migration(
    session: AsyncSession, *, old_chat_id: int, new_chat_id: int
) -> Partnership | None:
    """The group became a supergroup: the partnership moves to the new chat id."""
    partnership = await by_chat(session, chat_id=old_chat_id)
    if partnership is None:
        return await by_chat(session, chat_id=new_chat_id)
    if await by_chat(session, chat_id=new_chat_id) is not None:
        return partnership  # already followed; nothing to merge
    partnership.chat_id = new_chat_id
    await record_event(
        session,
        partnership=partnership,
        event=EventKind.MIGRATED,
        at=utcnow(),
        detail=f"{old_chat_id} -> {new_chat_id}",
    )
    return partnership


async def coordinated_by(session: AsyncSession, *, user_id: int) -> list[Partnership]:
    """Partnerships a person coordinates, oldest first."""
    result = await session.exec(
        select(Partnership).where(Partnership.coordinator_user_id == user_id).order_by(col(Partnership.id))
    )
    return list(result)


async def choose_current(session: AsyncSession, *, user_id: int, partnership_id: int) -> None:
    """Remember which partnership a person's private commands are about."""
    person = await session.get(Person, user_id)
    if person is None:
        person = Person(user_id=user_id)
        session.add(person)
    person.current_partnership_id = partnership_id
    await session.flush()


def pick_current(candidates: list[Partnership], chosen_id: int | None) -> list[Partnership]:
    """The chosen partnership if it is among the candidates, else all of them."""
    if len(candidates) <= 1:
        return candidates
    picked = [p for p in candidates if p.id == chosen_id]
    return picked or candidates
