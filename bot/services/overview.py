"""Views of the registry: partners with their people and last activity, one partner's card, who
has gone quiet, and the hand-over brief."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import as_utc, stored_id, utcnow
from bot.models import (
    EntryKind,
    Invitation,
    JoinRequest,
    JoinRequestStatus,
    LogEntry,
    Partner,
    Partnership,
    PartnerStatus,
    PartnerStatusChange,
    Resource,
)
from bot.services.partners import partners_of, representatives_by_partner

QUIET_AFTER = timedelta(days=30)


@dataclass(frozen=True)
class PartnerSummary:
    """One line of /partners."""

    partner: Partner
    representatives: list[str]
    last_activity_at: datetime | None


@dataclass(frozen=True)
class PartnerCard:
    """Everything /partner shows about one organisation."""

    partner: Partner
    representatives: list[str]
    resources: list[Resource]
    history: list[PartnerStatusChange]
    recent: list[LogEntry]
    is_leader: bool


@dataclass(frozen=True)
class Brief:
    """What a new coordinator needs to know on day one."""

    partnership: Partnership
    partners: list[PartnerSummary]
    quiet: list[PartnerSummary]
    without_people: list[Partner]
    pending_requests: list[JoinRequest]
    open_invitations: int
    recent: list[LogEntry]


async def last_activity_by_partner(session: AsyncSession, *, partnership_id: int) -> dict[int, datetime]:
    """When each partner was last heard from in the log."""
    result = await session.exec(
        select(LogEntry.partner_id, func.max(LogEntry.occurred_at))
        .where(LogEntry.partnership_id == partnership_id, col(LogEntry.partner_id).is_not(None))
        .group_by(col(LogEntry.partner_id))
    )
    return {pid: as_utc(at) for pid, at in result if pid is not None and at is not None}


async def overview(session: AsyncSession, *, partnership_id: int) -> list[PartnerSummary]:
    """Every partner with its representatives and last activity."""
    partners = await partners_of(session, partnership_id=partnership_id)
    people = await representatives_by_partner(session, partner_ids=[stored_id(p) for p in partners])
    last = await last_activity_by_partner(session, partnership_id=partnership_id)
    return [PartnerSummary(p, people.get(stored_id(p), []), last.get(stored_id(p))) for p in partners]


async def card(session: AsyncSession, *, partnership: Partnership, partner: Partner) -> PartnerCard:
    """One partner's card."""
    partner_id = stored_id(partner)
    people = await representatives_by_partner(session, partner_ids=[partner_id])
    resources = await session.exec(
        select(Resource).where(Resource.partner_id == partner_id).order_by(col(Resource.id))
    )
    history = await session.exec(
        select(PartnerStatusChange)
        .where(PartnerStatusChange.partner_id == partner_id)
        .order_by(col(PartnerStatusChange.changed_at), col(PartnerStatusChange.id))
    )
    recent = await session.exec(
        select(LogEntry)
        .where(LogEntry.partner_id == partner_id)
        .order_by(col(LogEntry.occurred_at).desc(), col(LogEntry.id).desc())
        .limit(5)
    )
    return PartnerCard(
        partner,
        people.get(partner_id, []),
        list(resources),
        list(history),
        list(recent),
        partnership.leader_partner_id == partner_id,
    )


async def member_since(session: AsyncSession, *, partner_ids: Sequence[int]) -> dict[int, datetime]:
    """When each partner first joined (its first change to joined or active)."""
    if not partner_ids:
        return {}
    rows = await session.exec(
        select(PartnerStatusChange.partner_id, func.min(PartnerStatusChange.changed_at))
        .where(
            col(PartnerStatusChange.partner_id).in_(partner_ids),
            col(PartnerStatusChange.status).in_([PartnerStatus.JOINED.value, PartnerStatus.ACTIVE.value]),
        )
        .group_by(col(PartnerStatusChange.partner_id))
    )
    return {pid: as_utc(at) for pid, at in rows if at is not None}


async def gone_quiet(
    session: AsyncSession, *, summaries: list[PartnerSummary], now: datetime, after: timedelta
) -> list[PartnerSummary]:
    """Joined or active partners silent for `after`: a partner that joined more recently is not silent."""
    members = [s for s in summaries if s.partner.status in (PartnerStatus.JOINED, PartnerStatus.ACTIVE)]
    since = await member_since(session, partner_ids=[stored_id(s.partner) for s in members])
    quiet = []
    for s in members:
        heard = s.last_activity_at or since.get(stored_id(s.partner)) or as_utc(s.partner.created_at)
        if now - heard >= after:
            quiet.append(s)
    return quiet


async def brief(session: AsyncSession, *, partnership: Partnership, now: datetime | None = None) -> Brief:
    """Partners and their state, open matters, recent communication, who has gone quiet."""
    partnership_id = stored_id(partnership)
    now = now or utcnow()
    partners = await overview(session, partnership_id=partnership_id)
    current = [s for s in partners if s.partner.status != PartnerStatus.WITHDRAWN.value]
    quiet = await gone_quiet(session, summaries=current, now=now, after=QUIET_AFTER)
    without_people = [s.partner for s in current if not s.representatives]
    ids = [stored_id(s.partner) for s in partners]
    pending = await session.exec(
        select(JoinRequest).where(
            col(JoinRequest.partner_id).in_(ids), JoinRequest.status == JoinRequestStatus.PENDING
        )
    )
    invitations = await session.exec(
        select(func.count())
        .select_from(Invitation)
        .where(
            Invitation.partnership_id == partnership_id,
            col(Invitation.used_at).is_(None),
            Invitation.expires_at > now,
        )
    )
    # People's words and recorded contacts; commands typed in the group are not communication.
    recent = await session.exec(
        select(LogEntry)
        .where(
            LogEntry.partnership_id == partnership_id,
            col(LogEntry.kind).in_([EntryKind.MESSAGE.value, EntryKind.CONTACT.value]),
            or_(col(LogEntry.text).is_(None), ~col(LogEntry.text).startswith("/")),
        )
        .order_by(col(LogEntry.occurred_at).desc(), col(LogEntry.id).desc())
        .limit(5)
    )
    return Brief(
        partnership, partners, quiet, without_people, list(pending), int(invitations.one()), list(recent)
    )
