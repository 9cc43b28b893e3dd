"""Credit and closing: recommendation rounds, the partners' answers, and the close-or-continue decision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models.base import telegram_id, utc_column


class RecommendationRound(SQLModel, table=True):
    """The closing stage's round of questions to the partners, and what the coordinator concluded."""

    __tablename__ = "recommendation_round"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partnership_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    opened_at: datetime = Field(sa_column=utc_column())
    closes_at: datetime = Field(sa_column=utc_column())
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    opened_by_user_id: int = Field(sa_column=telegram_id())
    conclusions: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # The decision that ends the closing stage: "close" or "continue", with when and why.
    decision: str = Field(default="", max_length=16)
    decided_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    reasons: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class RecommendationAnswer(SQLModel, table=True):
    """One partner's answer to one of the round's three questions (the latest given counts)."""

    __tablename__ = "recommendation_answer"
    __table_args__ = (
        UniqueConstraint("round_id", "partner_id", "question", name="uq_recommendation_answer"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    round_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("recommendation_round.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="CASCADE"), nullable=False)
    )
    question: int  # 1: groups still needing support, 2: methods that worked, 3: what next
    text: str = Field(sa_column=Column(Text, nullable=False))
    user_id: int = Field(sa_column=telegram_id())
    name: str = Field(default="", max_length=200)
    answered_at: datetime = Field(sa_column=utc_column())
