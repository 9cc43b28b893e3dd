"""/status: the partnership's communication at a glance, answered from the log."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram.ext import BaseHandler

from bot.access import Action, Where
from bot.db import utcnow
from bot.erased import FORMER_MEMBER
from bot.i18n import format_day, format_local
from bot.markup import bold, html, join
from bot.models import Partnership
from bot.services import checkins, duties, plan
from bot.services.status import CommunicationStatus, communication_status
from handlers.common import Request, command, reply
from handlers.gate import Scoped, requires
from handlers.plan import plan_lines


def counts_line(req: Request, label: str, messages: int, contacts: int) -> str:
    """'This week: 3 messages, 1 recorded contact' with real plural forms."""
    return html(
        "{label}: {messages}, {contacts}",
        label=label,
        messages=html(req.ngettext("{n} message", "{n} messages", messages), n=messages),
        contacts=html(req.ngettext("{n} recorded contact", "{n} recorded contacts", contacts), n=contacts),
    )


def status_text(req: Request, partnership: Partnership, status: CommunicationStatus) -> str:
    """The /status answer."""
    _ = req._
    zone = ZoneInfo(partnership.timezone)
    lines: list[str] = [
        bold(partnership.name),
        html(_("Coordinator: {name}"), name=partnership.coordinator_name),
        html(
            _("Registered: {date}"),
            date=format_day(partnership.created_at.astimezone(zone).date(), locale=req.locale),
        ),
    ]
    if not partnership.is_active:
        lines.append(_("⚠️ The bot is not in the group any more; nothing new is recorded."))
    elif not partnership.can_read_messages:
        lines.append(
            _(
                "⚠️ I cannot read this group's messages (privacy mode), so messages "
                "are not counted. Make me a group administrator, or turn privacy mode off "
                "in @BotFather (/setprivacy, then Disable)."
            )
        )
    lines += [
        "",
        counts_line(req, _("This week"), status.messages_week, status.contacts_week),
        counts_line(req, _("This month"), status.messages_month, status.contacts_month),
    ]
    if status.active_people:
        people = join(
            ", ",
            (
                html("{name} ({n})", name=p.name or _(FORMER_MEMBER), n=p.entries)
                for p in status.active_people
            ),
        )
        more = status.active_people_total - len(status.active_people)
        if more > 0:
            people += " " + html(req.ngettext("and {n} more", "and {n} more", more), n=more)
        lines.append(html(_("Active this month: {people}"), people=people))
    else:
        lines.append(_("Nobody has been active this month yet."))
    if status.last_activity_at is not None:
        lines.append(
            html(
                _("Last activity: {when}"),
                when=format_local(status.last_activity_at, locale=req.locale, zone=zone),
            )
        )
    else:
        lines.append(_("No activity recorded yet."))
    return join("\n", lines)


@requires(Action.VIEW_STATUS)
async def status(call: Scoped) -> None:
    """/status in the group (or privately, for the coordinator)."""
    req, partnership, pid = call.req, call.partnership, call.partnership_id
    now, zone = utcnow(), ZoneInfo(partnership.timezone)
    # One read-only transaction for everything /status shows.
    async with req.services.db.transaction() as session:
        report = await communication_status(session, partnership_id=pid, now=now, zone=zone)
        progress = await plan.report(session, partnership_id=pid, now=now, zone=zone)
        late = await duties.overdue(session, partnership_id=pid, today=now.astimezone(zone).date())
        answered = await checkins.participation(session, partnership_id=pid)
    lines = plan_lines(req, progress, partnership)
    if answered and req.where is Where.PRIVATE:  # who did not answer is never shown in the group
        lines += [
            "",
            html(
                req._("Check-in answers (answered / asked): {people}"),
                people=join(
                    ", ",
                    (
                        html("{name} {n}/{asked}", name=name, n=n, asked=asked)
                        for name, (n, asked) in sorted(answered.items())
                    ),
                ),
            ),
        ]
    if late:
        lines += ["", html(req._("<b>Overdue tasks</b>"))]
        lines += [
            html(
                "• {name}: {text} ({day})",
                name=p.name,
                text=t.text,
                day=format_day(t.due_on, locale=req.locale),
            )
            for t, p in late
        ]
    await reply(req, status_text(req, partnership, report) + "\n\n" + join("\n", lines))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """/status."""
    return [command("status", status)]
