"""Programmes of partnerships: supervisors and their partnerships, visits, shared practices."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from bot.columns import utcnow
from bot.models.base import enum_column, telegram_id, utc_column
from bot.models.enums import ProgrammeLinkKind, VisitKind


def _programme_fk() -> Column[int]:
    """The programme a row belongs to (deleted with it)."""
    return Column(Integer, ForeignKey("programme.id", ondelete="CASCADE"), nullable=False, index=True)


def _partnership_fk(*, primary_key: bool = False) -> Column[int]:
    """The partnership a row is about (deleted with it)."""
    return Column(
        Integer,
        ForeignKey("partnership.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
        index=not primary_key,
    )


class Programme(SQLModel, table=True):
    """Many partnerships under one funder's project, run by a programme manager."""

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    name: str = Field(max_length=200)
    manager_user_id: int = Field(sa_column=telegram_id(index=True))
    manager_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class ProgrammeMember(SQLModel, table=True):
    """A partnership in a programme (at most one programme each), with its visit rhythm."""

    __tablename__ = "programme_member"

    partnership_id: int = Field(sa_column=_partnership_fk(primary_key=True))
    programme_id: int = Field(sa_column=_programme_fk())
    joined_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    visit_every_days: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    # The overview's light as the daily watch last saw it, and since when (for the weekly digest).
    light: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    light_since: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class ProgrammeSupervisor(SQLModel, table=True):
    """A supervisor (animator) of a programme."""

    __tablename__ = "programme_supervisor"
    __table_args__ = (UniqueConstraint("programme_id", "user_id", name="uq_programme_supervisor"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    programme_id: int = Field(sa_column=_programme_fk())
    user_id: int = Field(sa_column=telegram_id(index=True))
    name: str = Field(default="", max_length=200)
    since: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class SupervisorAssignment(SQLModel, table=True):
    """A partnership a supervisor looks after."""

    __tablename__ = "supervisor_assignment"

    supervisor_id: int = Field(
        sa_column=Column(Integer, ForeignKey("programme_supervisor.id", ondelete="CASCADE"), primary_key=True)
    )
    partnership_id: int = Field(sa_column=_partnership_fk(primary_key=True))


class ProgrammeInvitation(SQLModel, table=True):
    """A single-use link: a partnership joins the programme, or a supervisor comes in."""

    __tablename__ = "programme_invitation"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    token: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    programme_id: int = Field(sa_column=_programme_fk())
    kind: ProgrammeLinkKind = Field(sa_column=enum_column(ProgrammeLinkKind, 16))
    created_by_user_id: int = Field(sa_column=telegram_id())
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    expires_at: datetime = Field(sa_column=utc_column())
    used_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    used_by_user_id: int | None = Field(default=None, sa_column=telegram_id(nullable=True))


class Visit(SQLModel, table=True):
    """A supervisor's visit, moderated meeting or phone consultation with a partnership."""

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partnership_id: int = Field(sa_column=_partnership_fk())
    by_user_id: int = Field(sa_column=telegram_id())
    by_name: str = Field(default="", max_length=200)
    held_on: date = Field(sa_column=Column(Date, nullable=False))
    kind: VisitKind = Field(sa_column=enum_column(VisitKind, 16))
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class Practice(SQLModel, table=True):
    """A practice a coordinator shared with the programme."""

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    programme_id: int = Field(sa_column=_programme_fk())
    partnership_id: int = Field(sa_column=_partnership_fk())
    author_user_id: int = Field(sa_column=telegram_id())
    author_name: str = Field(default="", max_length=200)
    text: str = Field(sa_column=Column(Text, nullable=False))
    tags: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    folded: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))  # for search
    file_id: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    file_kind: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))


class PracticeThanks(SQLModel, table=True):
    """One person's thanks for a practice (once each)."""

    __tablename__ = "practice_thanks"

    practice_id: int = Field(
        sa_column=Column(Integer, ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True)
    )
    user_id: int = Field(sa_column=Column(BigInteger(), primary_key=True, autoincrement=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
