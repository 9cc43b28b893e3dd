"""Schedules and due deliveries as rows: materialise what is due, claim it, finish it.

One repeating job calls these. Claims take a lease, so two processes never send the same
occurrence, and one killed between claim and send leaves it to be claimed again when the
lease runs out.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import as_utc, insert_ignoring_duplicates
from bot.models import Delivery, DeliveryKind, DeliveryStatus, Partnership, Schedule
from bot.timing import Recurrence, RecurrenceSpec, SendingRules, next_fire

LEASE = timedelta(minutes=2)
GRACE = timedelta(hours=2)
MAX_ATTEMPTS = 5
MATERIALISE_BATCH = 500
CATCH_UP_LIMIT = 20  # missed occurrences recorded per schedule after a long downtime


@dataclass(frozen=True)
class Due:
    """A claimed delivery, detached from the session that claimed it."""

    id: int
    partnership_id: int
    schedule_id: int | None
    kind: str
    ref_id: int | None
    payload: dict[str, Any]
    due_at: datetime
    attempts: int


# What a scheduled send still has to store once its message went out (e.g. where a check-in
# was posted): the runner stores it in the transaction that records the delivery as sent.
Record = Callable[[AsyncSession], Awaitable[None]]


def spec_of(schedule: Schedule) -> RecurrenceSpec:
    """A schedule's recurrence as a trigger spec."""
    hour, minute = (int(x) for x in schedule.at_time.split(":"))
    return RecurrenceSpec(
        Recurrence(schedule.recurrence),
        at=time(hour, minute),
        weekday=schedule.weekday,
        day=schedule.day,
        cron=schedule.cron,
        # Schedules made before the start day was stored count from the day they were made.
        anchor=schedule.starts_on or as_utc(schedule.created_at).date(),
    )


def next_send_time(schedule: Schedule, *, after: datetime, zone: ZoneInfo, rules: SendingRules) -> datetime:
    """The next fire time after `after`, moved out of quiet hours, weekends and holidays."""
    return rules.next_allowed(next_fire(spec_of(schedule), after=after, zone=zone), zone)


async def add_schedule(
    session: AsyncSession,
    *,
    partnership: Partnership,
    spec: RecurrenceSpec,
    question: str,
    by_user_id: int,
    now: datetime,
    rules: SendingRules,
    window_hours: int = 48,
    reminder_after_hours: int = 24,
) -> Schedule:
    """A new check-in schedule with its first time computed."""
    assert partnership.id is not None
    zone = ZoneInfo(partnership.timezone)
    schedule = Schedule(
        partnership_id=partnership.id,
        recurrence=spec.kind,
        weekday=spec.weekday,
        day=spec.day,
        at_time=spec.at.strftime("%H:%M"),
        cron=spec.cron,
        question=question,
        window_hours=window_hours,
        reminder_after_hours=reminder_after_hours,
        created_by_user_id=by_user_id,
        created_at=now,
        starts_on=spec.anchor or now.astimezone(zone).date(),
        next_run_at=now,
    )
    schedule.next_run_at = next_send_time(schedule, after=now, zone=zone, rules=rules)
    session.add(schedule)
    await session.flush()
    return schedule


async def enqueue(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert due deliveries, ignoring ones that exist already; returns how many are new."""
    if not rows:
        return 0
    connection = await session.connection()
    statement = insert_ignoring_duplicates(Delivery, connection.dialect.name).returning(col(Delivery.id))
    result = await connection.execute(statement, rows)
    return len(result.all())


def delivery_row(
    *,
    partnership_id: int,
    kind: DeliveryKind,
    due_at: datetime,
    key: str,
    schedule_id: int | None = None,
    ref_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A delivery row for `enqueue`."""
    return {
        "partnership_id": partnership_id,
        "schedule_id": schedule_id,
        "kind": kind.value,
        "ref_id": ref_id,
        "payload": json.dumps(payload or {}),
        "dedupe_key": key[:120],
        "due_at": due_at,
        "status": DeliveryStatus.PENDING.value,
        "claimed_by": "",
        "attempts": 0,
        "last_error": "",
    }


async def materialise(session: AsyncSession, *, now: datetime, rules: SendingRules, limit: int = 500) -> int:
    """Turn schedules whose time has come into deliveries and move them to their next time.

    Only schedules that are due are read (an index on next_run_at), so the cost grows with
    what is due, not with the number of schedules.
    """
    query = (
        select(Schedule, Partnership)
        .join(Partnership, col(Partnership.id) == col(Schedule.partnership_id))
        .where(col(Schedule.is_paused).is_(False), col(Schedule.next_run_at) <= now)
        .order_by(col(Schedule.next_run_at))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Schedule)
    rows: list[dict[str, Any]] = []
    for schedule, partnership in await session.exec(query):
        zone = ZoneInfo(partnership.timezone)
        moment = schedule.next_run_at
        for _ in range(CATCH_UP_LIMIT):
            rows.append(
                delivery_row(
                    partnership_id=partnership.id or 0,
                    kind=DeliveryKind.CHECKIN,
                    due_at=moment,
                    key=f"s:{schedule.id}:{moment.isoformat()}",
                    schedule_id=schedule.id,
                )
            )
            moment = next_send_time(schedule, after=moment, zone=zone, rules=rules)
            if moment > now:
                break
        else:
            moment = next_send_time(schedule, after=now, zone=zone, rules=rules)
        schedule.next_run_at = moment
    await session.flush()
    return await enqueue(session, rows)


async def claim(
    session: AsyncSession, *, now: datetime, worker: str, limit: int = 50, lease: timedelta = LEASE
) -> list[Due]:
    """Take up to `limit` due deliveries (or ones whose lease expired) for this worker."""
    due = or_(
        and_(col(Delivery.status) == DeliveryStatus.PENDING.value, col(Delivery.due_at) <= now),
        and_(col(Delivery.status) == DeliveryStatus.CLAIMED.value, col(Delivery.lease_until) < now),
    )
    pick = select(Delivery.id).where(due).order_by(col(Delivery.due_at)).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    ids = list(await session.exec(pick))
    if not ids:
        return []
    # The guard in WHERE repeats the due condition: on SQLite writes are serialised, on
    # PostgreSQL the rows are locked, so a row claimed meanwhile is not claimed again.
    result = await (await session.connection()).execute(
        update(Delivery)
        .where(col(Delivery.id).in_(ids), due)
        .values(
            status=DeliveryStatus.CLAIMED.value,
            claimed_by=worker,
            lease_until=now + lease,
            attempts=col(Delivery.attempts) + 1,
        )
        .returning(
            col(Delivery.id),
            col(Delivery.partnership_id),
            col(Delivery.schedule_id),
            col(Delivery.kind),
            col(Delivery.ref_id),
            col(Delivery.payload),
            col(Delivery.due_at),
            col(Delivery.attempts),
        )
    )
    claimed = [
        Due(r[0] or 0, r[1], r[2], r[3], r[4], json.loads(r[5] or "{}"), as_utc(r[6]), r[7]) for r in result
    ]
    return sorted(claimed, key=lambda d: d.due_at)


async def finish(
    session: AsyncSession,
    *,
    delivery_id: int,
    worker: str,
    status: DeliveryStatus,
    now: datetime,
    error: str = "",
    retry_at: datetime | None = None,
) -> bool:
    """Record the outcome, only if this worker still holds the claim; retry_at puts it back in the queue."""
    values: dict[str, Any] = {"status": status.value, "last_error": error[:300], "lease_until": None}
    if status is DeliveryStatus.SENT:
        values["sent_at"] = now
    if retry_at is not None:
        values.update(status=DeliveryStatus.PENDING.value, due_at=retry_at, claimed_by="")
    result = await (await session.connection()).execute(
        update(Delivery)
        .where(
            col(Delivery.id) == delivery_id,
            col(Delivery.claimed_by) == worker,
            col(Delivery.status) == DeliveryStatus.CLAIMED.value,
        )
        .values(**values)
    )
    return bool(result.rowcount)


async def renew(session: AsyncSession, *, ids: list[int], worker: str, until: datetime) -> set[int]:
    """Extend the leases this worker still holds; returns the ids it still holds."""
    result = await (await session.connection()).execute(
        update(Delivery)
        .where(
            col(Delivery.id).in_(ids),
            col(Delivery.claimed_by) == worker,
            col(Delivery.status) == DeliveryStatus.CLAIMED.value,
        )
        .values(lease_until=until)
        .returning(col(Delivery.id))
    )
    return {int(row[0] or 0) for row in result}


async def holds(session: AsyncSession, *, delivery_id: int, worker: str, now: datetime) -> bool:
    """Whether the worker holds an unexpired claim on the delivery."""
    found = await session.exec(
        select(Delivery.id).where(
            col(Delivery.id) == delivery_id,
            col(Delivery.claimed_by) == worker,
            col(Delivery.status) == DeliveryStatus.CLAIMED.value,
            col(Delivery.lease_until) >= now,
        )
    )
    return found.first() is not None


async def pause_partnership(session: AsyncSession, *, partnership_id: int, reason: str) -> int:
    """Pause every schedule of a partnership (e.g. the bot was removed from its group)."""
    result = await (await session.connection()).execute(
        update(Schedule)
        .where(col(Schedule.partnership_id) == partnership_id, col(Schedule.is_paused).is_(False))
        .values(is_paused=True, paused_reason=reason)
    )
    await (await session.connection()).execute(
        update(Delivery)
        .where(
            col(Delivery.partnership_id) == partnership_id,
            col(Delivery.status) == DeliveryStatus.PENDING.value,
        )
        .values(status=DeliveryStatus.CANCELLED.value, last_error=reason)
    )
    return int(result.rowcount or 0)


async def schedules_of(session: AsyncSession, *, partnership_id: int) -> list[Schedule]:
    """A partnership's schedules."""
    return list(
        await session.exec(
            select(Schedule).where(Schedule.partnership_id == partnership_id).order_by(col(Schedule.id))
        )
    )


async def set_paused(
    session: AsyncSession,
    *,
    schedule: Schedule,
    paused: bool,
    now: datetime,
    zone: ZoneInfo,
    rules: SendingRules,
) -> None:
    """Pause or resume a schedule; resuming starts from the next time after now (nothing floods in)."""
    schedule.is_paused = paused
    schedule.paused_reason = "coordinator" if paused else ""
    if not paused:
        schedule.next_run_at = next_send_time(schedule, after=now, zone=zone, rules=rules)
    await session.flush()

