"""Database tables: partnerships, the people the bot knows, and the communication log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.db import UTCDateTime, utcnow


class EntryKind(StrEnum):
    """What a communication-log entry records."""

    MESSAGE = "message"  # a message in the partnership's group chat
    CONTACT = "contact"  # a contact outside the chat, recorded by the coordinator
    EVENT = "event"  # something that happened to the partnership itself


class Channel(StrEnum):
    """Channels of contact a coordinator can record."""

    PHONE = "phone"
    EMAIL = "email"
    MEETING = "meeting"
    IN_PERSON = "in_person"
    ONLINE_MEETING = "online_meeting"
    SMS = "sms"


class EventKind(StrEnum):
    """Things that happen to a partnership, recorded in its log."""

    REGISTERED = "registered"
    BOT_REMOVED = "bot_removed"
    BOT_RETURNED = "bot_returned"
    MIGRATED = "migrated"


def _utc_column(*, nullable: bool = False, index: bool = False) -> Column[datetime]:
    """A fresh UTC datetime column (SQLAlchemy columns cannot be shared between tables)."""
    return Column(UTCDateTime(), nullable=nullable, index=index)


def _telegram_id(*, nullable: bool = False, index: bool = False, unique: bool = False) -> Column[int]:
    """A 64-bit Telegram identifier column."""
    return Column(BigInteger(), nullable=nullable, index=index, unique=unique)


class PartnershipBase(SQLModel):
    """Fields of a partnership shared by its table and its views."""

    name: str = Field(max_length=200)
    coordinator_name: str = Field(default="", max_length=200)
    timezone: str = Field(default="Europe/Warsaw", max_length=64)


class Partnership(PartnershipBase, table=True):
    """A municipality's partnership, bound to one Telegram group chat."""

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    chat_id: int = Field(sa_column=_telegram_id(unique=True))
    coordinator_user_id: int = Field(sa_column=_telegram_id(index=True))
    is_active: bool = True
    can_read_messages: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    deactivated_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class Person(SQLModel, table=True):
    """A Telegram user the bot has met, with their chosen language."""

    user_id: int = Field(
        sa_column=Column(BigInteger(), primary_key=True, autoincrement=False)
    )
    first_name: str = Field(default="", max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    username: str | None = Field(default=None, max_length=64)
    language_code: str | None = Field(default=None, max_length=16)
    locale: str | None = Field(default=None, max_length=8)
    current_partnership_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("partnership.id", ondelete="SET NULL")),
    )
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class LogEntry(SQLModel, table=True):
    """One entry of a partnership's communication log."""

    __tablename__ = "log_entry"
    __table_args__ = (
        # A redelivered update must not be logged twice.
        UniqueConstraint("chat_id", "message_id", name="uq_log_entry_chat_message"),
        Index("ix_log_entry_partnership_occurred", "partnership_id", "occurred_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partnership_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False
        )
    )
    kind: str = Field(max_length=16)
    occurred_at: datetime = Field(sa_column=_utc_column())
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    author_user_id: int | None = Field(default=None, sa_column=_telegram_id(nullable=True))
    author_name: str = Field(default="", max_length=400)
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    media_kind: str | None = Field(default=None, max_length=32)
    channel: str | None = Field(default=None, max_length=32)
    chat_id: int | None = Field(default=None, sa_column=_telegram_id(nullable=True))
    message_id: int | None = Field(default=None, sa_column=_telegram_id(nullable=True))
    reply_to_message_id: int | None = Field(default=None, sa_column=_telegram_id(nullable=True))
    edited_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class LogEntryRevision(SQLModel, table=True):
    """The text a message had before an edit replaced it."""

    __tablename__ = "log_entry_revision"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    entry_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("log_entry.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    replaced_at: datetime = Field(sa_column=_utc_column())
