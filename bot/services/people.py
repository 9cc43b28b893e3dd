"""The people the bot knows and the language each of them chose."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import SUPPORTED_LOCALES
from bot.db import insert_ignoring_duplicates, utcnow
from bot.models import Person


@dataclass(frozen=True)
class PersonInfo:
    """What Telegram tells us about a user, reduced to what we keep."""

    user_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    @property
    def display_name(self) -> str:
        """Full name as people see it in the chat."""
        return " ".join(part for part in (self.first_name, self.last_name) if part)


async def remember_person(session: AsyncSession, *, info: PersonInfo) -> Person:
    """Create or refresh the person's record and return it; an unchanged person is not written."""
    fresh = {
        "first_name": info.first_name[:200],
        "last_name": info.last_name[:200] if info.last_name else None,
        "username": info.username,
        "language_code": info.language_code,
    }
    person = await session.get(Person, info.user_id)
    if person is None:
        # Two chats of one person are handled side by side: whoever inserts second does nothing.
        connection = await session.connection()
        await connection.execute(
            insert_ignoring_duplicates(Person, connection.dialect.name).values(
                user_id=info.user_id, updated_at=utcnow(), **fresh
            )
        )
        person = await session.get(Person, info.user_id, populate_existing=True)
        assert person is not None
    if any(getattr(person, key) != value for key, value in fresh.items()):
        for key, value in fresh.items():
            setattr(person, key, value)
        person.updated_at = utcnow()
        await session.flush()
    return person


async def set_locale(session: AsyncSession, *, info: PersonInfo, locale: str) -> Person:
    """Remember the language a person chose."""
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    person = await remember_person(session, info=info)
    person.locale = locale
    await session.flush()
    return person


async def current_partnership_id(session: AsyncSession, *, user_id: int) -> int | None:
    """The partnership a person chose for private commands, if any."""
    person = await session.get(Person, user_id)
    return person.current_partnership_id if person else None


async def locale_of(session: AsyncSession, *, user_id: int, default: str) -> str:
    """The language to write to a person in: chosen, else Telegram's if supported, else the default."""
    from bot.i18n import resolve_locale  # i18n imports config only; kept local to stay light

    person = await session.get(Person, user_id)
    return resolve_locale(
        person.locale if person else None, person.language_code if person else None, default
    )
