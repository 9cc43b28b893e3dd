"""The check-in reminder: in the group (naming who has not answered) and privately to each."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from bot.i18n import format_local
from bot.models import CheckinRound
from bot.presenters.common import Message, Translations, mention
from bot.services.checkins import Member


def in_group(
    tr: Translations, locale: str, *, round_: CheckinRound, waiting: list[Member], zone: ZoneInfo
) -> Message:
    """The group reminder, mentioning those who have not answered yet."""
    mentions = ", ".join(mention(m.user_id, m.name) for m in waiting)
    closes = format_local(round_.closes_at, locale=locale, zone=zone, fmt="weekday")
    return Message(
        tr.gettext("Reminder: {people}, please answer the check-in: “{question}”").format(
            people=mentions, question=html.escape(round_.question)
        )
        + "\n"
        + tr.gettext("Answers until: {when}.").format(when=closes)
    )


def in_private(tr: Translations, *, partnership_name: str, round_: CheckinRound) -> Message:
    """The private reminder to one person who has not answered."""
    return Message(
        tr.gettext("Reminder from “{name}”: please answer the check-in in the group: “{question}”").format(
            name=html.escape(partnership_name), question=html.escape(round_.question)
        )
    )
