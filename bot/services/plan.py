"""The training plan: target groups, periods and targets, sessions and what they achieved."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import stored_id, utcnow
from bot.models import (
    Partner,
    PlanPeriod,
    RecruitmentSource,
    Resource,
    Target,
    TargetGroup,
    TargetGroupKey,
    TargetRevision,
    TrainedCount,
    TrainingSession,
)
from bot.progress import Progress, progress
from bot.services.registry import RegistryError
from bot.text import fold, visible_text

COUNT_MAX = 100_000
SEATS_MAX = 500
PERIOD_MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class GroupProgress:
    """One target group's progress in the current period and over the whole plan."""

    group: TargetGroup
    period: Progress | None
    total_trained: int
    total_target: int


@dataclass(frozen=True)
class Contribution:
    """What one partner contributed: participants recruited, rooms lent, sessions hosted."""

    partner: Partner
    recruited: int
    rooms_lent: int
    sessions_hosted: int


@dataclass(frozen=True)
class PlanReport:
    """Everything /status and /plan say about the plan."""

    period: PlanPeriod | None
    groups: list[GroupProgress]
    upcoming: list[tuple[TrainingSession, int]]  # session and its free seats
    contributions: list[Contribution]
    trained_total: int
    with_disability_total: int


@dataclass(frozen=True)
class Outcome:
    """What a coordinator reports after a session."""

    registered: int
    trained: dict[int, int]  # target group id -> trained
    with_disability: int
    sources: dict[int | None, int]  # partner id (None: other channels) -> participants


async def target_groups(
    session: AsyncSession, *, partnership_id: int, create: bool = True
) -> list[TargetGroup]:
    """The partnership's target groups; the built-in ones are created on first use unless create=False."""
    existing = list(
        await session.exec(
            select(TargetGroup)
            .where(TargetGroup.partnership_id == partnership_id)
            .order_by(col(TargetGroup.id))
        )
    )
    if not create:
        return existing
    have = {g.key for g in existing}
    missing = [
        TargetGroup(partnership_id=partnership_id, key=k.value) for k in TargetGroupKey if k.value not in have
    ]
    if missing:
        session.add_all(missing)
        await session.flush()
        existing += missing
    return existing


async def add_target_group(session: AsyncSession, *, partnership_id: int, name: str) -> TargetGroup:
    """A target group of the coordinator's own (e.g. 'rolnicy z Rudnik')."""
    clean = visible_text(name)
    if not 2 <= len(clean) <= 120:
        raise RegistryError("name_length")
    key = fold(clean)[:64]
    groups = await target_groups(session, partnership_id=partnership_id)
    if any(g.key == key or fold(g.name) == key for g in groups):
        raise RegistryError("duplicate", existing=clean)
    group = TargetGroup(partnership_id=partnership_id, key=key, name=clean)
    session.add(group)
    await session.flush()
    return group


async def periods(session: AsyncSession, *, partnership_id: int) -> list[PlanPeriod]:
    """The plan's periods in order."""
    return list(
        await session.exec(
            select(PlanPeriod)
            .where(PlanPeriod.partnership_id == partnership_id)
            .order_by(col(PlanPeriod.starts_on))
        )
    )


async def add_period(
    session: AsyncSession, *, partnership_id: int, name: str, starts_on: date, ends_on: date
) -> PlanPeriod:
    """A new period; it must end after it starts, last at most three years, and not overlap another."""
    if ends_on <= starts_on or (ends_on - starts_on).days > PERIOD_MAX_DAYS:
        raise RegistryError("period_dates")
    for other in await periods(session, partnership_id=partnership_id):
        if starts_on <= other.ends_on and other.starts_on <= ends_on:
            raise RegistryError("period_overlap", existing=other.name)
    period = PlanPeriod(
        partnership_id=partnership_id, name=" ".join(name.split())[:80], starts_on=starts_on, ends_on=ends_on
    )
    session.add(period)
    await session.flush()
    return period


def period_on(all_periods: Sequence[PlanPeriod], day: date) -> PlanPeriod | None:
    """The period a day falls in."""
    return next((p for p in all_periods if p.starts_on <= day <= p.ends_on), None)


async def set_target(
    session: AsyncSession,
    *,
    period: PlanPeriod,
    group: TargetGroup,
    count: int,
    by_user_id: int,
    reason: str = "",
) -> Target:
    """Set or revise a target; every change is kept with who made it and why."""
    if not 0 <= count <= COUNT_MAX:
        raise RegistryError("count")
    found = (
        await session.exec(
            select(Target).where(Target.period_id == period.id, Target.target_group_id == group.id)
        )
    ).first()
    old = found.count if found else None
    if found is None:
        found = Target(period_id=stored_id(period), target_group_id=stored_id(group), count=count)
        session.add(found)
    found.count = count
    await session.flush()
    found_id = stored_id(found)
    session.add(
        TargetRevision(
            target_id=found_id,
            old_count=old,
            new_count=count,
            reason=reason,
            changed_by_user_id=by_user_id,
            changed_at=utcnow(),
        )
    )
    await session.flush()
    return found


async def add_session(
    session: AsyncSession,
    *,
    partnership_id: int,
    starts_at: datetime,
    topic: str,
    group: TargetGroup,
    seats: int,
    resource: Resource | None = None,
    trainer: str = "",
    local_day: date,
) -> TrainingSession:
    """Plan a training session inside a plan period, in a partner's room or lab."""
    if not 1 <= seats <= SEATS_MAX:
        raise RegistryError("seats")
    if resource is not None and resource.seats is not None and seats > resource.seats:
        raise RegistryError("more_than_room", seats=resource.seats)
    if period_on(await periods(session, partnership_id=partnership_id), local_day) is None:
        raise RegistryError("no_period")
    topic = " ".join(topic.split())
    if not 2 <= len(topic) <= 120:
        raise RegistryError("name_length")
    group_id = stored_id(group)
    training = TrainingSession(
        partnership_id=partnership_id,
        starts_at=starts_at,
        topic=topic,
        target_group_id=group_id,
        resource_id=resource.id if resource else None,
        trainer=trainer.strip()[:120],
        seats=seats,
    )
    session.add(training)
    await session.flush()
    return training


def check_outcome(outcome: Outcome, *, seats: int) -> None:
    """Refuse absurd counts: negative, more trained than registered or seats, and the like."""
    numbers = [
        outcome.registered,
        outcome.with_disability,
        *outcome.trained.values(),
        *outcome.sources.values(),
    ]
    if any(n < 0 for n in numbers):
        raise RegistryError("negative")
    trained = sum(outcome.trained.values())
    if trained > outcome.registered:
        raise RegistryError("more_than_registered")
    if trained > seats:
        raise RegistryError("more_than_seats", seats=seats)
    if outcome.with_disability > trained:
        raise RegistryError("disability_over")
    if sum(outcome.sources.values()) > outcome.registered:
        raise RegistryError("sources_over")


async def record_outcome(session: AsyncSession, *, training: TrainingSession, outcome: Outcome) -> None:
    """Record (or re-record) how many registered and were trained, and where they heard of it."""
    check_outcome(outcome, seats=training.seats)
    training_id = stored_id(training)
    for old in await session.exec(select(TrainedCount).where(TrainedCount.session_id == training_id)):
        await session.delete(old)
    for old_source in await session.exec(
        select(RecruitmentSource).where(RecruitmentSource.session_id == training_id)
    ):
        await session.delete(old_source)
    await session.flush()
    disabled_left = outcome.with_disability
    for group_id, trained in outcome.trained.items():
        # Disabilities are reported for the session; attribute them to the groups in order.
        share = min(disabled_left, trained)
        disabled_left -= share
        session.add(
            TrainedCount(
                session_id=training_id, target_group_id=group_id, trained=trained, with_disability=share
            )
        )
    for partner_id, count in outcome.sources.items():
        if count:
            session.add(
                RecruitmentSource(
                    session_id=training_id,
                    partner_id=partner_id,
                    channel="" if partner_id else "other",
                    count=count,
                )
            )
    training.registered = outcome.registered
    training.outcome_recorded_at = utcnow()
    await session.flush()


async def sessions_of(session: AsyncSession, *, partnership_id: int) -> list[TrainingSession]:
    """All sessions, oldest first."""
    return list(
        await session.exec(
            select(TrainingSession)
            .where(TrainingSession.partnership_id == partnership_id)
            .order_by(col(TrainingSession.starts_at))
        )
    )


async def trained_between(
    session: AsyncSession, *, partnership_id: int, start: datetime | None = None, end: datetime | None = None
) -> dict[int, int]:
    """Trained residents per target group for sessions in [start, end)."""
    query = (
        select(TrainedCount.target_group_id, func.sum(TrainedCount.trained))
        .join(TrainingSession, col(TrainingSession.id) == col(TrainedCount.session_id))
        .where(TrainingSession.partnership_id == partnership_id)
        .group_by(col(TrainedCount.target_group_id))
    )
    if start is not None:
        query = query.where(col(TrainingSession.starts_at) >= start)
    if end is not None:
        query = query.where(col(TrainingSession.starts_at) < end)
    return {gid: int(n or 0) for gid, n in await session.exec(query)}


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """Local midnight at the start of a day, as an aware datetime."""
    return datetime.combine(day, time(0, 0), tzinfo=zone)


async def report(session: AsyncSession, *, partnership_id: int, now: datetime, zone: ZoneInfo) -> PlanReport:
    """Progress per group (current period and total), upcoming sessions, partners' contributions."""
    today = now.astimezone(zone).date()
    groups = await target_groups(
        session, partnership_id=partnership_id, create=False
    )  # a read writes nothing
    all_periods = await periods(session, partnership_id=partnership_id)
    if not groups and not all_periods and not await _has_sessions(session, partnership_id=partnership_id):
        return PlanReport(None, [], [], [], 0, 0)  # no plan yet: nothing else to read
    current = period_on(all_periods, today)
    targets = list(
        await session.exec(select(Target).join(PlanPeriod).where(PlanPeriod.partnership_id == partnership_id))
    )
    target_of = {(t.period_id, t.target_group_id): t.count for t in targets}
    total_target: dict[int, int] = defaultdict(int)
    for t in targets:
        total_target[t.target_group_id] += t.count
    total = await trained_between(session, partnership_id=partnership_id)
    in_period: dict[int, int] = {}
    if current is not None:
        in_period = await trained_between(
            session,
            partnership_id=partnership_id,
            start=day_start(current.starts_on, zone),
            end=day_start(current.ends_on + timedelta(days=1), zone),
        )
    rows = []
    for g in groups:
        g_id = stored_id(g)
        period_progress = None
        if current is not None and current.id is not None and (current.id, g_id) in target_of:
            period_progress = progress(
                trained=in_period.get(g_id, 0),
                target=target_of[(current.id, g_id)],
                start=current.starts_on,
                end=current.ends_on,
                today=today,
            )
        if period_progress is None and not total.get(g_id) and not total_target.get(g_id):
            continue  # a group the plan does not use
        rows.append(GroupProgress(g, period_progress, total.get(g_id, 0), total_target.get(g_id, 0)))
    upcoming = await _upcoming(session, partnership_id=partnership_id, now=now)
    disabled = (
        await session.exec(
            select(func.coalesce(func.sum(TrainedCount.with_disability), 0))
            .join(TrainingSession, col(TrainingSession.id) == col(TrainedCount.session_id))
            .where(TrainingSession.partnership_id == partnership_id)
        )
    ).one()
    return PlanReport(
        current,
        rows,
        upcoming,
        await contributions(session, partnership_id=partnership_id),
        sum(total.values()),
        int(disabled or 0),
    )


async def _has_sessions(session: AsyncSession, *, partnership_id: int) -> bool:
    """Whether any training session was ever recorded or planned."""
    found = await session.exec(
        select(TrainingSession.id).where(TrainingSession.partnership_id == partnership_id).limit(1)
    )
    return found.first() is not None


async def _upcoming(
    session: AsyncSession, *, partnership_id: int, now: datetime, limit: int = 5
) -> list[tuple[TrainingSession, int]]:
    """The next sessions and their free seats."""
    sessions = list(
        await session.exec(
            select(TrainingSession)
            .where(TrainingSession.partnership_id == partnership_id, col(TrainingSession.starts_at) >= now)
            .order_by(col(TrainingSession.starts_at))
            .limit(limit)
        )
    )
    return [(s, max(0, s.seats - (s.registered or 0))) for s in sessions]


async def contributions(session: AsyncSession, *, partnership_id: int) -> list[Contribution]:
    """Each partner's share: residents recruited, rooms lent, sessions hosted."""
    partners = list(
        await session.exec(
            select(Partner).where(Partner.partnership_id == partnership_id).order_by(col(Partner.name_key))
        )
    )
    recruited_rows = await session.exec(
        select(RecruitmentSource.partner_id, func.sum(RecruitmentSource.count))
        .join(TrainingSession, col(TrainingSession.id) == col(RecruitmentSource.session_id))
        .where(
            TrainingSession.partnership_id == partnership_id, col(RecruitmentSource.partner_id).is_not(None)
        )
        .group_by(col(RecruitmentSource.partner_id))
    )
    recruited = {pid: n for pid, n in recruited_rows}
    hosted_rows = await session.exec(
        select(
            Resource.partner_id, func.count(col(TrainingSession.id)), func.count(func.distinct(Resource.id))
        )
        .join(TrainingSession, col(TrainingSession.resource_id) == col(Resource.id))
        .where(TrainingSession.partnership_id == partnership_id)
        .group_by(col(Resource.partner_id))
    )
    hosted = {pid: (int(n), int(rooms)) for pid, n, rooms in hosted_rows}
    result = []
    for p in partners:
        r = int(recruited.get(p.id, 0) or 0)
        n, rooms = hosted.get(stored_id(p), (0, 0))
        if r or n:
            result.append(Contribution(p, r, rooms, n))
    return sorted(result, key=lambda c: (-c.recruited, -c.sessions_hosted, c.partner.name_key))


async def trained_series(
    session: AsyncSession, *, partnership_id: int, zone: ZoneInfo
) -> dict[int, list[tuple[date, int]]]:
    """Per target group: cumulative trained residents by local date of the session."""
    rows = await session.exec(
        select(TrainingSession.starts_at, TrainedCount.target_group_id, TrainedCount.trained)
        .join(TrainedCount, col(TrainedCount.session_id) == col(TrainingSession.id))
        .where(TrainingSession.partnership_id == partnership_id)
        .order_by(col(TrainingSession.starts_at))
    )
    series: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for starts_at, group_id, trained in rows:
        points = series[group_id]
        day = starts_at.astimezone(zone).date()
        total = (points[-1][1] if points else 0) + trained
        if points and points[-1][0] == day:
            points[-1] = (day, total)
        else:
            points.append((day, total))
    return dict(series)


async def cumulative_targets(
    session: AsyncSession, *, partnership_id: int
) -> dict[int, list[tuple[date, date, int]]]:
    """Per target group: each period's start and end with the cumulative target at its end."""
    rows = await session.exec(
        select(
            col(PlanPeriod.starts_on), col(PlanPeriod.ends_on), col(Target.target_group_id), col(Target.count)
        )
        .join(Target, col(Target.period_id) == col(PlanPeriod.id))
        .where(PlanPeriod.partnership_id == partnership_id)
        .order_by(col(PlanPeriod.starts_on))
    )
    result: dict[int, list[tuple[date, date, int]]] = defaultdict(list)
    for start, end, group_id, count in rows:
        earlier = result[group_id][-1][2] if result[group_id] else 0
        result[group_id].append((start, end, earlier + count))
    return dict(result)
