"""Partnerships, the people the bot knows, the communication log, handled updates and their answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel

from bot.columns import utcnow
from bot.models.base import enum_column, telegram_id, utc_column
from bot.models.enums import (
    AnswerState,
    EntryKind,
    Stage,
)


class PartnershipBase(SQLModel):
    """Fields of a partnership shared by its table and its views."""

    name: str = Field(max_length=200)
    coordinator_name: str = Field(default="", max_length=200)
    timezone: str = Field(default="Europe/Warsaw", max_length=64)


class Partnership(PartnershipBase, table=True):
    """A municipality's partnership, bound to one Telegram group chat."""

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    chat_id: int = Field(sa_column=telegram_id(unique=True))
    coordinator_user_id: int = Field(sa_column=telegram_id(index=True))
    is_active: bool = True
    can_read_messages: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    deactivated_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    stage: Stage = Field(default=Stage.FORMING, sa_column=enum_column(Stage, 16))
    leader_partner_id: int | None = Field(default=None)
    communication_channels: str = Field(default="", max_length=200)
    meeting_frequency: str = Field(default="", max_length=32)
    reporting: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # Data rights (issue 14): the controller's notice, how long texts outlive the closing, and when
    # the retention job first saw the partnership closed (or deleted it for good).
    privacy_notice: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    retention_years: int = Field(default=3, sa_column=Column(Integer, nullable=False, server_default="3"))
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    deleted_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class Person(SQLModel, table=True):
    """A Telegram user the bot has met, with their chosen language."""

    user_id: int = Field(sa_column=Column(BigInteger(), primary_key=True, autoincrement=False))
    first_name: str = Field(default="", max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    username: str | None = Field(default=None, max_length=64)
    language_code: str | None = Field(default=None, max_length=16)
    locale: str | None = Field(default=None, max_length=8)
    current_partnership_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("partnership.id", ondelete="SET NULL")),
    )
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class LogEntry(SQLModel, table=True):
    """One entry of a partnership's communication log."""

    __tablename__ = "log_entry"
    __table_args__ = (
        # A redelivered update must not be logged twice.
        UniqueConstraint("chat_id", "message_id", name="uq_log_entry_chat_message"),
        Index("ix_log_entry_partnership_occurred", "partnership_id", "occurred_at"),
        # The overview (issue 15): a coordinator's latest entry, and a partner's entries lately.
        Index("ix_log_entry_author_occurred", "partnership_id", "author_user_id", "occurred_at"),
        Index("ix_log_entry_partner_occurred", "partnership_id", "partner_id", "occurred_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partnership_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False)
    )
    kind: EntryKind = Field(sa_column=enum_column(EntryKind, 16))
    occurred_at: datetime = Field(sa_column=utc_column())
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    author_user_id: int | None = Field(default=None, sa_column=telegram_id(nullable=True))
    author_name: str = Field(default="", max_length=400)
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    media_kind: str | None = Field(default=None, max_length=32)
    channel: str | None = Field(default=None, max_length=32)
    chat_id: int | None = Field(default=None, sa_column=telegram_id(nullable=True))
    message_id: int | None = Field(default=None, sa_column=telegram_id(nullable=True))
    reply_to_message_id: int | None = Field(default=None, sa_column=telegram_id(nullable=True))
    edited_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # The partner organisation the author speaks for, so the log can answer "when did we last
    # hear from the parish?".
    partner_id: int | None = Field(default=None, index=True)
    # Erased on request or by retention: the text and name are gone, the row still counts.
    erased: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))


class LogEntryRevision(SQLModel, table=True):
    """The text a message had before an edit replaced it."""

    __tablename__ = "log_entry_revision"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    entry_id: int = Field(
        sa_column=Column(Integer, ForeignKey("log_entry.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    replaced_at: datetime = Field(sa_column=utc_column())


class HandledUpdate(SQLModel, table=True):
    """A Telegram update whose effects are stored (written in the same transaction as they are)."""

    __tablename__ = "handled_update"

    update_id: int = Field(sa_column=Column(BigInteger(), primary_key=True, autoincrement=False))
    handled_at: datetime = Field(sa_column=utc_column())


class PendingAnswer(SQLModel, table=True):
    """An answer to an update whose effects are committed, kept until it is sent (bot.answers).

    The Notifier's arguments, so sending it again renders it the same way: the HTML text (parse
    mode HTML, long texts split alike), the inline buttons as JSON or a reply prompt, and for an
    edit the message edited. A sent answer is deleted; one whose send failed or timed out stays
    with that state until its update's handled-mark is forgotten.
    """

    __tablename__ = "pending_answer"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    update_id: int = Field(sa_column=Column(BigInteger(), nullable=False, index=True))
    chat_id: int = Field(sa_column=telegram_id())
    message_id: int | None = Field(default=None, sa_column=telegram_id(nullable=True))  # an edit
    text: str = Field(sa_column=Column(Text, nullable=False))
    buttons: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    force_reply: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    state: AnswerState = Field(
        default=AnswerState.PENDING, sa_column=enum_column(AnswerState, 16, server_default="pending")
    )
    created_at: datetime = Field(sa_column=utc_column())
