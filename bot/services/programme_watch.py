"""What the daily watch adds for programmes: visit reminders, and each partnership's light for the
supervisors' weekly digest."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.dates import first_of_month
from bot.db import as_utc
from bot.models import DeliveryKind, Partnership, ProgrammeMember, Visit
from bot.services import programme_scope
from bot.services.programme_overview import Light, Line, overview
from bot.services.scheduling import delivery_row


async def visits_due(
    session: AsyncSession, *, partnership: Partnership, now: datetime, send_at: datetime
) -> list[dict[str, object]]:
    """A VISIT_DUE reminder to each assigned supervisor once the visit rhythm has run out.

    Keyed by the last visit's day, so each supervisor is reminded once until a visit is recorded.
    """
    member = await session.get(ProgrammeMember, partnership.id)
    if member is None or not member.visit_every_days or partnership.id is None:
        return []
    last = (
        await session.exec(select(func.max(Visit.held_on)).where(Visit.partnership_id == partnership.id))
    ).first()
    since = last or as_utc(member.joined_at).date()
    today = now.astimezone(ZoneInfo(partnership.timezone)).date()
    days = (today - since).days
    if days < member.visit_every_days:
        return []
    return [
        delivery_row(
            partnership_id=partnership.id,
            kind=DeliveryKind.VISIT_DUE,
            due_at=send_at,
            key=f"vd:{partnership.id}:{user_id}:{since.isoformat()}",
            payload={"to": user_id, "days": days, "every": member.visit_every_days},
        )
        for user_id in await programme_scope.supervisors_of(session, partnership_id=partnership.id)
    ]


async def track_light(session: AsyncSession, *, partnership: Partnership, now: datetime) -> Light | None:
    """Remember the partnership's light (and since when it has been so); None outside a programme."""
    member = await session.get(ProgrammeMember, partnership.id)
    if member is None:
        return None
    (line,) = await overview(
        session, partnerships=[partnership], now=now, zone=ZoneInfo(partnership.timezone)
    )
    if member.light != int(line.light):
        member.light, member.light_since = int(line.light), now
        session.add(member)
    return line.light


async def weekly_digests(
    session: AsyncSession, *, partnership: Partnership, now: datetime, send_at: datetime
) -> list[dict[str, object]]:
    """On Mondays, one digest per supervisor (and the manager) for the week, whichever of their
    partnerships' watches queues it first; its sender reads all their partnerships."""
    if await track_light(session, partnership=partnership, now=now) is None or partnership.id is None:
        return []
    local = now.astimezone(ZoneInfo(partnership.timezone)).date()
    if local.weekday() != 0:
        return []
    programme = await programme_scope.programme_of(session, partnership_id=partnership.id)
    assert programme is not None
    recipients = dict.fromkeys(
        [
            *await programme_scope.supervisors_of(session, partnership_id=partnership.id),
            programme.manager_user_id,
        ]
    )
    return [
        delivery_row(
            partnership_id=partnership.id,
            kind=DeliveryKind.SUPERVISOR_DIGEST,
            due_at=send_at,
            key=f"sd:{user_id}:{local.isoformat()}",
            payload={"to": user_id},
        )
        for user_id in recipients
    ]


async def turned(session: AsyncSession, *, user_id: int, now: datetime, zone: ZoneInfo) -> list[Line]:
    """A supervisor's partnerships that turned amber or red in the last 7 days, worst first."""
    seen = await programme_scope.overseen(session, user_id=user_id)
    if not seen:
        return []
    members = await session.exec(
        select(ProgrammeMember).where(
            col(ProgrammeMember.partnership_id).in_([p.id for p in seen]),
            col(ProgrammeMember.light) >= int(Light.AMBER),
            col(ProgrammeMember.light_since) >= now - timedelta(days=7),
        )
    )
    ids = {m.partnership_id for m in members}
    lines = await overview(session, partnerships=[p for p in seen if p.id in ids], now=now, zone=zone)
    return [line for line in lines if line.light >= Light.AMBER]


async def monthly_digest(
    session: AsyncSession, *, partnership: Partnership, now: datetime, send_at: datetime
) -> list[dict[str, object]]:
    """On the first of the month, the coordinators' digest for a programme's partnership."""
    if partnership.id is None or await session.get(ProgrammeMember, partnership.id) is None:
        return []
    local = first_of_month(now, ZoneInfo(partnership.timezone))
    if local is None:
        return []
    return [
        delivery_row(
            partnership_id=partnership.id,
            kind=DeliveryKind.COORDINATORS_DIGEST,
            due_at=send_at,
            key=f"cd:{partnership.id}:{local:%Y-%m}",
        )
    ]
