"""Reading the registry, and checking what users type into it: partners, their people and
resources, and who has which role. Changes are in `bot.services.registry`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, literal, or_, union_all
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import Role
from bot.db import as_utc
from bot.models import (
    Appointment,
    EntryKind,
    EventKind,
    LogEntry,
    Partner,
    Partnership,
    PartnerStatus,
    Representative,
    Resource,
)
from bot.services import programme_scope
from bot.text import fold, parse_count, suggestions, visible_text, without_controls

PARTNER_NAME_MIN, PARTNER_NAME_MAX = 2, 120
TEXT_MAX = 1000
SEATS_MAX = 500


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


async def roles_in(session: AsyncSession, *, partnership: Partnership, user_id: int) -> set[Role]:
    """Every role a person has in a partnership (none: empty set), read in one statement."""
    roles: set[Role] = set()
    if partnership.coordinator_user_id == user_id:
        roles.add(Role.COORDINATOR)
    appointed = select(Appointment.role).where(
        Appointment.partnership_id == partnership.id, Appointment.user_id == user_id
    )
    represents = select(literal(Role.REPRESENTATIVE.value)).where(
        exists()
        .where(col(Representative.partner_id) == col(Partner.id))
        .where(col(Partner.partnership_id) == partnership.id, col(Representative.user_id) == user_id)
    )
    oversees = select(literal(Role.SUPERVISOR.value)).where(  # a programme's manager or supervisor
        literal(partnership.id).in_(programme_scope.visible_ids(user_id))
    )
    found = await session.exec(union_all(appointed, represents, oversees))  # type: ignore[call-overload]
    roles.update(Role(row[0]) for row in found)
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
                col(Partnership.id).in_(programme_scope.visible_ids(user_id)),
            )
        )
        .order_by(col(Partnership.id))
    )
    return list(result)


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


async def representatives_of(session: AsyncSession, *, partner_id: int) -> list[tuple[int, str]]:
    """(user id, name) of a partner's representatives."""
    rows = await session.exec(
        select(Representative.user_id, Representative.name)
        .where(Representative.partner_id == partner_id)
        .order_by(col(Representative.id))
    )
    return [(uid, name) for uid, name in rows]


async def resources_of(session: AsyncSession, *, partnership_id: int) -> list[tuple[Resource, Partner]]:
    """Declared resources of active partners, by kind then partner."""
    result = await session.exec(
        select(Resource, Partner)
        .join(Partner)
        .where(Partner.partnership_id == partnership_id, Partner.status != PartnerStatus.WITHDRAWN.value)
        .order_by(col(Resource.kind), col(Partner.name_key), col(Resource.id))
    )
    return [(r, p) for r, p in result]


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
