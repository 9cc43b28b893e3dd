"""A partnership meeting: the invitation, or a reminder with the replies so far."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.i18n import format_local
from bot.markup import html, join
from bot.models import Meeting
from bot.notifier import Button
from bot.presenters.common import Message, Translations


def meeting(
    tr: Translations,
    locale: str,
    *,
    meeting: Meeting,
    zone: ZoneInfo,
    invite: bool,
    answers: dict[str, list[str]],
) -> Message:
    """When, where and what, with RSVP buttons; a reminder also counts the replies."""
    when = format_local(meeting.starts_at, locale=locale, zone=zone, fmt="long")
    head = (
        html(tr.gettext("<b>Partnership meeting</b>"))
        if invite
        else html(tr.gettext("<b>Reminder: partnership meeting</b>"))
    )
    lines = [
        head,
        html(tr.gettext("When: {when}"), when=when),
        html(tr.gettext("Where: {place}"), place=meeting.place),
        html(tr.gettext("Agenda: {agenda}"), agenda=meeting.agenda),
    ]
    if not invite:
        lines.append(
            html(
                tr.gettext("Coming: {yes}; not coming: {no}; maybe: {maybe}"),
                yes=len(answers["yes"]),
                no=len(answers["no"]),
                maybe=len(answers["maybe"]),
            )
        )
    buttons = [
        [
            Button(tr.gettext("✅ I'll come"), f"rsvp:{meeting.id}:yes"),
            Button(tr.gettext("❌ Can't come"), f"rsvp:{meeting.id}:no"),
            Button(tr.gettext("🤔 Maybe"), f"rsvp:{meeting.id}:maybe"),
        ]
    ]
    return Message(join("\n", lines), buttons)


def calendar_caption(tr: Translations) -> str:
    """The caption of the invitation's .ics file."""
    return tr.gettext("Add it to your calendar.")
