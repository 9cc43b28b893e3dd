"""Data rights: erasure requests and the daily retention run."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
)
from sqlmodel import Field, SQLModel

from bot.models.base import utc_column


class ErasureRequest(SQLModel, table=True):
    """A person's /forgetme: kept until every batch of the erasure is done, so a crash resumes it."""

    __tablename__ = "erasure_request"

    user_id: int = Field(sa_column=Column(BigInteger(), primary_key=True, autoincrement=False))
    requested_at: datetime = Field(sa_column=utc_column())
    finished_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class RetentionRun(SQLModel, table=True):
    """One day's retention run: the first process to insert the day's row runs it."""

    __tablename__ = "retention_run"

    day: date = Field(sa_column=Column(Date, primary_key=True))
    started_at: datetime = Field(sa_column=utc_column())
    finished_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
