"""Database tables: partnerships, the people the bot knows, and the communication log."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

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
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from bot.access import Role
from bot.columns import UTCDateTime, utcnow
from bot.timing import Recurrence


class EntryKind(StrEnum):
    """What a communication-log entry records."""

    MESSAGE = "message"  # a message in the partnership's group chat
    CONTACT = "contact"  # a contact outside the chat, recorded by the coordinator
    EVENT = "event"  # something that happened to the partnership itself
    CHECKIN = "checkin"  # an answer to a check-in question


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
    PARTNER_ADDED = "partner_added"
    PARTNER_STATUS = "partner_status"
    PERSON_JOINED = "person_joined"
    HANDOVER = "handover"


class PartnerKind(StrEnum):
    """Kinds of partner organisation found in municipal partnerships."""

    LIBRARY = "library"
    CULTURE_CENTRE = "culture_centre"
    SCHOOL = "school"
    SOCIAL_WELFARE = "social_welfare"
    MUNICIPAL_OFFICE = "municipal_office"
    JOB_CENTRE = "job_centre"
    SENIOR_CLUB = "senior_club"
    UNIVERSITY_THIRD_AGE = "u3a"
    RURAL_WOMENS_CIRCLE = "kgw"
    FIRE_BRIGADE = "osp"
    PARISH = "parish"
    NGO = "ngo"
    HEALTH_CENTRE = "health_centre"
    VILLAGE_COUNCIL = "village_council"
    OTHER = "other"


class PartnerStatus(StrEnum):
    """Where a partner organisation stands: candidate -> invited -> joined -> active -> withdrawn."""

    CANDIDATE = "candidate"
    INVITED = "invited"
    JOINED = "joined"
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class JoinForm(StrEnum):
    """How a partner formalised joining."""

    SIGNED_AGREEMENT = "agreement"
    DECLARATION = "declaration"
    ORAL = "oral"


class ResourceKind(StrEnum):
    """What a partner can contribute."""

    ROOM = "room"
    COMPUTER_LAB = "lab"
    EQUIPMENT = "equipment"
    TRAINER = "trainer"
    VOLUNTEERS = "volunteers"
    NOTICE_BOARD = "notice_board"
    WEBSITE = "website"
    FACEBOOK = "facebook"
    PARISH_ANNOUNCEMENTS = "parish_announcements"
    LOCAL_EVENTS = "local_events"


class Stage(StrEnum):
    """The partnership's stage of life."""

    FORMING = "forming"
    OPERATING = "operating"
    CLOSING = "closing"
    CLOSED = "closed"


class AppointedRole(StrEnum):
    """Roles given to people other than the coordinator and representatives."""

    SUPERVISOR = "supervisor"
    AMBASSADOR = "ambassador"


class JoinRequestStatus(StrEnum):
    """Where a request to represent a partner stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class TargetGroupKey(StrEnum):
    """Target groups every partnership starts with; coordinators can add their own."""

    SENIORS = "seniors"
    UNEMPLOYED = "unemployed"
    PARENTS = "parents"
    DISABLED = "disabled"
    FARMERS = "farmers"
    YOUTH = "youth"
    OTHER = "other"


class DeliveryStatus(StrEnum):
    """Where a due occurrence stands."""

    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    MISSED = "missed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class DeliveryKind(StrEnum):
    """What a due occurrence does when it is sent."""

    CHECKIN = "checkin"  # open a check-in round in the group
    CHECKIN_REMINDER = "checkin_reminder"  # remind those who have not answered
    CHECKIN_CLOSE = "checkin_close"  # close the round, tell the coordinator
    TASK_ASSIGNED = "task_assigned"  # tell the partner about a new task
    TASK_REMINDER = "task_reminder"  # remind the partner the day before it is due
    MEETING_INVITE = "meeting_invite"  # invitation with RSVP buttons and an .ics file
    MEETING_REMINDER = "meeting_reminder"  # a week and a day before
    NUDGE_CHECK = "nudge_check"  # daily: is any target group behind? (re-queues itself)
    NUDGE = "nudge"  # ask the partners who reach a lagging group to push promotion
    DIGEST = "digest"  # weekly, to the coordinator: what happened, who is quiet, what is due
    WATCH = "watch"  # daily: look for silent partners, ending periods, an idle coordinator
    ALERT = "alert"  # one alert to one person (queued by the daily watch, sent once)
    MISSED_NOTE = "missed_note"  # to the coordinator: what was missed during downtime


E = TypeVar("E", bound=StrEnum)


class EnumText(TypeDecorator[E], Generic[E]):
    """A StrEnum stored as its plain value in a VARCHAR (no database enum type, so no migration);
    read back as the enum. A value outside the enum is kept as text rather than refused."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """The value as text."""
        return None if value is None else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        """The enum member for a stored value."""
        if value is None:
            return None
        try:
            return self.enum(value)
        except ValueError:
            return value


def _enum_column(enum: type[StrEnum], length: int, *, nullable: bool = False, **kw: Any) -> Column[Any]:
    """A column holding one of an enum's values."""
    return Column(EnumText(enum, length), nullable=nullable, **kw)


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
    stage: Stage = Field(default=Stage.FORMING, sa_column=_enum_column(Stage, 16))
    leader_partner_id: int | None = Field(default=None)
    communication_channels: str = Field(default="", max_length=200)
    meeting_frequency: str = Field(default="", max_length=32)
    reporting: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # Data rights (issue 14): the controller's notice, how long texts outlive the closing, and when
    # the retention job first saw the partnership closed (or deleted it for good).
    privacy_notice: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    retention_years: int = Field(default=3, sa_column=Column(Integer, nullable=False, server_default="3"))
    closed_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    deleted_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


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
        sa_column=Column(Integer, ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False)
    )
    kind: EntryKind = Field(sa_column=_enum_column(EntryKind, 16))
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
    replaced_at: datetime = Field(sa_column=_utc_column())


PROMOTION_CHANNELS = frozenset(
    {
        ResourceKind.NOTICE_BOARD,
        ResourceKind.WEBSITE,
        ResourceKind.FACEBOOK,
        ResourceKind.PARISH_ANNOUNCEMENTS,
        ResourceKind.LOCAL_EVENTS,
    }
)


class Partner(SQLModel, table=True):
    """A partner organisation (or a candidate for one) in a partnership."""

    __table_args__ = (UniqueConstraint("partnership_id", "name_key", name="uq_partner_name"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partnership_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    name: str = Field(max_length=120)
    name_key: str = Field(max_length=120)  # folded: case and diacritics ignored
    kind: PartnerKind = Field(sa_column=_enum_column(PartnerKind, 32))
    status: PartnerStatus = Field(sa_column=_enum_column(PartnerStatus, 16))
    join_form: JoinForm | None = Field(default=None, sa_column=_enum_column(JoinForm, 16, nullable=True))
    target_groups: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    gains: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    obstacles: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class PartnerStatusChange(SQLModel, table=True):
    """One step of a partner's status history."""

    __tablename__ = "partner_status_change"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    status: PartnerStatus = Field(sa_column=_enum_column(PartnerStatus, 16))
    changed_at: datetime = Field(sa_column=_utc_column())
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    changed_by_user_id: int | None = Field(default=None, sa_column=_telegram_id(nullable=True))


class Representative(SQLModel, table=True):
    """A Telegram user who speaks for a partner organisation."""

    __table_args__ = (UniqueConstraint("partner_id", "user_id", name="uq_representative"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    user_id: int = Field(sa_column=_telegram_id(index=True))
    name: str = Field(default="", max_length=200)
    since: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class Appointment(SQLModel, table=True):
    """A supervisor or ambassador of a partnership."""

    __table_args__ = (UniqueConstraint("partnership_id", "user_id", "role", name="uq_appointment"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partnership_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    user_id: int = Field(sa_column=_telegram_id(index=True))
    role: AppointedRole = Field(sa_column=_enum_column(AppointedRole, 16))
    name: str = Field(default="", max_length=200)
    since: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class Resource(SQLModel, table=True):
    """Something a partner declared it contributes: a room, a lab, trainers, a channel..."""

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    kind: ResourceKind = Field(sa_column=_enum_column(ResourceKind, 32))
    description: str = Field(sa_column=Column(Text, nullable=False))
    seats: int | None = None
    availability: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class Invitation(SQLModel, table=True):
    """A single-use, expiring deep link that links its opener to a partner or a role."""

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    token: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    partnership_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False)
    )
    partner_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("partner.id", ondelete="CASCADE"), nullable=True)
    )
    role: Role = Field(sa_column=_enum_column(Role, 16))  # representative, supervisor or ambassador
    created_by_user_id: int = Field(sa_column=_telegram_id())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    expires_at: datetime = Field(sa_column=_utc_column())
    used_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    used_by_user_id: int | None = Field(default=None, sa_column=_telegram_id(nullable=True))


class JoinRequest(SQLModel, table=True):
    """A group member's request to represent a partner, awaiting the coordinator."""

    __tablename__ = "join_request"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    user_id: int = Field(sa_column=_telegram_id())
    name: str = Field(default="", max_length=200)
    status: JoinRequestStatus = Field(
        default=JoinRequestStatus.PENDING, sa_column=_enum_column(JoinRequestStatus, 16)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    decided_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    decided_by_user_id: int | None = Field(default=None, sa_column=_telegram_id(nullable=True))


class Draft(SQLModel, table=True):
    """A guided flow in progress: nothing is saved to the registry until it is confirmed."""

    user_id: int = Field(sa_column=Column(BigInteger(), primary_key=True, autoincrement=False))
    chat_id: int = Field(sa_column=Column(BigInteger(), primary_key=True, autoincrement=False))
    partnership_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False)
    )
    flow: str = Field(max_length=32)
    step: str = Field(max_length=32)
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class TargetGroup(SQLModel, table=True):
    """A group of residents the partnership wants to train."""

    __tablename__ = "target_group"
    __table_args__ = (UniqueConstraint("partnership_id", "key", name="uq_target_group_key"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partnership_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    key: str = Field(max_length=64)  # a built-in key, or the folded custom name
    name: str = Field(default="", max_length=120)  # custom groups only; built-ins are translated


class PlanPeriod(SQLModel, table=True):
    """A period of the training plan (a year or a shorter cycle), in local calendar dates."""

    __tablename__ = "plan_period"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partnership_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    name: str = Field(max_length=80)
    starts_on: date = Field(sa_column=Column(Date, nullable=False))
    ends_on: date = Field(sa_column=Column(Date, nullable=False))


class Target(SQLModel, table=True):
    """How many residents of a target group a period should train."""

    __table_args__ = (UniqueConstraint("period_id", "target_group_id", name="uq_target"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    period_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("plan_period.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    target_group_id: int = Field(
        sa_column=Column(Integer, ForeignKey("target_group.id", ondelete="CASCADE"), nullable=False)
    )
    count: int


class TargetRevision(SQLModel, table=True):
    """A change of a target: who changed it, when and why."""

    __tablename__ = "target_revision"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    target_id: int = Field(
        sa_column=Column(Integer, ForeignKey("target.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    old_count: int | None = None
    new_count: int
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    changed_by_user_id: int = Field(sa_column=_telegram_id())
    changed_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class TrainingSession(SQLModel, table=True):
    """A training session: when, what, for whom, where; then how many came and were trained."""

    __tablename__ = "training_session"
    __table_args__ = (Index("ix_training_session_partnership_starts", "partnership_id", "starts_at"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partnership_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False)
    )
    starts_at: datetime = Field(sa_column=_utc_column())
    topic: str = Field(max_length=120)
    target_group_id: int = Field(
        sa_column=Column(Integer, ForeignKey("target_group.id", ondelete="RESTRICT"), nullable=False)
    )
    resource_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("resource.id", ondelete="SET NULL"), nullable=True)
    )
    trainer: str = Field(default="", max_length=120)
    seats: int
    registered: int | None = None
    outcome_recorded_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class TrainedCount(SQLModel, table=True):
    """Residents of one target group trained in a session, and how many have a disability."""

    __tablename__ = "trained_count"
    __table_args__ = (UniqueConstraint("session_id", "target_group_id", name="uq_trained_count"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    session_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("training_session.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    target_group_id: int = Field(
        sa_column=Column(Integer, ForeignKey("target_group.id", ondelete="RESTRICT"), nullable=False)
    )
    trained: int
    with_disability: int = 0


class RecruitmentSource(SQLModel, table=True):
    """Where a session's participants heard of it: a partner organisation or another channel."""

    __tablename__ = "recruitment_source"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    session_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("training_session.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    partner_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("partner.id", ondelete="SET NULL"), nullable=True)
    )
    channel: str = Field(default="", max_length=32)  # when not a partner: word_of_mouth, poster, ...
    count: int


class Schedule(SQLModel, table=True):
    """A recurring check-in: what to ask, how often, how long answers are collected."""

    __table_args__ = (Index("ix_schedule_due", "is_paused", "next_run_at"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partnership_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    recurrence: Recurrence = Field(sa_column=_enum_column(Recurrence, 16))
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
    next_run_at: datetime = Field(sa_column=_utc_column())
    created_by_user_id: int = Field(sa_column=_telegram_id())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


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
    kind: DeliveryKind = Field(sa_column=_enum_column(DeliveryKind, 32))
    ref_id: int | None = None  # e.g. the check-in round a reminder belongs to
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    dedupe_key: str = Field(sa_column=Column(String(120), nullable=False, unique=True))
    due_at: datetime = Field(sa_column=_utc_column())
    status: DeliveryStatus = Field(default=DeliveryStatus.PENDING, sa_column=_enum_column(DeliveryStatus, 16))
    claimed_by: str = Field(default="", max_length=64)
    lease_until: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    attempts: int = 0
    last_error: str = Field(default="", max_length=300)
    sent_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


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
    opened_at: datetime = Field(sa_column=_utc_column())
    closes_at: datetime = Field(sa_column=_utc_column())
    chat_id: int | None = Field(default=None, sa_column=_telegram_id(nullable=True))
    message_id: int | None = Field(default=None, sa_column=_telegram_id(nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


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
    user_id: int = Field(sa_column=_telegram_id())
    name: str = Field(default="", max_length=200)
    partner_id: int | None = Field(default=None)
    answer: str = Field(max_length=16)  # done, progress, help, or none
    text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    answered_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
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
    created_by_user_id: int = Field(sa_column=_telegram_id())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    done_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    done_by_user_id: int | None = Field(default=None, sa_column=_telegram_id(nullable=True))


class Meeting(SQLModel, table=True):
    """A partnership meeting: when, where (or the online link), and the agenda."""

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partnership_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    starts_at: datetime = Field(sa_column=_utc_column())
    place: str = Field(sa_column=Column(Text, nullable=False))
    agenda: str = Field(sa_column=Column(Text, nullable=False))
    created_by_user_id: int = Field(sa_column=_telegram_id())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class MeetingReply(SQLModel, table=True):
    """A person's RSVP to a meeting."""

    __tablename__ = "meeting_reply"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id", name="uq_meeting_reply"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    user_id: int = Field(sa_column=_telegram_id())
    name: str = Field(default="", max_length=200)
    answer: str = Field(max_length=8)  # yes, no, maybe
    answered_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class HandledUpdate(SQLModel, table=True):
    """A Telegram update whose effects are stored (written in the same transaction as they are)."""

    __tablename__ = "handled_update"

    update_id: int = Field(sa_column=Column(BigInteger(), primary_key=True, autoincrement=False))
    handled_at: datetime = Field(sa_column=_utc_column())


class ErasureRequest(SQLModel, table=True):
    """A person's /forgetme: kept until every batch of the erasure is done, so a crash resumes it."""

    __tablename__ = "erasure_request"

    user_id: int = Field(sa_column=Column(BigInteger(), primary_key=True, autoincrement=False))
    requested_at: datetime = Field(sa_column=_utc_column())
    finished_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class RetentionRun(SQLModel, table=True):
    """One day's retention run: the first process to insert the day's row runs it."""

    __tablename__ = "retention_run"

    day: date = Field(sa_column=Column(Date, primary_key=True))
    started_at: datetime = Field(sa_column=_utc_column())
    finished_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
