"""The flows of recurring duties: check-in schedules, tasks for partners and meetings."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import clock
from bot.access import Action
from bot.dates import DateFormatError, parse_time
from bot.db import utcnow
from bot.flows.engine import Applied, Data, Flow, FlowDraft, FlowInputError, FlowName, Saving, Step, register
from bot.flows.parsing import (
    MEMBERS,
    choices,
    future_date,
    future_moment,
    partner_options,
    required_text,
    show_date,
    shown_moment,
    zone_of,
)
from bot.flows.plan import PLAN_LOADERS
from bot.flows.registry import partner_of
from bot.i18n import N_
from bot.labels import RECURRENCE_LABELS, WEEKDAY_LABELS
from bot.services import duties, scheduling
from bot.text import parse_count
from bot.timing import InvalidRecurrence, Recurrence, RecurrenceSpec, SendingRules, cron_trigger, next_fire

CRON_MAX = 64
_CRON_CHARS = re.compile(r"[0-9A-Za-z*/,\- ]+", re.ASCII)
ON_A_WEEKDAY = frozenset({Recurrence.WEEKLY, Recurrence.BIWEEKLY})


def _clock(text: str, _data: Data) -> str:
    """A time of day as HH:MM."""
    try:
        return parse_time(text).strftime("%H:%M")
    except DateFormatError:
        raise FlowInputError(N_("Type a time like 9:00 or 17:30.")) from None


def _month_day(text: str, _data: Data) -> int:
    """A day of the month; 29-31 fire on the last day of the months that do not have them."""
    value = parse_count(text, maximum=31)
    if value is None or value < 1:
        raise FlowInputError(N_("Type a day of the month from 1 to 31."))
    return value


def _cron(text: str, data: Data) -> str:
    """A five-field cron expression that really fires (within a year), at most CRON_MAX characters."""
    expression = " ".join(text.split())
    if len(expression) > CRON_MAX:
        raise FlowInputError(N_("A cron expression has at most {limit} characters."), limit=CRON_MAX)
    example = N_("That is not a cron expression I can use. Example: 0 9 * * 1 (Mondays at 9:00).")
    if not _CRON_CHARS.fullmatch(expression):
        raise FlowInputError(example)
    zone = zone_of(data)
    try:
        trigger = cron_trigger(expression, zone)
        now = clock.now().astimezone(zone)
        first = trigger.get_next_fire_time(None, now)
    except (InvalidRecurrence, KeyError, ValueError, OverflowError):
        raise FlowInputError(example) from None
    if first is None or first > now + timedelta(days=366):
        raise FlowInputError(
            N_("That cron expression never fires (or not within a year), e.g. 30 February. Type another one.")
        )
    return expression


# --------------------------------------------------------------------------- drafts and saves


class ScheduleDraft(FlowDraft):
    """A check-in schedule: its rhythm and its question."""

    recurrence: Recurrence
    weekday: int = 0
    day: int = 1
    time: str = "09:00"
    cron: str = ""
    question: str


async def save_schedule(session: AsyncSession, draft: ScheduleDraft, saving: Saving) -> Applied:
    """Add the schedule; quiet hours may move its first run from the time asked for."""
    hour, minute = (int(x) for x in draft.time.split(":"))
    spec = RecurrenceSpec(
        draft.recurrence, at=time(hour, minute), weekday=draft.weekday, day=draft.day, cron=draft.cron
    )
    now = utcnow()
    schedule = await scheduling.add_schedule(
        session,
        partnership=saving.partnership,
        spec=spec,
        question=draft.question,
        by_user_id=saving.by,
        now=now,
        rules=SendingRules(),
    )
    asked = next_fire(spec, after=now, zone=ZoneInfo(saving.partnership.timezone))
    return Applied(
        N_("Check-in scheduled. The first one: {when}."),
        {"when": schedule.next_run_at.isoformat()},
        first_run_at=schedule.next_run_at,
        asked_run_at=asked if asked != schedule.next_run_at else None,
    )


class TaskDraft(FlowDraft):
    """A task for a partner, due by a date."""

    partner: int
    text: str
    due: date


async def save_task(session: AsyncSession, draft: TaskDraft, saving: Saving) -> Applied:
    """Add the task; its announcement and reminder are queued as deliveries."""
    partner = await partner_of(session, saving, draft.partner)
    task = await duties.add_task(
        session,
        partnership=saving.partnership,
        partner=partner,
        text=draft.text,
        due_on=draft.due,
        by_user_id=saving.by,
        now=utcnow(),
        rules=SendingRules(),
    )
    return Applied(
        N_("Task saved for “{name}”; I will tell them and remind them before it is due."),
        {"name": partner.name},
        task_id=task.id,
    )


class MeetingDraft(FlowDraft):
    """A partnership meeting."""

    when: datetime
    place: str
    agenda: str


async def save_meeting(session: AsyncSession, draft: MeetingDraft, saving: Saving) -> Applied:
    """Add the meeting; its invitation and reminders are queued as deliveries."""
    meeting = await duties.add_meeting(
        session,
        partnership=saving.partnership,
        starts_at=draft.when,
        place=draft.place,
        agenda=draft.agenda,
        by_user_id=saving.by,
        now=utcnow(),
        rules=SendingRules(),
    )
    return Applied(
        N_("Meeting saved; the invitation goes to the group now, reminders a week and a day before."),
        meeting_id=meeting.id,
    )


# --------------------------------------------------------------------------- the flows

register(
    Flow(
        FlowName.SCHEDULE,
        N_("Check-in schedule"),
        [
            Step("recurrence", N_("How often?"), options=lambda d: choices(RECURRENCE_LABELS)),
            Step(
                "weekday",
                N_("On which day?"),
                options=lambda d: choices(WEEKDAY_LABELS),
                when=lambda d: d.get("recurrence") in ON_A_WEEKDAY,
            ),
            Step(
                "day",
                N_("On which day of the month? (1-31; 29, 30 and 31 mean the last day of shorter months)"),
                parse=_month_day,
                when=lambda d: d.get("recurrence") == Recurrence.MONTHLY,
            ),
            Step(
                "time",
                N_("At what time? (e.g. 9:00)"),
                parse=_clock,
                when=lambda d: d.get("recurrence") != Recurrence.CRON,
            ),
            Step(
                "cron",
                N_("The cron expression? (e.g. 0 9 * * 1)"),
                parse=_cron,
                when=lambda d: d.get("recurrence") == Recurrence.CRON,
            ),
            Step(
                "question",
                N_("What should I ask the partners? (e.g. “How is the promotion going?”)"),
                parse=required_text,
            ),
        ],
        ScheduleDraft,
        save_schedule,
        action=Action.MANAGE_SCHEDULES,
        loaders=PLAN_LOADERS,
    ),
    Flow(
        FlowName.TASK,
        N_("Task for a partner"),
        [
            Step(
                "partner",
                N_("Which partner is it for?"),
                options=lambda d: partner_options(d, statuses=MEMBERS),
            ),
            Step(
                "text", N_("What should they do? (e.g. “posters at the health centre”)"), parse=required_text
            ),
            Step("due", N_("By when? (e.g. {date_example})"), parse=future_date, show=show_date),
        ],
        TaskDraft,
        save_task,
        action=Action.MANAGE_SCHEDULES,
        loaders=PLAN_LOADERS,
    ),
    Flow(
        FlowName.MEETING,
        N_("Partnership meeting"),
        [
            Step(
                "when",
                N_("When? Date and time, e.g. {date_example} 17:30."),
                parse=future_moment,
                show=shown_moment,
            ),
            Step("place", N_("Where? A place, or the link to the online meeting."), parse=required_text),
            Step("agenda", N_("What is on the agenda?"), parse=required_text),
        ],
        MeetingDraft,
        save_meeting,
        action=Action.MANAGE_SCHEDULES,
        loaders=PLAN_LOADERS,
    ),
)
