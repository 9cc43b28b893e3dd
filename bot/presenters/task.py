"""A task announced to its partner, or the reminder the day before it is due."""

from __future__ import annotations

from bot.i18n import format_day
from bot.markup import html, join, mention
from bot.models import Task
from bot.notifier import Button
from bot.presenters.common import Message, Translations


def task(
    tr: Translations,
    locale: str,
    *,
    task: Task,
    partner_name: str,
    people: list[tuple[int, str]],
    assigned: bool,
) -> Message:
    """The announcement (assigned) or the reminder, with a button to mark it done."""
    mentions = join(", ", (mention(uid, name) for uid, name in people))
    template = (
        tr.gettext("New task for “{partner}”{people}: {text}. Due: {due}.")
        if assigned
        else tr.gettext("Reminder for “{partner}”{people}: {text} is due {due}.")
    )
    text = html(
        template,
        partner=partner_name,
        people=html(" ({mentions})", mentions=mentions) if mentions else "",
        text=task.text,
        due=format_day(task.due_on, locale=locale),
    )
    return Message(text, [[Button(tr.gettext("✔ Done"), f"task:{task.id}")]])
