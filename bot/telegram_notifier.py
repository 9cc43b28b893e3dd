"""The Notifier that talks to Telegram, handling its errors on purpose.

It retries nothing itself: flood waits and failed connections are retried by the one retry
layer under every Bot API call (bot.pacing.ChatPacer). Here a chat that moved to a supergroup
is followed, a chat the bot can no longer write to is reported, and the errors left over are
raised as the Notifier's own (SendTimedOut, SendFailed), so callers such as the scheduler need
not know Telegram. They remain python-telegram-bot's errors too (TimedOut, BadRequest,
NetworkError), for handlers that catch those.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, TimedOut

from bot.notifier import ChatUnreachable, Keyboard, SendFailed, SendTimedOut, Sent, split_text
from bot.pacing import retry_seconds

__all__ = ["TelegramNotifier", "markup", "retry_seconds"]

log = logging.getLogger(__name__)

MigrationHook = Callable[[int, int], Awaitable[None]]
UnreachableHook = Callable[[int, str], Awaitable[None]]

MAX_MIGRATIONS = 2  # a group becomes a supergroup once; more is a loop


class TelegramTimedOut(SendTimedOut, TimedOut):
    """Telegram did not answer in time (the message may have arrived)."""


class TelegramBadRequest(SendFailed, BadRequest):
    """Telegram refused the request."""


class TelegramNetworkError(SendFailed, NetworkError):
    """The request did not reach Telegram, or its answer did not come back."""


def as_notifier_error(exc: NetworkError) -> NetworkError:
    """The same error, also raised as the Notifier's own exception (same message and arguments)."""
    kind: type[NetworkError]
    if isinstance(exc, TimedOut):
        kind = TelegramTimedOut
    elif isinstance(exc, BadRequest):
        kind = TelegramBadRequest
    else:
        kind = TelegramNetworkError
    mapped = kind(exc.message)
    mapped.message, mapped.args = exc.message, exc.args
    return mapped


def markup(buttons: Keyboard | None) -> InlineKeyboardMarkup | None:
    """Telegram's inline keyboard for our buttons."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in buttons]
    )


class TelegramNotifier:
    """Sends through python-telegram-bot; follows migrations and reports unreachable chats."""

    def __init__(
        self,
        bot: Bot,
        *,
        on_migrated: MigrationHook | None = None,
        on_unreachable: UnreachableHook | None = None,
    ) -> None:
        self.bot = bot
        self.on_migrated = on_migrated
        self.on_unreachable = on_unreachable

    async def send(
        self, chat_id: int, text: str, *, buttons: Keyboard | None = None, force_reply: bool = False
    ) -> Sent:
        """Send an HTML text; buttons (or a reply prompt) go with the last piece of a long text."""
        pieces = split_text(text)
        message: Message | None = None
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            reply_markup: InlineKeyboardMarkup | ForceReply | None = None
            if last:
                reply_markup = ForceReply(selective=True) if force_reply else markup(buttons)
            message = await self._deliver(chat_id, piece, reply_markup)
            chat_id = message.chat_id  # may have moved to a supergroup
        assert message is not None
        return Sent(message.chat_id, message.message_id)

    async def edit(
        self, chat_id: int, message_id: int, text: str, *, buttons: Keyboard | None = None
    ) -> None:
        """Edit a message; an unchanged text is not an error."""
        try:
            await self._with_retries(
                chat_id,
                lambda target: self.bot.edit_message_text(
                    split_text(text)[0],
                    chat_id=target,
                    message_id=message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup(buttons),
                ),
            )
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise

    async def send_file(
        self, chat_id: int, content: bytes, *, filename: str, caption: str = "", photo: bool = False
    ) -> Sent:
        """Upload a photo or a document; captions are cut to Telegram's 1024 characters."""
        caption = split_text(caption, 1024)[0]
        if photo:
            message = await self._with_retries(
                chat_id,
                lambda target: self.bot.send_photo(
                    target, InputFile(content, filename=filename), caption=caption, parse_mode=ParseMode.HTML
                ),
            )
        else:
            message = await self._with_retries(
                chat_id,
                lambda target: self.bot.send_document(
                    target, InputFile(content, filename=filename), caption=caption, parse_mode=ParseMode.HTML
                ),
            )
        return Sent(message.chat_id, message.message_id)

    async def _deliver(
        self, chat_id: int, text: str, reply_markup: InlineKeyboardMarkup | ForceReply | None
    ) -> Message:
        """One sendMessage, with the error handling every send needs."""
        return await self._with_retries(
            chat_id,
            lambda target: self.bot.send_message(
                target,
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=reply_markup,
                disable_web_page_preview=True,
            ),
        )

    async def _with_retries(self, chat_id: int, call: Callable[[int], Awaitable[Message | bool]]) -> Message:
        """Run a call, following a migrated chat; every other error is the caller's to decide."""
        target = chat_id
        for _ in range(MAX_MIGRATIONS + 1):
            try:
                result = await call(target)
                assert isinstance(result, Message)
                return result
            except ChatMigrated as exc:
                new_id = int(exc.new_chat_id)
                log.info("chat %s migrated to %s; following it", target, new_id)
                if self.on_migrated is not None:
                    await self.on_migrated(target, new_id)
                target = new_id
            except Forbidden as exc:
                await self._unreachable(target, exc.message)
            except BadRequest as exc:
                if "chat not found" in exc.message.lower():
                    await self._unreachable(target, exc.message)
                raise as_notifier_error(exc) from exc
            except NetworkError as exc:  # TimedOut among them
                raise as_notifier_error(exc) from exc
        raise ChatUnreachable(chat_id, "migrated too many times")

    async def _unreachable(self, chat_id: int, reason: str) -> None:
        """Tell the owner and raise: the bot cannot write to this chat any more."""
        log.warning("chat %s unreachable: %s", chat_id, reason)
        if self.on_unreachable is not None:
            await self.on_unreachable(chat_id, reason)
        raise ChatUnreachable(chat_id, reason)
