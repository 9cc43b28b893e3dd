"""The partnership's rhythm: schedules, due deliveries, check-in rounds and answers, tasks, meetings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel

from bot.columns import utcnow
from bot.models.base import enum_column, telegram_id, utc_column
from bot.models.enums import (
    DeliveryKind,
    DeliveryStatus,
)
from bot.timing import Recurrence


class Schedule(SQLModel, table=True):
    """A recurring check-in: what to ask, how often, how long answers are collected."""

    __table_args__ = (Index("ix_schedule_due", "is_paused", "next_run_at"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partnership_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    recurrence: Recurrence = Field(sa_column=enum_column(Recurrence, 16))
    weekday: int = 0
    day: int = 1
    at_time: str = Field(default="09:00", max_length=5)
    cron: str = Field(default="", max_length=64)
    question: str = Field(sa_column=Column(Text, nullable=False))
    window_hours: int = 48
    reminder_after_hours: int = 24
    # The local day the schedule starts from: "every two weeks" counts 14-day steps from it.
    starts_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    is_paused: bool = False
    paused_reason: str = Field(default="", max_length=32)
    next_run_at: datetime = Field(sa_column=utc_column())
    created_by_user_id: int = Field(sa_column=telegram_id())
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class Delivery(SQLModel, table=True):
    """One due occurrence: claimed by one process, sent once, or recorded as missed."""

    __table_args__ = (Index("ix_delivery_due", "status", "due_at"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partnership_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False)
    )
    schedule_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("schedule.id", ondelete="SET NULL"), nullable=True)
    )
    kind: DeliveryKind = Field(sa_column=enum_column(DeliveryKind, 32))
    ref_id: int | None = None  # e.g. the check-in round a reminder belongs to
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    dedupe_key: str = Field(sa_column=Column(String(120), nullable=False, unique=True))
    due_at: datetime = Field(sa_column=utc_column())
    status: DeliveryStatus = Field(default=DeliveryStatus.PENDING, sa_column=enum_column(DeliveryStatus, 16))
    claimed_by: str = Field(default="", max_length=64)
    lease_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    attempts: int = 0
    last_error: str = Field(default="", max_length=300)
    sent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class CheckinRound(SQLModel, table=True):
    """One asking of a check-in question, and the window in which answers count."""

    __tablename__ = "checkin_round"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partnership_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    schedule_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("schedule.id", ondelete="SET NULL"), nullable=True)
    )
    question: str = Field(sa_column=Column(Text, nullable=False))
    opened_at: datetime = Field(sa_column=utc_column())
    closes_at: datetime = Field(sa_column=utc_column())
    chat_id: int | None = Field(default=None, sa_column=telegram_id(nullable=True))
    message_id: int | None = Field(default=None, sa_column=telegram_id(nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class CheckinAnswer(SQLModel, table=True):
    """A representative's answer to a round, or an explicit 'did not answer'."""

    __tablename__ = "checkin_answer"
    __table_args__ = (UniqueConstraint("round_id", "user_id", name="uq_checkin_answer"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    round_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("checkin_round.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    user_id: int = Field(sa_column=telegram_id())
    name: str = Field(default="", max_length=200)
    partner_id: int | None = Field(default=None)
    answer: str = Field(max_length=16)  # done, progress, help, or none
    text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    answered_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    late: bool = False
    # Erased on request or by retention: the text and name are gone, the row still counts.
    erased: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))


class ReminderPause(SQLModel, table=True):
    """A person's reminders paused until a date (holiday, sick leave)."""

    __tablename__ = "reminder_pause"

    user_id: int = Field(sa_column=Column(BigInteger(), primary_key=True, autoincrement=False))
    until: date = Field(sa_column=Column(Date, nullable=False))


class Task(SQLModel, table=True):
    """Something the coordinator asked a partner to do by a date."""

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partnership_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="CASCADE"), nullable=False)
    )
    text: str = Field(sa_column=Column(Text, nullable=False))
    due_on: date = Field(sa_column=Column(Date, nullable=False))
    created_by_user_id: int = Field(sa_column=telegram_id())
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    done_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    done_by_user_id: int | None = Field(default=None, sa_column=telegram_id(nullable=True))


class Meeting(SQLModel, table=True):
    """A partnership meeting: when, where (or the online link), and the agenda."""

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partnership_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    starts_at: datetime = Field(sa_column=utc_column())
    place: str = Field(sa_column=Column(Text, nullable=False))
    agenda: str = Field(sa_column=Column(Text, nullable=False))
    created_by_user_id: int = Field(sa_column=telegram_id())
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class MeetingReply(SQLModel, table=True):
    """A person's RSVP to a meeting."""

    __tablename__ = "meeting_reply"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id", name="uq_meeting_reply"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    user_id: int = Field(sa_column=telegram_id())
    name: str = Field(default="", max_length=200)
    answer: str = Field(max_length=8)  # yes, no, maybe
    answered_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
