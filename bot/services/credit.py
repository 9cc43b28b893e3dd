"""Credit for every partner: what each organisation contributed in a period, for the card and certificates."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import as_utc
from bot.models import (
    DeliveryKind,
    Partner,
    Partnership,
    PartnerStatus,
    PlanPeriod,
    RecruitmentSource,
    Resource,
    ResourceKind,
    Target,
    TargetGroup,
    TrainedCount,
    TrainingSession,
)
from bot.services import charting, partners, plan, scheduling
from bot.text import fold
from bot.timing import SendingRules

MEMBER_STATUSES = (PartnerStatus.JOINED, PartnerStatus.ACTIVE)
CARD_WITHIN = timedelta(days=14)  # a period that ended longer ago than this gets no card (a late start)


@dataclass(frozen=True)
class PartnerCredit:
    """One partner's contribution in the period (zeros are shown too: every partner is named)."""

    partner: Partner
    recruited: int  # participants who heard of a session through this partner
    rooms_lent: int  # the partner's rooms and labs that sessions used
    sessions_hosted: int  # sessions held in the partner's rooms
    trainers: int  # trainers the partner declared
    is_leader: bool = False

    @property
    def contributed(self) -> bool:
        """Whether anything is counted for this partner."""
        return bool(self.recruited or self.rooms_lent or self.sessions_hosted or self.trainers)


@dataclass(frozen=True)
class Credit:
    """The partnership's results in a period and every active partner's share of them."""

    partnership: Partnership
    period: PlanPeriod | None
    start: date | None
    end: date | None
    residents_trained: int
    sessions: int
    partners: list[PartnerCredit]
    leader: str


async def members(session: AsyncSession, *, partnership_id: int) -> list[Partner]:
    """The partners who are in the partnership now (joined or active), by name."""
    statuses = [s.value for s in MEMBER_STATUSES]
    return list(
        await session.exec(
            select(Partner)
            .where(Partner.partnership_id == partnership_id, col(Partner.status).in_(statuses))
            .order_by(col(Partner.name_key))
        )
    )


async def _sessions_held(
    session: AsyncSession, *, partnership: Partnership, period: PlanPeriod | None, now: datetime
) -> list[TrainingSession]:
    """The sessions held so far, within the period if there is one."""
    zone = ZoneInfo(partnership.timezone)
    rows = await session.exec(select(TrainingSession).where(TrainingSession.partnership_id == partnership.id))
    held = []
    for s in rows:
        day = as_utc(s.starts_at).astimezone(zone).date()
        if as_utc(s.starts_at) > now:
            continue
        if period is None or period.starts_on <= day <= period.ends_on:
            held.append(s)
    return held


async def credit(
    session: AsyncSession, *, partnership: Partnership, now: datetime, wanted: str = "", whole: bool = False
) -> Credit | None:
    """The period's credit (the one named, else the current or latest); None if no such period.

    `whole`: the partnership's whole life, not one period (for the closing document).
    """
    assert partnership.id is not None
    today = now.astimezone(ZoneInfo(partnership.timezone)).date()
    periods = await plan.periods(session, partnership_id=partnership.id)
    period = None if whole else charting.choose_period(periods, today, wanted)
    if wanted.strip() and period is None:
        return None
    held = await _sessions_held(session, partnership=partnership, period=period, now=now)
    ids = [s.id for s in held]
    trained = sum(
        n
        for n in await session.exec(select(TrainedCount.trained).where(col(TrainedCount.session_id).in_(ids)))
    )
    recruited: dict[int, int] = defaultdict(int)
    for pid, n in await session.exec(
        select(RecruitmentSource.partner_id, RecruitmentSource.count).where(
            col(RecruitmentSource.session_id).in_(ids)
        )
    ):
        if pid is not None:
            recruited[pid] += n
    owners = {
        r.id: r
        for r in await session.exec(
            select(Resource).where(col(Resource.id).in_([s.resource_id for s in held if s.resource_id]))
        )
    }
    hosted: dict[int, int] = defaultdict(int)
    rooms: dict[int, set[int]] = defaultdict(set)
    for s in held:
        room = owners.get(s.resource_id or 0)
        if room is not None and room.id is not None:
            hosted[room.partner_id] += 1
            rooms[room.partner_id].add(room.id)
    people = await _trainers(session, partnership_id=partnership.id)
    shares = [
        PartnerCredit(
            p,
            recruited[p.id or 0],
            len(rooms[p.id or 0]),
            hosted[p.id or 0],
            people[p.id or 0],
            is_leader=p.id == partnership.leader_partner_id,
        )
        for p in await members(session, partnership_id=partnership.id)
    ]
    leader = next((c.partner.name for c in shares if c.is_leader), "")
    if not leader and partnership.leader_partner_id:
        found = await session.get(Partner, partnership.leader_partner_id)
        leader = found.name if found else ""
    start = period.starts_on if period else None
    end = period.ends_on if period else None
    return Credit(partnership, period, start, end, int(trained), len(held), shares, leader)


async def _trainers(session: AsyncSession, *, partnership_id: int) -> dict[int, int]:
    """Trainers each partner declared (resources of the kind 'trainer')."""
    rows = await session.exec(
        select(Resource.partner_id)
        .join(Partner, col(Partner.id) == col(Resource.partner_id))
        .where(Partner.partnership_id == partnership_id, Resource.kind == ResourceKind.TRAINER.value)
    )
    counted: dict[int, int] = defaultdict(int)
    for pid in rows:
        counted[pid] += 1
    return counted


def find_member(credit_: Credit, name: str) -> PartnerCredit | None:
    """A partner of the credit by name (case and diacritics ignored)."""
    key = fold(name)
    return next((c for c in credit_.partners if fold(c.partner.name) == key), None)


async def people_of(session: AsyncSession, *, partner_id: int) -> list[tuple[int, str]]:
    """A partner's representatives: (user id, name)."""
    return await partners.representatives_of(session, partner_id=partner_id)


@dataclass(frozen=True)
class Result:
    """A target group's target and result in one plan period."""

    period: PlanPeriod
    group: TargetGroup
    target: int | None
    trained: int


async def results(session: AsyncSession, *, partnership: Partnership) -> list[Result]:
    """Targets against results per plan period and target group (groups with neither are left out)."""
    assert partnership.id is not None
    zone = ZoneInfo(partnership.timezone)
    periods = await plan.periods(session, partnership_id=partnership.id)
    groups = await plan.target_groups(session, partnership_id=partnership.id, create=False)
    targets = {
        (pid, gid): n
        for pid, gid, n in await session.exec(
            select(Target.period_id, Target.target_group_id, Target.count).where(
                col(Target.period_id).in_([p.id for p in periods])
            )
        )
    }
    trained: dict[tuple[int, int], int] = defaultdict(int)
    for starts_at, gid, n in await session.exec(
        select(TrainingSession.starts_at, TrainedCount.target_group_id, TrainedCount.trained)
        .join(TrainedCount, col(TrainedCount.session_id) == col(TrainingSession.id))
        .where(TrainingSession.partnership_id == partnership.id)
    ):
        period = plan.period_on(periods, as_utc(starts_at).astimezone(zone).date())
        if period is not None and period.id is not None:
            trained[(period.id, gid)] += n
    return [
        Result(p, g, targets.get((p.id or 0, g.id or 0)), trained[(p.id or 0, g.id or 0)])
        for p in periods
        for g in groups
        if (p.id or 0, g.id or 0) in targets or trained[(p.id or 0, g.id or 0)]
    ]


async def queue_period_cards(
    session: AsyncSession, *, partnership: Partnership, now: datetime, rules: SendingRules
) -> int:
    """Queue the card of each period that has just ended (once per period); how many are new."""
    assert partnership.id is not None
    zone = ZoneInfo(partnership.timezone)
    today = now.astimezone(zone).date()
    ended = [
        p
        for p in await plan.periods(session, partnership_id=partnership.id)
        if p.ends_on < today <= p.ends_on + CARD_WITHIN
    ]
    return await scheduling.enqueue(
        session,
        [
            scheduling.delivery_row(
                partnership_id=partnership.id,
                kind=DeliveryKind.PERIOD_CARD,
                due_at=rules.next_allowed(now, zone),
                key=f"card:{p.id}",
                ref_id=p.id,
            )
            for p in ended
        ],
    )


async def period_credit(session: AsyncSession, *, period_id: int | None, now: datetime) -> Credit | None:
    """The credit of one plan period, by its id; None if it is gone."""
    period = await session.get(PlanPeriod, period_id or 0)
    partnership = await session.get(Partnership, period.partnership_id) if period else None
    if period is None or partnership is None:
        return None
    return await credit(session, partnership=partnership, now=now, wanted=period.name)
