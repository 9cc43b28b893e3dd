"""Words for programmes: the supervisor's overview with its legend, and programme listings."""

from __future__ import annotations

import html
import re

from bot.export import Sheet
from bot.i18n import format_day
from bot.notifier import Button
from bot.presenters.common import Message, Translations, group_name
from bot.programme_chart import Bar, ProgrammeLabels
from bot.services.network import Network
from bot.services.practices import Found
from bot.services.programme_overview import (
    CHECKIN_AMBER,
    HEARD_AMBER,
    HEARD_RED,
    IDLE_AMBER_DAYS,
    IDLE_RED_DAYS,
    TASKS_RED,
    Light,
    Line,
    Reason,
)

LIGHTS = {Light.GREEN: "🟢", Light.AMBER: "🟡", Light.RED: "🔴"}
STATUS_BUTTON, BRIEF_BUTTON = "pv:s:", "pv:b:"


def reason_text(tr: Translations, reason: Reason) -> str:
    """One reason, in words."""
    n = reason.numbers
    if reason.code in ("behind", "far_behind") and reason.group is not None:
        return tr.gettext("{group}: {trained} trained, {expected} expected by now (target {target})").format(
            group=html.escape(group_name(tr, reason.group)), trained=n[0], expected=n[1], target=n[2]
        )
    if reason.code == "idle":
        return tr.ngettext("coordinator silent for {n} day", "coordinator silent for {n} days", n[0]).format(
            n=n[0]
        )
    if reason.code == "quiet":
        return tr.gettext("{heard} of {active} active partners heard from in 30 days").format(
            heard=n[0], active=n[1]
        )
    if reason.code == "checkins":
        return tr.gettext("check-ins answered {answered} of {asked}").format(answered=n[0], asked=n[1])
    if reason.code == "tasks":
        return tr.ngettext("{n} overdue task", "{n} overdue tasks", n[0]).format(n=n[0])
    return tr.ngettext("visit overdue by {n} day", "visit overdue by {n} days", n[0]).format(n=n[0])


def line_text(tr: Translations, line: Line, *, locale: str) -> str:
    """A partnership's line: light, name, the reasons (or "on track") and the last visit."""
    why = "; ".join(reason_text(tr, r) for r in line.reasons) or tr.gettext("on track")
    visit = (
        tr.gettext("last supervisor contact {day}").format(day=format_day(line.last_visit, locale=locale))
        if line.last_visit
        else tr.gettext("no supervisor contact recorded")
    )
    return f"{LIGHTS[line.light]} <b>{html.escape(line.partnership.name)}</b>: {why} · {visit}"


def legend(tr: Translations) -> str:
    """What the lights mean: the thresholds of the README."""
    return "\n".join(
        [
            tr.gettext(
                "<i>🔴 red: a target group below half of its pro-rata target, the coordinator silent for "
                "{red_idle} days or more, fewer than {red_heard}% of active partners heard from in 30 days, "
                "or {tasks} overdue tasks or more.</i>"
            ).format(red_idle=IDLE_RED_DAYS, red_heard=round(HEARD_RED * 100), tasks=TASKS_RED),
            tr.gettext(
                "<i>🟡 amber: a target group behind its pro-rata target, the coordinator silent for "
                "{idle} days or more, fewer than {heard}% of active partners heard from, fewer than "
                "{checkins}% of check-ins answered, an overdue task, or a visit overdue.</i>"
            ).format(
                idle=IDLE_AMBER_DAYS, heard=round(HEARD_AMBER * 100), checkins=round(CHECKIN_AMBER * 100)
            ),
            tr.gettext("<i>🟢 green: none of these.</i>"),
        ]
    )


def overview(tr: Translations, lines: list[Line], *, locale: str) -> Message:
    """The overview: a line per partnership, worst first, the legend, and status/brief buttons."""
    if not lines:
        return Message(tr.gettext("No partnership is assigned to you yet."))
    counts = {light: sum(1 for x in lines if x.light is light) for light in Light}
    head = tr.gettext("<b>Overview</b>: {red} 🔴, {amber} 🟡, {green} 🟢").format(
        red=counts[Light.RED], amber=counts[Light.AMBER], green=counts[Light.GREEN]
    )
    body = [line_text(tr, x, locale=locale) for x in lines]
    buttons = [
        [
            Button(f"{LIGHTS[x.light]} {x.partnership.name[:24]}", f"{STATUS_BUTTON}{x.id}"),
            Button(tr.gettext("Brief"), f"{BRIEF_BUTTON}{x.id}"),
        ]
        for x in lines[:40]  # Telegram allows 100 buttons; the first 40 are the ones needing a look
    ]
    return Message("\n".join([head, "", *body, "", legend(tr)]), buttons)


def visit_due(tr: Translations, *, partnership_name: str, days: int, every: int) -> Message:
    """To a supervisor: a partnership is due a visit."""
    text = tr.ngettext(
        "A visit to “{name}” is due: the last contact was {days} day ago "
        "(the rhythm is every {every} days). Record it with /visit.",
        "A visit to “{name}” is due: the last contact was {days} days ago "
        "(the rhythm is every {every} days). Record it with /visit.",
        days,
    ).format(name=html.escape(partnership_name), days=days, every=every)
    return Message(text)


THANK_BUTTON = "pt:"


def practices(tr: Translations, found: list[Found], *, query: str, locale: str) -> Message:
    """Practices found, newest first, each with who shared it, from where, and a thank button."""
    if not found:
        text = (
            tr.gettext("No practice matches “{query}”.").format(query=html.escape(query))
            if query
            else tr.gettext("No practice shared yet. Share one with /share.")
        )
        return Message(text)
    head = (
        tr.gettext("<b>Practices matching “{query}”</b>, newest first:").format(query=html.escape(query))
        if query
        else tr.gettext("<b>Practices</b>, newest first:")
    )
    lines = [head]
    for i, f in enumerate(found, 1):
        p = f.practice
        attached = " 📎" if p.file_id else ""
        lines += [
            "",
            f"{i}. {html.escape(p.text)}{attached}",
            "   "
            + tr.gettext("— {author}, {municipality}, {day}").format(
                author=html.escape(p.author_name),
                municipality=html.escape(f.partnership_name),
                day=format_day(p.created_at.date(), locale=locale),
            )
            + (f" · 🙏 {f.thanks}" if f.thanks else ""),
        ]
    buttons = [
        [Button(tr.gettext("🙏 Thank for {n}").format(n=i), f"{THANK_BUTTON}{f.practice.id}")]
        for i, f in enumerate(found, 1)
    ]
    return Message("\n".join(lines), buttons)


def thanked(tr: Translations, *, who: str, text: str) -> Message:
    """To a practice's author: someone thanked them."""
    short = text if len(text) <= 80 else text[:79] + "…"
    return Message(
        tr.gettext("🙏 {who} thanked you for your practice: “{text}”").format(
            who=html.escape(who), text=html.escape(short)
        )
    )


def _sheet_title(number: int, name: str) -> str:
    """A worksheet's title: unique by its number, without the characters XLSX forbids."""
    return re.sub(r"[\[\]:*?/\\]", " ", f"{number}. {name}")[:31]


def export_sheets(tr: Translations, lines: list[Line]) -> list[Sheet]:
    """The programme's workbook: a row per partnership (the overview's figures), then a sheet
    per partnership with its targets against trained in the current period."""
    _ = tr.gettext
    overview_sheet = Sheet(
        _("Overview"),
        [
            _("Partnership"), _("Light"), _("Why"), _("Active partners"), _("Heard from in 30 days"),
            _("Check-in answers"), _("Check-ins asked"), _("Days since the coordinator wrote"),
            _("Overdue tasks"), _("Last supervisor contact"), _("Visit every (days)"),
            _("Visit overdue (days)"),
        ],
    )  # fmt: skip
    light_words = {Light.GREEN: _("green"), Light.AMBER: _("amber"), Light.RED: _("red")}
    sheets = [overview_sheet]
    for number, x in enumerate(lines, 1):
        overview_sheet.rows.append(
            [
                x.partnership.name, light_words[x.light], "; ".join(reason_text(tr, r) for r in x.reasons),
                x.active_partners, x.heard_partners, x.answers, x.asked, x.idle_days, x.overdue_tasks,
                x.last_visit, x.visit_every_days, x.visit_overdue_days,
            ]
        )  # fmt: skip
        detail = Sheet(
            _sheet_title(number, x.partnership.name),
            [_("Target group"), _("Target"), _("Expected by now"), _("Trained"), _("% of target")],
        )
        detail.rows = [
            [group_name(tr, g), p.target, round(p.expected_now), p.trained, p.percent_of_target]
            for g, p in x.groups
        ]
        sheets.append(detail)
    return sheets


def supervisor_digest(tr: Translations, lines: list[Line], *, locale: str) -> Message:
    """The weekly digest: the partnerships that turned amber or red this week, and why."""
    head = tr.gettext("<b>Your week</b>: partnerships that turned amber or red in the last 7 days")
    body = [line_text(tr, x, locale=locale) for x in lines]
    return Message("\n".join([head, "", *body, "", tr.gettext("Type /overview to see all of them.")]))


def chart_bars(lines: list[Line]) -> list[Bar]:
    """Each partnership's totals over its target groups in the current period."""
    return [
        Bar(
            x.partnership.name,
            sum(p.trained for _g, p in x.groups),
            sum(p.expected_now for _g, p in x.groups),
            sum(p.target for _g, p in x.groups),
        )
        for x in lines
    ]


def chart_labels(tr: Translations) -> ProgrammeLabels:
    """The programme chart's words."""
    return ProgrammeLabels(
        title=tr.gettext("Trained against target, current period (furthest behind on top)"),
        axis=tr.gettext("% of the target trained"),
        expected=tr.gettext("expected by today (pro rata)"),
        no_plan=tr.gettext("No plan for the current period: "),
    )


def coordinators_digest(tr: Translations, found: Network, *, locale: str) -> Message:
    """The coordinators' monthly digest: new practices, and whom to ask where they lag."""
    lines = [tr.gettext("<b>This month in your programme</b>")]
    if found.new_practices:
        lines += [
            "",
            tr.ngettext(
                "{n} new practice shared. The newest:",
                "{n} new practices shared. The newest:",
                found.new_practices,
            ).format(n=found.new_practices),
        ]
        lines += [
            f"• {html.escape(f.practice.text[:200])} ({html.escape(f.practice.author_name)}, "
            f"{html.escape(f.partnership_name)})"
            for f in found.newest
        ]
    for group, name, done in found.ahead:
        text = (
            tr.gettext("{name} reached their {group} target; ask them how.")
            if done
            else tr.gettext("{name} is ahead with {group}; ask them how.")
        )
        lines.append(text.format(name=html.escape(name), group=html.escape(group_name(tr, group))))
    lines += ["", tr.gettext("/practices lists every practice; /share adds yours.")]
    return Message("\n".join(lines))
