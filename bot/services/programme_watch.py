"""What the daily watch adds for programmes: a reminder to supervisors when a visit is due."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import as_utc
from bot.models import DeliveryKind, Partnership, ProgrammeMember, Visit
from bot.services import programme_scope
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
