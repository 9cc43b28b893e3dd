"""What every handler needs: the user's language, replies, and the permission gate."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from babel.support import NullTranslations
from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.access import Action, Role, Verdict, Where, decide, effective_role
from bot.i18n import resolve_locale, translations
from bot.models import Partnership
from bot.notifier import Button, ChatUnreachable, Keyboard, Sent
from bot.runtime import Services, services_of
from bot.services import partnerships, people, registry
from bot.services.people import PersonInfo

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE


def esc(text: str) -> str:
    """Escape user text for Telegram's HTML (quotes need no escaping outside tags)."""
    return html.escape(text, quote=False)


@dataclass
class Request:
    """One incoming update, reduced to what handlers need, with the user's language."""

    services: Services
    locale: str
    tr: NullTranslations
    chat_id: int
    where: Where
    person: PersonInfo | None

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


async def begin(update: Update, context: Context) -> Request:
    """Remember who is asking and resolve their language (chosen, else Telegram's, else the default)."""
    services = services_of(context.bot_data)
    person = person_of(update)
    chosen = None
    if person is not None:
        async with services.db.transaction(mark=False) as session:  # idempotent by itself
            chosen = (await people.remember_person(session, info=person)).locale
    locale = resolve_locale(
        chosen,
        person.language_code if person else None,
        services.settings.default_locale,
    )
    chat = update.effective_chat
    return Request(
        services=services,
        locale=locale,
        tr=translations(locale),
        chat_id=chat.id if chat else (person.user_id if person else 0),
        where=where_of(update),
        person=person,
    )


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


def pick_partnership_keyboard(candidates: list[Partnership]) -> Keyboard:
    """One button per partnership, to choose which one private commands are about."""
    return [[Button(p.name[:60], f"use:{p.id}")] for p in candidates]


async def scope_for(req: Request, action: Action, *, partnership_id: int | None = None) -> Scope | None:
    """The partnership and role for an action, or None after telling the user why not."""
    if req.person is None:
        return None
    _ = req._
    async with req.services.db.transaction() as session:
        if req.where is Where.GROUP:
            found = await partnerships.by_chat(session, chat_id=req.chat_id)
            if found is not None and partnership_id is not None and found.id != partnership_id:
                found = None  # a button from another partnership: never show its data here
            candidates = [found] if found else []
        elif partnership_id is not None:
            found = await partnerships.by_id(session, partnership_id=partnership_id)
            candidates = [found] if found else []
        else:
            candidates = await registry.partnerships_of(session, user_id=req.person.user_id)
            candidates = partnerships.pick_current(
                candidates, await people.current_partnership_id(session, user_id=req.person.user_id)
            )
        roles = (
            await registry.roles_in(session, partnership=candidates[0], user_id=req.person.user_id)
            if len(candidates) == 1
            else set()
        )
    if not candidates:
        if req.where is Where.GROUP:
            await reply(
                req,
                _(
                    "This group is not registered as a partnership yet. "
                    "A group administrator can type /setup followed by the partnership's name, "
                    "for example: /setup Partnerstwo Czarne"
                ),
            )
        else:
            await reply(req, refusal(req, Verdict.NOT_A_MEMBER))
        return None
    if len(candidates) > 1:
        await reply(
            req,
            _(
                "You take part in more than one partnership. Which one is this about? "
                "Choose one, then type the command again."
            ),
            buttons=pick_partnership_keyboard(candidates),
        )
        return None
    partnership = candidates[0]
    role = effective_role(roles, where=req.where)
    verdict = decide(action, role=role, where=req.where)
    if verdict is not Verdict.ALLOWED:
        await reply(req, refusal(req, verdict))
        return None
    return Scope(partnership=partnership, role=role)


def command_args(update: Update) -> str:
    """The text after the command word, with its line breaks kept."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    parts = text.split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


def button_target(data: str) -> tuple[int, str] | None:
    """'kind:<id>:<choice>' from a button, as (id, choice); None if it is malformed."""
    parts = data.split(":")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return int(parts[1]), parts[2]


@dataclass
class ButtonPress:
    """A pressed '<kind>:<id>:<choice>' button, by someone allowed to press it."""

    req: Request
    scope: Scope
    person: PersonInfo
    target_id: int
    choice: str


async def button_press(update: Update, context: Context, action: Action) -> ButtonPress | None:
    """Parse a button and check the presser may do the action; None after answering the query."""
    query = update.callback_query
    assert query is not None and query.data is not None
    req = await begin(update, context)
    target = button_target(query.data)
    scope = await scope_for(req, action) if target is not None else None
    if target is None or scope is None or req.person is None or scope.partnership.id is None:
        await query.answer()
        return None
    return ButtonPress(req, scope, req.person, target[0], target[1])
