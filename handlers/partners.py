"""The registry's views: /partners, /resources, /partner <name>, and the hand-over brief (/brief)."""

from __future__ import annotations

import dataclasses
from typing import Any

from telegram.ext import BaseHandler

from bot import labels
from bot.access import Action
from bot.erased import author_shown, text_shown
from bot.i18n import format_local, translations
from bot.markup import bold, html, join
from bot.models import LogEntry, Partner, Partnership
from bot.notifier import ChatUnreachable
from bot.services import people, registry
from bot.services.registry import Brief, PartnerCard, PartnerSummary
from handlers.common import Request, command, reply
from handlers.gate import Scoped, requires
from handlers.refusals import not_found_text


def log_line(req: Request, entry: LogEntry, *, shown: int) -> str:
    """'• when · who: text' for a log entry, erased ones as markers, the text cut to `shown`."""
    when = format_local(entry.occurred_at, locale=req.locale, zone=req.zone)
    return html(
        "• {when} · {author}: {text}",
        when=when,
        author=author_shown(req._, entry),
        text=text_shown(req._, entry)[:shown],
    )


def summary_line(req: Request, summary: PartnerSummary, partnership: Partnership) -> str:
    """One partner in /partners."""
    _ = req._
    p = summary.partner
    parts: list[str] = [bold(p.name)]
    if partnership.leader_partner_id == p.id:
        parts.append(_("(leader)"))
    parts.append("· " + _(labels.STATUS_LABELS.get(p.status, p.status)))
    people = join(", ", summary.representatives) or _("no representative yet")
    parts.append(html("· {people}", people=people))
    if summary.last_activity_at is not None:
        parts.append(
            "· "
            + html(
                _("last heard {when}"),
                when=format_local(summary.last_activity_at, locale=req.locale, zone=req.zone),
            )
        )
    return join(" ", parts)


@requires(Action.VIEW_REGISTRY)
async def partners_command(call: Scoped) -> None:
    """/partners: every partner with status, representatives and last activity."""
    req, scope = call.req, call.scope
    async with req.services.db.transaction() as session:
        summaries = await registry.overview(session, partnership_id=call.partnership_id)
    _ = req._
    title = html(_("<b>Partners of “{name}”</b>"), name=scope.partnership.name)
    if not summaries:
        await reply(req, title + "\n" + _("No partners yet. The coordinator adds them with /addpartner."))
        return
    count = html(req.ngettext("{n} organisation", "{n} organisations", len(summaries)), n=len(summaries))
    lines: list[str] = [html("{title} ({count})", title=title, count=count), ""] + [
        summary_line(req, s, scope.partnership) for s in summaries
    ]
    await reply(req, join("\n", lines))


@requires(Action.VIEW_REGISTRY)
async def resources_command(call: Scoped) -> None:
    """/resources: what partners contribute, by kind."""
    req = call.req
    async with req.services.db.transaction() as session:
        found = await registry.resources_of(session, partnership_id=call.partnership_id)
    _ = req._
    lines: list[str] = [html(_("<b>Resources of “{name}”</b>"), name=call.partnership.name)]
    if not found:
        lines.append(_("No resources declared yet. The coordinator records them with /resource."))
    current_kind = None
    for resource, partner in found:
        if resource.kind != current_kind:
            current_kind = resource.kind
            lines += ["", bold(_(labels.RESOURCE_LABELS.get(resource.kind, resource.kind)))]
        lines.append(resource_line(req, resource, partner))
    await reply(req, join("\n", lines))


def resource_line(req: Request, resource: Any, partner: Partner | None) -> str:
    """One resource, with its seats and availability."""
    text = html("• {description}", description=resource.description)
    if resource.seats:
        text += " " + html(req.ngettext("({n} seat)", "({n} seats)", resource.seats), n=resource.seats)
    if partner is not None:
        text += html(" — {name}", name=partner.name)
    if resource.availability:
        text += html(" · {availability}", availability=resource.availability)
    return text


def card_text(req: Request, card: PartnerCard) -> str:
    """One partner's card."""
    _ = req._
    p = card.partner
    lines: list[str] = [
        html("<b>{name}</b>{leader}", name=p.name, leader=" " + _("(leader)") if card.is_leader else "")
    ]
    lines.append(html(_("Kind: {kind}"), kind=_(labels.PARTNER_KIND_LABELS.get(p.kind, p.kind))))
    lines.append(html(_("Status: {status}"), status=_(labels.STATUS_LABELS.get(p.status, p.status))))
    if p.join_form:
        lines.append(
            html(_("Joined by: {form}"), form=_(labels.JOIN_FORM_LABELS.get(p.join_form, p.join_form)))
        )
    lines.append(
        html(
            _("Representatives: {people}"),
            people=join(", ", card.representatives) or _("none yet"),
        )
    )
    if p.target_groups:
        lines.append(html(_("Target groups: {groups}"), groups=p.target_groups))
    if p.gains:
        lines.append(html(_("Gains: {text}"), text=p.gains))
    if p.obstacles:
        lines.append(html(_("May hold it back: {text}"), text=p.obstacles))
    if card.resources:
        lines += ["", html(_("<b>Resources</b>"))] + [resource_line(req, r, None) for r in card.resources]
    lines += ["", html(_("<b>Status history</b>"))]
    for change in card.history:
        entry = html(
            "• {when}: {status}",
            when=format_local(change.changed_at, locale=req.locale, zone=req.zone, fmt="medium"),
            status=_(labels.STATUS_LABELS.get(change.status, change.status)),
        )
        if change.reason:
            entry += html(" — {reason}", reason=change.reason)
        lines.append(entry)
    lines += ["", html(_("<b>Recently in the log</b>"))]
    if not card.recent:
        lines.append(_("Nothing from this partner in the log yet."))
    for entry_row in card.recent:
        lines.append(log_line(req, entry_row, shown=200))
    return join("\n", lines)


@requires(Action.VIEW_REGISTRY)
async def partner_command(call: Scoped) -> None:
    """/partner <name>: one partner's card."""
    req, scope = call.req, call.scope
    name = call.args.strip()
    if not name:
        await reply(
            req,
            req._(
                "Type the partner's name after the command, e.g. /partner Biblioteka. "
                "Type /partners to see them all."
            ),
        )
        return
    async with req.services.db.transaction() as session:
        found = await registry.find_partner(session, partnership_id=call.partnership_id, name=name)
        card = (
            await registry.card(session, partnership=scope.partnership, partner=found.partner)
            if found.partner
            else None
        )
    if card is None:
        await reply(req, not_found_text(req, name, found.suggestions))
        return
    await reply(req, card_text(req, card))


# --------------------------------------------------------------------------- hand-over


def brief_text(req: Request, brief: Brief) -> str:
    """The hand-over brief for a (new) coordinator."""
    _ = req._
    p = brief.partnership
    lines: list[str] = [
        html(_("<b>Hand-over brief: {name}</b>"), name=p.name),
        html(_("Stage: {stage}"), stage=_(labels.STAGE_LABELS.get(p.stage, p.stage))),
    ]
    if p.communication_channels:
        channels = join(
            ", ", (_(labels.PLAN_CHANNEL_LABELS.get(c, c)) for c in p.communication_channels.split(","))
        )
        lines.append(html(_("Agreed channels: {channels}"), channels=channels))
    lines += ["", html(_("<b>Partners</b>"))]
    lines += [summary_line(req, s, p) for s in brief.partners] or [_("No partners yet.")]
    lines += ["", html(_("<b>Open matters</b>"))]
    open_matters = [
        html(_("{person} asks to represent a partner (approve in the group)"), person=r.name)
        for r in brief.pending_requests
    ]
    open_matters += [
        html(_("“{name}” has no representative yet"), name=partner.name) for partner in brief.without_people
    ]
    if brief.open_invitations:
        open_matters.append(
            html(
                req.ngettext(
                    "{n} invitation not opened yet", "{n} invitations not opened yet", brief.open_invitations
                ),
                n=brief.open_invitations,
            )
        )
    lines += [html("• {matter}", matter=m) for m in open_matters] or [_("Nothing open.")]
    lines += ["", html(_("<b>Gone quiet (30 days or more)</b>"))]
    lines += [html("• {name}", name=s.partner.name) for s in brief.quiet] or [_("Nobody.")]
    lines += ["", html(_("<b>Recent communication</b>"))]
    lines += [log_line(req, e, shown=150) for e in brief.recent] or [_("Nothing yet.")]
    return join("\n", lines)


async def send_brief(req: Request, partnership: Partnership, user_id: int, name: str) -> None:
    """Send the brief privately; if the person never opened a chat with the bot, say so in the group."""
    async with req.services.db.transaction() as session:
        fresh = await session.get(Partnership, partnership.id)
        assert fresh is not None
        brief = await registry.brief(session, partnership=fresh)
        locale = await people.locale_of(
            session, user_id=user_id, default=req.services.settings.default_locale
        )
    # The brief is for the new coordinator: in their language, not the sender's.
    theirs = dataclasses.replace(req, locale=locale, tr=translations(locale))
    try:
        await req.services.notifier.send(user_id, brief_text(theirs, brief))
    except ChatUnreachable:
        await reply(
            req,
            html(
                req._(
                    "{name}, please open a private chat with me and type /brief to get the hand-over brief."
                ),
                name=name,
            ),
        )


@requires(Action.HAND_OVER)
async def brief_command(call: Scoped) -> None:
    """/brief: the hand-over brief, for the coordinator."""
    async with call.req.services.db.transaction() as session:
        brief = await registry.brief(session, partnership=call.partnership)
    await reply(call.req, brief_text(call.req, brief))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """The registry's views (everyone in the partnership)."""
    return [
        command("partners", partners_command),
        command("resources", resources_command),
        command("partner", partner_command),
        command("brief", brief_command),
    ]
