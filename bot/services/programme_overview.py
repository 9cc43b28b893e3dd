"""The supervisor's overview: one traffic light per partnership, with the reasons behind it.

Every figure is read for all the partnerships at once (one grouped query each), so the overview
of hundreds of partnerships costs a handful of queries, plus one per partnership with a plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import IntEnum
from zoneinfo import ZoneInfo

from sqlalchemy import case
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import as_utc, stored_id
from bot.models import (
    CheckinAnswer,
    CheckinRound,
    EntryKind,
    LogEntry,
    Partner,
    Partnership,
    PartnerStatus,
    PlanPeriod,
    ProgrammeMember,
    Target,
    TargetGroup,
    Task,
    TrainedCount,
    TrainingSession,
    Visit,
)
from bot.progress import Pace, Progress, progress

# The thresholds, as the README states them ("Programmes: the overview").
HEARD_WINDOW = timedelta(days=30)
IDLE_AMBER_DAYS, IDLE_RED_DAYS = 7, 14
HEARD_AMBER, HEARD_RED = 0.6, 0.3  # share of active partners heard from in 30 days
CHECKIN_AMBER = 0.5  # share of check-in answers in the last 30 days
BEHIND_RED = 0.5  # trained below half of the pro-rata target
TASKS_RED = 3  # overdue tasks


class Light(IntEnum):
    """A partnership's traffic light; a higher value is worse."""

    GREEN = 0
    AMBER = 1
    RED = 2


@dataclass(frozen=True)
class Reason:
    """Why a light is not green: a code, its light, and the numbers to word it."""

    code: str  # behind, far_behind, idle, quiet, checkins, tasks, visit
    light: Light
    group: TargetGroup | None = None
    numbers: tuple[int, ...] = ()


@dataclass
class Line:
    """One partnership's figures and light."""

    partnership: Partnership
    groups: list[tuple[TargetGroup, Progress]] = field(default_factory=list)
    active_partners: int = 0
    heard_partners: int = 0
    answers: int = 0
    asked: int = 0
    idle_days: int = 0
    overdue_tasks: int = 0
    last_visit: date | None = None
    visit_every_days: int | None = None
    visit_overdue_days: int = 0
    reasons: list[Reason] = field(default_factory=list)

    @property
    def light(self) -> Light:
        """The worst light of its reasons (green without any)."""
        return max((r.light for r in self.reasons), default=Light.GREEN)

    @property
    def id(self) -> int:
        """The partnership's id."""
        return stored_id(self.partnership)


async def overview(
    session: AsyncSession, *, partnerships: Sequence[Partnership], now: datetime, zone: ZoneInfo
) -> list[Line]:
    """Every partnership's line, worst first (then by the number of reasons, then by name)."""
    today = now.astimezone(zone).date()
    lines = {stored_id(p): Line(p) for p in partnerships}
    if not lines:
        return []
    ids = list(lines)
    await _partners(session, lines, ids, now)
    await _checkins(session, lines, ids, now)
    await _coordinator(session, lines, ids, now)
    await _tasks_and_visits(session, lines, ids, today)
    await _training(session, lines, ids, now, zone)
    for line in lines.values():
        line.reasons = judge(line)
    return sorted(lines.values(), key=lambda x: (-x.light, -len(x.reasons), x.partnership.name.casefold()))


def judge(line: Line) -> list[Reason]:
    """The reasons for a line's light, by the thresholds above."""
    reasons: list[Reason] = []
    for group, prog in line.groups:
        if prog.pace is Pace.BEHIND:
            far = prog.trained < prog.expected_now * BEHIND_RED
            code, light = ("far_behind", Light.RED) if far else ("behind", Light.AMBER)
            reasons.append(Reason(code, light, group, (prog.trained, round(prog.expected_now), prog.target)))
    if line.idle_days >= IDLE_AMBER_DAYS:
        reasons.append(
            Reason(
                "idle", Light.RED if line.idle_days >= IDLE_RED_DAYS else Light.AMBER, None, (line.idle_days,)
            )
        )
    if line.active_partners:
        share = line.heard_partners / line.active_partners
        if share < HEARD_AMBER:
            light = Light.RED if share < HEARD_RED else Light.AMBER
            reasons.append(Reason("quiet", light, None, (line.heard_partners, line.active_partners)))
    if line.asked and line.answers / line.asked < CHECKIN_AMBER:
        reasons.append(Reason("checkins", Light.AMBER, None, (line.answers, line.asked)))
    if line.overdue_tasks:
        light = Light.RED if line.overdue_tasks >= TASKS_RED else Light.AMBER
        reasons.append(Reason("tasks", light, None, (line.overdue_tasks,)))
    if line.visit_overdue_days > 0:
        reasons.append(Reason("visit", Light.AMBER, None, (line.visit_overdue_days,)))
    return reasons


async def _partners(session: AsyncSession, lines: dict[int, Line], ids: list[int], now: datetime) -> None:
    """Active partners, and how many of them were heard from in the last 30 days."""
    active = await session.exec(
        select(Partner.partnership_id, func.count())
        .where(
            col(Partner.partnership_id).in_(ids),
            col(Partner.status).in_([PartnerStatus.ACTIVE.value, PartnerStatus.JOINED.value]),
        )
        .group_by(col(Partner.partnership_id))
    )
    for pid, n in active:
        lines[pid].active_partners = int(n)
    # One index probe per active partner ("any entry of this partner here since then?") on the
    # log's (partnership, partner, time) index, rather than reading a month of every log.
    heard_lately = (
        select(LogEntry.id)
        .where(
            col(LogEntry.partnership_id) == col(Partner.partnership_id),
            col(LogEntry.partner_id) == col(Partner.id),
            col(LogEntry.occurred_at) >= now - HEARD_WINDOW,
        )
        .exists()
    )
    heard = await session.exec(
        select(Partner.partnership_id, func.count())
        .where(
            col(Partner.partnership_id).in_(ids),
            col(Partner.status).in_([PartnerStatus.ACTIVE.value, PartnerStatus.JOINED.value]),
            heard_lately,
        )
        .group_by(col(Partner.partnership_id))
    )
    for pid, n in heard:
        lines[pid].heard_partners = int(n)


async def _checkins(session: AsyncSession, lines: dict[int, Line], ids: list[int], now: datetime) -> None:
    """Check-in answers given against answers asked for, in rounds of the last 30 days."""
    rows = await session.exec(
        select(
            CheckinRound.partnership_id,
            func.count(),
            func.sum(case((col(CheckinAnswer.answer) != "none", 1), else_=0)),
        )
        .join(CheckinRound, col(CheckinRound.id) == col(CheckinAnswer.round_id))
        .where(col(CheckinRound.partnership_id).in_(ids), col(CheckinRound.opened_at) >= now - HEARD_WINDOW)
        .group_by(col(CheckinRound.partnership_id))
    )
    for pid, asked, answered in rows:
        lines[pid].asked, lines[pid].answers = int(asked), int(answered or 0)


async def _coordinator(session: AsyncSession, lines: dict[int, Line], ids: list[int], now: datetime) -> None:
    """Days since the coordinator last wrote in the group or recorded a contact."""
    last = await _last_written(session, ids)
    for pid, line in lines.items():
        since = last.get(pid, as_utc(line.partnership.created_at))
        line.idle_days = max(0, (now - since).days)


async def _last_written(session: AsyncSession, ids: list[int]) -> dict[int, datetime]:
    """When each partnership's coordinator last wrote or recorded a contact.

    A max() per partnership, correlated, so each is read backwards from the end of the log's
    (partnership, author, time) index instead of grouping all of the coordinators' entries.
    """
    latest = (
        select(func.max(LogEntry.occurred_at))
        .where(
            col(LogEntry.partnership_id) == col(Partnership.id),
            col(LogEntry.author_user_id) == col(Partnership.coordinator_user_id),
            col(LogEntry.kind).in_([EntryKind.MESSAGE.value, EntryKind.CONTACT.value]),
        )
        .scalar_subquery()
    )
    rows = await session.exec(select(Partnership.id, latest).where(col(Partnership.id).in_(ids)))
    return {pid: as_utc(at) for pid, at in rows if pid is not None and at is not None}


async def _tasks_and_visits(
    session: AsyncSession, lines: dict[int, Line], ids: list[int], today: date
) -> None:
    """Overdue tasks, the last supervisor contact, and how late the next visit is."""
    overdue = await session.exec(
        select(Task.partnership_id, func.count())
        .where(col(Task.partnership_id).in_(ids), col(Task.done_at).is_(None), col(Task.due_on) < today)
        .group_by(col(Task.partnership_id))
    )
    for pid, n in overdue:
        lines[pid].overdue_tasks = int(n)
    visits = await session.exec(
        select(Visit.partnership_id, func.max(Visit.held_on))
        .where(col(Visit.partnership_id).in_(ids))
        .group_by(col(Visit.partnership_id))
    )
    for pid, held in visits:
        lines[pid].last_visit = held
    members = await session.exec(select(ProgrammeMember).where(col(ProgrammeMember.partnership_id).in_(ids)))
    for member in members:
        line = lines[member.partnership_id]
        line.visit_every_days = member.visit_every_days
        if member.visit_every_days:
            since = line.last_visit or as_utc(member.joined_at).date()
            line.visit_overdue_days = max(0, (today - since).days - member.visit_every_days)


async def _training(
    session: AsyncSession, lines: dict[int, Line], ids: list[int], now: datetime, zone: ZoneInfo
) -> None:
    """Each target group's progress against the pro-rata target of the current period.

    Three queries for all the partnerships: their current periods, those periods' targets, and
    the trained counts of their sessions since the earliest of those periods began.
    """
    today = now.astimezone(zone).date()
    periods = {
        p.partnership_id: p
        for p in await session.exec(
            select(PlanPeriod).where(
                col(PlanPeriod.partnership_id).in_(ids),
                col(PlanPeriod.starts_on) <= today,
                col(PlanPeriod.ends_on) >= today,
            )
        )
    }
    if not periods:
        return
    by_period = {stored_id(p): p for p in periods.values()}
    targets = await session.exec(
        select(Target.period_id, TargetGroup, Target.count)
        .join(TargetGroup, col(TargetGroup.id) == col(Target.target_group_id))
        .where(col(Target.period_id).in_(list(by_period)))
        .order_by(col(TargetGroup.id))
    )
    trained = await _trained_in_periods(session, lines, periods)
    for period_id, group, count in targets:
        period = by_period[period_id]
        done = trained.get((period.partnership_id, stored_id(group)), 0)
        lines[period.partnership_id].groups.append(
            (
                group,
                progress(trained=done, target=count, start=period.starts_on, end=period.ends_on, today=today),
            )
        )


async def _trained_in_periods(
    session: AsyncSession, lines: dict[int, Line], periods: dict[int, PlanPeriod]
) -> dict[tuple[int, int], int]:
    """Trained residents per (partnership, target group) in sessions inside each one's period
    (local days, as `plan.trained_between` counts them)."""
    earliest = min(p.starts_on for p in periods.values()) - timedelta(days=1)
    rows = await session.exec(
        select(
            TrainingSession.partnership_id,
            TrainingSession.starts_at,
            TrainedCount.target_group_id,
            TrainedCount.trained,
        )
        .join(TrainingSession, col(TrainingSession.id) == col(TrainedCount.session_id))
        .where(
            col(TrainingSession.partnership_id).in_(list(periods)),
            col(TrainingSession.starts_at)
            >= datetime.combine(earliest, datetime.min.time(), tzinfo=ZoneInfo("UTC")),
        )
    )
    totals: dict[tuple[int, int], int] = {}
    for pid, starts_at, group_id, count in rows:
        period = periods[pid]
        day = as_utc(starts_at).astimezone(ZoneInfo(lines[pid].partnership.timezone)).date()
        if period.starts_on <= day <= period.ends_on:
            totals[(pid, group_id)] = totals.get((pid, group_id), 0) + int(count or 0)
    return totals
