"""What several instances on one database share: the inbox of updates, chat claims, send slots.

Times here are seconds since the epoch by the database's clock (see bot.instances).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Double, Index, String, Text
from sqlmodel import Field, SQLModel


class InboundUpdate(SQLModel, table=True):
    """A webhook update as Telegram sent it, and when it was handled."""

    __tablename__ = "inbound_update"
    __table_args__ = (Index("ix_inbound_update_lane", "lane", "update_id"),)

    update_id: int = Field(sa_column=Column(BigInteger(), primary_key=True, autoincrement=False))
    lane: int = Field(sa_column=Column(BigInteger(), nullable=False))
    payload: str = Field(sa_column=Column(Text(), nullable=False))
    received: float = Field(sa_column=Column(Double(), nullable=False))
    handled: float | None = Field(default=None, sa_column=Column(Double(), nullable=True))


class LaneClaim(SQLModel, table=True):
    """The instance handling one chat's updates now."""

    __tablename__ = "lane_claim"

    lane: int = Field(sa_column=Column(BigInteger(), primary_key=True, autoincrement=False))
    owner: str = Field(sa_column=Column(String(64), nullable=False))
    expires: float = Field(sa_column=Column(Double(), nullable=False))


class SendSlot(SQLModel, table=True):
    """The theoretical arrival time of the next message to a chat (or to anyone: key "bot")."""

    __tablename__ = "send_slot"

    key: str = Field(sa_column=Column(String(64), primary_key=True))
    tat: float = Field(sa_column=Column(Double(), nullable=False))
