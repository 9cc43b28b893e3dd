"""The partnership's registry: partner organisations, their people, resources and roles."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import Role
from bot.db import as_utc, utcnow
from bot.models import (
    AppointedRole,
    Appointment,
    EntryKind,
    EventKind,
    Invitation,
    JoinForm,
    JoinRequest,
    JoinRequestStatus,
    LogEntry,
    Partner,
    PartnerKind,
    Partnership,
    PartnerStatus,
    PartnerStatusChange,
    Representative,
    Resource,
    ResourceKind,
    Stage,
)
from bot.services.partnerships import record_event
from bot.services.people import PersonInfo
from bot.text import fold, parse_count, suggestions, visible_text, without_controls

INVITATION_DAYS = 14
PARTNER_NAME_MIN, PARTNER_NAME_MAX = 2, 120
TEXT_MAX = 1000
SEATS_MAX = 500
QUIET_AFTER = timedelta(days=30)


class RegistryError(ValueError):
    """A registry change that cannot be made; `reason` says why, for the user."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


@dataclass(frozen=True)
class PartnerLookup:
    """A partner found by name, or the names the user may have meant."""

    partner: Partner | None
    suggestions: list[str] = field(default_factory=list)


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


# --------------------------------------------------------------------------- names


def clean_partner_name(raw: str) -> str:
    """Collapse whitespace and check the length of an organisation's name."""
    name = visible_text(raw)
    if not PARTNER_NAME_MIN <= len(name) <= PARTNER_NAME_MAX:
        raise RegistryError("name_length")
    return name


def clean_text(raw: str, *, limit: int = TEXT_MAX) -> str:
    """Free text from a user, trimmed and bounded; '-' means empty."""
    text = without_controls(raw).strip()
    if text == "-":
        return ""
    if len(text) > limit:
        raise RegistryError("text_length", limit=limit)
    return text


def parse_seats(raw: str) -> int:
    """A seat count typed by a user: a whole number from 1 to SEATS_MAX."""
    seats = parse_count(raw, maximum=SEATS_MAX)
    if seats is None or seats < 1:
        raise RegistryError("seats")
    return seats


async def partners_of(session: AsyncSession, *, partnership_id: int) -> list[Partner]:
    """All partners and candidates of a partnership, by name."""
    result = await session.exec(
        select(Partner).where(Partner.partnership_id == partnership_id).order_by(col(Partner.name_key))
    )
    return list(result)


async def find_partner(session: AsyncSession, *, partnership_id: int, name: str) -> PartnerLookup:
    """A partner by name (any case or diacritics), else suggestions."""
    key = fold(name)
    result = await session.exec(
        select(Partner).where(Partner.partnership_id == partnership_id, Partner.name_key == key)
    )
    found = result.first()
    if found is not None:
        return PartnerLookup(found)
    names = [p.name for p in await partners_of(session, partnership_id=partnership_id)]
    close = suggestions(name, names)
    if len(close) == 1 and fold(close[0]).startswith(key) and len(key) >= 4:
        # An unambiguous prefix ("biblioteka" for "Biblioteka Publiczna") is what was meant.
        return await find_partner(session, partnership_id=partnership_id, name=close[0])
    return PartnerLookup(None, close)


async def partner_by_id(session: AsyncSession, *, partnership_id: int, partner_id: int) -> Partner | None:
    """A partner of this partnership by id (never one of another partnership)."""
    partner = await session.get(Partner, partner_id)
    return partner if partner is not None and partner.partnership_id == partnership_id else None


# --------------------------------------------------------------------------- partners


async def add_partner(
    session: AsyncSession,
    *,
    partnership: Partnership,
    name: str,
    kind: PartnerKind,
    status: PartnerStatus,
    by_user_id: int,
) -> Partner:
    """Add a partner or candidate; a duplicate name (any case or diacritics) is refused."""
    assert partnership.id is not None
    clean = clean_partner_name(name)
    existing = await session.exec(
        select(Partner).where(Partner.partnership_id == partnership.id, Partner.name_key == fold(clean))
    )
    duplicate = existing.first()
    if duplicate is not None:
        raise RegistryError("duplicate", existing=duplicate.name)
    now = utcnow()
    partner = Partner(
        partnership_id=partnership.id,
        name=clean,
        name_key=fold(clean),
        kind=kind,
        status=status,
        created_at=now,
    )
    session.add(partner)
    await session.flush()
    assert partner.id is not None
    session.add(
        PartnerStatusChange(
            partner_id=partner.id, status=status, changed_at=now, changed_by_user_id=by_user_id
        )
    )
    await record_event(
        session,
        partnership=partnership,
        event=EventKind.PARTNER_ADDED,
        at=now,
        author_user_id=by_user_id,
        detail=clean,
    )
    return partner


async def change_status(
    session: AsyncSession,
    *,
    partnership: Partnership,
    partner: Partner,
    status: PartnerStatus,
    by_user_id: int,
    reason: str | None = None,
) -> Partner:
    """Move a partner to another status, keeping the date and, on withdrawal, the reason."""
    if partner.status == status.value:
        raise RegistryError("same_status")
    if status is PartnerStatus.WITHDRAWN and not (reason and reason.strip()):
        raise RegistryError("reason_needed")
    now = utcnow()
    partner.status = status
    assert partner.id is not None
    session.add(
        PartnerStatusChange(
            partner_id=partner.id,
            status=status,
            changed_at=now,
            reason=reason,
            changed_by_user_id=by_user_id,
        )
    )
    if status is PartnerStatus.WITHDRAWN and partnership.leader_partner_id == partner.id:
        partnership.leader_partner_id = None
    await record_event(
        session,
        partnership=partnership,
        event=EventKind.PARTNER_STATUS,
        at=now,
        author_user_id=by_user_id,
        detail=f"{partner.name}: {status.value}",
    )
    await session.flush()
    return partner


async def update_details(
    session: AsyncSession,
    *,
    partner: Partner,
    kind: PartnerKind | None = None,
    join_form: JoinForm | None = None,
    target_groups: str | None = None,
    gains: str | None = None,
    obstacles: str | None = None,
) -> Partner:
    """Change what is known about a partner; only the given fields change."""
    if kind is not None:
        partner.kind = kind
    if join_form is not None:
        partner.join_form = join_form
    if target_groups is not None:
        partner.target_groups = clean_text(target_groups)
    if gains is not None:
        partner.gains = clean_text(gains)
    if obstacles is not None:
        partner.obstacles = clean_text(obstacles)
    await session.flush()
    return partner


async def add_resource(
    session: AsyncSession,
    *,
    partner: Partner,
    kind: ResourceKind,
    description: str,
    seats: int | None = None,
    availability: str = "",
) -> Resource:
    """Record something a partner contributes."""
    text = clean_text(description)
    if not text:
        raise RegistryError("description_needed")
    if kind is ResourceKind.COMPUTER_LAB and seats is None:
        raise RegistryError("seats")
    assert partner.id is not None
    resource = Resource(
        partner_id=partner.id,
        kind=kind,
        description=text,
        seats=seats,
        availability=clean_text(availability),
    )
    session.add(resource)
    await session.flush()
    return resource


async def set_leader(session: AsyncSession, *, partnership: Partnership, partner: Partner) -> None:
    """Make a joined partner the institutional leader."""
    if partner.status in (PartnerStatus.CANDIDATE, PartnerStatus.WITHDRAWN):
        raise RegistryError("leader_not_member")
    partnership.leader_partner_id = partner.id
    await session.flush()


async def set_stage(session: AsyncSession, *, partnership: Partnership, stage: Stage) -> None:
    """Move the partnership to another stage of its life."""
    partnership.stage = stage
    await session.flush()


async def set_communication_plan(
    session: AsyncSession,
    *,
    partnership: Partnership,
    channels: Sequence[str],
    frequency: str,
    reporting: str,
) -> None:
    """Record how partners agreed to communicate, meet and report."""
    partnership.communication_channels = ",".join(channels)[:200]
    partnership.meeting_frequency = frequency[:32]
    partnership.reporting = clean_text(reporting)
    await session.flush()


# --------------------------------------------------------------------------- people and roles


async def roles_in(session: AsyncSession, *, partnership: Partnership, user_id: int) -> set[Role]:
    """Every role a person has in a partnership (none: empty set)."""
    roles: set[Role] = set()
    if partnership.coordinator_user_id == user_id:
        roles.add(Role.COORDINATOR)
    appointed = await session.exec(
        select(Appointment.role).where(
            Appointment.partnership_id == partnership.id, Appointment.user_id == user_id
        )
    )
    roles.update(Role(r) for r in appointed)
    represents = await session.exec(
        select(func.count())
        .select_from(Representative)
        .join(Partner)
        .where(Partner.partnership_id == partnership.id, Representative.user_id == user_id)
    )
    if represents.one():
        roles.add(Role.REPRESENTATIVE)
    return roles


async def partnerships_of(session: AsyncSession, *, user_id: int) -> list[Partnership]:
    """Partnerships where a person coordinates, supervises, represents or is an ambassador."""
    represented = select(Partner.partnership_id).join(Representative).where(Representative.user_id == user_id)
    appointed = select(Appointment.partnership_id).where(Appointment.user_id == user_id)
    result = await session.exec(
        select(Partnership)
        .where(
            or_(
                col(Partnership.coordinator_user_id) == user_id,
                col(Partnership.id).in_(represented),
                col(Partnership.id).in_(appointed),
            )
        )
        .order_by(col(Partnership.id))
    )
    return list(result)


async def add_representative(session: AsyncSession, *, partner: Partner, person: PersonInfo) -> bool:
    """Link a person to an organisation; False if they already represent it."""
    assert partner.id is not None
    existing = await session.exec(
        select(Representative).where(
            Representative.partner_id == partner.id, Representative.user_id == person.user_id
        )
    )
    if existing.first() is not None:
        return False
    session.add(Representative(partner_id=partner.id, user_id=person.user_id, name=person.display_name))
    if partner.status in (PartnerStatus.CANDIDATE, PartnerStatus.INVITED):
        partner.status = PartnerStatus.JOINED
        session.add(
            PartnerStatusChange(
                partner_id=partner.id,
                status=partner.status,
                changed_at=utcnow(),
                changed_by_user_id=person.user_id,
            )
        )
    await session.flush()
    return True


async def appoint(
    session: AsyncSession, *, partnership: Partnership, person: PersonInfo, role: AppointedRole
) -> bool:
    """Make a person supervisor or ambassador; False if they already are."""
    existing = await session.exec(
        select(Appointment).where(
            Appointment.partnership_id == partnership.id,
            Appointment.user_id == person.user_id,
            Appointment.role == role,
        )
    )
    if existing.first() is not None:
        return False
    assert partnership.id is not None
    session.add(
        Appointment(
            partnership_id=partnership.id, user_id=person.user_id, role=role, name=person.display_name
        )
    )
    await session.flush()
    return True


async def representatives_by_partner(
    session: AsyncSession, *, partner_ids: Sequence[int]
) -> dict[int, list[str]]:
    """Names of each partner's representatives."""
    if not partner_ids:
        return {}
    result = await session.exec(
        select(Representative.partner_id, Representative.name)
        .where(col(Representative.partner_id).in_(partner_ids))
        .order_by(col(Representative.id))
    )
    names: dict[int, list[str]] = {}
    for partner_id, name in result:
        names.setdefault(partner_id, []).append(name)
    return names


# --------------------------------------------------------------------------- invitations


async def create_invitation(
    session: AsyncSession,
    *,
    partnership: Partnership,
    by_user_id: int,
    partner: Partner | None = None,
    role: Role = Role.REPRESENTATIVE,
    now: datetime | None = None,
    days: int = INVITATION_DAYS,
) -> Invitation:
    """A single-use deep-link token, valid for `days` days."""
    assert partnership.id is not None
    now = now or utcnow()
    invitation = Invitation(
        token=secrets.token_urlsafe(18),
        partnership_id=partnership.id,
        partner_id=partner.id if partner else None,
        role=role,
        created_by_user_id=by_user_id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(invitation)
    if partner is not None and partner.status == PartnerStatus.CANDIDATE:
        await change_status(
            session,
            partnership=partnership,
            partner=partner,
            status=PartnerStatus.INVITED,
            by_user_id=by_user_id,
        )
    await session.flush()
    return invitation


@dataclass(frozen=True)
class Redeemed:
    """What opening an invitation linked the person to."""

    partnership: Partnership
    partner: Partner | None
    role: str


async def redeem_invitation(
    session: AsyncSession, *, token: str, person: PersonInfo, now: datetime | None = None
) -> Redeemed:
    """Use an invitation once: link the person, or say why not (unknown, used, expired)."""
    now = now or utcnow()
    found = (await session.exec(select(Invitation).where(Invitation.token == token))).first()
    if found is None:
        raise RegistryError("invitation_unknown")
    if found.used_at is not None:
        raise RegistryError("invitation_used")
    if found.expires_at <= now:
        raise RegistryError("invitation_expired")
    # Claim it atomically: two people opening the same link at once cannot both use it.
    claimed = await (await session.connection()).execute(
        update(Invitation)
        .where(col(Invitation.id) == found.id, col(Invitation.used_at).is_(None))
        .values(used_at=now, used_by_user_id=person.user_id)
    )
    if claimed.rowcount != 1:
        raise RegistryError("invitation_used")
    partnership = await session.get(Partnership, found.partnership_id)
    assert partnership is not None
    partner = await session.get(Partner, found.partner_id) if found.partner_id else None
    if partner is not None:
        await add_representative(session, partner=partner, person=person)
    elif found.role in (Role.SUPERVISOR, Role.AMBASSADOR):
        await appoint(session, partnership=partnership, person=person, role=AppointedRole(found.role))
    await record_event(
        session,
        partnership=partnership,
        event=EventKind.PERSON_JOINED,
        at=now,
        author_user_id=person.user_id,
        author_name=person.display_name,
        detail=partner.name if partner else found.role,
    )
    return Redeemed(partnership, partner, found.role)


# --------------------------------------------------------------------------- join requests


async def request_join(session: AsyncSession, *, partner: Partner, person: PersonInfo) -> JoinRequest:
    """A group member asks to represent a partner; the coordinator decides."""
    assert partner.id is not None
    already = await session.exec(
        select(Representative).where(
            Representative.partner_id == partner.id, Representative.user_id == person.user_id
        )
    )
    if already.first() is not None:
        raise RegistryError("already_representative", partner=partner.name)
    pending = await session.exec(
        select(JoinRequest).where(
            JoinRequest.partner_id == partner.id,
            JoinRequest.user_id == person.user_id,
            JoinRequest.status == JoinRequestStatus.PENDING,
        )
    )
    existing = pending.first()
    if existing is not None:
        return existing
    request = JoinRequest(partner_id=partner.id, user_id=person.user_id, name=person.display_name)
    session.add(request)
    await session.flush()
    return request


async def decide_join(
    session: AsyncSession, *, partnership: Partnership, request_id: int, approve: bool, by_user_id: int
) -> tuple[JoinRequest, Partner]:
    """Approve or reject a pending request (of this partnership only)."""
    request = await session.get(JoinRequest, request_id)
    partner = await session.get(Partner, request.partner_id) if request else None
    if request is None or partner is None or partner.partnership_id != partnership.id:
        raise RegistryError("request_unknown")
    if request.status != JoinRequestStatus.PENDING:
        raise RegistryError("request_decided")
    request.status = JoinRequestStatus.APPROVED if approve else JoinRequestStatus.REJECTED
    request.decided_at = utcnow()
    request.decided_by_user_id = by_user_id
    if approve:
        await add_representative(
            session, partner=partner, person=PersonInfo(user_id=request.user_id, first_name=request.name)
        )
    await session.flush()
    return request, partner


# --------------------------------------------------------------------------- views


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
    people = await representatives_by_partner(session, partner_ids=[p.id for p in partners if p.id])
    last = await last_activity_by_partner(session, partnership_id=partnership_id)
    return [PartnerSummary(p, people.get(p.id or 0, []), last.get(p.id or 0)) for p in partners]


async def resources_of(session: AsyncSession, *, partnership_id: int) -> list[tuple[Resource, Partner]]:
    """Declared resources of active partners, by kind then partner."""
    result = await session.exec(
        select(Resource, Partner)
        .join(Partner)
        .where(Partner.partnership_id == partnership_id, Partner.status != PartnerStatus.WITHDRAWN.value)
        .order_by(col(Resource.kind), col(Partner.name_key), col(Resource.id))
    )
    return [(r, p) for r, p in result]


async def card(session: AsyncSession, *, partnership: Partnership, partner: Partner) -> PartnerCard:
    """One partner's card."""
    assert partner.id is not None
    people = await representatives_by_partner(session, partner_ids=[partner.id])
    resources = await session.exec(
        select(Resource).where(Resource.partner_id == partner.id).order_by(col(Resource.id))
    )
    history = await session.exec(
        select(PartnerStatusChange)
        .where(PartnerStatusChange.partner_id == partner.id)
        .order_by(col(PartnerStatusChange.changed_at), col(PartnerStatusChange.id))
    )
    recent = await session.exec(
        select(LogEntry)
        .where(LogEntry.partner_id == partner.id)
        .order_by(col(LogEntry.occurred_at).desc(), col(LogEntry.id).desc())
        .limit(5)
    )
    return PartnerCard(
        partner,
        people.get(partner.id, []),
        list(resources),
        list(history),
        list(recent),
        partnership.leader_partner_id == partner.id,
    )


async def successors(session: AsyncSession, *, partnership_id: int) -> dict[int, str]:
    """Who can take the coordinator role: representatives of partners that have not withdrawn.

    Supervisors and ambassadors advise and back the partnership from outside, and a pending join
    request is not yet a place in it, so neither is offered.
    """
    rows = await session.exec(
        select(Representative.user_id, Representative.name)
        .join(Partner)
        .where(Partner.partnership_id == partnership_id, Partner.status != PartnerStatus.WITHDRAWN.value)
        .order_by(col(Representative.id))
    )
    return {uid: name for uid, name in rows}


async def hand_over(
    session: AsyncSession, *, partnership: Partnership, to: PersonInfo, by_user_id: int
) -> Partnership:
    """Give the coordinator role to another person; the log records the change."""
    if to.user_id == partnership.coordinator_user_id:
        raise RegistryError("already_coordinator")
    previous = partnership.coordinator_name
    partnership.coordinator_user_id = to.user_id
    partnership.coordinator_name = to.display_name
    await record_event(
        session,
        partnership=partnership,
        event=EventKind.HANDOVER,
        at=utcnow(),
        author_user_id=by_user_id,
        detail=f"{previous} → {to.display_name}",
    )
    await session.flush()
    return partnership


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
    since = await member_since(session, partner_ids=[s.partner.id for s in members if s.partner.id])
    quiet = []
    for s in members:
        heard = s.last_activity_at or since.get(s.partner.id or 0) or as_utc(s.partner.created_at)
        if now - heard >= after:
            quiet.append(s)
    return quiet


async def brief(session: AsyncSession, *, partnership: Partnership, now: datetime | None = None) -> Brief:
    """Partners and their state, open matters, recent communication, who has gone quiet."""
    assert partnership.id is not None
    now = now or utcnow()
    partners = await overview(session, partnership_id=partnership.id)
    current = [s for s in partners if s.partner.status != PartnerStatus.WITHDRAWN.value]
    quiet = await gone_quiet(session, summaries=current, now=now, after=QUIET_AFTER)
    without_people = [s.partner for s in current if not s.representatives]
    ids = [s.partner.id for s in partners if s.partner.id is not None]
    pending = await session.exec(
        select(JoinRequest).where(
            col(JoinRequest.partner_id).in_(ids), JoinRequest.status == JoinRequestStatus.PENDING
        )
    )
    invitations = await session.exec(
        select(func.count())
        .select_from(Invitation)
        .where(
            Invitation.partnership_id == partnership.id,
            col(Invitation.used_at).is_(None),
            Invitation.expires_at > now,
        )
    )
    # People's words and recorded contacts; commands typed in the group are not communication.
    recent = await session.exec(
        select(LogEntry)
        .where(
            LogEntry.partnership_id == partnership.id,
            col(LogEntry.kind).in_([EntryKind.MESSAGE.value, EntryKind.CONTACT.value]),
            or_(col(LogEntry.text).is_(None), ~col(LogEntry.text).startswith("/")),
        )
        .order_by(col(LogEntry.occurred_at).desc(), col(LogEntry.id).desc())
        .limit(5)
    )
    return Brief(
        partnership, partners, quiet, without_people, list(pending), int(invitations.one()), list(recent)
    )


async def representatives_of(session: AsyncSession, *, partner_id: int) -> list[tuple[int, str]]:
    """(user id, name) of a partner's representatives."""
    rows = await session.exec(
        select(Representative.user_id, Representative.name)
        .where(Representative.partner_id == partner_id)
        .order_by(col(Representative.id))
    )
    return [(uid, name) for uid, name in rows]


@dataclass(frozen=True)
class HandedOver:
    """A partnership a person once coordinated and handed over."""

    partnership: Partnership
    at: datetime


async def handed_over_by(session: AsyncSession, *, user_id: int) -> list[HandedOver]:
    """Partnerships this person handed the coordinator role of over (newest first)."""
    rows = await session.exec(
        select(Partnership, LogEntry.occurred_at)
        .join(LogEntry, col(LogEntry.partnership_id) == col(Partnership.id))
        .where(
            LogEntry.kind == EntryKind.EVENT.value,
            LogEntry.channel == EventKind.HANDOVER.value,
            LogEntry.author_user_id == user_id,
            Partnership.coordinator_user_id != user_id,
        )
        .order_by(col(LogEntry.occurred_at).desc())
    )
    seen: dict[int, HandedOver] = {}
    for partnership, at in rows:
        if partnership.id is not None and partnership.id not in seen:
            seen[partnership.id] = HandedOver(partnership, as_utc(at))
    return list(seen.values())
