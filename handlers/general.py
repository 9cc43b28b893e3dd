"""/start, /help, the privacy notice's first part, /language, choosing a partnership, errors."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import TelegramError, TimedOut
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot import once
from bot.access import Verdict, Where
from bot.config import SUPPORTED_LOCALES
from bot.i18n import translations
from bot.markup import html, join
from bot.notifier import Button
from bot.once import AlreadyHandled
from bot.outage import DATABASE_DOWN, database_unreachable
from bot.services import partnerships, people, registry
from bot.services.programmes import LINK_PREFIX
from bot.text import parse_id, without_controls
from handlers.common import (
    STALE_BUTTON,
    Context,
    Request,
    command,
    person_of,
    refusal,
    reply,
    request_for,
    where_of,
)
from handlers.gate import Opened, anyone
from handlers.invitations import redeem
from handlers.menus import give_coordinator_menus
from handlers.programme import redeem as redeem_programme_link

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {"pl": "Polski", "en": "English"}
# What people type after /language: codes and names, in both languages.
LANGUAGE_WORDS = {
    "pl": "pl",
    "polski": "pl",
    "polish": "pl",
    "en": "en",
    "english": "en",
    "angielski": "en",
}


def privacy_text(req: Request) -> str:
    """What the bot records, why, and who sees it."""
    _ = req._
    return join(
        "\n",
        [
            html(_("<b>What I record and why</b>")),
            _(
                "In a registered partnership's group I store every message: its text or caption, "
                "the kind of attachment (not the file), the author, the time and what it replies to. "
                "Edits are kept together with the earlier text."
            ),
            _("The coordinator can also record contacts outside the chat (calls, e-mails, meetings)."),
            _(
                "Why: so the partnership's communication is documented, the coordinator can see who "
                "is active, and nothing is lost when the coordinator changes."
            ),
            _(
                "Who sees it: members of this partnership, through /history and /status. "
                "Nothing is shared outside the partnership."
            ),
            _(
                "If you remove me from the group I stop recording; what was recorded stays with the "
                "partnership. Type /privacy to read this again."
            ),
        ],
    )


def coordinator_help(req: Request) -> list[str]:
    """The part of /help only the coordinator sees."""
    _ = req._
    return [
        "",
        html(_("<b>For the coordinator</b>")),
        html(
            _(
                "/log &lt;channel&gt; &lt;what happened&gt;: record a contact outside the chat, "
                "e.g. /log phone Talked to the parish about posters"
            )
        ),
        _("/addpartner, /partnerstatus, /editpartner, /resource: keep the registry"),
        _("/invite: a one-tap invitation link for a partner, supervisor or ambassador"),
        _("/leader, /stage, /commplan: leader, stage and communication plan"),
        _("/handover: hand the coordinator role over; /brief: the hand-over brief"),
        _("/period, /target, /addgroup: plan periods, targets per target group (revisions are kept)"),
        _("/session, /trained: add a training session; record who registered and was trained"),
        _("/export: the whole partnership as an XLSX workbook and CSV files"),
        _("/schedule, /checkin: regular check-ins with the partners, or one now"),
        _("/task, /meeting, /nudge: tasks for partners, meetings, recruitment nudges"),
        _("/cancel: stop a form; nothing is saved"),
        _("/retention, /deletepartnership: how long texts are kept; delete a closed partnership"),
        _(
            "Channels for /log: phone, email, meeting, in_person, online, sms "
            "(or: telefon, email, spotkanie, osobiście, online, sms)."
        ),
    ]


def help_text(req: Request, *, is_coordinator: bool) -> str:
    """Help that fits where it is asked and who asks."""
    _ = req._
    lines: list[str] = [html(_("<b>What I can do</b>"))]
    if req.where is Where.GROUP:
        lines += [
            _("/status: activity, progress against the plan, coming sessions, partners' contribution"),
            _("/history: the latest entries of the communication log"),
            html(
                _(
                    "/partners, /resources, /partner &lt;name&gt;: who is in the partnership and what they "
                    "offer"
                )
            ),
            _("/plan, /chart: the training plan and a chart of trained residents against targets"),
            _("/join: ask to represent your organisation"),
            html(_("/pausereminders &lt;date&gt;: no check-in reminders for you until then")),
            _("/privacy: what I record and why"),
            _("/language: choose your language"),
        ]
        if not is_coordinator:
            lines += [
                html(_("/setup &lt;name&gt;: register this group as a partnership (group administrators)"))
            ]
    else:
        lines += [
            _("/status, /history, /partners, /resources: your partnership, if you take part in one"),
            _("/use: choose which partnership private commands are about"),
            _("/language: choose your language"),
            _("/privacy: what I record and why"),
            _("/mydata, /forgetme: a copy of everything about you, or erase it"),
        ]
        if not is_coordinator:
            lines += [
                _(
                    "To start, add me to your partnership's group chat and type "
                    "/setup followed by the partnership's name there."
                )
            ]
    if is_coordinator:
        lines += coordinator_help(req)
    return join("\n", lines)


async def start(update: Update, context: Context) -> None:
    """Greet a user privately, or open an invitation link (/start <token>)."""
    if context.args and where_of(update) is Where.PRIVATE:
        token = without_controls(context.args[0])[:64]
        if token.startswith(LINK_PREFIX):  # a programme's link (handlers/programme.py)
            await redeem_programme_link(update, context, token.removeprefix(LINK_PREFIX))
            return
        await redeem(update, context)
        return
    await greet(update, context)


@anyone(coordinator=True)
async def greet(call: Opened) -> None:
    """/start without an invitation: hello and help."""
    req = call.req
    intro = req._(
        "Hello! I keep the bookkeeping of local partnerships for digital education, "
        "so the coordinator has time for people."
    )
    await reply(req, intro + "\n\n" + help_text(req, is_coordinator=call.is_coordinator))
    if call.is_coordinator:
        await _coordinator_menus(call)


@anyone(coordinator=True)
async def help_command(call: Opened) -> None:
    """Context-aware help."""
    await reply(call.req, help_text(call.req, is_coordinator=call.is_coordinator))
    if call.is_coordinator:
        await _coordinator_menus(call)


async def _coordinator_menus(call: Opened) -> None:
    """(Re)set the coordinator's own menus: partnerships registered before menus existed get them too."""
    req = call.req
    if req.person is None or req.bot is None:
        return
    for partnership in call.coordinated:
        await give_coordinator_menus(
            req.bot,
            chat_id=partnership.chat_id,
            user_id=req.person.user_id,
            default_locale=req.services.settings.default_locale,
        )


@anyone()
async def language(call: Opened) -> None:
    """/language pl|en switches at once; without a known language, offer them as buttons."""
    req = call.req
    wanted = LANGUAGE_WORDS.get(call.args.strip().lower())
    if wanted is not None and req.person is not None:
        await switch_language(req, wanted)
        return
    buttons = [[Button(LANGUAGE_NAMES[code], f"lang:{code}") for code in SUPPORTED_LOCALES]]
    await reply(req, req._("Choose your language:"), buttons=buttons)


@anyone()
async def language_chosen(call: Opened) -> None:
    """Remember the chosen language and confirm in it."""
    query = call.update.callback_query
    assert query is not None
    code = (query.data or "").removeprefix("lang:")
    req = call.req
    if code not in SUPPORTED_LOCALES or req.person is None:
        await query.answer(req._("Unknown language. Type /language to choose again."))
        return
    await query.answer()
    await switch_language(req, code)


async def switch_language(req: Request, code: str) -> None:
    """Remember a person's language and confirm in it."""
    assert req.person is not None
    async with req.services.db.transaction() as session:
        await people.set_locale(session, info=req.person, locale=code)
    req.locale, req.tr = code, translations(code)
    await reply(req, req._("Language set: English. I will speak to you in English."))


@anyone()
async def use_command(call: Opened) -> None:
    """Let a person in several partnerships pick which one private commands are about (privately only:
    the list would show a group the names of other partnerships)."""
    req = call.req
    if req.person is None:
        return
    if req.where is Where.GROUP:
        await reply(
            req, req._("Type /use in a private chat with me; here it is about this group's partnership.")
        )
        return
    async with req.services.db.transaction() as session:
        candidates = await registry.partnerships_of(session, user_id=req.person.user_id)
    if not candidates:
        await reply(req, refusal(req, Verdict.NOT_A_MEMBER))
        return
    buttons = [[Button(p.name[:60], f"use:{p.id}")] for p in candidates]
    await reply(req, req._("Which partnership should private commands be about?"), buttons=buttons)


@anyone()
async def use_chosen(call: Opened) -> None:
    """Remember the partnership chosen with a button, if the person belongs to it."""
    query = call.update.callback_query
    assert query is not None
    req = call.req
    wanted = parse_id((query.data or "").removeprefix("use:"))
    if req.person is None or wanted is None or req.where is Where.GROUP:
        await query.answer(req._(STALE_BUTTON))
        return
    async with req.services.db.transaction() as session:
        mine = await registry.partnerships_of(session, user_id=req.person.user_id)
        chosen = next((p for p in mine if p.id == wanted), None)
        if chosen is not None:
            await partnerships.choose_current(session, user_id=req.person.user_id, partnership_id=wanted)
    await query.answer()
    if chosen is None:
        await reply(req, req._("You are not part of that partnership. Type /use to choose one of yours."))
        return
    await reply(
        req,
        html(req._("Private commands are now about: {name}. Type /use to change."), name=chosen.name),
    )


async def on_error(update: object, context: Context) -> None:
    """Log the failure with its context and apologise to the user, in their language."""
    if isinstance(context.error, AlreadyHandled):
        log.info("update handled before; nothing done again (%s)", context.error)
        return
    if database_unreachable(context.error):
        state = once.current()
        if state is not None:  # the poller handles the update again once the database is back
            state.database_failed = True
            DATABASE_DOWN("the database is unreachable (%s); updates wait", type(context.error).__name__)
            return
    if isinstance(context.error, TimedOut):
        # The answer may well have arrived (and what was saved is saved): no apology on top.
        log.warning("a reply timed out for update %s; not repeated", getattr(update, "update_id", "?"))
        return
    # The update's id only: its repr holds people's texts and names, which logs must not.
    log.error("handler failed for update %s", getattr(update, "update_id", "?"), exc_info=context.error)
    if not isinstance(update, Update):
        return
    if update.callback_query is not None:
        with contextlib.suppress(TelegramError):  # it may have been answered before the failure
            await update.callback_query.answer()
    if update.effective_chat is None:
        return
    settings = context.services.settings
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    locale = code.split("-")[0] if code.split("-")[0] in SUPPORTED_LOCALES else (settings.default_locale)
    # Built without touching the database, which may be what failed.
    req = request_for(update, context, person_of(update), locale)
    await reply(
        req,
        req._("Sorry, something went wrong on my side and nothing was saved. Please try again in a moment."),
    )


OUR_COMMANDS = frozenset(
    {
        "setup",
        "log",
        "history",
        "status",
        "addpartner",
        "partnerstatus",
        "editpartner",
        "resource",
        "leader",
        "stage",
        "commplan",
        "invite",
        "join",
        "handover",
        "brief",
        "cancel",
        "partners",
        "resources",
        "partner",
        "period",
        "target",
        "session",
        "trained",
        "addgroup",
        "plan",
        "chart",
        "export",
        "checkin",
        "schedule",
        "pausereminders",
        "task",
        "meeting",
        "nudge",
        "start",
        "help",
        "privacy",
        "language",
        "use",
        "mydata",
        "forgetme",
        "retention",
        "deletepartnership",
    }
)


async def edited_command(update: Update, context: Context) -> None:
    """An edited command: it does not run again (it would record things twice); say so once."""
    message = update.effective_message
    if message is None or not message.text:
        return
    word, _at, addressee = message.text.split(maxsplit=1)[0].lstrip("/").partition("@")
    ours = word.lower() in OUR_COMMANDS and (not addressee or addressee == context.bot.username)
    if not ours or (where_of(update) is Where.GROUP and word.lower() in ("start", "help")):
        return
    await say_not_run_again(update, context)


@anyone()
async def say_not_run_again(call: Opened) -> None:
    """Tell that an edited command was not run again."""
    await reply(
        call.req,
        call.req._(
            "I don't run edited commands again, so nothing was changed. Send the command as a new message."
        ),
    )


@anyone()
async def unknown_command(call: Opened) -> None:
    """A command the bot does not know, typed in a private chat."""
    await reply(call.req, call.req._("I don't know that command. Type /help to see what I can do."))


@anyone()
async def not_text(call: Opened) -> None:
    """A photo, sticker, file or other non-text message in a private chat."""
    await reply(call.req, call.req._("I only understand text and commands here. Type /help to see them."))


def first_handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """Tried before all others: an edited command is answered once ("send it again")."""
    return [MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.COMMAND, edited_command)]


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """For everyone: greeting, help, privacy notice, language, choosing a partnership."""
    return [
        command("start", start),
        command("help", help_command),
        command("language", language),
        CallbackQueryHandler(language_chosen, pattern=r"^lang:"),
        command("use", use_command),
        CallbackQueryHandler(use_chosen, pattern=r"^use:"),
    ]


def last_handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """Anything else privately: an unknown command, or something that is not text."""
    return [
        # In groups a command may be for another bot.
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.COMMAND & filters.ChatType.PRIVATE, unknown_command
        ),
        # A photo, a sticker, a file: say what the bot understands.
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.COMMAND,
            not_text,
        ),
    ]
