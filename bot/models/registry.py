"""The registry: partner organisations, their people and resources, invitations, join requests, drafts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from bot.access import Role
from bot.columns import utcnow
from bot.models.base import enum_column, telegram_id, utc_column
from bot.models.enums import (
    AppointedRole,
    JoinForm,
    JoinRequestStatus,
    PartnerKind,
    PartnerStatus,
    ResourceKind,
)

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
    kind: PartnerKind = Field(sa_column=enum_column(PartnerKind, 32))
    status: PartnerStatus = Field(sa_column=enum_column(PartnerStatus, 16))
    join_form: JoinForm | None = Field(default=None, sa_column=enum_column(JoinForm, 16, nullable=True))
    target_groups: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    gains: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    obstacles: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class PartnerStatusChange(SQLModel, table=True):
    """One step of a partner's status history."""

    __tablename__ = "partner_status_change"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    status: PartnerStatus = Field(sa_column=enum_column(PartnerStatus, 16))
    changed_at: datetime = Field(sa_column=utc_column())
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    changed_by_user_id: int | None = Field(default=None, sa_column=telegram_id(nullable=True))


class Representative(SQLModel, table=True):
    """A Telegram user who speaks for a partner organisation."""

    __table_args__ = (UniqueConstraint("partner_id", "user_id", name="uq_representative"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    user_id: int = Field(sa_column=telegram_id(index=True))
    name: str = Field(default="", max_length=200)
    since: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class Appointment(SQLModel, table=True):
    """A supervisor or ambassador of a partnership."""

    __table_args__ = (UniqueConstraint("partnership_id", "user_id", "role", name="uq_appointment"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partnership_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    user_id: int = Field(sa_column=telegram_id(index=True))
    role: AppointedRole = Field(sa_column=enum_column(AppointedRole, 16))
    name: str = Field(default="", max_length=200)
    since: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class Resource(SQLModel, table=True):
    """Something a partner declared it contributes: a room, a lab, trainers, a channel..."""

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    kind: ResourceKind = Field(sa_column=enum_column(ResourceKind, 32))
    description: str = Field(sa_column=Column(Text, nullable=False))
    seats: int | None = None
    availability: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


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
    role: Role = Field(sa_column=enum_column(Role, 16))  # representative, supervisor or ambassador
    created_by_user_id: int = Field(sa_column=telegram_id())
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    expires_at: datetime = Field(sa_column=utc_column())
    used_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    used_by_user_id: int | None = Field(default=None, sa_column=telegram_id(nullable=True))


class JoinRequest(SQLModel, table=True):
    """A group member's request to represent a partner, awaiting the coordinator."""

    __tablename__ = "join_request"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    user_id: int = Field(sa_column=telegram_id())
    name: str = Field(default="", max_length=200)
    status: JoinRequestStatus = Field(
        default=JoinRequestStatus.PENDING, sa_column=enum_column(JoinRequestStatus, 16)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    decided_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    decided_by_user_id: int | None = Field(default=None, sa_column=telegram_id(nullable=True))


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
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
