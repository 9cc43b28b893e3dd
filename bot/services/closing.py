"""The closing stage: a recommendations round among the partners, then close or continue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import stored_id
from bot.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Partner,
    Partnership,
    PlanPeriod,
    RecommendationAnswer,
    RecommendationRound,
    Representative,
    Stage,
)
from bot.services import credit, plan, scheduling
from bot.text import without_controls
from bot.timing import SendingRules

QUESTIONS = (1, 2, 3)  # which groups still need support, which methods worked, what next
REMIND_AFTER = timedelta(days=3)
ANSWER_WINDOW = timedelta(days=7)
ANSWER_MAX = 2000
ROUND_KINDS = (DeliveryKind.RECOMMEND_ASK, DeliveryKind.RECOMMEND_REMINDER, DeliveryKind.RECOMMEND_CLOSE)


class ClosingError(Exception):
    """A closing step that cannot be done now; `code` names why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Given:
    """One answer as the summary and the document show it."""

    question: int
    partner: str
    text: str


@dataclass
class RoundSummary:
    """The answers collected, grouped by question, and who has not answered."""

    round_: RecommendationRound
    partnership: Partnership
    answers: list[Given] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)

    def under(self, question: int) -> list[Given]:
        """The answers to one question, by partner name."""
        return [a for a in self.answers if a.question == question]


async def open_round(session: AsyncSession, *, partnership_id: int) -> RecommendationRound | None:
    """The partnership's round not yet decided, if any."""
    found = await session.exec(
        select(RecommendationRound)
        .where(RecommendationRound.partnership_id == partnership_id, RecommendationRound.decision == "")
        .order_by(col(RecommendationRound.id).desc())
    )
    return found.first()


async def start(
    session: AsyncSession, *, partnership: Partnership, by_user_id: int, now: datetime, rules: SendingRules
) -> tuple[RecommendationRound, bool]:
    """Move to the closing stage and open the round (queued: asking, a reminder, the summary).

    Returns the round and whether it is new (a second /closing shows the open one).
    """
    partnership_id = stored_id(partnership)
    existing = await open_round(session, partnership_id=partnership_id)
    if existing is not None:
        return existing, False
    zone = ZoneInfo(partnership.timezone)
    partnership.stage = Stage.CLOSING
    round_ = RecommendationRound(
        partnership_id=partnership_id,
        opened_at=now,
        closes_at=rules.next_allowed(now + ANSWER_WINDOW, zone),
        opened_by_user_id=by_user_id,
    )
    session.add(round_)
    await session.flush()
    round_id = stored_id(round_)
    times = {
        DeliveryKind.RECOMMEND_ASK: rules.next_allowed(now, zone),
        DeliveryKind.RECOMMEND_REMINDER: rules.next_allowed(now + REMIND_AFTER, zone),
        DeliveryKind.RECOMMEND_CLOSE: round_.closes_at,
    }
    await scheduling.enqueue(
        session,
        [
            scheduling.delivery_row(
                partnership_id=partnership_id,
                kind=kind,
                due_at=due,
                key=f"rec:{round_id}:{kind}",
                ref_id=round_id,
            )
            for kind, due in times.items()
        ],
    )
    return round_, True


async def asked(
    session: AsyncSession, *, round_id: int | None
) -> list[tuple[Partner, list[tuple[int, str]]]]:
    """Every member partner of the round's partnership with its representatives."""
    round_ = await session.get(RecommendationRound, round_id or 0)
    if round_ is None:
        return []
    return [
        (p, await credit.people_of(session, partner_id=stored_id(p)))
        for p in await credit.members(session, partnership_id=round_.partnership_id)
    ]


async def waiting(
    session: AsyncSession, *, round_id: int | None
) -> list[tuple[Partner, list[tuple[int, str]]]]:
    """The partners (with their representatives) that have not answered a single question yet."""
    done = set(
        await session.exec(
            select(RecommendationAnswer.partner_id).where(RecommendationAnswer.round_id == (round_id or 0))
        )
    )
    return [(p, people) for p, people in await asked(session, round_id=round_id) if p.id not in done]


async def answer(
    session: AsyncSession, *, user_id: int, name: str, question: int, text: str, now: datetime
) -> tuple[Partner, Partnership]:
    """Store a representative's answer for their partner (the latest counts); raises ClosingError."""
    if question not in QUESTIONS:
        raise ClosingError("question")
    text = without_controls(text).strip()[:ANSWER_MAX]
    if not text:
        raise ClosingError("empty")
    rows = await session.exec(
        select(Partner, RecommendationRound)
        .join(Representative, col(Representative.partner_id) == col(Partner.id))
        .join(RecommendationRound, col(RecommendationRound.partnership_id) == col(Partner.partnership_id))
        .where(Representative.user_id == user_id, RecommendationRound.decision == "")
        .order_by(col(RecommendationRound.id).desc())
    )
    found = rows.first()
    if found is None:
        raise ClosingError("no_round")
    partner, round_ = found
    existing = (
        await session.exec(
            select(RecommendationAnswer).where(
                RecommendationAnswer.round_id == round_.id,
                RecommendationAnswer.partner_id == partner.id,
                RecommendationAnswer.question == question,
            )
        )
    ).first()
    row = existing or RecommendationAnswer(
        round_id=stored_id(round_),
        partner_id=stored_id(partner),
        question=question,
        text=text,
        user_id=user_id,
        answered_at=now,
    )
    row.text, row.user_id, row.name, row.answered_at = text, user_id, name[:200], now
    session.add(row)
    await session.flush()
    partnership = await session.get(Partnership, partner.partnership_id)
    assert partnership is not None
    return partner, partnership


async def summary(session: AsyncSession, *, partnership_id: int) -> RoundSummary | None:
    """The latest round's answers by question and partner, and the partners still silent."""
    found = await session.exec(
        select(RecommendationRound)
        .where(RecommendationRound.partnership_id == partnership_id)
        .order_by(col(RecommendationRound.id).desc())
    )
    round_ = found.first()
    partnership = await session.get(Partnership, partnership_id)
    if round_ is None or partnership is None:
        return None
    names = {p.id: p.name for p, _people in await asked(session, round_id=round_.id)}
    rows = await session.exec(
        select(RecommendationAnswer, Partner)
        .join(Partner, col(Partner.id) == col(RecommendationAnswer.partner_id))
        .where(RecommendationAnswer.round_id == round_.id)
        .order_by(col(RecommendationAnswer.question), col(Partner.name_key))
    )
    result = RoundSummary(round_, partnership)
    for given, partner in rows:
        result.answers.append(Given(given.question, partner.name, given.text))
        names.setdefault(partner.id, partner.name)
    spoke = {a.partner for a in result.answers}
    result.answered = sorted(spoke, key=str.casefold)
    result.silent = sorted((n for n in names.values() if n not in spoke), key=str.casefold)
    return result


async def set_conclusions(session: AsyncSession, *, partnership_id: int, text: str, append: bool) -> str:
    """Replace (or add to) the coordinator's conclusions of the latest round; returns them."""
    result = await summary(session, partnership_id=partnership_id)
    if result is None:
        raise ClosingError("no_round")
    cleaned = without_controls(text).strip()[:4000]
    round_ = result.round_
    round_.conclusions = f"{round_.conclusions}\n{cleaned}".strip() if append else cleaned
    session.add(round_)
    await session.flush()
    return round_.conclusions


async def decide(
    session: AsyncSession, *, partnership: Partnership, close: bool, reasons: str, now: datetime
) -> PlanPeriod | None:
    """Record the decision; close (schedules stopped) or continue (a new period). The new period, if any."""
    partnership_id = stored_id(partnership)
    round_ = await open_round(session, partnership_id=partnership_id)
    if round_ is None:
        raise ClosingError("no_round")
    round_.decision = "close" if close else "continue"
    round_.decided_at, round_.closed_at = now, round_.closed_at or now
    round_.reasons = without_controls(reasons).strip()[:2000]
    session.add(round_)
    await _cancel_round_deliveries(session, round_id=stored_id(round_))
    if close:
        # The retention clock starts when the daily job sees the stage closed (issue 14).
        partnership.stage = Stage.CLOSED
        await scheduling.pause_partnership(session, partnership_id=partnership_id, reason="closed")
        await session.flush()
        return None
    partnership.stage = Stage.OPERATING
    today = now.astimezone(ZoneInfo(partnership.timezone)).date()
    return await _next_period(session, partnership_id=partnership_id, today=today)


async def _cancel_round_deliveries(session: AsyncSession, *, round_id: int) -> None:
    """A decided round sends no more reminders or summaries."""
    await (await session.connection()).execute(
        update(Delivery)
        .where(
            col(Delivery.ref_id) == round_id,
            col(Delivery.kind).in_([k.value for k in ROUND_KINDS]),
            col(Delivery.status) == DeliveryStatus.PENDING.value,
        )
        .values(status=DeliveryStatus.CANCELLED.value, last_error="decided")
    )


async def _next_period(session: AsyncSession, *, partnership_id: int, today: date) -> PlanPeriod:
    """A new plan period after the last one (as long as it was, a year if there was none)."""
    periods = await plan.periods(session, partnership_id=partnership_id)
    last = periods[-1] if periods else None
    starts = max(today, last.ends_on + timedelta(days=1)) if last else today
    length = (last.ends_on - last.starts_on) if last else timedelta(days=364)
    ends = starts + length
    period = PlanPeriod(
        partnership_id=partnership_id,
        name=f"{starts.year}–{ends.year}"[:80] if ends.year != starts.year else str(starts.year),
        starts_on=starts,
        ends_on=ends,
    )
    taken = {p.name for p in periods}
    if period.name in taken:
        period.name = f"{period.name} ({len(periods) + 1})"
    session.add(period)
    await session.flush()
    return period
