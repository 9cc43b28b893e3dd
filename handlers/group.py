"""The bot joining and leaving groups, supergroup migrations, and /setup."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import BaseHandler, ChatMemberHandler, MessageHandler, filters

from bot.access import Action, Role, Verdict, decide
from bot.db import utcnow
from bot.membership import MembershipChange, membership_change, reads_all_messages
from bot.services import partnerships, watch
from bot.services.partnerships import InvalidName
from bot.timing import SendingRules
from handlers.common import Context, Request, command, esc, refusal, reply
from handlers.gate import Opened, anyone
from handlers.general import privacy_text
from handlers.menus import give_coordinator_menus

log = logging.getLogger(__name__)

ANONYMOUS_ADMIN_ID = 1087968824  # Telegram's "GroupAnonymousBot"


def cannot_read_text(req: Request) -> str:
    """Explain privacy mode and how to turn it off."""
    return req._(
        "⚠️ I cannot read this group's messages, so I cannot keep the communication log. "
        "Either make me an administrator of this group, or ask the bot's owner to turn "
        "privacy mode off: in @BotFather send /setprivacy, choose this bot, then Disable; "
        "then remove me from the group and add me again."
    )


async def bot_membership(update: Update, context: Context) -> None:
    """Greet on joining a group, go inactive on removal, continue when added back."""
    change = update.my_chat_member
    if change is None or change.chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return
    await _membership_changed(update, context)


@anyone()
async def _membership_changed(call: Opened) -> None:
    """The bot's own membership in a group changed."""
    change, context, req = call.update.my_chat_member, call.context, call.req
    assert change is not None
    old, new = change.old_chat_member, change.new_chat_member
    what = membership_change(
        old.status,
        new.status,
        old_is_member=getattr(old, "is_member", True),
        new_is_member=getattr(new, "is_member", True),
    )
    chat_id = change.chat.id
    if what is MembershipChange.LEFT:
        async with req.services.db.transaction() as session:
            gone = await partnerships.bot_left(session, chat_id=chat_id)
        log.info("bot removed from chat %s (partnership %s)", chat_id, gone.id if gone else None)
        return
    can_read = reads_all_messages(
        privacy_mode_off=bool(context.bot.can_read_all_group_messages), status=new.status
    )
    if what not in (MembershipChange.JOINED, MembershipChange.PROMOTED, MembershipChange.DEMOTED):
        return
    async with req.services.db.transaction() as session:
        existing = await partnerships.bot_joined(session, chat_id=chat_id, can_read_messages=can_read)
    _ = req._
    if what is MembershipChange.JOINED:
        if existing is not None:
            text = _(
                "I'm back. I continue the communication log of the partnership “{name}”; nothing was lost."
            ).format(name=esc(existing.name))
        else:
            text = "\n\n".join(
                [
                    _("Hello! I'm the partnership's bookkeeping bot."),
                    privacy_text(req),
                    _(
                        "To start, a group administrator types /setup followed by the "
                        "partnership's name, for example: /setup Partnerstwo Czarne"
                    ),
                ]
            )
        if not can_read:
            text += "\n\n" + cannot_read_text(req)
        await reply(req, text)
    elif what is MembershipChange.DEMOTED and not can_read:
        await reply(req, cannot_read_text(req))


def migration_of(update: Update) -> tuple[int, int] | None:
    """(old chat id, new chat id) of a group that became a supergroup, from either side's message."""
    message = update.effective_message
    if message is None:
        return None
    if message.migrate_to_chat_id:
        return message.chat.id, message.migrate_to_chat_id
    if message.migrate_from_chat_id:
        return message.migrate_from_chat_id, message.chat.id
    return None


async def chat_migrated(update: Update, context: Context) -> None:
    """The group became a supergroup: move the partnership to the new chat id."""
    if migration_of(update) is not None:
        await _follow_migration(update, context)


@anyone()
async def _follow_migration(call: Opened) -> None:
    """Move the partnership from the old chat id to the new one."""
    migration = migration_of(call.update)
    assert migration is not None
    old, new = migration
    async with call.req.services.db.transaction() as session:
        moved = await partnerships.follow_migration(session, old_chat_id=old, new_chat_id=new)
    log.info("chat %s migrated to %s (partnership %s)", old, new, moved.id if moved else None)


async def _is_group_admin(context: Context, chat_id: int, user_id: int) -> bool:
    """Ask Telegram whether the user administers the chat."""
    member = await context.bot.get_chat_member(chat_id, user_id)
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


@anyone()
async def setup(call: Opened) -> None:
    """/setup <name>: register this group's partnership; the caller becomes coordinator."""
    req, person = call.req, call.person
    _ = req._
    if person is None:
        return
    if person.user_id == ANONYMOUS_ADMIN_ID:
        await reply(
            req,
            _(
                "I cannot tell who you are while you post anonymously. Turn off "
                "“Remain anonymous” in your administrator rights, then type /setup "
                "again."
            ),
        )
        return
    checked = await _admin_and_bot_status(call)
    if checked is None:
        return
    is_admin, bot_status = checked
    verdict = decide(Action.REGISTER, role=Role.STRANGER, where=req.where, is_group_admin=is_admin)
    if verdict is not Verdict.ALLOWED:
        await reply(req, refusal(req, verdict))
        return
    name = call.args
    try:
        partnerships.clean_name(name)
    except InvalidName:
        await reply(
            req,
            _(
                "Please give the partnership's name after the command "
                "(3 to 120 characters), for example: /setup Partnerstwo Czarne"
            ),
        )
        return
    can_read = reads_all_messages(
        privacy_mode_off=bool(call.context.bot.can_read_all_group_messages), status=bot_status
    )
    await _register(call, name, can_read)


async def _admin_and_bot_status(call: Opened) -> tuple[bool, str] | None:
    """Whether the caller administers the group, and the bot's own status there (None: said why)."""
    chat, context = call.update.effective_chat, call.context
    assert chat is not None and call.person is not None
    if chat.type == ChatType.PRIVATE:
        return False, "member"
    try:
        is_admin = await _is_group_admin(context, chat.id, call.person.user_id)
        bot_status = (await context.bot.get_chat_member(chat.id, context.bot.id)).status
    except TelegramError as exc:
        log.warning("getChatMember failed in %s: %s", chat.id, exc)
        await reply(
            call.req,
            call.req._(
                "I could not check your administrator rights just now. "
                "Please type /setup again in a moment."
            ),
        )
        return None
    return is_admin, bot_status


async def _register(call: Opened, name: str, can_read: bool) -> None:
    """Register the partnership (or say it exists already) and give the coordinator their menus."""
    req, person = call.req, call.person
    assert person is not None
    _ = req._
    async with req.services.db.transaction() as session:
        result = await partnerships.register(
            session,
            chat_id=req.chat_id,
            name=name,
            coordinator_user_id=person.user_id,
            coordinator_name=person.display_name,
            timezone=req.services.settings.timezone,
            can_read_messages=can_read,
        )
        if result.created:
            await watch.start_routines(
                session, partnership=result.partnership, now=utcnow(), rules=SendingRules()
            )
    p = result.partnership
    if not result.created:
        await reply(
            req,
            _(
                "This group is already registered as “{name}”, coordinated by "
                "{coordinator}. Nothing was changed."
            ).format(name=esc(p.name), coordinator=esc(p.coordinator_name)),
        )
        return
    await reply(
        req,
        _(
            "Registered the partnership “{name}”. {coordinator} is its coordinator. "
            "From now on I keep this group's communication log. "
            "Type /status to see activity, /help for more."
        ).format(name=esc(p.name), coordinator=esc(p.coordinator_name)),
    )
    await give_coordinator_menus(
        call.context.bot,
        chat_id=req.chat_id,
        user_id=person.user_id,
        default_locale=req.services.settings.default_locale,
    )


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """The bot's own place in a group (joined, removed, promoted), supergroup migration, /setup."""
    return [
        ChatMemberHandler(bot_membership, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, chat_migrated),
        command("setup", setup),
    ]
