"""Check-in rounds: a question to the partners, answers collected, non-responders reminded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    CheckinAnswer,
    CheckinRound,
    DeliveryKind,
    EntryKind,
    LogEntry,
    Partner,
    Partnership,
    PartnerStatus,
    ReminderPause,
    Representative,
    Schedule,
)
from bot.services.people import PersonInfo
from bot.services.registry import RegistryError
from bot.services.scheduling import delivery_row, enqueue
from bot.timing import SendingRules

ANSWERS = ("done", "progress", "help")
NO_ANSWER = "none"


@dataclass(frozen=True)
class Member:
    """A representative expected to answer."""

    user_id: int
    name: str
    partner_id: int


@dataclass(frozen=True)
class RoundSummary:
    """Who answered what, and who did not."""

    round: CheckinRound
    answers: list[CheckinAnswer]
    silent: list[CheckinAnswer]


async def open_round(
    session: AsyncSession,
    *,
    partnership: Partnership,
    question: str,
    now: datetime,
    rules: SendingRules,
    schedule: Schedule | None = None,
    window_hours: int = 48,
    reminder_after_hours: int = 24,
) -> CheckinRound:
    """Start a round and queue its reminder and its closing.

    The window counts working time only, so a round opened on Friday is reminded and closed on
    the following working days, in that order, never on a weekend or a holiday.
    """
    assert partnership.id is not None
    if schedule is not None:
        window_hours, reminder_after_hours = schedule.window_hours, schedule.reminder_after_hours
    zone = ZoneInfo(partnership.timezone)
    closes, remind_at = round_times(
        now, zone=zone, rules=rules, window_hours=window_hours, reminder_after_hours=reminder_after_hours
    )
    round_ = CheckinRound(
        partnership_id=partnership.id,
        schedule_id=schedule.id if schedule else None,
        question=question,
        opened_at=now,
        closes_at=closes,
    )
    session.add(round_)
    await session.flush()
    rows = [
        delivery_row(
            partnership_id=partnership.id,
            kind=DeliveryKind.CHECKIN_CLOSE,
            due_at=closes,
            key=f"c:{round_.id}",
            ref_id=round_.id,
        )
    ]
    if remind_at is not None:
        rows.append(
            delivery_row(
                partnership_id=partnership.id,
                kind=DeliveryKind.CHECKIN_REMINDER,
                due_at=remind_at,
                key=f"r:{round_.id}",
                ref_id=round_.id,
            )
        )
    await enqueue(session, rows)
    return round_


def round_times(
    opened: datetime,
    *,
    zone: ZoneInfo,
    rules: SendingRules,
    window_hours: int,
    reminder_after_hours: int,
) -> tuple[datetime, datetime | None]:
    """When a round closes and when its reminder goes (None: no room for one before the close).

    Both count working time from the opening and then move out of quiet hours; the reminder is
    kept only if it comes before the close.
    """
    closes = rules.next_allowed(rules.add_working_time(opened, timedelta(hours=window_hours), zone), zone)
    remind = rules.next_allowed(
        rules.add_working_time(opened, timedelta(hours=reminder_after_hours), zone), zone
    )
    return closes, (remind if opened < remind < closes else None)


async def expected(session: AsyncSession, *, partnership_id: int) -> list[Member]:
    """Representatives of joined and active partners: the people a round asks."""
    rows = await session.exec(
        select(Representative.user_id, Representative.name, Partner.id)
        .join(Partner, col(Partner.id) == col(Representative.partner_id))
        .where(
            Partner.partnership_id == partnership_id,
            col(Partner.status).in_([PartnerStatus.JOINED.value, PartnerStatus.ACTIVE.value]),
        )
        .order_by(col(Representative.id))
    )
    seen: dict[int, Member] = {}
    for user_id, name, partner_id in rows:
        if partner_id is not None:
            seen.setdefault(user_id, Member(user_id, name, partner_id))
    return list(seen.values())


async def answers_of(session: AsyncSession, *, round_id: int) -> list[CheckinAnswer]:
    """A round's answers (including explicit non-answers)."""
    return list(
        await session.exec(
            select(CheckinAnswer).where(CheckinAnswer.round_id == round_id).order_by(col(CheckinAnswer.id))
        )
    )


async def waiting_for(session: AsyncSession, *, round_: CheckinRound, today: date) -> list[Member]:
    """Who has not answered yet, leaving out people whose reminders are paused."""
    answered = {
        a.user_id for a in await answers_of(session, round_id=round_.id or 0) if a.answer != NO_ANSWER
    }
    paused = set(await session.exec(select(ReminderPause.user_id).where(col(ReminderPause.until) >= today)))
    return [
        m
        for m in await expected(session, partnership_id=round_.partnership_id)
        if m.user_id not in answered and m.user_id not in paused
    ]


async def answer(
    session: AsyncSession,
    *,
    partnership_id: int,
    round_id: int,
    person: PersonInfo,
    choice: str | None,
    text: str | None,
    now: datetime,
) -> tuple[CheckinRound, CheckinAnswer]:
    """Record or update an answer to a round of this partnership; a late one is marked late."""
    round_ = await session.get(CheckinRound, round_id)
    if round_ is None or round_.partnership_id != partnership_id:
        raise RegistryError("round_unknown")
    if choice is not None and choice not in ANSWERS:
        raise RegistryError("round_unknown")
    found = (
        await session.exec(
            select(CheckinAnswer).where(
                CheckinAnswer.round_id == round_id, CheckinAnswer.user_id == person.user_id
            )
        )
    ).first()
    members = {m.user_id: m for m in await expected(session, partnership_id=round_.partnership_id)}
    member = members.get(person.user_id)
    if found is None:
        found = CheckinAnswer(
            round_id=round_id,
            user_id=person.user_id,
            name=person.display_name,
            partner_id=member.partner_id if member else None,
            answer=choice or "progress",
        )
        session.add(found)
    if choice is not None:
        found.answer = choice
    elif found.answer == NO_ANSWER:
        found.answer = "progress"  # a text reply after the close counts as an answer
    if text is not None:
        found.text = text.strip()[:2000]
    found.answered_at = now
    found.late = round_.closed_at is not None or now > round_.closes_at
    session.add(
        LogEntry(
            partnership_id=round_.partnership_id,
            kind=EntryKind.CHECKIN,
            occurred_at=now,
            author_user_id=person.user_id,
            author_name=person.display_name,
            channel=found.answer,
            text=text or round_.question[:200],
            partner_id=found.partner_id,
        )
    )
    await session.flush()
    return round_, found


async def close_round(session: AsyncSession, *, round_id: int, now: datetime) -> RoundSummary | None:
    """Close a round: whoever did not answer is recorded as not answering."""
    round_ = await session.get(CheckinRound, round_id)
    if round_ is None:
        return None
    existing = {a.user_id for a in await answers_of(session, round_id=round_id)}
    for member in await expected(session, partnership_id=round_.partnership_id):
        if member.user_id not in existing:
            session.add(
                CheckinAnswer(
                    round_id=round_id,
                    user_id=member.user_id,
                    name=member.name,
                    partner_id=member.partner_id,
                    answer=NO_ANSWER,
                )
            )
    round_.closed_at = round_.closed_at or now
    await session.flush()
    answers = await answers_of(session, round_id=round_id)
    return RoundSummary(
        round_, [a for a in answers if a.answer != NO_ANSWER], [a for a in answers if a.answer == NO_ANSWER]
    )


async def round_by_message(session: AsyncSession, *, chat_id: int, message_id: int) -> CheckinRound | None:
    """The round whose question is this bot message."""
    return (
        await session.exec(
            select(CheckinRound).where(CheckinRound.chat_id == chat_id, CheckinRound.message_id == message_id)
        )
    ).first()


async def pause_reminders(session: AsyncSession, *, user_id: int, until: date) -> None:
    """Stop reminding a person until a date."""
    found = await session.get(ReminderPause, user_id)
    if found is None:
        session.add(ReminderPause(user_id=user_id, until=until))
    else:
        found.until = until
    await session.flush()


async def participation(session: AsyncSession, *, partnership_id: int) -> dict[str, tuple[int, int]]:
    """Per person: rounds answered and rounds asked, so participation over time can be shown."""
    rows = await session.exec(
        select(CheckinAnswer.name, CheckinAnswer.answer)
        .join(CheckinRound, col(CheckinRound.id) == col(CheckinAnswer.round_id))
        .where(CheckinRound.partnership_id == partnership_id, col(CheckinRound.closed_at).is_not(None))
    )
    result: dict[str, tuple[int, int]] = {}
    for name, given in rows:
        answered, asked = result.get(name, (0, 0))
        result[name] = (answered + (given != NO_ANSWER), asked + 1)
    return result


@dataclass(frozen=True)
class ReportLine:
    """One person in a round's summary, with the organisation they speak for."""

    name: str
    organisation: str
    answer: str  # done, progress, help or none
    text: str
    late: bool


@dataclass(frozen=True)
class RoundReport:
    """A closed round for the coordinator: answers, who needs follow-up, who was on leave, who was silent."""

    round: CheckinRound
    answered: list[ReportLine]
    on_leave: list[ReportLine]
    silent: list[ReportLine]

    @property
    def need_help(self) -> list[ReportLine]:
        """The 🆘 answers the coordinator should follow up."""
        return [line for line in self.answered if line.answer == "help"]


async def round_report(session: AsyncSession, *, summary: RoundSummary, day: date) -> RoundReport:
    """The summary with organisations named and people on leave (paused reminders) set apart."""
    everyone = summary.answers + summary.silent
    ids = {a.partner_id for a in everyone if a.partner_id is not None}
    names = (
        {p.id: p.name for p in await session.exec(select(Partner).where(col(Partner.id).in_(ids)))}
        if ids
        else {}
    )
    paused = (
        set(
            await session.exec(
                select(ReminderPause.user_id).where(
                    col(ReminderPause.user_id).in_([a.user_id for a in summary.silent]),
                    col(ReminderPause.until) >= day,
                )
            )
        )
        if summary.silent
        else set()
    )

    def line(a: CheckinAnswer) -> ReportLine:
        return ReportLine(a.name, names.get(a.partner_id or 0, ""), a.answer, a.text, a.late)

    return RoundReport(
        summary.round,
        [line(a) for a in summary.answers],
        [line(a) for a in summary.silent if a.user_id in paused],
        [line(a) for a in summary.silent if a.user_id not in paused],
    )


async def partner_name(session: AsyncSession, *, partner_id: int | None) -> str:
    """The name of the organisation an answer speaks for ('' if none)."""
    partner = await session.get(Partner, partner_id) if partner_id else None
    return partner.name if partner else ""
