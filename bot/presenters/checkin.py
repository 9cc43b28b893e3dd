"""The check-in question asked in the group, with its answer buttons."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.i18n import N_, format_local
from bot.markup import html
from bot.models import CheckinRound
from bot.notifier import Button
from bot.presenters.common import Message, Translations

ANSWER_LABELS = {"done": N_("✅ Done"), "progress": N_("⏳ In progress"), "help": N_("🆘 Need help")}


def question(tr: Translations, locale: str, *, round_: CheckinRound, zone: ZoneInfo) -> Message:
    """The question, how to answer it and until when, with one button per answer."""
    closes = format_local(round_.closes_at, locale=locale, zone=zone, fmt="weekday")
    text = html(
        "<b>{title}</b>\n{question}\n\n{hint}\n{until}",
        title=tr.gettext("Check-in"),
        question=round_.question,
        hint=tr.gettext("Tap an answer; reply to this message to add a comment."),
        until=html(tr.gettext("Answers until: {when}."), when=closes),
    )
    buttons = [[Button(tr.gettext(label), f"ci:{round_.id}:{key}") for key, label in ANSWER_LABELS.items()]]
    return Message(text, buttons)
