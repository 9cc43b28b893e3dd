"""Words for programmes: the supervisor's overview with its legend, and programme listings."""

from __future__ import annotations

import re

from bot.export import Sheet
from bot.i18n import format_day
from bot.markup import Markup, html, join, plain, plain_join
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


def reason_text(tr: Translations, reason: Reason) -> Markup:
    """One reason, in words."""
    n = reason.numbers
    if reason.code in ("behind", "far_behind") and reason.group is not None:
        return html(
            tr.gettext("{group}: {trained} trained, {expected} expected by now (target {target})"),
            group=group_name(tr, reason.group),
            trained=n[0],
            expected=n[1],
            target=n[2],
        )
    if reason.code == "idle":
        return html(
            tr.ngettext("coordinator silent for {n} day", "coordinator silent for {n} days", n[0]), n=n[0]
        )
    if reason.code == "quiet":
        return html(
            tr.gettext("{heard} of {active} active partners heard from in 30 days"), heard=n[0], active=n[1]
        )
    if reason.code == "checkins":
        return html(tr.gettext("check-ins answered {answered} of {asked}"), answered=n[0], asked=n[1])
    if reason.code == "tasks":
        return html(tr.ngettext("{n} overdue task", "{n} overdue tasks", n[0]), n=n[0])
    return html(tr.ngettext("visit overdue by {n} day", "visit overdue by {n} days", n[0]), n=n[0])


def line_text(tr: Translations, line: Line, *, locale: str) -> Markup:
    """A partnership's line: light, name, the reasons (or "on track") and the last visit."""
    why = join("; ", (reason_text(tr, r) for r in line.reasons)) or html(tr.gettext("on track"))
    visit = (
        html(tr.gettext("last supervisor contact {day}"), day=format_day(line.last_visit, locale=locale))
        if line.last_visit
        else html(tr.gettext("no supervisor contact recorded"))
    )
    return html(
        "{light} <b>{name}</b>: {why} · {visit}",
        light=LIGHTS[line.light],
        name=line.partnership.name,
        why=why,
        visit=visit,
    )


def legend(tr: Translations) -> Markup:
    """What the lights mean: the thresholds of the README."""
    red = tr.gettext(
        "<i>🔴 red: a target group below half of its pro-rata target, the coordinator silent for "
        "{red_idle} days or more, fewer than {red_heard}% of active partners heard from in 30 days, "
        "or {tasks} overdue tasks or more.</i>"
    )
    return join(
        "\n",
        [
            html(
                red,
                red_idle=IDLE_RED_DAYS,
                red_heard=round(HEARD_RED * 100),
                tasks=TASKS_RED,
            ),
            html(
                tr.gettext(
                    "<i>🟡 amber: a target group behind its pro-rata target, the coordinator silent for "
                    "{idle} days or more, fewer than {heard}% of active partners heard from, fewer than "
                    "{checkins}% of check-ins answered, an overdue task, or a visit overdue.</i>"
                ),
                idle=IDLE_AMBER_DAYS,
                heard=round(HEARD_AMBER * 100),
                checkins=round(CHECKIN_AMBER * 100),
            ),
            html(tr.gettext("<i>🟢 green: none of these.</i>")),
        ],
    )


def overview(tr: Translations, lines: list[Line], *, locale: str) -> Message:
    """The overview: a line per partnership, worst first, the legend, and status/brief buttons."""
    if not lines:
        return Message(tr.gettext("No partnership is assigned to you yet."))
    counts = {light: sum(1 for x in lines if x.light is light) for light in Light}
    head = html(
        tr.gettext("<b>Overview</b>: {red} 🔴, {amber} 🟡, {green} 🟢"),
        red=counts[Light.RED],
        amber=counts[Light.AMBER],
        green=counts[Light.GREEN],
    )
    body = [line_text(tr, x, locale=locale) for x in lines]
    buttons = [
        [
            Button(f"{LIGHTS[x.light]} {x.partnership.name[:24]}", f"{STATUS_BUTTON}{x.id}"),
            Button(tr.gettext("Brief"), f"{BRIEF_BUTTON}{x.id}"),
        ]
        for x in lines[:40]  # Telegram allows 100 buttons; the first 40 are the ones needing a look
    ]
    return Message(join("\n", [head, "", *body, "", legend(tr)]), buttons)


def visit_due(tr: Translations, *, partnership_name: str, days: int, every: int) -> Message:
    """To a supervisor: a partnership is due a visit."""
    text = html(
        tr.ngettext(
            "A visit to “{name}” is due: the last contact was {days} day ago "
            "(the rhythm is every {every} days). Record it with /visit.",
            "A visit to “{name}” is due: the last contact was {days} days ago "
            "(the rhythm is every {every} days). Record it with /visit.",
            days,
        ),
        name=partnership_name,
        days=days,
        every=every,
    )
    return Message(text)


THANK_BUTTON = "pt:"


def practices(tr: Translations, found: list[Found], *, query: str, locale: str) -> Message:
    """Practices found, newest first, each with who shared it, from where, and a thank button."""
    if not found:
        text = (
            html(tr.gettext("No practice matches “{query}”."), query=query)
            if query
            else html(tr.gettext("No practice shared yet. Share one with /share."))
        )
        return Message(text)
    head = (
        html(tr.gettext("<b>Practices matching “{query}”</b>, newest first:"), query=query)
        if query
        else html(tr.gettext("<b>Practices</b>, newest first:"))
    )
    lines: list[str] = [head]
    for i, f in enumerate(found, 1):
        p = f.practice
        attached = " 📎" if p.file_id else ""
        lines += [
            "",
            html("{i}. {text}{attached}", i=i, text=p.text, attached=attached),
            html(
                "   {who}{thanks}",
                who=html(
                    tr.gettext("— {author}, {municipality}, {day}"),
                    author=p.author_name,
                    municipality=f.partnership_name,
                    day=format_day(p.created_at.date(), locale=locale),
                ),
                thanks=f" · 🙏 {f.thanks}" if f.thanks else "",
            ),
        ]
    buttons = [
        [Button(plain(tr.gettext("🙏 Thank for {n}"), n=i), f"{THANK_BUTTON}{f.practice.id}")]
        for i, f in enumerate(found, 1)
    ]
    return Message(join("\n", lines), buttons)


def thanked(tr: Translations, *, who: str, text: str) -> Message:
    """To a practice's author: someone thanked them."""
    short = text if len(text) <= 80 else text[:79] + "…"
    return Message(html(tr.gettext("🙏 {who} thanked you for your practice: “{text}”"), who=who, text=short))


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
        why = plain_join("; ", (reason_text(tr, r) for r in x.reasons))
        overview_sheet.rows.append(
            [
                x.partnership.name, light_words[x.light], why,
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
    head = html(tr.gettext("<b>Your week</b>: partnerships that turned amber or red in the last 7 days"))
    body = [line_text(tr, x, locale=locale) for x in lines]
    return Message(join("\n", [head, "", *body, "", html(tr.gettext("Type /overview to see all of them."))]))


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
    lines: list[str] = [html(tr.gettext("<b>This month in your programme</b>"))]
    if found.new_practices:
        lines += [
            "",
            html(
                tr.ngettext(
                    "{n} new practice shared. The newest:",
                    "{n} new practices shared. The newest:",
                    found.new_practices,
                ),
                n=found.new_practices,
            ),
        ]
        lines += [
            html(
                "• {text} ({author}, {place})",
                text=f.practice.text[:200],
                author=f.practice.author_name,
                place=f.partnership_name,
            )
            for f in found.newest
        ]
    for group, name, done in found.ahead:
        text = (
            tr.gettext("{name} reached their {group} target; ask them how.")
            if done
            else tr.gettext("{name} is ahead with {group}; ask them how.")
        )
        lines.append(html(text, name=name, group=group_name(tr, group)))
    lines += ["", html(tr.gettext("/practices lists every practice; /share adds yours."))]
    return Message(join("\n", lines))
