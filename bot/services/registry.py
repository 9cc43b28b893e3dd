"""The partnership's registry: partner organisations, their people, resources and roles.

Changes live here; reading and input checks in `bot.services.partners`, views in
`bot.services.overview`, and both are re-exported so callers need only this module.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import Role
from bot.db import stored_id, utcnow
from bot.models import (
    AppointedRole,
    Appointment,
    EventKind,
    Invitation,
    JoinForm,
    JoinRequest,
    JoinRequestStatus,
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
from bot.services.overview import (
    QUIET_AFTER,
    Brief,
    PartnerCard,
    PartnerSummary,
    brief,
    card,
    gone_quiet,
    last_activity_by_partner,
    member_since,
    overview,
)
from bot.services.partners import (
    PARTNER_NAME_MAX,
    PARTNER_NAME_MIN,
    SEATS_MAX,
    TEXT_MAX,
    HandedOver,
    PartnerLookup,
    RegistryError,
    clean_partner_name,
    clean_text,
    find_partner,
    handed_over_by,
    parse_seats,
    partner_by_id,
    partners_of,
    partnerships_of,
    representatives_by_partner,
    representatives_of,
    resources_of,
    roles_in,
    successors,
)
from bot.services.partnerships import record_event
from bot.services.people import PersonInfo
from bot.text import fold

__all__ = [
    "INVITATION_DAYS",
    "PARTNER_NAME_MAX",
    "PARTNER_NAME_MIN",
    "QUIET_AFTER",
    "SEATS_MAX",
    "TEXT_MAX",
    "Brief",
    "HandedOver",
    "PartnerCard",
    "PartnerLookup",
    "PartnerSummary",
    "Redeemed",
    "RegistryError",
    "add_partner",
    "add_representative",
    "add_resource",
    "appoint",
    "brief",
    "card",
    "change_status",
    "clean_partner_name",
    "clean_text",
    "create_invitation",
    "decide_join",
    "find_partner",
    "gone_quiet",
    "hand_over",
    "handed_over_by",
    "last_activity_by_partner",
    "member_since",
    "overview",
    "parse_seats",
    "partner_by_id",
    "partners_of",
    "partnerships_of",
    "redeem_invitation",
    "representatives_by_partner",
    "representatives_of",
    "request_join",
    "resources_of",
    "roles_in",
    "set_communication_plan",
    "set_leader",
    "set_stage",
    "successors",
    "update_details",
]

INVITATION_DAYS = 14


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
    partnership_id = stored_id(partnership)
    clean = clean_partner_name(name)
    existing = await session.exec(
        select(Partner).where(Partner.partnership_id == partnership_id, Partner.name_key == fold(clean))
    )
    duplicate = existing.first()
    if duplicate is not None:
        raise RegistryError("duplicate", existing=duplicate.name)
    now = utcnow()
    partner = Partner(
        partnership_id=partnership_id,
        name=clean,
        name_key=fold(clean),
        kind=kind,
        status=status,
        created_at=now,
    )
    session.add(partner)
    await session.flush()
    partner_id = stored_id(partner)
    session.add(
        PartnerStatusChange(
            partner_id=partner_id, status=status, changed_at=now, changed_by_user_id=by_user_id
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
    partner_id = stored_id(partner)
    session.add(
        PartnerStatusChange(
            partner_id=partner_id,
            status=status,
            changed_at=now,
            reason=reason,
            changed_by_user_id=by_user_id,
        )
    )
    if status is PartnerStatus.WITHDRAWN and partnership.leader_partner_id == partner_id:
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
    partner_id = stored_id(partner)
    resource = Resource(
        partner_id=partner_id,
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


async def add_representative(session: AsyncSession, *, partner: Partner, person: PersonInfo) -> bool:
    """Link a person to an organisation; False if they already represent it."""
    partner_id = stored_id(partner)
    existing = await session.exec(
        select(Representative).where(
            Representative.partner_id == partner_id, Representative.user_id == person.user_id
        )
    )
    if existing.first() is not None:
        return False
    session.add(Representative(partner_id=partner_id, user_id=person.user_id, name=person.display_name))
    if partner.status in (PartnerStatus.CANDIDATE, PartnerStatus.INVITED):
        partner.status = PartnerStatus.JOINED
        session.add(
            PartnerStatusChange(
                partner_id=partner_id,
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
    partnership_id = stored_id(partnership)
    session.add(
        Appointment(
            partnership_id=partnership_id, user_id=person.user_id, role=role, name=person.display_name
        )
    )
    await session.flush()
    return True


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
    partnership_id = stored_id(partnership)
    now = now or utcnow()
    invitation = Invitation(
        token=secrets.token_urlsafe(18),
        partnership_id=partnership_id,
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


async def request_join(session: AsyncSession, *, partner: Partner, person: PersonInfo) -> JoinRequest:
    """A group member asks to represent a partner; the coordinator decides."""
    partner_id = stored_id(partner)
    already = await session.exec(
        select(Representative).where(
            Representative.partner_id == partner_id, Representative.user_id == person.user_id
        )
    )
    if already.first() is not None:
        raise RegistryError("already_representative", partner=partner.name)
    pending = await session.exec(
        select(JoinRequest).where(
            JoinRequest.partner_id == partner_id,
            JoinRequest.user_id == person.user_id,
            JoinRequest.status == JoinRequestStatus.PENDING,
        )
    )
    existing = pending.first()
    if existing is not None:
        return existing
    request = JoinRequest(partner_id=partner_id, user_id=person.user_id, name=person.display_name)
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
