"""The Notifier that talks to Telegram, handling its errors on purpose."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram import Bot, ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.notifier import ChatUnreachable, Keyboard, Sent, split_text

log = logging.getLogger(__name__)

MigrationHook = Callable[[int, int], Awaitable[None]]
UnreachableHook = Callable[[int, str], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]

MAX_ATTEMPTS = 4
MAX_FLOOD_WAIT = 120.0


def markup(buttons: Keyboard | None) -> InlineKeyboardMarkup | None:
    """Telegram's inline keyboard for our buttons."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in buttons]
    )


def retry_seconds(error: RetryAfter) -> float:
    """The flood wait Telegram asked for, in seconds."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramNotifier:
    """Sends through python-telegram-bot; waits out floods, retries timeouts, follows migrations."""

    def __init__(
        self,
        bot: Bot,
        *,
        on_migrated: MigrationHook | None = None,
        on_unreachable: UnreachableHook | None = None,
        sleep: Sleep = asyncio.sleep,
        backoff: float = 0.5,
    ) -> None:
        self.bot = bot
        self.on_migrated = on_migrated
        self.on_unreachable = on_unreachable
        self.sleep = sleep
        self.backoff = backoff

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
        """Run a call, retrying what Telegram says may succeed later."""
        target = chat_id
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                result = await call(target)
                assert isinstance(result, Message)
                return result
            except RetryAfter as exc:
                wait = min(retry_seconds(exc), MAX_FLOOD_WAIT)
                log.warning("flood wait %.1fs for chat %s (attempt %d)", wait, target, attempt)
                await self.sleep(wait)
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
                raise
            except (TimedOut, NetworkError) as exc:
                if attempt == MAX_ATTEMPTS:
                    raise
                delay = self.backoff * 2 ** (attempt - 1)
                log.warning("network error to chat %s (%s); retry in %.1fs", target, exc, delay)
                await self.sleep(delay)
        raise TimedOut(f"gave up on chat {chat_id} after {MAX_ATTEMPTS} attempts")

    async def _unreachable(self, chat_id: int, reason: str) -> None:
        """Tell the owner and raise: the bot cannot write to this chat any more."""
        log.warning("chat %s unreachable: %s", chat_id, reason)
        if self.on_unreachable is not None:
            await self.on_unreachable(chat_id, reason)
        raise ChatUnreachable(chat_id, reason)
