"""Check-in schedules: /schedule lists them with pause, resume and delete; /schedule add makes one."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.access import Action
from bot.db import utcnow
from bot.flows import RECURRENCE_LABELS, WEEKDAY_LABELS
from bot.i18n import format_local
from bot.markup import code, html, join, plain
from bot.models import Schedule
from bot.notifier import Button
from bot.services import scheduling
from bot.timing import SendingRules
from handlers.common import Context, Request, button_target, command, command_args, reply
from handlers.forms import _flow_command
from handlers.gate import Pressed, Scoped, requires, requires_press

schedule_add_command = _flow_command("schedule")
ADD_WORDS = ("add", "dodaj", "new", "nowy")


def schedule_line(req: Request, schedule: Schedule, zone: ZoneInfo) -> str:
    """One schedule in /schedule."""
    _ = req._
    if schedule.recurrence == "cron":
        rhythm = html("cron {cron}", cron=code(schedule.cron))
    elif schedule.recurrence == "monthly":
        rhythm = html(_("every month on day {day} at {time}"), day=schedule.day, time=schedule.at_time)
    else:
        every = _(RECURRENCE_LABELS[schedule.recurrence])
        weekday = _(WEEKDAY_LABELS[str(schedule.weekday)])
        rhythm = html("{every}, {weekday} {time}", every=every, weekday=weekday, time=schedule.at_time)
    state = (
        _("paused")
        if schedule.is_paused
        else html(_("next: {when}"), when=format_local(schedule.next_run_at, locale=req.locale, zone=zone))
    )
    return html("• {rhythm} · {state}\n  ", rhythm=rhythm, state=state) + html(
        _("“{question}”"), question=schedule.question
    )


async def schedule_command(update: Update, context: Context) -> None:
    """/schedule: list the check-ins with pause, resume and delete buttons; /schedule add makes one."""
    if command_args(update).strip().lower() in ADD_WORDS:
        await schedule_add_command(update, context)
        return
    await list_schedules(update, context)


@requires(Action.MANAGE_SCHEDULES)
async def list_schedules(call: Scoped) -> None:
    """The check-ins with their buttons."""
    req = call.req
    async with req.services.db.transaction() as session:
        schedules = await scheduling.schedules_of(session, partnership_id=call.partnership_id)
    zone = ZoneInfo(call.partnership.timezone)
    _ = req._
    lines: list[str] = [html(_("<b>Check-ins of “{name}”</b>"), name=call.partnership.name)]
    buttons: list[list[Button]] = []
    for n, s in enumerate(schedules, start=1):
        lines.append(html("{n}. {line}", n=n, line=schedule_line(req, s, zone)))
        toggle = (
            Button(plain(_("▶ Resume {n}"), n=n), f"sch:{s.id}:r")
            if s.is_paused
            else Button(plain(_("⏸ Pause {n}"), n=n), f"sch:{s.id}:p")
        )
        buttons.append([toggle, Button(plain(_("🗑 Delete {n}"), n=n), f"sch:{s.id}:d")])
    if not schedules:
        lines.append(_("No check-ins scheduled yet."))
    lines.append(_("Type /schedule add to add one, /checkin to ask now."))
    await reply(req, join("\n", lines), buttons=buttons)


@requires_press(Action.MANAGE_SCHEDULES, button_target)
async def schedule_button(press: Pressed[tuple[int, str]]) -> None:
    """Pause, resume or delete a schedule."""
    await press.query.answer()
    req, scope = press.req, press.scope
    schedule_id, action = press.target
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
    await reply(req, html(text, question=question))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """/schedule (coordinator) and its buttons."""
    return [
        command("schedule", schedule_command),
        CallbackQueryHandler(schedule_button, pattern=r"^sch:"),
    ]
