"""Recruitment nudges by hand: /nudge previews what is due, 📣 Send now sends it."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.access import Action
from bot.db import utcnow
from bot.markup import html, join
from bot.notifier import Button
from bot.presenters.nudge import nudge_text
from bot.services import nudges
from handlers.common import command, reply
from handlers.gate import Pressed, Scoped, requires, requires_press

SEND = "nudge:send"


@requires(Action.MANAGE_SCHEDULES)
async def nudge_command(call: Scoped) -> None:
    """/nudge: preview the recruitment nudges that are due, with a button to send them now."""
    req = call.req
    async with req.services.db.transaction() as session:
        due = await nudges.prepare(session, partnership=call.partnership, now=utcnow())
    previews = [nudge_text(req.tr, nudge, call.partnership, req.locale) for nudge in due]
    if not previews:
        await reply(
            req, req._("No target group is behind its pro-rata target; there is nothing to nudge about.")
        )
        return
    await reply(
        req,
        html(req._("<b>Preview</b> (nothing has been sent yet):")) + "\n\n" + join("\n\n", previews),
        buttons=[[Button(req._("📣 Send now"), SEND)]],
    )


def send_target(data: str) -> str | None:
    """The one valid data of the button; None for anything else."""
    return data if data == SEND else None


@requires_press(Action.MANAGE_SCHEDULES, send_target)
async def nudge_send_button(press: Pressed[str]) -> None:
    """Send the previewed nudges (at most one per group per interval)."""
    req = press.req
    await press.query.answer()
    async with req.services.db.transaction() as session:
        queued = await nudges.due_nudges(session, partnership=press.partnership, now=utcnow(), manual=True)
    if not queued:
        await reply(
            req,
            html(
                req._("These groups were already nudged in the last {days} days; nothing was sent again."),
                days=nudges.INTERVAL_DAYS,
            ),
        )
        return
    req.services.wake_scheduler()  # sent by the scheduler now, not inside this update
    await reply(req, html(req.ngettext("Sent {n} nudge.", "Sent {n} nudges.", len(queued)), n=len(queued)))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """/nudge (coordinator) and its send button."""
    return [
        command("nudge", nudge_command),
        CallbackQueryHandler(nudge_send_button, pattern=r"^nudge:"),
    ]
