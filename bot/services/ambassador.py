"""The ambassador's monthly note: what the partnership achieved last month and in its current period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.dates import first_of_month
from bot.models import AppointedRole, Appointment, DeliveryKind, Partnership, TrainedCount, TrainingSession
from bot.services import credit
from bot.services.scheduling import delivery_row


@dataclass(frozen=True)
class AmbassadorNote:
    """Last calendar month's results, and the current period's with every partner's share."""

    credit: credit.Credit
    month: date  # the first day of the month the note covers
    month_trained: int
    month_sessions: int


async def ambassadors_of(session: AsyncSession, *, partnership_id: int) -> list[int]:
    """The user ids of the partnership's ambassadors."""
    rows = await session.exec(
        select(Appointment.user_id).where(
            Appointment.partnership_id == partnership_id, Appointment.role == AppointedRole.AMBASSADOR.value
        )
    )
    return list(dict.fromkeys(rows))


async def monthly_notes(
    session: AsyncSession, *, partnership: Partnership, now: datetime, send_at: datetime
) -> list[dict[str, object]]:
    """On the first of the month, one note per ambassador (keyed by the month: sent once)."""
    if partnership.id is None or not partnership.is_active:
        return []
    local = first_of_month(now, ZoneInfo(partnership.timezone))
    if local is None:
        return []
    return [
        delivery_row(
            partnership_id=partnership.id,
            kind=DeliveryKind.AMBASSADOR_NOTE,
            due_at=send_at,
            key=f"an:{partnership.id}:{user_id}:{local:%Y-%m}",
            payload={"to": user_id},
        )
        for user_id in await ambassadors_of(session, partnership_id=partnership.id)
    ]


def _last_month(today: date) -> tuple[date, date]:
    """The first day of the previous calendar month and of this one."""
    this = today.replace(day=1)
    previous = date(this.year - 1, 12, 1) if this.month == 1 else this.replace(month=this.month - 1)
    return previous, this


async def note(session: AsyncSession, *, partnership: Partnership, now: datetime) -> AmbassadorNote | None:
    """The note's numbers as of `now`; None if the partnership has no credit to show."""
    found = await credit.credit(session, partnership=partnership, now=now)
    if found is None:
        return None
    zone = ZoneInfo(partnership.timezone)
    start, end = _last_month(now.astimezone(zone).date())
    since = datetime.combine(start, time(), zone).astimezone(UTC)
    until = min(datetime.combine(end, time(), zone).astimezone(UTC), now)
    held = select(TrainingSession.id).where(
        TrainingSession.partnership_id == partnership.id,
        col(TrainingSession.starts_at) >= since,
        col(TrainingSession.starts_at) < until,
    )
    ids = list(await session.exec(held))
    trained = (
        await session.exec(
            select(func.coalesce(func.sum(TrainedCount.trained), 0)).where(
                col(TrainedCount.session_id).in_(ids)
            )
        )
    ).one()
    return AmbassadorNote(found, start, int(trained), len(ids))
