"""The coordinator's own command menus, set when someone takes the role and removed on hand-over."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeChatMember
from telegram.error import TelegramError

from bot.access import Role, Where
from bot.commands import COORDINATOR_GROUP_COMMANDS, COORDINATOR_PRIVATE_COMMANDS, menu
from bot.config import SUPPORTED_LOCALES
from bot.i18n import translations

log = logging.getLogger(__name__)


def _scopes(
    chat_id: int, user_id: int
) -> list[tuple[BotCommandScopeChatMember | BotCommandScopeChat, list[tuple[str, str]]]]:
    """The coordinator's menu in the group and in their private chat with the bot."""
    return [
        (BotCommandScopeChatMember(chat_id, user_id), COORDINATOR_GROUP_COMMANDS),
        (BotCommandScopeChat(user_id), COORDINATOR_PRIVATE_COMMANDS),
    ]


async def give_coordinator_menus(bot: Bot, *, chat_id: int, user_id: int, default_locale: str) -> None:
    """Menus with every coordinator command, in each language; a refusal is logged, not raised."""
    for scope, commands in _scopes(chat_id, user_id):
        for code in (None, *SUPPORTED_LOCALES):
            tr = translations(code or default_locale)
            try:
                await bot.set_my_commands(
                    [BotCommand(name, tr.gettext(text)) for name, text in commands],
                    scope=scope,
                    language_code=code,
                )
            except TelegramError as exc:  # e.g. no private chat yet: the default menu stays
                log.info("could not set the coordinator's menu (%s): %s", scope.type, exc)
                break


async def take_coordinator_menus(bot: Bot, *, chat_id: int, user_id: int) -> None:
    """Back to the default menus for a former coordinator."""
    for scope, _commands in _scopes(chat_id, user_id):
        for code in (None, *SUPPORTED_LOCALES):
            try:
                await bot.delete_my_commands(scope=scope, language_code=code)
            except TelegramError as exc:
                log.info("could not remove the coordinator's menu (%s): %s", scope.type, exc)
                break


async def give_supervisor_menu(bot: Bot, *, user_id: int, default_locale: str) -> None:
    """A supervisor's private menu adds what only they and the coordinator may use (/export)."""
    commands = menu(Where.PRIVATE, Role.SUPERVISOR)
    for code in (None, *SUPPORTED_LOCALES):
        tr = translations(code or default_locale)
        try:
            await bot.set_my_commands(
                [BotCommand(name, tr.gettext(text)) for name, text in commands],
                scope=BotCommandScopeChat(user_id),
                language_code=code,
            )
        except TelegramError as exc:
            log.info("could not set the supervisor's menu: %s", exc)
            return
