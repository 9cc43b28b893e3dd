"""Tasks for partners and partnership meetings, with their reminders queued as deliveries."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import DeliveryKind, Meeting, MeetingReply, Partner, Partnership, Task
from bot.services.people import PersonInfo
from bot.services.registry import RegistryError
from bot.services.scheduling import delivery_row, enqueue
from bot.timing import SendingRules

RSVP = ("yes", "no", "maybe")
TASK_REMINDER_AT = time(9, 0)


async def add_task(
    session: AsyncSession,
    *,
    partnership: Partnership,
    partner: Partner,
    text: str,
    due_on: date,
    by_user_id: int,
    now: datetime,
    rules: SendingRules,
) -> Task:
    """A task for a partner; it is announced now and reminded the working day before it is due."""
    assert partnership.id is not None and partner.id is not None
    zone = ZoneInfo(partnership.timezone)
    if due_on < now.astimezone(zone).date():
        raise RegistryError("due_past")
    task = Task(
        partnership_id=partnership.id,
        partner_id=partner.id,
        text=text.strip()[:1000],
        due_on=due_on,
        created_by_user_id=by_user_id,
        created_at=now,
    )
    session.add(task)
    await session.flush()
    rows = [
        delivery_row(
            partnership_id=partnership.id,
            kind=DeliveryKind.TASK_ASSIGNED,
            due_at=now,
            key=f"t:{task.id}:a",
            ref_id=task.id,
        )
    ]
    remind = task_reminder_at(due_on, zone=zone, rules=rules)
    if now < remind:
        rows.append(
            delivery_row(
                partnership_id=partnership.id,
                kind=DeliveryKind.TASK_REMINDER,
                due_at=remind,
                key=f"t:{task.id}:r",
                ref_id=task.id,
            )
        )
    await enqueue(session, rows)
    return task


def task_reminder_at(due_on: date, *, zone: ZoneInfo, rules: SendingRules) -> datetime:
    """9:00 on the working day before the due date (Friday for a Monday, before a holiday the
    last working day before it), in UTC."""
    day = rules.working_day_before(due_on)
    return rules.next_allowed(datetime.combine(day, TASK_REMINDER_AT, tzinfo=zone), zone)


async def mark_done(
    session: AsyncSession, *, task_id: int, partnership_id: int, by_user_id: int, now: datetime
) -> Task:
    """Mark a task done (idempotent)."""
    task = await session.get(Task, task_id)
    if task is None or task.partnership_id != partnership_id:
        raise RegistryError("task_unknown")
    if task.done_at is None:
        task.done_at, task.done_by_user_id = now, by_user_id
    await session.flush()
    return task


async def overdue(session: AsyncSession, *, partnership_id: int, today: date) -> list[tuple[Task, Partner]]:
    """Tasks past their due date and not done."""
    rows = await session.exec(
        select(Task, Partner)
        .join(Partner, col(Partner.id) == col(Task.partner_id))
        .where(Task.partnership_id == partnership_id, col(Task.done_at).is_(None), col(Task.due_on) < today)
        .order_by(col(Task.due_on))
    )
    return [(t, p) for t, p in rows]


async def add_meeting(
    session: AsyncSession,
    *,
    partnership: Partnership,
    starts_at: datetime,
    place: str,
    agenda: str,
    by_user_id: int,
    now: datetime,
    rules: SendingRules,
) -> Meeting:
    """A meeting: the invitation goes out now, reminders a week and a day before."""
    assert partnership.id is not None
    if starts_at <= now:
        raise RegistryError("meeting_past")
    meeting = Meeting(
        partnership_id=partnership.id,
        starts_at=starts_at,
        place=place.strip()[:500],
        agenda=agenda.strip()[:2000],
        created_by_user_id=by_user_id,
        created_at=now,
    )
    session.add(meeting)
    await session.flush()
    zone = ZoneInfo(partnership.timezone)
    rows = [
        delivery_row(
            partnership_id=partnership.id,
            kind=DeliveryKind.MEETING_INVITE,
            due_at=now,
            key=f"m:{meeting.id}:i",
            ref_id=meeting.id,
        )
    ]
    for days in (7, 1):
        at = rules.next_allowed(starts_at - timedelta(days=days), zone)
        if now < at < starts_at:
            rows.append(
                delivery_row(
                    partnership_id=partnership.id,
                    kind=DeliveryKind.MEETING_REMINDER,
                    due_at=at,
                    key=f"m:{meeting.id}:r{days}",
                    ref_id=meeting.id,
                )
            )
    await enqueue(session, rows)
    return meeting


async def reply_to_meeting(
    session: AsyncSession,
    *,
    meeting_id: int,
    partnership_id: int,
    person: PersonInfo,
    answer: str,
    now: datetime,
) -> MeetingReply:
    """Record or change a person's RSVP."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or meeting.partnership_id != partnership_id or answer not in RSVP:
        raise RegistryError("meeting_unknown")
    found = (
        await session.exec(
            select(MeetingReply).where(
                MeetingReply.meeting_id == meeting_id, MeetingReply.user_id == person.user_id
            )
        )
    ).first()
    if found is None:
        found = MeetingReply(
            meeting_id=meeting_id, user_id=person.user_id, name=person.display_name, answer=answer
        )
        session.add(found)
    found.answer, found.answered_at = answer, now
    await session.flush()
    return found


async def replies(session: AsyncSession, *, meeting_id: int) -> dict[str, list[str]]:
    """Names per RSVP answer."""
    result: dict[str, list[str]] = {a: [] for a in RSVP}
    for reply in await session.exec(
        select(MeetingReply).where(MeetingReply.meeting_id == meeting_id).order_by(col(MeetingReply.id))
    ):
        result[reply.answer].append(reply.name)
    return result
