"""Recruitment nudges: when a target group lags its pro-rata target, the partners who reach
that group are asked to push promotion, at most once per group per interval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    PROMOTION_CHANNELS,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Partner,
    Partnership,
    PartnerStatus,
    Resource,
    TargetGroup,
    TargetGroupKey,
    TrainingSession,
)
from bot.progress import Pace
from bot.services import plan, practices, registry
from bot.services.plan import GroupProgress
from bot.services.scheduling import delivery_row, enqueue
from bot.text import fold
from bot.timing import SendingRules

THRESHOLD = 0.15  # behind by more than 15% of what should have been trained by now
INTERVAL_DAYS = 7
INTERVAL = timedelta(days=INTERVAL_DAYS)  # at most one nudge per group in any 7 days
CHECK_AT = time(10, 0)


@dataclass(frozen=True)
class Nudge:
    """What one nudge says: the group, how far behind, where there are seats, who can help."""

    group: TargetGroup
    progress: GroupProgress
    sessions: list[tuple[TrainingSession, int]]
    partners: list[tuple[Partner, list[Resource]]]
    people: dict[int | None, list[tuple[int, str]]]  # partner id -> its representatives (id, name)
    practices: tuple[practices.Found, ...] = ()  # the programme's practices tagged with the group


def lagging(groups: list[GroupProgress], *, threshold: float = THRESHOLD) -> list[GroupProgress]:
    """Groups behind their pro-rata target by more than the threshold."""
    out = []
    for g in groups:
        p = g.period
        if p is None or p.pace is not Pace.BEHIND or p.expected_now <= 0:
            continue
        if p.expected_now - p.trained > threshold * p.expected_now:
            out.append(g)
    return out


# What partners write for each built-in target group, in English and Polish. A partner's own
# words are matched against these stable words (and a custom group's name), never against the
# translation catalog, so editing a translation cannot change who is asked to help.
GROUP_WORDS: dict[str, tuple[str, ...]] = {
    TargetGroupKey.SENIORS: ("seniors", "seniorzy"),
    TargetGroupKey.UNEMPLOYED: ("unemployed", "bezrobotni"),
    TargetGroupKey.PARENTS: ("parents using the school e-register", "rodzice korzystający z e-dziennika"),
    TargetGroupKey.DISABLED: ("people with disabilities", "osoby z niepełnosprawnościami"),
    TargetGroupKey.FARMERS: ("farmers", "rolnicy"),
    TargetGroupKey.YOUTH: ("young people", "młodzież"),
    TargetGroupKey.OTHER: ("other residents", "inni mieszkańcy"),
}


def reaches(partner: Partner, group: TargetGroup) -> bool:
    """Whether a partner said it reaches a target group (by its key, its name or its words)."""
    said = fold(partner.target_groups)
    if not said:
        return False
    names = [group.key, group.name, *GROUP_WORDS.get(group.key, ())]
    return any(fold(n) and fold(n) in said for n in names)


async def compose(
    session: AsyncSession,
    *,
    partnership: Partnership,
    group_progress: GroupProgress,
    now: datetime,
) -> Nudge:
    """Collect what a nudge for one group tells the partners."""
    assert partnership.id is not None
    group = group_progress.group
    partners = list(
        await session.exec(
            select(Partner)
            .where(
                Partner.partnership_id == partnership.id,
                col(Partner.status).in_([PartnerStatus.JOINED.value, PartnerStatus.ACTIVE.value]),
            )
            .order_by(col(Partner.name_key))
        )
    )
    chosen = [p for p in partners if reaches(p, group)] or partners
    channels = list(
        await session.exec(
            select(Resource).where(
                col(Resource.partner_id).in_([p.id for p in chosen]),
                col(Resource.kind).in_([k.value for k in PROMOTION_CHANNELS]),
            )
        )
    )
    by_partner = [(p, [r for r in channels if r.partner_id == p.id]) for p in chosen]
    upcoming = list(
        await session.exec(
            select(TrainingSession)
            .where(
                TrainingSession.partnership_id == partnership.id,
                TrainingSession.target_group_id == group.id,
                col(TrainingSession.starts_at) >= now,
            )
            .order_by(col(TrainingSession.starts_at))
            .limit(3)
        )
    )
    seats = [(s, max(0, s.seats - (s.registered or 0))) for s in upcoming]
    people = {p.id: await registry.representatives_of(session, partner_id=p.id or 0) for p in chosen}
    shared = await practices.for_group(
        session, partnership_id=partnership.id, group_key=group.key, group_name=group.name
    )
    free = [(s, n) for s, n in seats if n > 0]
    return Nudge(group, group_progress, free, by_partner, people, tuple(shared))


async def prepare(
    session: AsyncSession, *, partnership: Partnership, now: datetime, group_id: int | None = None
) -> list[Nudge]:
    """The nudges due now (for every lagging group, or one), with fresh numbers."""
    assert partnership.id is not None
    report = await plan.report(
        session, partnership_id=partnership.id, now=now, zone=ZoneInfo(partnership.timezone)
    )
    result = []
    for found in lagging(report.groups):
        if group_id is not None and found.group.id != group_id:
            continue
        result.append(await compose(session, partnership=partnership, group_progress=found, now=now))
    return result


async def due_nudges(
    session: AsyncSession, *, partnership: Partnership, now: datetime, manual: bool = False
) -> list[int]:
    """Queue a nudge for each lagging group not nudged in the last 7 days (rolling, not a
    calendar week); returns the groups queued."""
    assert partnership.id is not None
    zone = ZoneInfo(partnership.timezone)
    report = await plan.report(session, partnership_id=partnership.id, now=now, zone=zone)
    today = now.astimezone(zone).date()
    queued = []
    for g in lagging(report.groups):
        assert g.group.id is not None
        if await nudged_since(
            session, partnership_id=partnership.id, group_id=g.group.id, since=now - INTERVAL
        ):
            continue
        row = delivery_row(
            partnership_id=partnership.id,
            kind=DeliveryKind.NUDGE,
            due_at=now,
            # One a day at most even when two processes check at once: the key is unique.
            key=f"n:{partnership.id}:{g.group.id}:{today.isoformat()}",
            payload={"group_id": g.group.id, "manual": manual},
        )
        if await enqueue(session, [row]):
            queued.append(g.group.id)
    return queued


async def nudged_since(session: AsyncSession, *, partnership_id: int, group_id: int, since: datetime) -> bool:
    """Whether a nudge for the group was sent or is on its way after `since`."""
    found = await session.exec(
        select(Delivery.id)
        .where(
            Delivery.partnership_id == partnership_id,
            Delivery.kind == DeliveryKind.NUDGE.value,
            col(Delivery.dedupe_key).startswith(f"n:{partnership_id}:{group_id}:"),
            col(Delivery.due_at) > since,
            col(Delivery.status).in_(
                [DeliveryStatus.PENDING.value, DeliveryStatus.CLAIMED.value, DeliveryStatus.SENT.value]
            ),
        )
        .limit(1)
    )
    return found.first() is not None


async def queue_next_check(
    session: AsyncSession, *, partnership: Partnership, after: datetime, rules: SendingRules
) -> None:
    """Check again the next working day at 10:00 (one check per day per partnership)."""
    assert partnership.id is not None
    zone = ZoneInfo(partnership.timezone)
    day = after.astimezone(zone).date() + timedelta(days=1)
    at = rules.next_allowed(datetime.combine(day, CHECK_AT, tzinfo=zone), zone)
    await enqueue(
        session,
        [
            delivery_row(
                partnership_id=partnership.id,
                kind=DeliveryKind.NUDGE_CHECK,
                due_at=at,
                key=f"nc:{partnership.id}:{at.astimezone(zone).date().isoformat()}",
            )
        ],
    )


async def daily_check(
    session: AsyncSession, *, partnership: Partnership, now: datetime, rules: SendingRules
) -> None:
    """Queue nudges for lagging groups, then the next day's check while a plan period runs."""
    assert partnership.id is not None
    await due_nudges(session, partnership=partnership, now=now)
    periods = await plan.periods(session, partnership_id=partnership.id)
    today = now.astimezone(ZoneInfo(partnership.timezone)).date()
    if any(p.ends_on >= today for p in periods):
        await queue_next_check(session, partnership=partnership, after=now, rules=rules)
