"""The training plan in the chat: /plan, the plan flows, /addgroup, /chart and /export."""

from __future__ import annotations

import asyncio
from datetime import date
from zoneinfo import ZoneInfo

from telegram.ext import BaseHandler

from bot import chart, export
from bot.access import Action
from bot.db import utcnow
from bot.i18n import N_, format_day, format_local, format_number, format_percent, format_tick
from bot.markup import html, join, plain
from bot.models import Partnership
from bot.notifier import ChatUnreachable
from bot.progress import Pace, Progress
from bot.services import charting, exporting, plan
from bot.services.plan import GroupProgress, PlanReport
from bot.services.registry import RegistryError
from handlers.common import Request, command, reply
from handlers.forms import _flow_command, group_label
from handlers.gate import Scoped, requires
from handlers.refusals import error_text

period_command = _flow_command("period")
target_command = _flow_command("target")
session_command = _flow_command("session")
trained_command = _flow_command("trained")

PACE_LABELS: dict[str, str] = {
    Pace.NOT_STARTED: N_("not started"),
    Pace.NO_TARGET: N_("no target"),
    Pace.BEHIND: N_("behind"),
    Pace.ON_TRACK: N_("on track"),
    Pace.AHEAD: N_("ahead"),
    Pace.DONE: N_("target reached"),
}
PACE_MARKS: dict[str, str] = {
    Pace.NOT_STARTED: "⏳",
    Pace.NO_TARGET: "·",
    Pace.BEHIND: "🔴",
    Pace.ON_TRACK: "🟢",
    Pace.AHEAD: "🟢",
    Pace.DONE: "✅",
}


def residents(req: Request, n: int) -> str:
    """'5 residents' with the right plural form."""
    return html(req.ngettext("{n} resident", "{n} residents", n), n=req_number(req, n))


def req_number(req: Request, n: int) -> str:
    """A number formatted for the user's locale (1 000 in Polish, 1,000 in English)."""
    return format_number(n, locale=req.locale)


def plan_lines(req: Request, report: PlanReport, partnership: Partnership) -> list[str]:
    """The plan part of /status and /plan."""
    if report.period is None and not report.groups:
        return [req._("No training plan yet. The coordinator sets it up with /period and /target.")]
    lines = [period_line(req, report)]
    for g in report.groups:
        lines += group_lines(req, g)
    lines.append(
        html(
            req._("Trained so far: {trained}, of them with a disability: {disabled}"),
            trained=residents(req, report.trained_total),
            disabled=req_number(req, report.with_disability_total),
        )
    )
    zone = ZoneInfo(partnership.timezone)
    return lines + upcoming_lines(req, report, zone) + contribution_lines(req, report)


def period_line(req: Request, report: PlanReport) -> str:
    """The current plan period with the share of it elapsed, or that no period covers today."""
    _ = req._
    if report.period is None:
        return _("No plan period covers today.")
    share = next((g.period.elapsed for g in report.groups if g.period), None)
    head = html(
        _("<b>Plan period {name}</b> ({start} – {end})"),
        name=report.period.name,
        start=format_local_date(req, report.period.starts_on),
        end=format_local_date(req, report.period.ends_on),
    )
    if share is not None:
        head += " · " + html(_("{percent}% of the period elapsed"), percent=round(share * 100))
    return head


def group_lines(req: Request, g: GroupProgress) -> list[str]:
    """One target group: progress in the current period and in total."""
    _ = req._
    lines: list[str] = []
    if g.period is not None:
        p = g.period
        lines.append(
            html(
                "{mark} {label}: {numbers} · {pace}",
                mark=PACE_MARKS[p.pace],
                label=group_label(req, g.group),
                numbers=progress_numbers(req, p),
                # Behind: say by how much (the word "behind" would only repeat the 🔴).
                pace=html(_("{n} behind pro rata"), n=req_number(req, p.shortfall))
                if p.shortfall and p.pace is Pace.BEHIND
                else _(PACE_LABELS[p.pace]),
            )
        )
    lines.append(
        "   "
        + html(
            _("in total: {trained} of {target} planned"),
            trained=residents(req, g.total_trained),
            target=req_number(req, g.total_target),
        )
    )
    return lines


def upcoming_lines(req: Request, report: PlanReport, zone: ZoneInfo) -> list[str]:
    """Coming sessions with their free seats."""
    if not report.upcoming:
        return []
    lines = ["", html(req._("<b>Coming up</b>"))]
    for s, free in report.upcoming:
        lines.append(
            html(
                "• {when} · {topic} · {free}",
                when=format_local(s.starts_at, locale=req.locale, zone=zone),
                topic=s.topic,
                free=html(req.ngettext("{n} free seat", "{n} free seats", free), n=free),
            )
        )
    return lines


def contribution_lines(req: Request, report: PlanReport) -> list[str]:
    """Each partner's contribution: participants recruited, sessions hosted, rooms lent."""
    if not report.contributions:
        return []
    lines: list[str] = ["", html(req._("<b>Partners' contribution</b>"))]
    for c in report.contributions:
        lines.append(
            html(
                "• {name}: {recruited}, {hosted}, {rooms}",
                name=c.partner.name,
                recruited=html(
                    req.ngettext("{n} participant recruited", "{n} participants recruited", c.recruited),
                    n=c.recruited,
                ),
                hosted=html(
                    req.ngettext("{n} session hosted", "{n} sessions hosted", c.sessions_hosted),
                    n=c.sessions_hosted,
                ),
                rooms=html(req.ngettext("{n} room lent", "{n} rooms lent", c.rooms_lent), n=c.rooms_lent),
            )
        )
    return lines


def progress_numbers(req: Request, p: Progress) -> str:
    """'9 of 100 (9%), expected by today 91': the share of the target and the pro-rata expectation."""
    text = html(
        req._("{trained} of {target} ({percent})"),
        trained=req_number(req, p.trained),
        target=req_number(req, p.target),
        percent=format_percent(p.percent_of_target / 100, locale=req.locale),
    )
    if p.target and p.pace not in (Pace.NOT_STARTED, Pace.DONE):
        text += ", " + html(req._("expected by today {n}"), n=req_number(req, round(p.expected_now)))
    return text


def format_local_date(req: Request, day: date) -> str:
    """A calendar date in the user's locale."""
    return format_day(day, locale=req.locale)


async def plan_report(req: Request, partnership: Partnership) -> PlanReport:
    """The plan report for now."""
    assert partnership.id is not None
    async with req.services.db.transaction() as session:
        return await plan.report(
            session, partnership_id=partnership.id, now=utcnow(), zone=ZoneInfo(partnership.timezone)
        )


@requires(Action.VIEW_STATUS)
async def plan_command(call: Scoped) -> None:
    """/plan: periods, targets and progress per target group."""
    req = call.req
    report = await plan_report(req, call.partnership)
    async with req.services.db.transaction() as session:
        periods = await plan.periods(session, partnership_id=call.partnership_id)
    lines: list[str] = [html(req._("<b>Training plan: {name}</b>"), name=call.partnership.name)]
    for p in periods:
        lines.append(
            html(
                "• {name}: {start} – {end}",
                name=p.name,
                start=format_local_date(req, p.starts_on),
                end=format_local_date(req, p.ends_on),
            )
        )
    lines += ["", *plan_lines(req, report, call.partnership)]
    await reply(req, join("\n", lines))


@requires(Action.MANAGE_PLAN)
async def add_group_command(call: Scoped) -> None:
    """/addgroup <name>: a target group of the partnership's own."""
    req = call.req
    name = call.args.strip()
    if not name:
        await reply(
            req, req._("Type the group's name after the command, e.g. /addgroup farmers from Rudniki")
        )
        return
    try:
        async with req.services.db.transaction() as session:
            group = await plan.add_target_group(session, partnership_id=call.partnership_id, name=name)
    except RegistryError as exc:
        await reply(req, error_text(req, exc))
        return
    await reply(req, html(req._("Added the target group “{name}”."), name=group.name))


@requires(Action.VIEW_STATUS)
async def chart_command(call: Scoped) -> None:
    """/chart [period]: the current period (or the one named) as one small chart per target group."""
    req, partnership = call.req, call.partnership
    zone = ZoneInfo(partnership.timezone)
    today = utcnow().astimezone(zone).date()
    wanted = call.args.strip()
    async with req.services.db.transaction() as session:
        source = await charting.chart_source(
            session, partnership_id=call.partnership_id, zone=zone, today=today, wanted=wanted
        )
        names = [p.name for p in await plan.periods(session, partnership_id=call.partnership_id)]
    if source is None:
        await reply(
            req,
            html(
                req._("There is no plan period called “{name}”. Periods: {names}."),
                name=wanted,
                names=join(", ", (html(req._("“{name}”"), name=n) for n in names)),
            ),
        )
        return
    data = chart_data(req, partnership, source, today)
    _ = req._
    labels = chart.Labels(
        trained=_("trained so far"),
        plan=_("plan pro rata"),
        target=_("target"),
        today=_("today"),
        no_data=_("No data yet"),
        hint=_("Set a period with /period and targets with /target; record sessions with /trained."),
    )
    # Drawing takes ~200 ms of CPU: do it in a worker thread so other updates are not held up.
    picture = await asyncio.to_thread(
        chart.render, data, labels, day_label=lambda day: format_tick(day, locale=req.locale)
    )
    caption = html(_("Trained residents against the targets: {name}"), name=partnership.name)
    others = [n for n in names if source.period is None or n != source.period.name]
    if others:
        caption += "\n" + html(
            _("Other periods: {command}"),
            command=join(", ", (html("/chart {name}", name=n) for n in others[:5])),
        )
    try:
        await req.services.notifier.send_file(
            req.chat_id, picture, filename="progress.png", photo=True, caption=caption
        )
    except ChatUnreachable:
        return


def chart_data(
    req: Request, partnership: Partnership, source: charting.ChartSource, today: date
) -> chart.ChartData:
    """The chart's panels with their titles in the reader's language."""
    _ = req._
    title = partnership.name
    if source.period is not None:
        start, end = format_day(source.start, locale=req.locale), format_day(source.end, locale=req.locale)
        title += f" · {source.period.name} ({start} – {end})"
    panels = []
    for item in source.groups:
        trained = sum(n for _d, n in item.trained)
        if item.target:
            detail = plain(
                _("{trained} of {target} ({percent})"),
                trained=req_number(req, trained),
                target=req_number(req, item.target),
                percent=format_percent(trained / item.target, locale=req.locale),
            )
        else:
            detail = residents(req, trained)
        panels.append(chart.Panel(f"{group_label(req, item.group)}: {detail}", item.trained, item.target))
    return chart.ChartData(title=title, start=source.start, end=source.end, today=today, panels=panels)


@requires(Action.EXPORT)
async def export_command(call: Scoped) -> None:
    """/export: the whole partnership as an XLSX workbook and a ZIP of CSV files."""
    req, scope = call.req, call.scope
    async with req.services.db.transaction() as session:
        tables = await exporting.sheets(
            session, partnership=scope.partnership, _=req._, group_label=lambda g: group_label(req, g)
        )
    stamp = utcnow().astimezone(ZoneInfo(scope.partnership.timezone)).strftime("%Y-%m-%d")
    base = "partnerstwo" if req.locale == "pl" else "partnership"
    # Building the files takes CPU time in proportion to the log: off the event loop, so the bot
    # keeps answering others meanwhile.
    workbook, archive = await asyncio.to_thread(lambda: (export.workbook(tables), export.csv_archive(tables)))
    try:
        await req.services.notifier.send_file(
            req.chat_id,
            workbook,
            filename=f"{base}-{stamp}.xlsx",
            caption=html(
                req._(
                    "The whole partnership “{name}”: partners, resources, plan, sessions, "
                    "recruitment and the log."
                ),
                name=scope.partnership.name,
            ),
        )
        await req.services.notifier.send_file(
            req.chat_id,
            archive,
            filename=f"{base}-{stamp}-csv.zip",
            caption=req._("The same tables as CSV files."),
        )
    except ChatUnreachable:
        return


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """The training plan: flows (coordinator), views (everyone), chart and export."""
    return [
        command("period", period_command),
        command("target", target_command),
        command("session", session_command),
        command("trained", trained_command),
        command("addgroup", add_group_command),
        command("plan", plan_command),
        command("chart", chart_command),
        command("export", export_command),
    ]
