"""The check-in reminder: in the group (naming who has not answered) and privately to each."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.i18n import format_local
from bot.markup import html, join, mention
from bot.models import CheckinRound
from bot.presenters.common import Message, Translations
from bot.services.checkins import Member


def in_group(
    tr: Translations, locale: str, *, round_: CheckinRound, waiting: list[Member], zone: ZoneInfo
) -> Message:
    """The group reminder, mentioning those who have not answered yet."""
    mentions = join(", ", (mention(m.user_id, m.name) for m in waiting))
    closes = format_local(round_.closes_at, locale=locale, zone=zone, fmt="weekday")
    return Message(
        html(
            tr.gettext("Reminder: {people}, please answer the check-in: “{question}”"),
            people=mentions,
            question=round_.question,
        )
        + "\n"
        + html(tr.gettext("Answers until: {when}."), when=closes)
    )


def in_private(tr: Translations, *, partnership_name: str, round_: CheckinRound) -> Message:
    """The private reminder to one person who has not answered."""
    return Message(
        html(
            tr.gettext("Reminder from “{name}”: please answer the check-in in the group: “{question}”"),
            name=partnership_name,
            question=round_.question,
        )
    )
