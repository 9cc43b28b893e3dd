"""What each kind of scheduled message needs from the database, for the scheduler.

The scheduler (`scheduler/`) holds no SQL: it claims, renews and finishes deliveries through
`bot.services.scheduling` and reads what a message says through these functions (one
transaction each), then hands the result to a presenter (`bot.presenters`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import resolve_locale
from bot.models import (
    CheckinRound,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Meeting,
    Partner,
    Partnership,
    Person,
    Schedule,
    Task,
)
from bot.services import checkins, duties, partnerships, registry, scheduling
from bot.services.scheduling import Due
from bot.timing import SendingRules


@dataclass(frozen=True)
class TaskNews:
    """A task to announce or remind of, with its partner and the people who speak for it."""

    task: Task
    partner_name: str
    people: list[tuple[int, str]]


@dataclass(frozen=True)
class MeetingNews:
    """A meeting to announce or remind of, with the replies so far."""

    meeting: Meeting
    answers: dict[str, list[str]]


async def partnership(session: AsyncSession, *, partnership_id: int) -> Partnership | None:
    """The partnership a delivery belongs to."""
    return await partnerships.by_id(session, partnership_id=partnership_id)


async def person_locale(session: AsyncSession, *, user_id: int | None, default: str) -> str:
    """A person's language (their choice, else their Telegram client's, else the bot's)."""
    person = await session.get(Person, user_id) if user_id is not None else None
    return resolve_locale(
        person.locale if person else None, person.language_code if person else None, default
    )


async def coordinator_locale(session: AsyncSession, *, partnership: Partnership | None, default: str) -> str:
    """The coordinator's language, used for messages to the partnership."""
    return await person_locale(
        session, user_id=partnership.coordinator_user_id if partnership else None, default=default
    )


async def round_to_ask(
    session: AsyncSession, *, due: Due, partnership: Partnership, now: datetime, rules: SendingRules
) -> CheckinRound:
    """The round a check-in asks: opened on the first attempt and remembered on the delivery for retries."""
    round_ = await session.get(CheckinRound, due.ref_id) if due.ref_id else None
    if round_ is not None:
        return round_
    schedule = await session.get(Schedule, due.schedule_id) if due.schedule_id else None
    question = schedule.question if schedule else str(due.payload.get("question", ""))
    round_ = await checkins.open_round(
        session, partnership=partnership, question=question, now=now, rules=rules, schedule=schedule
    )
    await (await session.connection()).execute(
        update(Delivery).where(col(Delivery.id) == due.id).values(ref_id=round_.id)
    )
    return round_


async def remember_question(
    session: AsyncSession, *, round_id: int | None, chat_id: int, message_id: int
) -> None:
    """Where the question was posted, so replies to it count as comments (one statement)."""
    if round_id is None:
        return
    await (await session.connection()).execute(
        update(CheckinRound)
        .where(col(CheckinRound.id) == round_id)
        .values(chat_id=chat_id, message_id=message_id)
    )


async def checkin_round(session: AsyncSession, *, round_id: int | None) -> CheckinRound | None:
    """A check-in round by id."""
    return await session.get(CheckinRound, round_id or 0)


async def first_private_chat_request(
    session: AsyncSession, *, partnership: Partnership, now: datetime
) -> bool:
    """Whether the group is asked, now for the first time, to have the coordinator open a private chat."""
    assert partnership.id is not None
    row = scheduling.delivery_row(
        partnership_id=partnership.id,
        kind=DeliveryKind.ALERT,
        due_at=now,
        key=f"pm:{partnership.id}:{partnership.coordinator_user_id}",
        payload={"alert": "open_private_chat"},
    )
    # Recorded as already sent: the row only remembers that the group was asked.
    row.update(status=DeliveryStatus.SENT.value, sent_at=now)
    return bool(await scheduling.enqueue(session, [row]))


async def task_news(session: AsyncSession, *, task_id: int | None, assigned: bool) -> TaskNews | None:
    """The task to tell about; None if it is gone, or done before its reminder."""
    task = await session.get(Task, task_id or 0)
    if task is None or (task.done_at is not None and not assigned):
        return None
    partner = await session.get(Partner, task.partner_id)
    people = await registry.representatives_of(session, partner_id=task.partner_id)
    return TaskNews(task, partner.name if partner else "?", people)


async def meeting_news(session: AsyncSession, *, meeting_id: int | None) -> MeetingNews | None:
    """The meeting to tell about, with the replies so far; None if it is gone."""
    meeting = await session.get(Meeting, meeting_id or 0)
    if meeting is None:
        return None
    return MeetingNews(meeting, await duties.replies(session, meeting_id=meeting.id or 0))


async def group_gone(session: AsyncSession, *, partnership_id: int, chat_id: int) -> Partnership | None:
    """The group cannot be written to: pause what is sent there; None if `chat_id` was a private chat."""
    found = await partnership(session, partnership_id=partnership_id)
    if found is None or chat_id != found.chat_id:
        return None  # one person's private chat (a digest, an alert): the group is fine
    await scheduling.pause_partnership(session, partnership_id=partnership_id, reason="bot_removed")
    return found


async def bot_left_group(session: AsyncSession, *, chat_id: int) -> None:
    """Mark the partnership inactive and pause its schedules (the notifier's hook)."""
    left = await partnerships.bot_left(session, chat_id=chat_id)
    if left is not None and left.id is not None:
        await scheduling.pause_partnership(session, partnership_id=left.id, reason="bot_removed")
