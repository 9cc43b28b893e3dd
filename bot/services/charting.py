"""What /chart draws: the chosen plan period and, per target group, its target and the residents
trained on each day of a session in that period."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import PlanPeriod, Target, TargetGroup, TrainedCount, TrainingSession
from bot.services import plan
from bot.text import fold


@dataclass(frozen=True)
class GroupSeries:
    """One target group in the chosen range."""

    group: TargetGroup
    target: int | None
    trained: list[tuple[date, int]]  # per local day of a session, not cumulative


@dataclass(frozen=True)
class ChartSource:
    """The range to draw (a period, or all sessions when there is no plan) and its groups."""

    period: PlanPeriod | None
    start: date
    end: date
    groups: list[GroupSeries]
    periods: list[PlanPeriod]


def choose_period(periods: list[PlanPeriod], today: date, wanted: str = "") -> PlanPeriod | None:
    """The period asked for by name, else the current one, else the latest begun, else the first."""
    if wanted.strip():
        key = fold(wanted)
        return next((p for p in periods if fold(p.name) == key), None)
    current = plan.period_on(periods, today)
    if current is not None:
        return current
    begun = [p for p in periods if p.starts_on <= today]
    return begun[-1] if begun else (periods[0] if periods else None)


async def chart_source(
    session: AsyncSession, *, partnership_id: int, zone: ZoneInfo, today: date, wanted: str = ""
) -> ChartSource | None:
    """The data for /chart; None when a period was asked for by a name that does not exist."""
    periods = await plan.periods(session, partnership_id=partnership_id)
    period = choose_period(periods, today, wanted)
    if wanted.strip() and period is None:
        return None
    groups = await plan.target_groups(session, partnership_id=partnership_id, create=False)
    targets: dict[int, int] = {}
    if period is not None:
        targets = {
            gid: count
            for gid, count in await session.exec(
                select(col(Target.target_group_id), col(Target.count)).where(Target.period_id == period.id)
            )
        }
    rows = await session.exec(
        select(TrainingSession.starts_at, TrainedCount.target_group_id, TrainedCount.trained)
        .join(TrainedCount, col(TrainedCount.session_id) == col(TrainingSession.id))
        .where(TrainingSession.partnership_id == partnership_id)
        .order_by(col(TrainingSession.starts_at))
    )
    per_group: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for starts_at, group_id, trained in rows:
        day = starts_at.astimezone(zone).date()
        if period is None or period.starts_on <= day <= period.ends_on:
            per_group[group_id][day] += trained
    if period is not None:
        start, end = period.starts_on, period.ends_on
    else:
        days = [d for by_day in per_group.values() for d in by_day]
        start = min(days, default=today)
        end = max(max(days, default=today), today, start + timedelta(days=1))
    series = [
        GroupSeries(g, targets.get(g.id or 0), sorted(per_group.get(g.id or 0, {}).items()))
        for g in groups
        if (g.id or 0) in targets or (g.id or 0) in per_group
    ]
    return ChartSource(period, start, end, series, periods)
