"""The coordinator's note when the bot can no longer write to the partnership's group."""

from __future__ import annotations

from bot.markup import html
from bot.presenters.common import Message, Translations


def group_unreachable(tr: Translations, *, partnership_name: str) -> Message:
    """Everything sent to the group has stopped; how to resume."""
    text = tr.gettext(
        "I could not write to the group of “{name}” (I was probably removed), so I stopped "
        "everything I send there: check-ins, task and meeting announcements and reminders, "
        "recruitment nudges, and your weekly digest. Add me back to the group and type "
        "/schedule to resume the check-ins."
    )
    return Message(html(text, name=partnership_name))
