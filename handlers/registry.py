"""The registry in the chat: guided flows, invitations, join requests, views and hand-over."""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from telegram import CallbackQuery, Update
from telegram.error import TelegramError

from bot import flows
from bot.access import Action, Where
from bot.db import utcnow
from bot.flows import CANCEL, DONE, FLOWS, SAVE, Data, FlowInputError
from bot.i18n import N_, format_local
from bot.models import TargetGroup
from bot.notifier import Button, ChatUnreachable, Keyboard
from bot.services import drafts, registry
from bot.services.dispatch import mention
from bot.services.drafts import Applied
from bot.services.registry import RegistryError
from handlers.common import (
    STALE_BUTTON,
    Context,
    Request,
    Scope,
    begin,
    button_press,
    command_args,
    esc,
    reply,
    scope_for,
)
from handlers.menus import give_coordinator_menus, give_supervisor_menu, take_coordinator_menus
from handlers.partners import not_found_text, send_brief

log = logging.getLogger(__name__)

ERRORS: dict[str, str] = {
    "duplicate": N_("“{existing}” is already in the registry. Type /partner {existing} to see it."),
    "name_length": N_("A name needs 2 to 120 characters."),
    "text_length": N_("That is too long: at most 1000 characters."),
    "seats": N_("Type the number of seats as a whole number from 1 to 500, e.g. 12."),
    "same_status": N_("The partner already has that status. Nothing was changed."),
    "reason_needed": N_("A withdrawal needs a reason. Nothing was changed."),
    "leader_not_member": N_("Only a partner that has joined can lead. Nothing was changed."),
    "description_needed": N_("Describe the resource in a few words. Nothing was saved."),
    "partner_unknown": N_("That partner is not in this partnership's registry. Nothing was saved."),
    "invitation_unknown": N_("I don't know this invitation. Ask your coordinator for a new link."),
    "invitation_used": N_("This invitation has already been used. Ask your coordinator for a new link."),
    "invitation_expired": N_("This invitation has expired. Ask your coordinator for a new link."),
    "already_representative": N_("You already represent “{partner}”."),
    "request_unknown": N_("I don't know that request."),
    "request_decided": N_("That request has already been decided."),
    "already_coordinator": N_("That person is already the coordinator."),
    "flow_unknown": N_("Nothing was saved."),
    "round_unknown": N_("That check-in is not from this partnership."),
    "due_past": N_("That date has passed. Nothing was saved."),
    "meeting_past": N_("That time has passed. Nothing was saved."),
    "task_unknown": N_("I don't know that task."),
    "meeting_unknown": N_("I don't know that meeting."),
    "period_dates": N_("A period must end after it starts and last at most three years. Nothing was saved."),
    "period_overlap": N_("That overlaps the period “{existing}”. Nothing was saved."),
    "count": N_("Type a number from 0 to 100000. Nothing was saved."),
    "more_than_room": N_("That room has only {seats} seats. Nothing was saved."),
    "no_period": N_(
        "That date is outside every plan period. Add a period with /period first. Nothing was saved."
    ),
    "negative": N_("Counts cannot be negative. Nothing was saved."),
    "more_than_registered": N_("More trained than registered? Check the numbers. Nothing was saved."),
    "more_than_seats": N_("More trained than the {seats} seats? Check the numbers. Nothing was saved."),
    "disability_over": N_("More people with a disability than trained? Nothing was saved."),
    "sources_over": N_("More recruited than registered? Check the numbers. Nothing was saved."),
}
NOTHING_SAVED_SUFFIX = N_("Nothing was saved.")
FLOW_ACTIONS = {
    "join": Action.REQUEST_JOIN,
    "handover": Action.HAND_OVER,
    "period": Action.MANAGE_PLAN,
    "target": Action.MANAGE_PLAN,
    "session": Action.MANAGE_PLAN,
    "trained": Action.MANAGE_PLAN,
    "schedule": Action.MANAGE_SCHEDULES,
    "task": Action.MANAGE_SCHEDULES,
    "meeting": Action.MANAGE_SCHEDULES,
}
PLAN_FLOWS = {"target", "session", "trained", "period", "task", "meeting", "schedule"}
PER_ROW = 2


def group_label(req: Request, group: TargetGroup) -> str:
    """A target group's name in the user's language (custom groups as the coordinator named them)."""
    label = flows.TARGET_GROUP_LABELS.get(group.key)
    return req._(label) if label else group.name


def error_text(req: Request, error: RegistryError) -> str:
    """A registry refusal in the user's language."""
    details = {k: esc(str(v)) for k, v in error.details.items()}
    return req._(ERRORS.get(error.reason, ERRORS["flow_unknown"])).format(**details)


def label(req: Request, option: flows.Option) -> str:
    """A button label in the user's language."""
    return req._(option.label) if option.translate else option.label


SHOWN_MAX = 300  # a long answer is shortened in the summary (it is saved in full)


def answer_text(req: Request, step: flows.Step, value: Any, data: Data) -> str:
    """How an answer looks in the summary: labels and names, local dates, numbers as typed."""
    if step.options is not None:
        options = {o.value: label(req, o) for o in flows.options_for(step, {**data, step.name: None})}
        values = value if isinstance(value, list) else [value]
        return ", ".join(esc(options.get(str(v), str(v))) for v in values)
    shown = str(data.get("_shown", {}).get(step.name, value))
    if len(shown) > SHOWN_MAX:
        shown = shown[:SHOWN_MAX] + "…"
    return esc(shown) if shown not in ("", "-") else "—"


def question_text(req: Request, step: flows.Step, data: Data) -> str:
    """A step's question with its examples filled in from the draft, escaped."""
    return esc(req._(step.question).format_map(flows.Hints(data)))


def flow_error_text(req: Request, exc: FlowInputError, data: Data) -> str:
    """Why a typed answer or a button was refused, with the values it names."""
    values = flows.Hints(data)
    values.update({k: str(v) for k, v in exc.details.items()})
    return esc(req._(exc.message).format_map(values))


def step_message(req: Request, flow: flows.Flow, data: Data) -> tuple[str, Keyboard, bool]:
    """The text, buttons and whether a typed reply is expected, for the draft's next step."""
    _ = req._
    lines = [f"<b>{esc(_(flow.title))}</b>"]
    for step, value in flows.public_answers(flow, data):
        lines.append(f"• {question_text(req, step, data)} <i>{answer_text(req, step, value, data)}</i>")
    next_step = flows.current_step(flow, data)
    cancel = Button(_("✖ Cancel"), "f:" + CANCEL)
    if next_step is None:
        lines += ["", _("Save this?")]
        return "\n".join(lines), [[Button(_("✔ Save"), "f:" + SAVE), cancel]], False
    lines += ["", question_text(req, next_step, data)]
    if next_step.options is None:
        lines.append(_("(Reply with text, or type /cancel.)"))
        return "\n".join(lines), [[cancel]], True
    picked = set(data.get("_picked", []))
    buttons = [
        Button(("✓ " if o.value in picked else "") + label(req, o)[:40], "f:" + o.value)
        for o in flows.options_for(next_step, data)
    ]
    rows: list[list[Button]] = [buttons[i : i + PER_ROW] for i in range(0, len(buttons), PER_ROW)]
    if next_step.multi:
        rows.append([Button(_("Done"), "f:" + DONE)])
    rows.append([cancel])
    if not buttons and flow.name == "handover":
        lines.append(
            _(
                "Nobody can take over yet: the new coordinator must first represent a partner. "
                "Send them an invitation with /invite, then type /handover again."
            )
        )
    elif not buttons:
        lines.append(_("There is nothing to choose from yet. Type /addpartner to add a partner first."))
    return "\n".join(lines), rows, False


def form_filler(req: Request) -> str:
    """The person filling the form, mentioned so a selective reply prompt pops up only for them."""
    assert req.person is not None
    return mention(req.person.user_id, req.person.display_name)


async def prompt(req: Request, text: str) -> None:
    """A short question that asks for a typed reply: in a group, only the person filling the form
    gets the reply field (a selective prompt, with them mentioned)."""
    if req.where is Where.GROUP and req.person is not None:
        text = f"{form_filler(req)}, {text}"
    await reply(req, text, force_reply=True)


async def show_step(
    req: Request, flow: flows.Flow, data: Data, *, edit_message_id: int | None = None
) -> int | None:
    """Show the form: one message edited as it advances (its id is returned); a typed answer in a
    group is asked for with a short selective prompt, never by repeating the summary."""
    text, buttons, wants_text = step_message(req, flow, data)
    message_id = edit_message_id
    if message_id is not None:
        try:
            await req.services.notifier.edit(req.chat_id, message_id, text, buttons=buttons)
        except ChatUnreachable:
            return None
        except TelegramError as exc:  # the message is gone or too old to edit: show it anew
            log.info("form message %s not edited (%s); sending it again", message_id, exc)
            message_id = None
    if message_id is None:
        sent = await reply(req, text, buttons=buttons)
        message_id = sent.message_id if sent else None
    if wants_text and req.where is Where.GROUP:
        step = flows.current_step(flow, data)
        assert step is not None
        await prompt(req, question_text(req, step, data))
    return message_id


async def start_flow(
    req: Request, scope: Scope, flow_name: str, preset: Data | None = None, *, typed: str = ""
) -> None:
    """Begin a guided flow for this person in this chat; text typed after the command answers the
    first typed question (/addpartner Biblioteka)."""
    assert req.person is not None and scope.partnership.id is not None
    async with req.services.db.transaction() as session:
        data = await drafts.context_for(session, partnership=scope.partnership)
        if flow_name in PLAN_FLOWS:
            data.update(
                await drafts.plan_context(
                    session,
                    partnership=scope.partnership,
                    now=utcnow(),
                    group_label=lambda g: group_label(req, g),
                )
            )
        data.update(preset or {})
    flow = FLOWS[flow_name]
    refused: str | None = None
    first = flows.current_step(flow, data)
    if typed.strip() and first is not None and first.parse is not None:
        try:
            data = answer_typed(flow, data, typed)
        except FlowInputError as exc:
            refused = flow_error_text(req, exc, data)
    async with req.services.db.transaction() as session:
        draft = await drafts.start(
            session,
            user_id=req.person.user_id,
            chat_id=req.chat_id,
            partnership_id=scope.partnership.id,
            flow=flow_name,
            data=data,
        )
    message_id = await show_step(req, flow, data)
    if message_id is not None:
        async with req.services.db.transaction() as session:
            await drafts.store(session, draft=draft, data={**data, "_msg": message_id})
    if refused:
        await reply(req, refused)


def answer_typed(flow: flows.Flow, data: Data, text: str) -> Data:
    """Apply a typed answer and remember how to show it (as typed; dates as people write them)."""
    step = flows.current_step(flow, data)
    updated = flows.type_in(flow, data, text)
    if step is not None:
        shown = {**updated.get("_shown", {}), step.name: flows.shown_value(step, updated[step.name], text)}
        updated = {**updated, "_shown": shown}
    return updated


async def _partner_preset(req: Request, scope: Scope, name: str) -> Data | None:
    """{'partner': id} for a typed name, or None after saying it was not found."""
    if not name.strip():
        return {}
    assert scope.partnership.id is not None
    async with req.services.db.transaction() as session:
        found = await registry.find_partner(session, partnership_id=scope.partnership.id, name=name)
    if found.partner is None:
        await reply(req, not_found_text(req, name.strip(), found.suggestions))
        return None
    return {"partner": str(found.partner.id)}


def _flow_command(flow_name: str, *, takes_partner: bool = False):  # type: ignore[no-untyped-def]
    """A command that starts a flow, optionally with a partner named after it."""

    async def command(update: Update, context: Context) -> None:
        req = await begin(update, context)
        scope = await scope_for(req, FLOW_ACTIONS.get(flow_name, Action.MANAGE_REGISTRY))
        if scope is None:
            return
        preset: Data | None = {}
        typed = ""
        if takes_partner:
            preset = await _partner_preset(req, scope, command_args(update))
            if preset is None:
                return
        elif flow_name != "schedule":  # '/schedule add' is the command itself
            typed = command_args(update)  # '/period Wiosna 2027' answers the first question
        await start_flow(req, scope, flow_name, preset, typed=typed)

    command.__name__ = f"{flow_name}_command"
    command.__doc__ = f"Start the {flow_name} flow."
    return command


status_command = _flow_command("status", takes_partner=True)
resource_command = _flow_command("resource", takes_partner=True)
details_command = _flow_command("details", takes_partner=True)
leader_command = _flow_command("leader")
stage_command = _flow_command("stage")
commplan_command = _flow_command("commplan")
join_command = _flow_command("join")
handover_command = _flow_command("handover")


async def add_partner_command(update: Update, context: Context) -> None:
    """/addpartner [name]: the new-partner flow, with the name already given if typed."""
    req = await begin(update, context)
    scope = await scope_for(req, Action.MANAGE_REGISTRY)
    if scope is None:
        return
    await start_flow(req, scope, "partner", typed=command_args(update))


async def invite_command(update: Update, context: Context) -> None:
    """/invite [partner name]: an invitation link for a partner, supervisor or ambassador."""
    req = await begin(update, context)
    scope = await scope_for(req, Action.MANAGE_REGISTRY)
    if scope is None:
        return
    preset = await _partner_preset(req, scope, command_args(update))
    if preset is None:
        return
    if "partner" in preset:
        preset = {"target": preset["partner"]}
    await start_flow(req, scope, "invite", preset)


async def cancel_command(update: Update, context: Context) -> None:
    """/cancel: drop the flow in progress; nothing is saved."""
    req = await begin(update, context)
    if req.person is None:
        return
    async with req.services.db.transaction() as session:
        dropped = await drafts.drop(session, user_id=req.person.user_id, chat_id=req.chat_id)
    await reply(
        req, req._("Cancelled. Nothing was saved.") if dropped else req._("There is nothing to cancel.")
    )


async def _load_flow(req: Request, query: CallbackQuery | None = None) -> tuple[Any, Data, Scope] | None:
    """The caller's draft in this chat, re-authorised against its partnership."""
    assert req.person is not None
    async with req.services.db.transaction() as session:
        found = await drafts.get(session, user_id=req.person.user_id, chat_id=req.chat_id)
    if found is None:
        return None
    draft, data = found
    scope = await scope_for(
        req,
        FLOW_ACTIONS.get(draft.flow, Action.MANAGE_REGISTRY),
        partnership_id=draft.partnership_id,
        query=query,
    )
    if scope is None:
        async with req.services.db.transaction() as session:
            await drafts.drop(session, user_id=req.person.user_id, chat_id=req.chat_id)
        return None
    return draft, data, scope


async def flow_button(update: Update, context: Context) -> None:
    """A button of a guided flow: choose, save or cancel."""
    query = update.callback_query
    assert query is not None
    req = await begin(update, context)
    if req.person is None or query.message is None:
        await query.answer(req._(STALE_BUTTON))
        return
    async with req.services.db.transaction() as session:
        has_draft = await drafts.get(session, user_id=req.person.user_id, chat_id=req.chat_id) is not None
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
    if value not in (CANCEL, SAVE):
        try:
            data = flows.choose(flow, data, value)
        except FlowInputError as exc:
            await query.answer(flow_error_text(req, exc, data))
            return
    await query.answer()
    if value == CANCEL:
        async with req.services.db.transaction() as session:
            await drafts.drop(session, user_id=req.person.user_id, chat_id=req.chat_id)
        await req.services.notifier.edit(req.chat_id, message_id, req._("Cancelled. Nothing was saved."))
        return
    if value == SAVE:
        await _save(req, scope, draft, data, message_id)
        return
    data = {**data, "_msg": message_id}
    async with req.services.db.transaction() as session:
        await drafts.store(session, draft=draft, data=data)
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


async def _save(req: Request, scope: Scope, draft: Any, data: Data, message_id: int | None) -> None:
    """Apply a confirmed flow in one transaction, drop its draft, and say what was saved; a refusal
    one answer can fix keeps the draft and asks that question again."""
    assert req.person is not None
    flow_name = draft.flow
    if flows.current_step(FLOWS[flow_name], data) is not None:
        await reply(req, req._("Answer the remaining questions first."))
        return
    try:
        async with req.services.db.transaction() as session:
            applied = await drafts.apply(
                session, flow=flow_name, data=data, partnership=scope.partnership, person=req.person
            )
            await drafts.drop(session, user_id=req.person.user_id, chat_id=req.chat_id)
    except RegistryError as exc:
        step = REFUSAL_STEPS.get(exc.reason)
        flow = FLOWS[flow_name]
        if step is not None and step in data and any(s.name == step for s in flow.steps):
            kept = {k: v for k, v in data.items() if k != step}
            kept["_shown"] = {k: v for k, v in data.get("_shown", {}).items() if k != step}
            async with req.services.db.transaction() as session:
                await drafts.store(session, draft=draft, data=kept)
            await reply(req, error_text(req, exc).replace(req._(NOTHING_SAVED_SUFFIX), "").strip())
            await show_step(req, flow, kept, edit_message_id=message_id)
            return
        async with req.services.db.transaction() as session:
            await drafts.drop(session, user_id=req.person.user_id, chat_id=req.chat_id)
        text = error_text(req, exc)
        if message_id is not None:
            await req.services.notifier.edit(req.chat_id, message_id, text)
        else:
            await reply(req, text)
        return
    await _announce(req, scope, applied, data, message_id)


async def _announce(req: Request, scope: Scope, applied: Applied, data: Data, message_id: int | None) -> None:
    """Tell the user what was saved, and do what follows from it (links, approvals, briefs)."""
    values = {k: esc(str(v)) for k, v in applied.values.items()}
    if applied.first_run_at is not None:
        values["when"] = format_local(
            applied.first_run_at, locale=req.locale, zone=ZoneInfo(scope.partnership.timezone), fmt="weekday"
        )
    if "status" in applied.values:
        values["status"] = req._(flows.STATUS_LABELS[str(applied.values["status"])])
    text = req._(applied.message).format(**values)
    if applied.asked_run_at is not None:
        text += " " + req._(
            "It was moved from {asked}: I send nothing between 20:00 and 8:00, at weekends or on "
            "public holidays."
        ).format(
            asked=format_local(
                applied.asked_run_at,
                locale=req.locale,
                zone=ZoneInfo(scope.partnership.timezone),
                fmt="weekday",
            )
        )
    if applied.invitation_token:
        username = req.services.bot_username
        text += f"\nhttps://t.me/{username}?start={applied.invitation_token}"
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
        partner_name = next(
            (n for pid, n, _s in data.get("_partners", []) if str(pid) == data.get("partner")), ""
        )
        assert req.person is not None
        await reply(
            req,
            req._("{person} asks to represent “{partner}”. {coordinator}, do you approve?").format(
                person=esc(req.person.display_name),
                partner=esc(partner_name),
                coordinator=mention(
                    scope.partnership.coordinator_user_id, scope.partnership.coordinator_name
                ),
            ),
            buttons=[
                [
                    Button(req._("✔ Approve"), f"jr:{applied.join_request_id}:y"),
                    Button(req._("✖ Reject"), f"jr:{applied.join_request_id}:n"),
                ]
            ],
        )
    if applied.task_id or applied.meeting_id:
        req.services.wake_scheduler()  # the announcement goes out now, from the scheduler
    if applied.new_coordinator is not None:
        await send_brief(
            req, scope.partnership, applied.new_coordinator.user_id, applied.new_coordinator.display_name
        )
        if req.bot is not None and req.person is not None:
            chat_id = scope.partnership.chat_id
            await take_coordinator_menus(req.bot, chat_id=chat_id, user_id=req.person.user_id)
            await give_coordinator_menus(
                req.bot,
                chat_id=chat_id,
                user_id=applied.new_coordinator.user_id,
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
        data = answer_typed(flow, data, text)
    except FlowInputError as exc:
        await prompt(req, flow_error_text(req, exc, data) + "\n" + req._("Type it again, or /cancel."))
        return
    message_id = await show_step(req, flow, data, edit_message_id=data.get("_msg"))
    async with req.services.db.transaction() as session:
        await drafts.store(session, draft=draft, data={**data, "_msg": message_id})


async def flow_text(update: Update, context: Context) -> None:
    """A typed answer: any text privately; in a group, a reply to the bot's question."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    if message.chat.type != "private":
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
            return
    req = await begin(update, context)
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
        has_draft = await drafts.get(session, user_id=req.person.user_id, chat_id=req.chat_id) is not None
    if not has_draft:
        if message.chat.type != "private":
            from handlers.checkins import reply_to_round

            await reply_to_round(req, message)
        else:
            await reply(req, req._("I only understand commands here. Type /help to see them."))
        return
    await _accept_text(req, message.text)


# --------------------------------------------------------------------------- join requests


async def join_decision(update: Update, context: Context) -> None:
    """The coordinator's Approve / Reject button on a join request."""
    query = update.callback_query
    assert query is not None
    press = await button_press(update, context, Action.MANAGE_REGISTRY)
    if press is None:
        return
    await query.answer()
    if query.message is None:
        return
    req, scope, request_id, verdict = press.req, press.scope, press.target_id, press.choice
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
        if request.status == "approved"
        else req._("Rejected: {person} does not represent “{partner}”.")
    )
    await req.services.notifier.edit(
        req.chat_id,
        query.message.message_id,
        text.format(person=esc(request.name), partner=esc(partner.name)),
    )


# --------------------------------------------------------------------------- invitations


async def redeem(update: Update, context: Context, token: str) -> None:
    """/start <token>: open an invitation and link the person in one tap."""
    req = await begin(update, context)
    if req.person is None:
        return
    try:
        async with req.services.db.transaction() as session:
            redeemed = await registry.redeem_invitation(session, token=token, person=req.person)
    except RegistryError as exc:
        await reply(req, error_text(req, exc))
        return
    if redeemed.partner is not None:
        text = req._("Welcome! You now represent “{partner}” in the partnership “{name}”.").format(
            partner=esc(redeemed.partner.name), name=esc(redeemed.partnership.name)
        )
    else:
        role_key = "=" + redeemed.role
        role = req._(flows.ROLE_TARGET_LABELS[role_key])
        text = req._("Welcome! You are now {role} of the partnership “{name}”.").format(
            role=role, name=esc(redeemed.partnership.name)
        )
    await reply(req, text + "\n" + req._("Type /partners or /status to see the partnership."))
    if redeemed.role == "supervisor" and req.bot is not None:
        await give_supervisor_menu(
            req.bot, user_id=req.person.user_id, default_locale=req.services.settings.default_locale
        )
