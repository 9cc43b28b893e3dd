"""Long polling that handles chats concurrently, each chat in order, and confirms late.

python-telegram-bot's own Updater confirms a batch as soon as it asks for the next one,
before handlers have run, and `process_update` awaited in a loop handles one chat at a time.
Here every update goes to its chat's *lane* (one per chat: a group, or a user's private
chat): a lane stores its group messages in the log, then dispatches its updates to the
Application one after another, while lanes of different chats run side by side.

Telegram's `offset` both confirms and selects, so the poller always asks from the lowest
update that is not yet stored and handled: nothing is confirmed early, and updates it holds
already are skipped when they come back. While something is in flight the request cannot
long-poll (Telegram answers at once), so it polls every `busy_interval` seconds until every
lane is idle, then long-polls again.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from bot import answers
from bot.db import Database
from bot.once import Handling
from bot.outage import DATABASE_DOWN, RateLimitedWarning
from bot.pacing import retry_seconds
from bot.services.log import IncomingMessage, store_messages

log = logging.getLogger(__name__)
# _fetch asks for getUpdates as raw JSON on purpose (see there); PTB suggests get_updates.
warnings.filterwarnings("ignore", message=r".*do_api_request\(\"getUpdates\"", category=PTBUserWarning)

# With a full window: ask again at the latest after HEAD_WAIT even if the oldest update is
# slow, and after HEAD_PAUSE once it moved at all.
HEAD_WAIT = 1.0
HEAD_PAUSE = 0.05
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


def lane_of(update: Update) -> int:
    """The ordering key: the chat (a user's private chat is their own lane)."""
    chat = update.effective_chat
    if chat is not None:
        return chat.id
    user = update.effective_user
    return user.id if user is not None else 0


CHAT_CARRIERS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
)


def lane_of_payload(data: dict[str, Any]) -> int | None:
    """lane_of for an update still in its JSON form (None when its shape is not known here)."""
    for key in CHAT_CARRIERS:
        carrier = data.get(key)
        if isinstance(carrier, dict):
            chat = carrier.get("chat")
            return int(chat["id"]) if isinstance(chat, dict) and "id" in chat else None
    query = data.get("callback_query")
    if isinstance(query, dict):
        message = query.get("message")
        holder = message.get("chat") if isinstance(message, dict) else query.get("from")
        return int(holder["id"]) if isinstance(holder, dict) and "id" in holder else None
    return None


def leading_run(queue: deque[Update]) -> list[Update]:
    """The updates at the head of a lane that can be stored together before any is dispatched."""
    run: list[Update] = []
    for update in queue:
        run.append(update)
        if changes_state(update):
            break
    return run


class ConfirmingPoller:
    """Fetches updates, runs each chat's lane in order and chats side by side, confirms late."""

    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        db: Database,
        *,
        timeout: int = 30,
        limit: int = 100,
        backoff: float = 1.0,
        busy_interval: float = 0.02,
        max_backoff: float = 2.0,
    ) -> None:
        self.app = app
        self.db = db
        self.timeout = timeout
        self.limit = limit
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.busy_interval = busy_interval
        self.offset = 0  # the next getUpdates offset: everything below it is stored and handled
        self.stored = 0
        self._taken = 0  # highest update_id given to a lane
        self._unfinished: set[int] = set()
        self._unfinished_heap: list[int] = []
        self._lanes: dict[int, deque[Update]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._progress = asyncio.Event()
        self._stop: asyncio.Event = asyncio.Event()
        self._warn_store = DATABASE_DOWN
        self._warn_poll = RateLimitedWarning(log)
        self.on_handled: Callable[[Update], None] | None = None
        self._waiters: dict[int, asyncio.Future[None]] = {}
        self._window_full = False  # the last getUpdates answered `limit` updates

    # ------------------------------------------------------------------ lanes

    def take(self, updates: Sequence[Update]) -> int:
        """Give new updates to their lanes (those already held are skipped); returns how many."""
        fresh = 0
        for update in updates:
            if update.update_id <= self._taken:
                continue
            self._taken = update.update_id
            self._unfinished.add(update.update_id)
            heapq.heappush(self._unfinished_heap, update.update_id)
            self._enqueue(update)
            fresh += 1
        return fresh

    def attach(self, stop: asyncio.Event) -> None:
        """Use this event to stop the lanes (the webhook server runs them without `run`)."""
        self._stop = stop

    def accept(self, update: Update) -> asyncio.Future[None]:
        """Give one update to its lane (webhooks: any order); the future is done when it is handled."""
        waiter = self._waiters.get(update.update_id)
        if waiter is not None:
            return waiter  # Telegram sent it again while it is in flight: wait for the same work
        waiter = self._waiters[update.update_id] = asyncio.get_running_loop().create_future()
        self._unfinished.add(update.update_id)
        heapq.heappush(self._unfinished_heap, update.update_id)
        self._enqueue(update)
        return waiter

    def _enqueue(self, update: Update) -> None:
        """Append to the update's lane and make sure the lane runs."""
        key = lane_of(update)
        self._lanes.setdefault(key, deque()).append(update)
        if key not in self._workers:
            self._workers[key] = asyncio.create_task(self._run_lane(key), name=f"lane:{key}")

    async def _run_lane(self, key: int) -> None:
        """Store and handle one chat's updates strictly in order; ends when the lane is empty."""
        queue = self._lanes[key]
        delay = self.backoff
        try:
            while queue:
                run = leading_run(queue)
                records = [r for r in (incoming_message(u) for u in run) if r is not None]
                if records:
                    try:
                        async with self.db.transaction() as session:
                            self.stored += await store_messages(session, messages=records)
                        self._warn_store.reset()
                        delay = self.backoff
                    except SQLAlchemyError as exc:
                        # Nothing of this lane is confirmed: retry once the database is back.
                        self._warn_store("could not store messages (%s); retrying", type(exc).__name__)
                        await self._pause(delay)
                        delay = min(delay * 2, self.max_backoff)
                        if self._stop.is_set():
                            return
                        continue
                for update in run:
                    if self._stop.is_set():
                        return  # not handled: delivered again after the restart
                    state = await self._dispatch(update)
                    if state.database_failed:
                        # The handler could not reach the database: handle it again once it
                        # is back (its handled-mark keeps whatever did commit from repeating).
                        await self._pause(delay)
                        delay = min(delay * 2, self.max_backoff)
                        break
                    delay = self.backoff
                    self._warn_store.reset()
                    queue.popleft()
                    self._finished(update.update_id)
        finally:
            if not queue:
                self._lanes.pop(key, None)
            self._workers.pop(key, None)

    async def _dispatch(self, update: Update) -> Handling:
        """Hand one update to the Application; its handled-mark is written with its effects."""
        state = await answers.handle(self.app, update)
        if self.on_handled is not None and not state.database_failed:
            self.on_handled(update)
        return state

    def _finished(self, update_id: int) -> None:
        """Mark an update done and move the confirmable offset past every finished one."""
        self._unfinished.discard(update_id)
        waiter = self._waiters.pop(update_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        while self._unfinished_heap and self._unfinished_heap[0] not in self._unfinished:
            heapq.heappop(self._unfinished_heap)
        self._progress.set()

    @property
    def confirmable(self) -> int:
        """The offset that confirms exactly what is stored and handled."""
        if self._unfinished_heap:
            return self._unfinished_heap[0]
        return max(self.offset, self._taken + 1) if self._taken else self.offset

    @property
    def busy(self) -> bool:
        """Whether some update is still being stored or handled."""
        return bool(self._unfinished)

    # ------------------------------------------------------------------ fetching

    async def _fetch(self) -> tuple[Update, ...]:
        """One getUpdates request from the confirmable offset; long-polls only when idle.

        While updates are in flight Telegram returns them again with every request, so the
        answer is decoded as plain JSON and only updates not held yet become Update objects.
        """
        self.offset = self.confirmable
        wait = 0 if self.busy else self.timeout
        raw = await self.app.bot.do_api_request(
            "getUpdates",
            api_kwargs={
                "offset": self.offset,
                "limit": self.limit,
                "timeout": wait,
                "allowed_updates": ALLOWED_UPDATES,
            },
            read_timeout=wait + 10,
        )
        items = raw or []
        self._window_full = len(items) >= self.limit
        fresh = [item for item in items if int(item["update_id"]) > self._taken]
        return tuple(Update.de_json(item, self.app.bot) for item in fresh)

    async def poll_once(self) -> int:
        """Fetch once and give what is new to the lanes; returns how many were new."""
        fresh = self.take(await self._fetch())
        # A full answer is the whole window even when some of it was new: asking again at once
        # would only return the same updates.
        if self.busy and (self._window_full or not fresh):
            await self._wait_for_news(asked_from=self.offset)
        return fresh

    async def _wait_for_news(self, *, asked_from: int) -> None:
        """Everything returned is in flight: wait until asking again can bring something new.

        A full answer (`limit` updates, all held) cannot change until the oldest held updates
        are finished and the offset moves: ask again once it moved by a quarter of the window,
        or by anything after HEAD_PAUSE. Otherwise news may come at any time, so ask again
        after `busy_interval`. Either way, once every lane is idle, go back to long polling.
        Waking on every finished update instead made one getUpdates per update, each decoding
        the whole window again.
        """
        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline = started + (HEAD_WAIT if self._window_full else self.busy_interval)
        while self.busy and not self._stop.is_set():
            if self._window_full:
                moved = self.confirmable - asked_from
                if moved >= self.limit // 4 or (moved and loop.time() - started >= HEAD_PAUSE):
                    return
            remaining = deadline - loop.time()
            if self._window_full and self.confirmable != asked_from:
                remaining = min(remaining, started + HEAD_PAUSE - loop.time())
            if remaining <= 0:
                return
            self._progress.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._progress.wait(), timeout=remaining)

    async def drain(self, within: float | None = None) -> None:
        """Wait until every lane has finished what it holds."""
        workers = list(self._workers.values())
        if workers:
            await asyncio.wait(workers, timeout=within)

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until stopped; transient failures are retried with a short backoff."""
        self._stop = stop
        delay = self.backoff
        try:
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
                    self._warn_poll.reset()
                except (Conflict, InvalidToken):
                    raise  # the command line explains it in one line and exits
                except RetryAfter as exc:
                    await self._pause(retry_seconds(exc))
                except TimedOut:
                    continue  # normal for long polling
                except NetworkError as exc:
                    self._warn_poll("polling failed (%s); retrying", exc)
                    await self._pause(delay)
                    delay = min(delay * 2, self.max_backoff)
        finally:
            await self._finish_lanes()
        await self._confirm_final()

    async def _finish_lanes(self) -> None:
        """On stop, let lanes finish the update each is handling; the rest is delivered again."""
        await self.drain(within=10)
        for worker in list(self._workers.values()):
            worker.cancel()

    async def _pause(self, seconds: float) -> None:
        """Wait, but wake at once when asked to stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)

    async def _confirm_final(self) -> None:
        """Tell Telegram what was handled, so it is not delivered again after a restart."""
        offset = self.confirmable
        if offset:
            with contextlib.suppress(NetworkError):
                await self.app.bot.get_updates(offset=offset, limit=1, timeout=0)
