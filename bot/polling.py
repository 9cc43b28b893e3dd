"""Long polling that confirms an update to Telegram only after it is stored.

python-telegram-bot's own Updater confirms a batch as soon as it asks for the next one,
before handlers have run. Here each batch is first written to the log (one transaction per
batch, so logging keeps up with Telegram), then dispatched to the Application, and only then
confirmed by asking for updates after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError
from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.db import Database
from bot.services.log import IncomingMessage, store_messages
from bot.telegram_notifier import retry_seconds

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
MEDIA_ATTRIBUTES = (
    "photo",
    "video",
    "document",
    "audio",
    "voice",
    "video_note",
    "sticker",
    "animation",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
    "new_chat_members",
    "left_chat_member",
    "pinned_message",
    "new_chat_title",
)


def media_kind_of(message: Message) -> str | None:
    """The kind of attachment or service content a message carries, if any."""
    for name in MEDIA_ATTRIBUTES:
        value = getattr(message, name, None)
        if value:
            return name
    return None


def incoming_message(update: Update) -> IncomingMessage | None:
    """The loggable part of a group message or edit; None for anything else."""
    message = update.message or update.edited_message
    if message is None or message.chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return None
    if message.migrate_to_chat_id or message.migrate_from_chat_id:
        return None
    author = message.from_user
    if message.sender_chat is not None:
        author_id, author_name = None, message.sender_chat.title or ""
    elif author is not None:
        author_id, author_name = author.id, author.full_name
    else:
        author_id, author_name = None, ""
    reply_to = message.reply_to_message
    return IncomingMessage(
        chat_id=message.chat.id,
        message_id=message.message_id,
        occurred_at=message.date,
        author_user_id=author_id,
        author_name=author_name,
        text=message.text if message.text is not None else message.caption,
        media_kind=media_kind_of(message),
        reply_to_message_id=reply_to.message_id if reply_to else None,
        edited_at=message.edit_date if update.edited_message is not None else None,
    )


def changes_state(update: Update) -> bool:
    """Whether handling this update may change what later messages are logged against."""
    message = update.message
    if message is None:
        return update.edited_message is None  # callbacks, membership changes
    if message.chat.type == ChatType.PRIVATE:
        return True
    if message.migrate_to_chat_id or message.migrate_from_chat_id:
        return True
    text = message.text or ""
    return text.startswith("/")


def segments(updates: Sequence[Update]) -> list[list[Update]]:
    """Split a batch after each state-changing update, keeping the order."""
    out: list[list[Update]] = []
    current: list[Update] = []
    for update in updates:
        current.append(update)
        if changes_state(update):
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


class ConfirmingPoller:
    """Fetches updates, stores group messages, dispatches, then confirms."""

    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        db: Database,
        *,
        timeout: int = 30,
        limit: int = 100,
        backoff: float = 1.0,
    ) -> None:
        self.app = app
        self.db = db
        self.timeout = timeout
        self.limit = limit
        self.backoff = backoff
        self.offset = 0
        self._dispatched_through = 0
        self.stored = 0

    async def handle_batch(self, updates: Sequence[Update]) -> None:
        """Store then dispatch each segment; a redelivered update is stored again but not rerun."""
        for segment in segments(updates):
            records = [r for r in (incoming_message(u) for u in segment) if r is not None]
            if records:
                async with self.db.transaction() as session:
                    self.stored += await store_messages(session, messages=records)
            for update in segment:
                if update.update_id <= self._dispatched_through:
                    continue
                await self.app.process_update(update)
                self._dispatched_through = update.update_id

    async def _fetch(self) -> tuple[Update, ...]:
        """One long-poll request."""
        updates: tuple[Update, ...] = await self.app.bot.get_updates(
            offset=self.offset,
            limit=self.limit,
            timeout=self.timeout,
            allowed_updates=ALLOWED_UPDATES,
            read_timeout=self.timeout + 10,
        )
        return updates

    async def poll_once(self) -> int:
        """Fetch, store, dispatch and (by moving the offset) confirm one batch."""
        updates = await self._fetch()
        if updates:
            await self.handle_batch(updates)
            self.offset = updates[-1].update_id + 1
        return len(updates)

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until stopped; transient failures are retried with backoff."""
        delay = self.backoff
        while not stop.is_set():
            fetch = asyncio.ensure_future(self.poll_once())
            stopper = asyncio.ensure_future(stop.wait())
            done, _pending = await asyncio.wait({fetch, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if fetch not in done:
                fetch.cancel()  # unconfirmed updates are simply delivered again next time
                with contextlib.suppress(asyncio.CancelledError):
                    await fetch
                break
            stopper.cancel()
            try:
                fetch.result()
                delay = self.backoff
            except (Conflict, InvalidToken):
                raise  # the command line explains it in one line and exits
            except RetryAfter as exc:
                await self._pause(stop, retry_seconds(exc))
            except TimedOut:
                continue  # normal for long polling
            except SQLAlchemyError:
                # Nothing was confirmed: the same batch comes back once the database does.
                log.exception("could not store a batch; retrying in %.1fs", delay)
                await self._pause(stop, delay)
                delay = min(delay * 2, 60.0)
            except NetworkError as exc:
                log.warning("polling failed (%s); retrying in %.1fs", exc, delay)
                await self._pause(stop, delay)
                delay = min(delay * 2, 60.0)
        await self._confirm_final()

    async def _pause(self, stop: asyncio.Event, seconds: float) -> None:
        """Wait, but wake at once when asked to stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)

    async def _confirm_final(self) -> None:
        """Tell Telegram what was handled, so it is not delivered again after a restart."""
        if self.offset:
            with contextlib.suppress(NetworkError):
                await self.app.bot.get_updates(offset=self.offset, limit=1, timeout=0)
