"""The registry's views: /partners, /resources, /partner <name>, and the hand-over brief (/brief)."""

from __future__ import annotations

import dataclasses
from typing import Any

from telegram.ext import BaseHandler

from bot import labels
from bot.access import Action
from bot.erased import author_shown, text_shown
from bot.i18n import format_local, translations
from bot.models import LogEntry, Partner, Partnership
from bot.notifier import ChatUnreachable
from bot.services import people, registry
from bot.services.registry import Brief, PartnerCard, PartnerSummary
from handlers.common import Request, command, esc, reply
from handlers.gate import Scoped, requires
from handlers.refusals import not_found_text


def log_line(req: Request, entry: LogEntry, *, shown: int) -> str:
    """'• when · who: text' for a log entry, erased ones as markers, the text cut to `shown`."""
    when = format_local(entry.occurred_at, locale=req.locale, zone=req.zone)
    return f"• {when} · {esc(author_shown(req._, entry))}: {esc(text_shown(req._, entry)[:shown])}"


def summary_line(req: Request, summary: PartnerSummary, partnership: Partnership) -> str:
    """One partner in /partners."""
    _ = req._
    p = summary.partner
    parts = [f"<b>{esc(p.name)}</b>"]
    if partnership.leader_partner_id == p.id:
        parts.append(_("(leader)"))
    parts.append("· " + _(labels.STATUS_LABELS.get(p.status, p.status)))
    people = ", ".join(esc(n) for n in summary.representatives) or _("no representative yet")
    parts.append("· " + people)
    if summary.last_activity_at is not None:
        parts.append(
            "· "
            + _("last heard {when}").format(
                when=format_local(summary.last_activity_at, locale=req.locale, zone=req.zone)
            )
        )
    return " ".join(parts)


@requires(Action.VIEW_REGISTRY)
async def partners_command(call: Scoped) -> None:
    """/partners: every partner with status, representatives and last activity."""
    req, scope = call.req, call.scope
    async with req.services.db.transaction() as session:
        summaries = await registry.overview(session, partnership_id=call.partnership_id)
    _ = req._
    title = _("<b>Partners of “{name}”</b>").format(name=esc(scope.partnership.name))
    if not summaries:
        await reply(req, title + "\n" + _("No partners yet. The coordinator adds them with /addpartner."))
        return
    count = req.ngettext("{n} organisation", "{n} organisations", len(summaries)).format(n=len(summaries))
    lines = [f"{title} ({count})", ""] + [summary_line(req, s, scope.partnership) for s in summaries]
    await reply(req, "\n".join(lines))


@requires(Action.VIEW_REGISTRY)
async def resources_command(call: Scoped) -> None:
    """/resources: what partners contribute, by kind."""
    req = call.req
    async with req.services.db.transaction() as session:
        found = await registry.resources_of(session, partnership_id=call.partnership_id)
    _ = req._
    lines = [_("<b>Resources of “{name}”</b>").format(name=esc(call.partnership.name))]
    if not found:
        lines.append(_("No resources declared yet. The coordinator records them with /resource."))
    current_kind = None
    for resource, partner in found:
        if resource.kind != current_kind:
            current_kind = resource.kind
            lines += ["", f"<b>{esc(_(labels.RESOURCE_LABELS.get(resource.kind, resource.kind)))}</b>"]
        lines.append(resource_line(req, resource, partner))
    await reply(req, "\n".join(lines))


def resource_line(req: Request, resource: Any, partner: Partner | None) -> str:
    """One resource, with its seats and availability."""
    text = "• " + esc(resource.description)
    if resource.seats:
        text += " " + req.ngettext("({n} seat)", "({n} seats)", resource.seats).format(n=resource.seats)
    if partner is not None:
        text += " — " + esc(partner.name)
    if resource.availability:
        text += " · " + esc(resource.availability)
    return text


def card_text(req: Request, card: PartnerCard) -> str:
    """One partner's card."""
    _ = req._
    p = card.partner
    lines = [
        "<b>{name}</b>{leader}".format(name=esc(p.name), leader=" " + _("(leader)") if card.is_leader else "")
    ]
    lines.append(_("Kind: {kind}").format(kind=_(labels.PARTNER_KIND_LABELS.get(p.kind, p.kind))))
    lines.append(_("Status: {status}").format(status=_(labels.STATUS_LABELS.get(p.status, p.status))))
    if p.join_form:
        lines.append(
            _("Joined by: {form}").format(form=_(labels.JOIN_FORM_LABELS.get(p.join_form, p.join_form)))
        )
    lines.append(
        _("Representatives: {people}").format(
            people=", ".join(esc(n) for n in card.representatives) or _("none yet")
        )
    )
    if p.target_groups:
        lines.append(_("Target groups: {groups}").format(groups=esc(p.target_groups)))
    if p.gains:
        lines.append(_("Gains: {text}").format(text=esc(p.gains)))
    if p.obstacles:
        lines.append(_("May hold it back: {text}").format(text=esc(p.obstacles)))
    if card.resources:
        lines += ["", _("<b>Resources</b>")] + [resource_line(req, r, None) for r in card.resources]
    lines += ["", _("<b>Status history</b>")]
    for change in card.history:
        entry = "• {when}: {status}".format(
            when=format_local(change.changed_at, locale=req.locale, zone=req.zone, fmt="medium"),
            status=_(labels.STATUS_LABELS.get(change.status, change.status)),
        )
        if change.reason:
            entry += " — " + esc(change.reason)
        lines.append(entry)
    lines += ["", _("<b>Recently in the log</b>")]
    if not card.recent:
        lines.append(_("Nothing from this partner in the log yet."))
    for entry_row in card.recent:
        lines.append(log_line(req, entry_row, shown=200))
    return "\n".join(lines)


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
    lines = [
        _("<b>Hand-over brief: {name}</b>").format(name=esc(p.name)),
        _("Stage: {stage}").format(stage=_(labels.STAGE_LABELS.get(p.stage, p.stage))),
    ]
    if p.communication_channels:
        channels = ", ".join(
            _(labels.PLAN_CHANNEL_LABELS.get(c, c)) for c in p.communication_channels.split(",")
        )
        lines.append(_("Agreed channels: {channels}").format(channels=channels))
    lines += ["", _("<b>Partners</b>")]
    lines += [summary_line(req, s, p) for s in brief.partners] or [_("No partners yet.")]
    lines += ["", _("<b>Open matters</b>")]
    open_matters = [
        _("{person} asks to represent a partner (approve in the group)").format(person=esc(r.name))
        for r in brief.pending_requests
    ]
    open_matters += [
        _("“{name}” has no representative yet").format(name=esc(partner.name))
        for partner in brief.without_people
    ]
    if brief.open_invitations:
        open_matters.append(
            req.ngettext(
                "{n} invitation not opened yet", "{n} invitations not opened yet", brief.open_invitations
            ).format(n=brief.open_invitations)
        )
    lines += [f"• {m}" for m in open_matters] or [_("Nothing open.")]
    lines += ["", _("<b>Gone quiet (30 days or more)</b>")]
    lines += [f"• {esc(s.partner.name)}" for s in brief.quiet] or [_("Nobody.")]
    lines += ["", _("<b>Recent communication</b>")]
    lines += [log_line(req, e, shown=150) for e in brief.recent] or [_("Nothing yet.")]
    return "\n".join(lines)


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
            req._(
                "{name}, please open a private chat with me and type /brief to get the hand-over brief."
            ).format(name=esc(name)),
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

