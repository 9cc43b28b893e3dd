"""Supervisors' visits, moderated meetings and phone consultations, and each partnership's rhythm."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Partner, Partnership, ProgrammeMember, Task, Visit, VisitKind
from bot.services import duties
from bot.services.programmes import ProgrammeError
from bot.text import without_controls
from bot.timing import SendingRules

EVERY_MIN, EVERY_MAX = 7, 365
NOTES_MAX = 1000
KIND_WORDS = {
    "visit": VisitKind.VISIT,
    "wizyta": VisitKind.VISIT,
    "meeting": VisitKind.MODERATED_MEETING,
    "spotkanie": VisitKind.MODERATED_MEETING,
    "phone": VisitKind.PHONE,
    "telefon": VisitKind.PHONE,
}


NEXT = re.compile(r"(?:^|\s)(?:next|dalej):", re.IGNORECASE)
NEXT_STEP_DAYS = 14  # agreed next steps are due two weeks from today
NEXT_STEPS_MAX = 10


def next_steps(notes: str) -> list[str]:
    """The agreed next steps: what follows `next:` (or `dalej:`), separated by semicolons."""
    parts = NEXT.split(notes, maxsplit=1)
    if len(parts) < 2:
        return []
    return [step.strip() for step in parts[1].split(";") if step.strip()][:NEXT_STEPS_MAX]


async def add_next_steps(
    session: AsyncSession,
    *,
    partnership: Partnership,
    steps: list[str],
    by_user_id: int,
    now: datetime,
    rules: SendingRules,
) -> tuple[Partner, list[Task]]:
    """The next steps as tasks of the partnership's leading partner, due in 14 days."""
    leader = await session.get(Partner, partnership.leader_partner_id or 0)
    if leader is None:
        raise ProgrammeError("no_leader")
    due_on = now.astimezone(ZoneInfo(partnership.timezone)).date() + timedelta(days=NEXT_STEP_DAYS)
    tasks = [
        await duties.add_task(
            session,
            partnership=partnership,
            partner=leader,
            text=step,
            due_on=due_on,
            by_user_id=by_user_id,
            now=now,
            rules=rules,
        )
        for step in steps
    ]
    return leader, tasks


async def record(
    session: AsyncSession,
    *,
    partnership_id: int,
    kind: VisitKind,
    held_on: date,
    notes: str,
    by_user_id: int,
    by_name: str,
    today: date,
) -> Visit:
    """Record a contact with a partnership (not in the future; notes at most 1,000 characters)."""
    if held_on > today:
        raise ProgrammeError("visit_future")
    notes = without_controls(notes).strip()
    if len(notes) > NOTES_MAX:
        raise ProgrammeError("notes_long")
    visit = Visit(
        partnership_id=partnership_id,
        kind=kind,
        held_on=held_on,
        notes=notes,
        by_user_id=by_user_id,
        by_name=by_name,
    )
    session.add(visit)
    await session.flush()
    return visit


async def set_every(session: AsyncSession, *, partnership_id: int, days: int) -> None:
    """How often a partnership of a programme should be visited (7 to 365 days)."""
    if not EVERY_MIN <= days <= EVERY_MAX:
        raise ProgrammeError("every_range")
    member = await session.get(ProgrammeMember, partnership_id)
    if member is None:
        raise ProgrammeError("not_in_programme")
    member.visit_every_days = days
    session.add(member)
    await session.flush()


async def recent(session: AsyncSession, *, partnership_id: int, limit: int = 5) -> list[Visit]:
    """The latest contacts with a partnership, newest first."""
    result = await session.exec(
        select(Visit)
        .where(Visit.partnership_id == partnership_id)
        .order_by(col(Visit.held_on).desc(), col(Visit.id).desc())
        .limit(limit)
    )
    return list(result)
