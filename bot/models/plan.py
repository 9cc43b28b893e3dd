"""The training plan: target groups, periods and targets, sessions and who was trained."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from bot.columns import utcnow
from bot.models.base import telegram_id, utc_column


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
    changed_by_user_id: int = Field(sa_column=telegram_id())
    changed_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class TrainingSession(SQLModel, table=True):
    """A training session: when, what, for whom, where; then how many came and were trained."""

    __tablename__ = "training_session"
    __table_args__ = (Index("ix_training_session_partnership_starts", "partnership_id", "starts_at"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partnership_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False)
    )
    starts_at: datetime = Field(sa_column=utc_column())
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
    outcome_recorded_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


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
