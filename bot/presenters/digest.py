"""The coordinator's weekly digest: the week's numbers, who is quiet, what is due and coming."""

from __future__ import annotations

import html
from datetime import date
from zoneinfo import ZoneInfo

from bot.i18n import format_day, format_local
from bot.presenters.common import Message, Translations
from bot.services.watch import SILENT_AFTER_DAYS, Digest


def _due_lines(tr: Translations, locale: str, summary: Digest, today: date) -> list[str]:
    """Open tasks due within the week, overdue ones marked."""
    if not summary.tasks_due:
        return []
    lines = [tr.gettext("Tasks due:")]
    for p, d, t in summary.tasks_due:
        due_text = format_day(d, locale=locale, fmt="day")
        if d < today:
            due_text = tr.gettext("⚠️ overdue since {date}").format(date=due_text)
        lines.append(f"• {html.escape(p)}: {html.escape(t)} ({due_text})")
    return lines


def digest(
    tr: Translations, locale: str, *, name: str, summary: Digest, today: date, zone: ZoneInfo
) -> Message:
    """The digest of the partnership called `name`."""
    lines = [
        tr.gettext("<b>Your week: {name}</b>").format(name=html.escape(name)),
        tr.gettext("Messages: {messages}; recorded contacts: {contacts}; check-in answers: {answers}").format(
            messages=summary.messages, contacts=summary.contacts, answers=summary.checkin_answers
        ),
        tr.gettext("Sessions held: {sessions}; residents trained: {trained}").format(
            sessions=summary.sessions_held, trained=summary.trained
        ),
    ]
    if summary.quiet:
        lines.append(
            tr.gettext("Quiet for {days} days or more: {names}").format(
                days=SILENT_AFTER_DAYS, names=", ".join(html.escape(n) for n in summary.quiet)
            )
        )
    lines += _due_lines(tr, locale, summary, today)
    if summary.sessions_coming:
        lines.append(tr.gettext("Sessions this week:"))
        lines += [
            f"• {format_local(at, locale=locale, zone=zone)} {html.escape(topic)}"
            for at, topic in summary.sessions_coming
        ]
    return Message("\n".join(lines))
