"""What every handler needs: the user's language, replies, and the permission gate's opening."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from babel.support import NullTranslations
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, CallbackQuery, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import CommandHandler, filters

from bot.access import Action, Role, Verdict, Where, decide, effective_role
from bot.i18n import N_, format_day, resolve_locale, translations
from bot.markup import esc as esc  # kept importable for modules not yet on bot.markup
from bot.markup import html
from bot.models import Partnership
from bot.notifier import Button, ChatUnreachable, Keyboard, Sent
from bot.runtime import BotContext, Services
from bot.services import partnerships, people, registry
from bot.services.people import PersonInfo
from bot.services.registry import HandedOver
from bot.text import parse_id, without_controls

log = logging.getLogger(__name__)
Context = BotContext
ALERT_MAX = 200  # Telegram's limit for the text of a callback answer


def command(name: str, callback: Any) -> CommandHandler:  # type: ignore[type-arg]
    """A command in a new message; an edited command never runs again (it is only logged)."""
    return CommandHandler(name, callback, filters=filters.UpdateType.MESSAGE)


@dataclass
class Request:
    """One incoming update, reduced to what handlers need, with the user's language."""

    services: Services
    locale: str
    tr: NullTranslations
    chat_id: int
    where: Where
    person: PersonInfo | None
    bot: Bot | None = None  # for the few calls beyond sending (command menus)

    def _(self, message: str) -> str:
        """Translate a message into the user's language."""
        return self.tr.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate a message with a plural form chosen for n."""
        return self.tr.ngettext(singular, plural, n)

    @property
    def zone(self) -> ZoneInfo:
        """The default time zone for showing times."""
        return self.services.settings.zone


@dataclass
class Scope:
    """The partnership a command is about and the caller's role in it."""

    partnership: Partnership
    role: Role


def person_of(update: Update) -> PersonInfo | None:
    """The acting Telegram user, if there is one."""
    user = update.effective_user
    if user is None:
        return None
    return PersonInfo(
        user_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language_code=user.language_code,
    )


def where_of(update: Update) -> Where:
    """Whether the update comes from a group or a private chat."""
    chat = update.effective_chat
    return Where.PRIVATE if chat is None or chat.type == ChatType.PRIVATE else Where.GROUP


def request_for(update: Update, context: Context, person: PersonInfo | None, locale: str) -> Request:
    """A Request in the given language, built without touching the database."""
    chat = update.effective_chat
    return Request(
        services=context.services,
        locale=locale,
        tr=translations(locale),
        chat_id=chat.id if chat else (person.user_id if person else 0),
        where=where_of(update),
        person=person,
        bot=context.bot,
    )


async def remember(session: AsyncSession, update: Update, context: Context) -> Request:
    """Remember who is asking and resolve their language (chosen, else Telegram's, else the default)."""
    person = person_of(update)
    chosen = None
    if person is not None:
        chosen = (await people.remember_person(session, info=person)).locale
    locale = resolve_locale(
        chosen,
        person.language_code if person else None,
        context.services.settings.default_locale,
    )
    return request_for(update, context, person, locale)


async def reply(
    req: Request, text: str, *, buttons: Keyboard | None = None, force_reply: bool = False
) -> Sent | None:
    """Answer in the chat the update came from; an unreachable chat is logged, not raised."""
    try:
        return await req.services.notifier.send(req.chat_id, text, buttons=buttons, force_reply=force_reply)
    except ChatUnreachable as exc:
        log.warning("could not reply: %s", exc)
        return None


def refusal(req: Request, verdict: Verdict) -> str:
    """The localized explanation for a refused action."""
    _ = req._
    texts = {
        Verdict.COORDINATOR_ONLY: _(
            "Only the partnership's coordinator can do this. Type /help to see what you can do."
        ),
        Verdict.ADMIN_ONLY: _(
            "Only a group administrator can register the partnership. "
            "Ask an administrator to type /setup followed by the partnership's name."
        ),
        Verdict.GROUP_ONLY: _(
            "This works in the partnership's group chat. Add me to the group and type the command there."
        ),
        Verdict.NOT_A_MEMBER: _(
            "You are not part of any partnership yet. Coordinators: add me to your partnership's "
            "group and type /setup there. Partners: open the invitation link your coordinator sent."
        ),
    }
    return texts.get(verdict, _("You cannot do this here."))


def handed_over_text(req: Request, handed: list[HandedOver]) -> str:
    """Why a private command shows nothing: never in a partnership, or handed the role over."""
    if not handed:
        return refusal(req, Verdict.NOT_A_MEMBER)
    last = handed[0]
    return html(
        req._(
            "You handed the coordinator role of “{name}” over to {coordinator} on {date}, so I show "
            "you nothing of it here any more. In its group chat you can still use /status, /history, "
            "/partners and /plan like every member. To take part again, ask {coordinator} for an "
            "invitation."
        ),
        name=last.partnership.name,
        coordinator=last.partnership.coordinator_name,
        date=format_day(last.at.astimezone(ZoneInfo(last.partnership.timezone)).date(), locale=req.locale),
    )


async def not_a_member_text(req: Request) -> str:
    """handed_over_text, reading what the person handed over."""
    assert req.person is not None
    async with req.services.db.transaction() as session:
        handed = await registry.handed_over_by(session, user_id=req.person.user_id)
    return handed_over_text(req, handed)


def pick_partnership_keyboard(candidates: list[Partnership]) -> Keyboard:
    """One button per partnership, to choose which one private commands are about."""
    return [[Button(p.name[:60], f"use:{p.id}")] for p in candidates]


async def tell(req: Request, text: str, query: CallbackQuery | None = None) -> None:
    """A refusal: to a button press only its presser sees it (an alert), else a reply in the chat."""
    if query is None:
        await reply(req, text)
        return
    private = req.where is Where.PRIVATE  # a private chat is the presser's own: a message fits better
    try:
        if private:
            await query.answer()
        else:
            await query.answer(text[:ALERT_MAX], show_alert=True)
    except TelegramError as exc:  # the press is too old to answer: nothing to tell
        log.info("could not answer a button press: %s", exc)
    if private:
        await reply(req, text)


@dataclass
class Found:
    """What the opening read about the partnership an update is about."""

    candidates: list[Partnership] = field(default_factory=list)
    roles: set[Role] = field(default_factory=set)
    handed: list[HandedOver] = field(default_factory=list)  # privately, when in no partnership
    foreign: bool = False  # a button of another partnership pressed in this group


async def find_partnership(session: AsyncSession, req: Request, partnership_id: int | None) -> Found:
    """The partnerships an update may be about, and the caller's roles if there is exactly one."""
    assert req.person is not None
    user_id = req.person.user_id
    if req.where is Where.GROUP:
        found = await partnerships.by_chat(session, chat_id=req.chat_id)
        if found is not None and partnership_id is not None and found.id != partnership_id:
            return Found(foreign=True)
        candidates = [found] if found else []
    elif partnership_id is not None:
        # Only the caller's own partnerships: a forged id never reaches another one's data.
        mine = await registry.partnerships_of(session, user_id=user_id)
        candidates = [p for p in mine if p.id == partnership_id]
    else:
        candidates = partnerships.pick_current(
            await registry.partnerships_of(session, user_id=user_id),
            await people.current_partnership_id(session, user_id=user_id),
        )
    if len(candidates) == 1:
        return Found(candidates, await registry.roles_in(session, partnership=candidates[0], user_id=user_id))
    if not candidates and req.where is Where.PRIVATE:
        return Found(handed=await registry.handed_over_by(session, user_id=user_id))
    return Found(candidates)


async def judge(req: Request, action: Action, found: Found, query: CallbackQuery | None) -> Scope | None:
    """The scope if the action is allowed, else None after telling the user why not.

    For a button press (query given) the reason goes only to the presser, never to the group.
    """
    _ = req._
    if found.foreign:
        # A button from another partnership: never show its data here, and say so.
        await tell(req, _("This button belongs to another partnership's chat; it does nothing here."), query)
        return None
    if not found.candidates and req.where is Where.GROUP:
        text = _(
            "This group is not registered as a partnership yet. "
            "A group administrator can type /setup followed by the partnership's name, "
            "for example: /setup Partnerstwo Czarne"
        )
        await tell(req, text, query)
        return None
    if not found.candidates:
        await tell(req, handed_over_text(req, found.handed), query)
        return None
    if len(found.candidates) > 1:
        text = _(
            "You take part in more than one partnership. Which one is this about? "
            "Choose one, then type the command again."
        )
        await reply(req, text, buttons=pick_partnership_keyboard(found.candidates))
        return None
    role = effective_role(found.roles, where=req.where)
    verdict = decide(action, role=role, where=req.where)
    if verdict is not Verdict.ALLOWED:
        await tell(req, refusal(req, verdict), query)
        return None
    return Scope(partnership=found.candidates[0], role=role)


def command_args(update: Update) -> str:
    """The text after the command word, with its line breaks kept."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    parts = without_controls(text).split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


STALE_BUTTON = N_("This button no longer works.")


def button_target(data: str) -> tuple[int, str] | None:
    """'kind:<id>:<choice>' from a button, as (id, choice); None if it is malformed."""
    parts = data.split(":")
    target = parse_id(parts[1]) if len(parts) == 3 else None
    if target is None or not parts[2]:
        return None
    return target, parts[2]
