"""The coordinator's weekly digest: the week's numbers, who is quiet, what is due and coming."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.i18n import format_day, format_local
from bot.markup import html, join
from bot.presenters.common import Message, Translations
from bot.services.watch import SILENT_AFTER_DAYS, Digest


def _due_lines(tr: Translations, locale: str, summary: Digest, today: date) -> list[str]:
    """Open tasks due within the week, overdue ones marked."""
    if not summary.tasks_due:
        return []
    lines: list[str] = [tr.gettext("Tasks due:")]
    for p, d, t in summary.tasks_due:
        due_text = format_day(d, locale=locale, fmt="day")
        if d < today:
            due_text = html(tr.gettext("⚠️ overdue since {date}"), date=due_text)
        lines.append(html("• {partner}: {text} ({due})", partner=p, text=t, due=due_text))
    return lines


def digest(
    tr: Translations, locale: str, *, name: str, summary: Digest, today: date, zone: ZoneInfo
) -> Message:
    """The digest of the partnership called `name`."""
    lines: list[str] = [
        html(tr.gettext("<b>Your week: {name}</b>"), name=name),
        html(
            tr.gettext("Messages: {messages}; recorded contacts: {contacts}; check-in answers: {answers}"),
            messages=summary.messages,
            contacts=summary.contacts,
            answers=summary.checkin_answers,
        ),
        html(
            tr.gettext("Sessions held: {sessions}; residents trained: {trained}"),
            sessions=summary.sessions_held,
            trained=summary.trained,
        ),
    ]
    if summary.quiet:
        lines.append(
            html(
                tr.gettext("Quiet for {days} days or more: {names}"),
                days=SILENT_AFTER_DAYS,
                names=join(", ", summary.quiet),
            )
        )
    lines += _due_lines(tr, locale, summary, today)
    if summary.sessions_coming:
        lines.append(tr.gettext("Sessions this week:"))
        lines += [
            html("• {when} {topic}", when=format_local(at, locale=locale, zone=zone), topic=topic)
            for at, topic in summary.sessions_coming
        ]
    return Message(join("\n", lines))
