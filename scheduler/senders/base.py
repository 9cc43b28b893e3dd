"""What every sender gets: the database, the notifier, the sending rules and the default language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot.db import Database
from bot.i18n import translations
from bot.notifier import ChatUnreachable, Notifier, Sent
from bot.presenters.common import Message, Translations
from bot.services.scheduling import Due
from bot.services.scheduling import Record as Record
from bot.timing import SendingRules


@dataclass(frozen=True)
class Outbox:
    """The scheduler's handles, shared by the senders of every kind."""

    db: Database
    notifier: Notifier
    rules: SendingRules
    default_locale: str

    @staticmethod
    def tr(locale: str) -> Translations:
        """The catalog of a language."""
        return translations(locale)

    async def send(self, chat_id: int, message: Message) -> Sent:
        """Send a presented message."""
        return await self.notifier.send(chat_id, message.text, buttons=message.buttons or None)

    async def send_each(self, user_ids: list[int], message: Message) -> None:
        """Send privately to each person who can be reached; the others are skipped."""
        for uid in user_ids:
            try:
                await self.send(uid, message)
            except ChatUnreachable:
                continue  # they never opened a private chat with the bot


# Sends one claimed delivery of a kind; raises the Notifier's exceptions for the runner to judge.
Sender = Callable[[Outbox, Due, datetime], Awaitable[Record | None]]
