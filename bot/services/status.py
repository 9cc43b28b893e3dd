"""What /status reports about a partnership's communication, computed from the log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import as_utc
from bot.models import EntryKind, LogEntry

ACTIVE_PEOPLE_SHOWN = 10


@dataclass(frozen=True)
class ActivePerson:
    """Someone who wrote in the chat or recorded a contact this month."""

    name: str
    entries: int


@dataclass(frozen=True)
class CommunicationStatus:
    """Counts of the partnership's communication this week and this month."""

    messages_week: int
    messages_month: int
    contacts_week: int
    contacts_month: int
    active_people: list[ActivePerson]
    active_people_total: int
    last_activity_at: datetime | None


def period_starts(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Start of the local week (Monday 00:00) and month (1st 00:00), as UTC."""
    local = now.astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    week = (midnight - timedelta(days=midnight.weekday())).replace(tzinfo=None)
    month = midnight.replace(day=1).replace(tzinfo=None)
    # Re-attach the zone after the date arithmetic so the UTC offset of that day is used.
    return (
        week.replace(tzinfo=zone).astimezone(UTC),
        month.replace(tzinfo=zone).astimezone(UTC),
    )


async def communication_status(
    session: AsyncSession, *, partnership_id: int, now: datetime, zone: ZoneInfo
) -> CommunicationStatus:
    """Messages and contacts this week and month, who was active, and when last."""
    week_start, month_start = period_starts(now, zone)
    since = min(week_start, month_start)
    kind, occurred = col(LogEntry.kind), col(LogEntry.occurred_at)
    is_message = kind == EntryKind.MESSAGE.value
    is_contact = kind == EntryKind.CONTACT.value
    in_week = occurred >= week_start
    in_month = occurred >= month_start
    talk = kind.in_([EntryKind.MESSAGE.value, EntryKind.CONTACT.value])

    def counted(*conditions: ColumnElement[bool]) -> ColumnElement[int]:
        """SUM(CASE WHEN ... THEN 1 ELSE 0 END): portable conditional counting."""
        return func.coalesce(func.sum(case((and_(*conditions), 1), else_=0)), 0)

    totals = await session.exec(
        select(
            counted(is_message, in_week),
            counted(is_message, in_month),
            counted(is_contact, in_week),
            counted(is_contact, in_month),
        ).where(LogEntry.partnership_id == partnership_id, occurred >= since)
    )
    messages_week, messages_month, contacts_week, contacts_month = totals.one()

    last = await session.exec(
        select(func.max(occurred)).where(LogEntry.partnership_id == partnership_id, talk)
    )
    last_activity_at = last.first()
    if last_activity_at is not None:
        last_activity_at = as_utc(last_activity_at)

    people = await session.exec(
        select(col(LogEntry.author_user_id), func.max(LogEntry.author_name), func.count())
        .where(
            LogEntry.partnership_id == partnership_id,
            in_month,
            talk,
            col(LogEntry.author_user_id).is_not(None),
        )
        .group_by(col(LogEntry.author_user_id))
        .order_by(func.count().desc(), func.max(LogEntry.author_name))
    )
    active = [ActivePerson(name=name or "", entries=int(n)) for _uid, name, n in people.all()]
    return CommunicationStatus(
        messages_week=int(messages_week),
        messages_month=int(messages_month),
        contacts_week=int(contacts_week),
        contacts_month=int(contacts_month),
        active_people=active[:ACTIVE_PEOPLE_SHOWN],
        active_people_total=len(active),
        last_activity_at=last_activity_at,
    )
