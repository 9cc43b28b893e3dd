"""The guided flows in the chat: start a form, take its buttons and typed answers, save it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any
from zoneinfo import ZoneInfo

from telegram import CallbackQuery, Update
from telegram.error import TelegramError

from bot import flows
from bot.access import Action
from bot.db import stored_id, utcnow
from bot.flows import FLOWS, Applied, Data, FlowInputError, FlowName, Key, Mark, engine
from bot.i18n import format_local
from bot.markup import html, mention
from bot.models import Draft, TargetGroup
from bot.notifier import Button, ChatUnreachable
from bot.services import registry
from bot.services.people import PersonInfo
from bot.services.registry import RegistryError
from handlers.common import (
    STALE_BUTTON,
    Context,
    Request,
    Scope,
    reply,
)
from handlers.form_view import flow_error_text, prompt, show_step
from handlers.gate import Opened, Scoped, anyone, authorise, requires
from handlers.menus import give_coordinator_menus, take_coordinator_menus
from handlers.partners import send_brief
from handlers.refusals import NOTHING_SAVED_SUFFIX, error_text, not_found_text

log = logging.getLogger(__name__)
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


def group_label(req: Request, group: TargetGroup) -> str:
    """A target group's name in the user's language (custom groups as the coordinator named them)."""
    label = flows.TARGET_GROUP_LABELS.get(group.key)
    return req._(label) if label else group.name


async def start_flow(
    req: Request, scope: Scope, flow_name: str, preset: Data | None = None, *, typed: str = ""
) -> None:
    """Begin a guided flow for this person in this chat; text typed after the command answers the
    first typed question (/addpartner Biblioteka)."""
    assert req.person is not None
    flow = FLOWS[flow_name]
    preparing = engine.Preparing(scope.partnership, utcnow(), lambda g: group_label(req, g))
    async with req.services.db.transaction() as session:
        data = await engine.prepare(session, flow, preparing)
    data.update(preset or {})
    refused: str | None = None
    first = flows.current_step(flow, data)
    if typed.strip() and first is not None and first.parse is not None:
        try:
            data = engine.answer_typed(flow, data, typed)
        except FlowInputError as exc:
            refused = flow_error_text(req, exc, data)
    async with req.services.db.transaction() as session:
        draft = await engine.start(
            session,
            user_id=req.person.user_id,
            chat_id=req.chat_id,
            partnership_id=stored_id(scope.partnership),
            flow=flow_name,
            data=data,
        )
    message_id = await show_step(req, flow, data)
    if message_id is not None:
        async with req.services.db.transaction() as session:
            await engine.store(session, draft=draft, data={**data, Key.MESSAGE: message_id})
    if refused:
        await reply(req, refused)


async def _partner_preset(req: Request, scope: Scope, name: str) -> Data | None:
    """{'partner': id} for a typed name, or None after saying it was not found."""
    if not name.strip():
        return {}
    async with req.services.db.transaction() as session:
        found = await registry.find_partner(session, partnership_id=stored_id(scope.partnership), name=name)
    if found.partner is None:
        await reply(req, not_found_text(req, name.strip(), found.suggestions))
        return None
    return {"partner": str(found.partner.id)}


def flow_command(flow_name: str, *, takes_partner: bool = False) -> Handler:
    """A command that starts a flow, optionally with a partner named after it."""

    async def command(call: Scoped) -> None:
        req, scope = call.req, call.scope
        preset: Data | None = {}
        typed = ""
        if takes_partner:
            preset = await _partner_preset(req, scope, call.args)
            if preset is None:
                return
        elif flow_name != FlowName.SCHEDULE:  # '/schedule add' is the command itself
            typed = call.args  # '/period Wiosna 2027' answers the first question
        await start_flow(req, scope, flow_name, preset, typed=typed)

    command.__name__ = f"{flow_name}_command"
    command.__doc__ = f"Start the {flow_name} flow."
    return requires(FLOWS[flow_name].action)(command)


_flow_command = flow_command  # the name other handlers still import


status_command = flow_command(FlowName.STATUS, takes_partner=True)
resource_command = flow_command(FlowName.RESOURCE, takes_partner=True)
details_command = flow_command(FlowName.DETAILS, takes_partner=True)
leader_command = flow_command(FlowName.LEADER)
stage_command = flow_command(FlowName.STAGE)
commplan_command = flow_command(FlowName.COMMPLAN)
join_command = flow_command(FlowName.JOIN)
handover_command = flow_command(FlowName.HANDOVER)


@requires(Action.MANAGE_REGISTRY)
async def add_partner_command(call: Scoped) -> None:
    """/addpartner [name]: the new-partner flow, with the name already given if typed."""
    await start_flow(call.req, call.scope, FlowName.PARTNER, typed=call.args)


@requires(Action.MANAGE_REGISTRY)
async def invite_command(call: Scoped) -> None:
    """/invite [partner name]: an invitation link for a partner, supervisor or ambassador."""
    req, scope = call.req, call.scope
    preset = await _partner_preset(req, scope, call.args)
    if preset is None:
        return
    if "partner" in preset:
        preset = {"target": preset["partner"]}
    await start_flow(req, scope, FlowName.INVITE, preset)


@anyone()
async def cancel_command(call: Opened) -> None:
    """/cancel: drop the flow in progress; nothing is saved."""
    req = call.req
    if req.person is None:
        return
    async with req.services.db.transaction() as session:
        dropped = await engine.drop(session, user_id=req.person.user_id, chat_id=req.chat_id)
    await reply(
        req, req._("Cancelled. Nothing was saved.") if dropped else req._("There is nothing to cancel.")
    )


async def _load_flow(req: Request, query: CallbackQuery | None = None) -> tuple[Draft, Data, Scope] | None:
    """The caller's draft in this chat, re-authorised against its partnership: the draft's flow
    decides the action, so this is the gate's one call made after the opening."""
    assert req.person is not None
    async with req.services.db.transaction() as session:
        found = await engine.get(session, user_id=req.person.user_id, chat_id=req.chat_id)
    if found is None:
        return None
    draft, data = found
    scope = await authorise(
        req,
        FLOWS[draft.flow].action,
        partnership_id=draft.partnership_id,
        query=query,
    )
    if scope is None:
        async with req.services.db.transaction() as session:
            await engine.drop(session, user_id=req.person.user_id, chat_id=req.chat_id)
        return None
    return draft, data, scope


@anyone()
async def flow_button(call: Opened) -> None:
    """A button of a guided flow: choose, save or cancel (the draft's flow decides who may)."""
    query, req = call.update.callback_query, call.req
    assert query is not None
    if req.person is None or query.message is None:
        await query.answer(req._(STALE_BUTTON))
        return
    async with req.services.db.transaction() as session:
        has_draft = await engine.get(session, user_id=req.person.user_id, chat_id=req.chat_id) is not None
    if not has_draft:
        await query.answer(req._("This form has ended. Start again with the command."))
        return
    loaded = await _load_flow(req, query)
    if loaded is None:
        return  # the presser was told why, in an alert only they see
    draft, data, scope = loaded
    value = (query.data or "").removeprefix("f:")
    message_id = query.message.message_id
    flow = FLOWS[draft.flow]
    if value not in (Mark.CANCEL, Mark.SAVE):
        try:
            data = flows.choose(flow, data, value)
        except FlowInputError as exc:
            await query.answer(flow_error_text(req, exc, data))
            return
    await query.answer()
    if value == Mark.CANCEL:
        async with req.services.db.transaction() as session:
            await engine.drop(session, user_id=req.person.user_id, chat_id=req.chat_id)
        await req.services.notifier.edit(req.chat_id, message_id, req._("Cancelled. Nothing was saved."))
        return
    if value == Mark.SAVE:
        await _save(req, scope, draft, data, message_id)
        return
    data = {**data, Key.MESSAGE: message_id}
    async with req.services.db.transaction() as session:
        await engine.store(session, draft=draft, data=data)
    await show_step(req, flow, data, edit_message_id=message_id)


# A refusal at Save that one answer can fix: the draft is kept and that step is asked again.
REFUSAL_STEPS: dict[str, str] = {
    "duplicate": "name",
    "name_length": "name",
    "same_status": "status",
    "reason_needed": "reason",
    "leader_not_member": "partner",
    "description_needed": "description",
    "seats": "seats",
    "more_than_room": "seats",
    "no_period": "when",
    "meeting_past": "when",
    "due_past": "due",
    "period_dates": "end",
    "period_overlap": "start",
    "count": "count",
    "more_than_registered": "trained",
    "more_than_seats": "trained",
    "negative": "registered",
    "disability_over": "disabled",
    "sources_over": "sources",
}


async def _save(req: Request, scope: Scope, draft: Draft, data: Data, message_id: int | None) -> None:
    """Apply a confirmed flow in one transaction, drop its draft, and say what was saved; a refusal
    one answer can fix keeps the draft and asks that question again."""
    assert req.person is not None
    flow_name = draft.flow
    if flows.current_step(FLOWS[flow_name], data) is not None:
        await reply(req, req._("Answer the remaining questions first."))
        return
    try:
        async with req.services.db.transaction() as session:
            applied = await engine.apply(
                session, flow=FLOWS[flow_name], data=data, partnership=scope.partnership, person=req.person
            )
            await engine.drop(session, user_id=req.person.user_id, chat_id=req.chat_id)
    except RegistryError as exc:
        step = REFUSAL_STEPS.get(exc.reason)
        flow = FLOWS[flow_name]
        if step is not None and step in data and any(s.name == step for s in flow.steps):
            kept = engine.without_answer(data, step)
            async with req.services.db.transaction() as session:
                await engine.store(session, draft=draft, data=kept)
            await reply(req, error_text(req, exc).replace(req._(NOTHING_SAVED_SUFFIX), "").strip())
            await show_step(req, flow, kept, edit_message_id=message_id)
            return
        async with req.services.db.transaction() as session:
            await engine.drop(session, user_id=req.person.user_id, chat_id=req.chat_id)
        text = error_text(req, exc)
        if message_id is not None:
            await req.services.notifier.edit(req.chat_id, message_id, text)
        else:
            await reply(req, text)
        return
    await _announce(req, scope, applied, data, message_id)


def saved_text(req: Request, scope: Scope, applied: Applied) -> str:
    """What was saved, in the user's language, with the invitation link if one was made."""
    zone = ZoneInfo(scope.partnership.timezone)
    values: dict[str, object] = {k: str(v) for k, v in applied.values.items()}
    if applied.first_run_at is not None:
        values["when"] = format_local(applied.first_run_at, locale=req.locale, zone=zone, fmt="weekday")
    if "status" in applied.values:
        values["status"] = req._(flows.STATUS_LABELS[str(applied.values["status"])])
    text = html(req._(applied.message), **values)
    if applied.asked_run_at is not None:
        text += " " + html(
            req._(
                "It was moved from {asked}: I send nothing between 20:00 and 8:00, at weekends or on "
                "public holidays."
            ),
            asked=format_local(applied.asked_run_at, locale=req.locale, zone=zone, fmt="weekday"),
        )
    if applied.invitation_token:
        username = req.services.bot_username
        text += html(
            "\nhttps://t.me/{username}?start={token}", username=username, token=applied.invitation_token
        )
    return text


async def _announce(req: Request, scope: Scope, applied: Applied, data: Data, message_id: int | None) -> None:
    """Tell the user what was saved, and do what follows from it (links, approvals, briefs)."""
    text = saved_text(req, scope, applied)
    # It is saved: the user must hear so even if the form's message can no longer be edited.
    edited = False
    if message_id is not None:
        try:
            await req.services.notifier.edit(req.chat_id, message_id, text)
            edited = True
        except (ChatUnreachable, TelegramError) as exc:
            log.info("could not edit the form message (%s); saying it in a new one", exc)
    if not edited:
        await reply(req, text)
    if applied.join_request_id is not None:
        await _ask_approval(req, scope, applied.join_request_id, data)
    if applied.task_id or applied.meeting_id:
        req.services.wake_scheduler()  # the announcement goes out now, from the scheduler
    if applied.new_coordinator is not None:
        await _welcome_coordinator(req, scope, applied.new_coordinator)


async def _ask_approval(req: Request, scope: Scope, request_id: int, data: Data) -> None:
    """Ask the coordinator, in the chat, to approve a request to represent a partner."""
    partner_name = next(
        (n for pid, n, _s in data.get(Key.PARTNERS, []) if str(pid) == data.get("partner")), ""
    )
    assert req.person is not None
    await reply(
        req,
        html(
            req._("{person} asks to represent “{partner}”. {coordinator}, do you approve?"),
            person=req.person.display_name,
            partner=partner_name,
            coordinator=mention(scope.partnership.coordinator_user_id, scope.partnership.coordinator_name),
        ),
        buttons=[
            [
                Button(req._("✔ Approve"), f"jr:{request_id}:y"),
                Button(req._("✖ Reject"), f"jr:{request_id}:n"),
            ]
        ],
    )


async def _welcome_coordinator(req: Request, scope: Scope, new: PersonInfo) -> None:
    """Brief the new coordinator and move the coordinator's menus from the old one to them."""
    await send_brief(req, scope.partnership, new.user_id, new.display_name)
    if req.bot is not None and req.person is not None:
        chat_id = scope.partnership.chat_id
        await take_coordinator_menus(req.bot, chat_id=chat_id, user_id=req.person.user_id)
        await give_coordinator_menus(
            req.bot,
            chat_id=chat_id,
            user_id=new.user_id,
            default_locale=req.services.settings.default_locale,
        )


async def _accept_text(req: Request, text: str) -> None:
    """Typed text for the current step of the caller's flow."""
    loaded = await _load_flow(req)
    if loaded is None:
        return
    draft, data, _scope = loaded
    flow = FLOWS[draft.flow]
    try:
        data = engine.answer_typed(flow, data, text)
    except FlowInputError as exc:
        await prompt(req, flow_error_text(req, exc, data) + "\n" + req._("Type it again, or /cancel."))
        return
    message_id = await show_step(req, flow, data, edit_message_id=data.get(Key.MESSAGE))
    async with req.services.db.transaction() as session:
        await engine.store(session, draft=draft, data={**data, Key.MESSAGE: message_id})


async def flow_text(update: Update, context: Context) -> None:
    """A typed answer: any text privately; in a group, a reply to the bot's question."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    if message.chat.type != "private":
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
            return
    await _typed(update, context)


@anyone()
async def _typed(call: Opened) -> None:
    """A typed answer that may be for the caller's flow (the draft's flow decides who may)."""
    update, req = call.update, call.req
    message = update.effective_message
    assert message is not None and message.text is not None
    if req.person is None:
        return
    if update.edited_message is not None:
        # An edited reply to a check-in updates the answer; edits are never answers to a form.
        if message.chat.type != "private":
            from handlers.checkins import reply_to_round

            await reply_to_round(req, message)
        else:
            await reply(
                req, req._("I don't take an edited message as an answer. Send it again as a new one.")
            )
        return
    async with req.services.db.transaction() as session:
        has_draft = await engine.get(session, user_id=req.person.user_id, chat_id=req.chat_id) is not None
    if not has_draft:
        if message.chat.type != "private":
            from handlers.checkins import reply_to_round

            await reply_to_round(req, message)
        else:
            await reply(req, req._("I only understand commands here. Type /help to see them."))
        return
    await _accept_text(req, message.text)
