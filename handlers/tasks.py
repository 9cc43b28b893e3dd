"""Tasks for partners: /task (a guided flow) and the ✔ Done button under an announced task."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.access import Action, Role
from bot.db import utcnow
from bot.markup import html
from bot.models import Task
from bot.services import duties, registry
from bot.services.registry import RegistryError
from bot.text import parse_id
from handlers.common import command
from handlers.forms import _flow_command
from handlers.gate import Pressed, requires_press

task_command = _flow_command("task")


def task_target(data: str) -> int | None:
    """'task:<id>' as the task's id; None if it is malformed."""
    return parse_id(data.removeprefix("task:"))


@requires_press(Action.ANSWER_CHECKIN, task_target)
async def task_done_button(press: Pressed[int]) -> None:
    """✔ Done under a task: its partner's representative (or the coordinator) marks it done."""
    query, req, task_id = press.query, press.req, press.target
    try:
        async with req.services.db.transaction() as session:
            task = await session.get(Task, task_id)
            if task is None or task.partnership_id != press.partnership_id:
                raise RegistryError("task_unknown")
            people = {
                uid for uid, _n in await registry.representatives_of(session, partner_id=task.partner_id)
            }
            if press.person.user_id not in people and press.scope.role is not Role.COORDINATOR:
                await query.answer(
                    req._("Only the partner's representatives or the coordinator can do this."),
                    show_alert=True,
                )
                return
            await duties.mark_done(
                session,
                task_id=task_id,
                partnership_id=press.partnership_id,
                by_user_id=press.person.user_id,
                now=utcnow(),
            )
    except RegistryError:
        await query.answer()
        return
    await query.answer(req._("Marked as done. Thank you!"))
    if query.message is not None:
        await req.services.notifier.edit(
            req.chat_id, query.message.message_id, html(req._("✔ Done: {text}"), text=task.text)
        )


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """/task (coordinator) and the ✔ Done button."""
    return [
        command("task", task_command),
        CallbackQueryHandler(task_done_button, pattern=r"^task:"),
    ]
