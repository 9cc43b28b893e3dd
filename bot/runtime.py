"""Resources the handlers share, created in post_init and disposed in post_shutdown, and the
typed context that hands them to every handler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.config import Settings
from bot.db import Database
from bot.notifier import Notifier

if TYPE_CHECKING:
    from scheduler.runner import Dispatcher

SERVICES_KEY = "partnerbot.services"


@dataclass
class Services:
    """Handles to the database, the notifier and the settings (no domain state)."""

    settings: Settings
    db: Database
    notifier: Notifier
    bot_username: str = ""
    dispatcher: Dispatcher | None = None
    # Runs the scheduler soon, in the background (scheduler.jobs.Waker); a no-op until installed.
    wake_scheduler: Callable[[], None] = lambda: None


def services_of(bot_data: dict[Any, Any]) -> Services:
    """The shared resources stored in the application's bot_data."""
    found = bot_data.get(SERVICES_KEY)
    if not isinstance(found, Services):
        raise RuntimeError("the application was not initialised (post_init has not run)")
    return found


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The context every handler and job gets: python-telegram-bot's, plus the bot's services."""

    @property
    def services(self) -> Services:
        """The database, notifier and settings (made in post_init)."""
        return services_of(self.bot_data)


CONTEXT_TYPES = ContextTypes(context=BotContext)
