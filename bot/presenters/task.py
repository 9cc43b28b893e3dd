"""A task announced to its partner, or the reminder the day before it is due."""

from __future__ import annotations

import html

from bot.i18n import format_day
from bot.models import Task
from bot.notifier import Button
from bot.presenters.common import Message, Translations, mention


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
    mentions = ", ".join(mention(uid, name) for uid, name in people)
    template = (
        tr.gettext("New task for “{partner}”{people}: {text}. Due: {due}.")
        if assigned
        else tr.gettext("Reminder for “{partner}”{people}: {text} is due {due}.")
    )
    text = template.format(
        partner=html.escape(partner_name),
        people=f" ({mentions})" if mentions else "",
        text=html.escape(task.text),
        due=format_day(task.due_on, locale=locale),
    )
    return Message(text, [[Button(tr.gettext("✔ Done"), f"task:{task.id}")]])
