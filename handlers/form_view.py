"""How a guided flow looks in the chat: the form message, its buttons and its prompts."""

from __future__ import annotations

import logging
from typing import Any

from telegram.error import TelegramError

from bot import flows
from bot.access import Where
from bot.flows import Data, FlowInputError, Key, Mark
from bot.markup import bold, html, html_map, join, mention
from bot.notifier import Button, ChatUnreachable, Keyboard
from handlers.common import Request, reply

log = logging.getLogger(__name__)

PER_ROW = 2


def label(req: Request, option: flows.Option) -> str:
    """A button label in the user's language."""
    return req._(option.label) if option.translate else option.label


SHOWN_MAX = 300  # a long answer is shortened in the summary (it is saved in full)


def answer_text(req: Request, step: flows.Step, value: Any, data: Data) -> str:
    """How an answer looks in the summary: labels and names, local dates, numbers as typed."""
    if step.options is not None:
        options = {o.value: label(req, o) for o in flows.options_for(step, {**data, step.name: None})}
        values = value if isinstance(value, list) else [value]
        return join(", ", (options.get(str(v), str(v)) for v in values))
    shown = str(data.get(Key.SHOWN, {}).get(step.name, value))
    if len(shown) > SHOWN_MAX:
        shown = shown[:SHOWN_MAX] + "…"
    return shown if shown not in ("", "-") else "—"


def question_text(req: Request, step: flows.Step, data: Data) -> str:
    """A step's question with its examples filled in from the draft, escaped."""
    return html_map(req._(step.question), flows.Hints(data))


def flow_error_text(req: Request, exc: FlowInputError, data: Data) -> str:
    """Why a typed answer or a button was refused, with the values it names."""
    values = flows.Hints(data)
    values.update({k: str(v) for k, v in exc.details.items()})
    return html_map(req._(exc.message), values)


def step_message(req: Request, flow: flows.Flow[Any], data: Data) -> tuple[str, Keyboard, bool]:
    """The text, buttons and whether a typed reply is expected, for the draft's next step."""
    _ = req._
    lines: list[str] = [bold(_(flow.title))]
    for step, value in flows.public_answers(flow, data):
        lines.append(
            html(
                "• {question} <i>{answer}</i>",
                question=question_text(req, step, data),
                answer=answer_text(req, step, value, data),
            )
        )
    next_step = flows.current_step(flow, data)
    cancel = Button(_("✖ Cancel"), "f:" + Mark.CANCEL)
    if next_step is None:
        lines += ["", _("Save this?")]
        return join("\n", lines), [[Button(_("✔ Save"), "f:" + Mark.SAVE), cancel]], False
    lines += ["", question_text(req, next_step, data)]
    if next_step.options is None:
        lines.append(_("(Reply with text, or type /cancel.)"))
        return join("\n", lines), [[cancel]], True
    picked = set(data.get(Key.PICKED, []))
    buttons = [
        Button(("✓ " if o.value in picked else "") + label(req, o)[:40], "f:" + o.value)
        for o in flows.options_for(next_step, data)
    ]
    rows: list[list[Button]] = [buttons[i : i + PER_ROW] for i in range(0, len(buttons), PER_ROW)]
    if next_step.multi:
        rows.append([Button(_("Done"), "f:" + Mark.DONE)])
    rows.append([cancel])
    if not buttons:
        lines.append(_(flow.nothing_to_choose))
    return join("\n", lines), rows, False


def form_filler(req: Request) -> str:
    """The person filling the form, mentioned so a selective reply prompt pops up only for them."""
    assert req.person is not None
    return mention(req.person.user_id, req.person.display_name)


async def prompt(req: Request, text: str) -> None:
    """A short question that asks for a typed reply: in a group, only the person filling the form
    gets the reply field (a selective prompt, with them mentioned)."""
    if req.where is Where.GROUP and req.person is not None:
        text = html("{person}, {text}", person=form_filler(req), text=text)
    await reply(req, text, force_reply=True)


async def show_step(
    req: Request, flow: flows.Flow[Any], data: Data, *, edit_message_id: int | None = None
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
