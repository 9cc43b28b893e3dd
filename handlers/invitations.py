"""Joining a partnership: invitation links and the coordinator's answer to a join request."""

from __future__ import annotations

from bot import flows
from bot.access import Action, Role
from bot.markup import html
from bot.models import JoinRequestStatus
from bot.services import registry
from bot.services.registry import RegistryError
from bot.text import without_controls
from handlers.common import Context, button_target, reply
from handlers.gate import Opened, Pressed, anyone, requires_press
from handlers.menus import give_supervisor_menu
from handlers.refusals import error_text

# --------------------------------------------------------------------------- join requests


@requires_press(Action.MANAGE_REGISTRY, button_target)
async def join_decision(press: Pressed[tuple[int, str]]) -> None:
    """The coordinator's Approve / Reject button on a join request."""
    query = press.query
    await query.answer()
    if query.message is None:
        return
    req, scope, (request_id, verdict) = press.req, press.scope, press.target
    assert req.person is not None
    try:
        async with req.services.db.transaction() as session:
            request, partner = await registry.decide_join(
                session,
                partnership=scope.partnership,
                request_id=request_id,
                approve=verdict == "y",
                by_user_id=req.person.user_id,
            )
    except RegistryError as exc:
        await reply(req, error_text(req, exc))
        return
    text = (
        req._("Approved: {person} represents “{partner}”.")
        if request.status == JoinRequestStatus.APPROVED
        else req._("Rejected: {person} does not represent “{partner}”.")
    )
    await req.services.notifier.edit(
        req.chat_id,
        query.message.message_id,
        html(text, person=request.name, partner=partner.name),
    )


# --------------------------------------------------------------------------- invitations


def invitation_token(context: Context) -> str:
    """The token of an invitation link, from '/start <token>'."""
    return without_controls(context.args[0])[:64] if context.args else ""


@anyone()
async def redeem(call: Opened) -> None:
    """/start <token>: open an invitation and link the person in one tap."""
    req, token = call.req, invitation_token(call.context)
    if req.person is None:
        return
    try:
        async with req.services.db.transaction() as session:
            redeemed = await registry.redeem_invitation(session, token=token, person=req.person)
    except RegistryError as exc:
        await reply(req, error_text(req, exc))
        return
    if redeemed.partner is not None:
        text = html(
            req._("Welcome! You now represent “{partner}” in the partnership “{name}”."),
            partner=redeemed.partner.name,
            name=redeemed.partnership.name,
        )
    else:
        role_key = "=" + redeemed.role
        role = req._(flows.ROLE_TARGET_LABELS[role_key])
        text = html(
            req._("Welcome! You are now {role} of the partnership “{name}”."),
            role=role,
            name=redeemed.partnership.name,
        )
    await reply(req, text + "\n" + req._("Type /partners or /status to see the partnership."))
    if redeemed.role == Role.SUPERVISOR and req.bot is not None:
        await give_supervisor_menu(
            req.bot, user_id=req.person.user_id, default_locale=req.services.settings.default_locale
        )
