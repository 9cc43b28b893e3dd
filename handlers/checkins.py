"""Check-ins in the chat: answer buttons and replies, /checkin, /schedule, /pausereminders."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram import Message, Update

from bot.access import Action, Role
from bot.dates import DateFormatError, NoSuchDay, example_date, local_today, parse_date
from bot.db import utcnow
from bot.flows import RECURRENCE_LABELS, WEEKDAY_LABELS
from bot.i18n import N_, format_day, format_local, translations
from bot.models import CheckinAnswer, CheckinRound, DeliveryKind, Partnership, Schedule, Task
from bot.notifier import Button, ChatUnreachable
from bot.presenters.nudge import nudge_text
from bot.presenters.summary import ANSWER_WORDS
from bot.services import checkins, duties, nudges, people, registry, scheduling
from bot.services.registry import RegistryError
from bot.text import parse_id, without_controls
from bot.timing import SendingRules
from handlers.common import (
    STALE_BUTTON,
    Context,
    Request,
    begin,
    button_press,
    command_args,
    esc,
    reply,
    scope_for,
)
from handlers.forms import _flow_command

schedule_add_command = _flow_command("schedule")
QUESTION_MAX = 1000
NOT_IN_GROUP = N_(
    "I cannot write to the group of “{name}” (I was probably removed), so nobody was asked. "
    "Add me back to the group first."
)
DEFAULT_QUESTION = N_("How is it going? Anything the partnership should know or help with?")


async def answer_button(update: Update, context: Context) -> None:
    """An answer button under a check-in question."""
    query = update.callback_query
    assert query is not None
    press = await button_press(update, context, Action.ANSWER_CHECKIN)
    if press is None:
        return
    req = press.req
    try:
        async with req.services.db.transaction() as session:
            _round, given = await checkins.answer(
                session,
                partnership_id=press.scope.partnership.id or 0,
                round_id=press.target_id,
                person=press.person,
                choice=press.choice,
                text=None,
                now=utcnow(),
            )
    except RegistryError:
        await query.answer(req._("That check-in is not from this partnership."))
        return
    note = req._("Thank you! Recorded: {answer}.").format(answer=req._(ANSWER_WORDS[given.answer]))
    if given.late:
        note += " " + req._("(after the round closed, but it still counts)")
    await query.answer(note)
    if given.late:
        await report_late(req, press.scope.partnership, _round, given)


async def report_late(
    req: Request, partnership: Partnership, round_: CheckinRound, given: CheckinAnswer
) -> None:
    """An answer after the close goes to the coordinator privately (never to the group)."""
    async with req.services.db.transaction() as session:
        default = req.services.settings.default_locale
        locale = await people.locale_of(session, user_id=partnership.coordinator_user_id, default=default)
        organisation = await checkins.partner_name(session, partner_id=given.partner_id)
    tr = translations(locale)
    who = esc(given.name) + (f" ({esc(organisation)})" if organisation else "")
    text = tr.gettext("Late answer to the check-in “{question}”: {who}: {answer}").format(
        question=esc(round_.question), who=who, answer=tr.gettext(ANSWER_WORDS[given.answer])
    )
    if given.text:
        text += " — " + esc(given.text)
    try:
        await req.services.notifier.send(partnership.coordinator_user_id, text)
    except ChatUnreachable:
        return  # the coordinator has no private chat with the bot; the summary asked for one


async def reply_to_round(req: Request, message: Message) -> bool:
    """A text reply to a check-in question: stored as that person's comment. True if it was one."""
    replied = message.reply_to_message
    if replied is None or req.person is None or message.text is None:
        return False
    async with req.services.db.transaction() as session:
        round_ = await checkins.round_by_message(
            session, chat_id=message.chat.id, message_id=replied.message_id
        )
        if round_ is None or round_.id is None:
            return False
        _round, given = await checkins.answer(
            session,
            partnership_id=round_.partnership_id,
            round_id=round_.id,
            person=req.person,
            choice=None,
            text=without_controls(message.text)[:2000],
            now=utcnow(),
        )
        partnership = await session.get(Partnership, round_.partnership_id)
    if given.late and partnership is not None:
        await report_late(req, partnership, round_, given)
    return True


async def checkin_now(update: Update, context: Context) -> None:
    """/checkin [question]: ask the group now (the coordinator)."""
    req = await begin(update, context)
    scope = await scope_for(req, Action.MANAGE_SCHEDULES)
    if scope is None:
        return
    question = command_args(update).strip() or req._(DEFAULT_QUESTION)
    assert scope.partnership.id is not None
    if not scope.partnership.is_active:
        await reply(req, req._(NOT_IN_GROUP).format(name=esc(scope.partnership.name)))
        return
    if len(question) > QUESTION_MAX:
        await reply(
            req, req._("A check-in question may have at most {n} characters.").format(n=QUESTION_MAX)
        )
        return
    now = utcnow()
    key = f"now:{scope.partnership.id}:{now.isoformat()}"
    async with req.services.db.transaction() as session:
        await scheduling.enqueue(
            session,
            [
                scheduling.delivery_row(
                    partnership_id=scope.partnership.id,
                    kind=DeliveryKind.CHECKIN,
                    due_at=now,
                    key=key,
                    payload={"question": question},
                )
            ],
        )
    req.services.wake_scheduler()  # sent by the scheduler now, not inside this update
    if not SendingRules().allowed(now.astimezone(ZoneInfo(scope.partnership.timezone))):
        # Quiet hours, a weekend or a holiday: the scheduler holds it until the next allowed time.
        await reply(
            req,
            req._(
                "The question to “{name}” waits for the next allowed time "
                "(I send nothing at night, on weekends or on holidays)."
            ).format(name=esc(scope.partnership.name)),
        )
        return
    if req.where.value == "private":
        await reply(req, req._("Asked the group of “{name}”.").format(name=esc(scope.partnership.name)))


def schedule_line(req: Request, schedule: Schedule, zone: ZoneInfo) -> str:
    """One schedule in /schedule."""
    _ = req._
    if schedule.recurrence == "cron":
        rhythm = f"cron <code>{esc(schedule.cron)}</code>"
    elif schedule.recurrence == "monthly":
        rhythm = _("every month on day {day} at {time}").format(day=schedule.day, time=schedule.at_time)
    else:
        every = _(RECURRENCE_LABELS[schedule.recurrence])
        weekday = _(WEEKDAY_LABELS[str(schedule.weekday)])
        rhythm = f"{every}, {weekday} {schedule.at_time}"
    state = (
        _("paused")
        if schedule.is_paused
        else _("next: {when}").format(when=format_local(schedule.next_run_at, locale=req.locale, zone=zone))
    )
    return f"• {rhythm} · {state}\n  " + _("“{question}”").format(question=esc(schedule.question))


async def schedule_command(update: Update, context: Context) -> None:
    """/schedule: list the check-ins with pause, resume and delete buttons; /schedule add makes one."""
    if command_args(update).strip().lower() in ("add", "dodaj", "new", "nowy"):
        await schedule_add_command(update, context)
        return
    req = await begin(update, context)
    scope = await scope_for(req, Action.MANAGE_SCHEDULES)
    if scope is None:
        return
    assert scope.partnership.id is not None
    async with req.services.db.transaction() as session:
        schedules = await scheduling.schedules_of(session, partnership_id=scope.partnership.id)
    zone = ZoneInfo(scope.partnership.timezone)
    _ = req._
    lines = [_("<b>Check-ins of “{name}”</b>").format(name=esc(scope.partnership.name))]
    buttons: list[list[Button]] = []
    for n, s in enumerate(schedules, start=1):
        lines.append(f"{n}. " + schedule_line(req, s, zone))
        toggle = (
            Button(_("▶ Resume {n}").format(n=n), f"sch:{s.id}:r")
            if s.is_paused
            else Button(_("⏸ Pause {n}").format(n=n), f"sch:{s.id}:p")
        )
        buttons.append([toggle, Button(_("🗑 Delete {n}").format(n=n), f"sch:{s.id}:d")])
    if not schedules:
        lines.append(_("No check-ins scheduled yet."))
    lines.append(_("Type /schedule add to add one, /checkin to ask now."))
    await reply(req, "\n".join(lines), buttons=buttons)


async def schedule_button(update: Update, context: Context) -> None:
    """Pause, resume or delete a schedule."""
    query = update.callback_query
    assert query is not None
    press = await button_press(update, context, Action.MANAGE_SCHEDULES)
    if press is None:
        return
    await query.answer()
    req, scope, schedule_id, action = press.req, press.scope, press.target_id, press.choice
    async with req.services.db.transaction() as session:
        schedule = await session.get(Schedule, schedule_id)
        if schedule is None or schedule.partnership_id != scope.partnership.id:
            return
        if action == "d":
            await session.delete(schedule)
            text = req._("Deleted the check-in “{question}”.")
        else:
            await scheduling.set_paused(
                session,
                schedule=schedule,
                paused=action == "p",
                now=utcnow(),
                zone=ZoneInfo(scope.partnership.timezone),
                rules=SendingRules(),
            )
            text = (
                req._("Paused the check-in “{question}”.")
                if action == "p"
                else req._("Resumed the check-in “{question}”; nothing missed meanwhile will be sent.")
            )
        question = schedule.question
    await reply(req, text.format(question=esc(question)))


async def pause_reminders_command(update: Update, context: Context) -> None:
    """/pausereminders <date>: no check-in reminders for me until then."""
    req = await begin(update, context)
    if req.person is None:
        return
    raw = command_args(update).strip()
    today = local_today(utcnow(), req.zone)
    example = example_date(today + timedelta(days=14))
    try:
        until = parse_date(raw, today=today)
    except NoSuchDay:
        await reply(req, req._("There is no such day as “{text}”. Type a real date.").format(text=esc(raw)))
        return
    except DateFormatError:
        await reply(
            req,
            req._("Type the last day of your break, e.g. /pausereminders {example}.").format(example=example),
        )
        return
    if until < today:
        await reply(
            req,
            req._(
                "That day has passed. Type the last day of your break, e.g. /pausereminders {example}."
            ).format(example=example),
        )
        return
    async with req.services.db.transaction() as session:
        await checkins.pause_reminders(session, user_id=req.person.user_id, until=until)
    await reply(
        req,
        req._("No check-in reminders for you until {date}. Have a good rest!").format(
            date=format_day(until, locale=req.locale)
        ),
    )


task_command = _flow_command("task")
meeting_command = _flow_command("meeting")


async def task_done_button(update: Update, context: Context) -> None:
    """✔ Done under a task: its partner's representative (or the coordinator) marks it done."""
    query = update.callback_query
    assert query is not None
    req = await begin(update, context)
    task_id = parse_id((query.data or "").removeprefix("task:"))
    if task_id is None:
        await query.answer(req._(STALE_BUTTON))
        return
    scope = await scope_for(req, Action.ANSWER_CHECKIN, query=query)
    if scope is None or req.person is None or scope.partnership.id is None:
        return
    try:
        async with req.services.db.transaction() as session:
            task = await session.get(Task, task_id)
            if task is None or task.partnership_id != scope.partnership.id:
                raise RegistryError("task_unknown")
            people = {
                uid for uid, _n in await registry.representatives_of(session, partner_id=task.partner_id)
            }
            if req.person.user_id not in people and scope.role is not Role.COORDINATOR:
                await query.answer(
                    req._("Only the partner's representatives or the coordinator can do this."),
                    show_alert=True,
                )
                return
            await duties.mark_done(
                session,
                task_id=task_id,
                partnership_id=scope.partnership.id,
                by_user_id=req.person.user_id,
                now=utcnow(),
            )
    except RegistryError:
        await query.answer()
        return
    await query.answer(req._("Marked as done. Thank you!"))
    if query.message is not None:
        await req.services.notifier.edit(
            req.chat_id, query.message.message_id, req._("✔ Done: {text}").format(text=esc(task.text))
        )


async def rsvp_button(update: Update, context: Context) -> None:
    """An RSVP button under a meeting invitation."""
    query = update.callback_query
    assert query is not None
    press = await button_press(update, context, Action.ANSWER_CHECKIN)
    if press is None:
        return
    try:
        async with press.req.services.db.transaction() as session:
            await duties.reply_to_meeting(
                session,
                meeting_id=press.target_id,
                partnership_id=press.scope.partnership.id or 0,
                person=press.person,
                answer=press.choice,
                now=utcnow(),
            )
    except RegistryError:
        await query.answer()
        return
    await query.answer(press.req._("Thank you, noted."))


async def nudge_command(update: Update, context: Context) -> None:
    """/nudge: preview the recruitment nudges that are due, with a button to send them now."""
    req = await begin(update, context)
    scope = await scope_for(req, Action.MANAGE_SCHEDULES)
    if scope is None or scope.partnership.id is None:
        return
    async with req.services.db.transaction() as session:
        due = await nudges.prepare(session, partnership=scope.partnership, now=utcnow())
    previews = [nudge_text(req.tr, nudge, scope.partnership, req.locale) for nudge in due]
    if not previews:
        await reply(
            req, req._("No target group is behind its pro-rata target; there is nothing to nudge about.")
        )
        return
    await reply(
        req,
        req._("<b>Preview</b> (nothing has been sent yet):") + "\n\n" + "\n\n".join(previews),
        buttons=[[Button(req._("📣 Send now"), "nudge:send")]],
    )


async def nudge_send_button(update: Update, context: Context) -> None:
    """Send the previewed nudges (at most one per group per interval)."""
    query = update.callback_query
    assert query is not None
    req = await begin(update, context)
    if query.data != "nudge:send":
        await query.answer(req._(STALE_BUTTON))
        return
    scope = await scope_for(req, Action.MANAGE_SCHEDULES, query=query)
    if scope is None:
        return
    await query.answer()
    async with req.services.db.transaction() as session:
        queued = await nudges.due_nudges(session, partnership=scope.partnership, now=utcnow(), manual=True)
    if not queued:
        await reply(
            req,
            req._("These groups were already nudged in the last {days} days; nothing was sent again.").format(
                days=nudges.INTERVAL_DAYS
            ),
        )
        return
    req.services.wake_scheduler()  # sent by the scheduler now, not inside this update
    await reply(req, req.ngettext("Sent {n} nudge.", "Sent {n} nudges.", len(queued)).format(n=len(queued)))
