"""The one layer between the bot and Telegram that paces sends and retries failures.

Only calls that put a message into a chat are paced (send*, copy*, forward*, edit*, except
sendChatAction); questions such as getChatMember or answerCallbackQuery go out at once.
Each chat has its own sliding windows (a quiet group gets a short burst, then at most 19
messages a minute) and the bot as a whole at most 28 a second. A chat waits only for its own
windows and its own flood wait (429 RetryAfter), never for another chat's.

Retries live here and nowhere else:
- 429: the chat is held for `retry_after` seconds, then the call is made again (the refused
  try does not count against the windows);
- a 5xx answer or a connection that could not be made: retried at once after a short backoff,
  without waiting for the chat's next slot again;
- a read timeout is *not* retried: Telegram may have delivered the message. The caller decides
  (see the README: replies are not repeated, check-ins are, reminders are not).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from telegram._utils.types import JSONDict
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

from bot import once
from bot.instances import reserve

log = logging.getLogger(__name__)

PACED_METHOD = re.compile(r"^(send(?!chataction)|copy|forward|edit)", re.IGNORECASE)
Sleep = Callable[[float], Awaitable[None]]
Window = tuple[int, float]  # at most `count` messages in any `span` seconds
SHARED_TRIES = 3  # reservations tried before a send is paced by the instance's own windows
LATE_SLOT = 0.1  # seconds after its shared slot a send still goes; later, it asks for a new one
LATE_RETRIES = 5
IN_FLIGHT_POLL = 0.005  # how often to look again while a window is full of sends in flight


def retry_seconds(error: RetryAfter) -> float:
    """The flood wait Telegram asked for, in seconds."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def is_paced(endpoint: str) -> bool:
    """Whether a Bot API method puts a message into a chat."""
    return bool(PACED_METHOD.match(endpoint))


def is_group(chat_id: object) -> bool:
    """Groups and channels have negative ids (or an @username)."""
    text = str(chat_id)
    return text.startswith(("-", "@"))


def not_sent(exc: TimedOut) -> bool:
    """A timeout that happened before the request reached Telegram (safe to repeat)."""
    return isinstance(exc.__cause__, httpx.ConnectTimeout | httpx.PoolTimeout)


@dataclass(frozen=True)
class Pace:
    """The limits; the defaults keep one instance under Telegram's (30/s, 20 a minute a group)."""

    # At most 30 in any second, Telegram's limit: a send counts from its start until a second
    # after its answer, so however the moment Telegram counts it jitters in between, no second
    # can hold more than 30 (see _Lane).
    overall: tuple[Window, ...] = ((30, 1.0),)
    group: tuple[Window, ...] = ((3, 6.0), (19, 60.0))
    private: tuple[Window, ...] = ((3, 3.0),)
    max_flood_wait: float = 600.0
    flood_retries: int = 5
    error_retries: int = 2
    error_backoff: float = 0.25

    @classmethod
    def unpaced(cls) -> Pace:
        """No windows at all (tests): the retry layer without waiting."""
        return cls(overall=(), group=(), private=(), error_backoff=0.01)

    def share(self, instances: int) -> Pace:
        """This instance's part when several send for one token."""
        if instances <= 1:
            return self
        return Pace(
            overall=tuple((max(1, c // instances), s) for c, s in self.overall),
            group=self.group,
            private=self.private,
            max_flood_wait=self.max_flood_wait,
            flood_retries=self.flood_retries,
            error_retries=self.error_retries,
            error_backoff=self.error_backoff,
        )


@dataclass
class _Lane:
    """One chat's (or the whole bot's) recent sends, sends in flight, and flood wait.

    Telegram counts a message when it arrives, somewhere between the moment the request starts
    and the moment its answer comes back; under load that moment jitters. So a message counts
    against the windows from its start (while in flight) until `span` after its answer.
    """

    windows: tuple[Window, ...]
    key: str = ""
    stamps: deque[float] = field(default_factory=deque)  # when answered messages were answered
    in_flight: int = 0
    blocked_until: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def wait(self, now: float) -> float:
        """Seconds until one more message fits every window and the flood wait is over."""
        longest = max((span for _count, span in self.windows), default=0.0)
        while self.stamps and self.stamps[0] <= now - longest:
            self.stamps.popleft()
        wait = self.blocked_until - now
        for count, span in self.windows:
            room = count - self.in_flight
            if room <= 0:
                wait = max(wait, IN_FLIGHT_POLL)  # wait for an answer
                continue
            recent = [s for s in self.stamps if s > now - span]
            if len(recent) >= room:
                wait = max(wait, recent[-room] + span - now)
        return wait

    def settle(self, moment: float, *, arrived: bool) -> None:
        """A send in flight ended; if it may have reached the chat, it counts from now."""
        self.in_flight -= 1
        if arrived:
            self.stamps.append(moment)


class ChatPacer(BaseRateLimiter[int]):
    """Per-chat pacing and the bot's only retry layer (see the module docstring)."""

    def __init__(self, pace: Pace | None = None, *, sleep: Sleep = asyncio.sleep) -> None:
        self.pace = pace or Pace()
        self.sleep = sleep
        self._overall = _Lane(self.pace.overall)
        self._chats: dict[str, _Lane] = {}
        self.flood_waits = 0
        self.retried = 0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    def _lane(self, chat_id: object) -> _Lane:
        """The windows of one chat."""
        key = str(chat_id)
        lane = self._chats.get(key)
        if lane is None:
            windows = self.pace.group if is_group(chat_id) else self.pace.private
            lane = self._chats[key] = _Lane(windows, key)
        return lane

    async def _slot(self, lane: _Lane | None) -> None:
        """Wait for the chat's slot, then the bot's; the send is in flight from now."""
        loop = asyncio.get_running_loop()
        if lane is not None:
            await lane.lock.acquire()
        try:
            if lane is not None:
                while (wait := lane.wait(loop.time())) > 0:
                    await self.sleep(wait)
            async with self._overall.lock:
                while (wait := self._overall.wait(loop.time())) > 0:
                    await self.sleep(wait)
                self._overall.in_flight += 1
                if lane is not None:
                    lane.in_flight += 1
        finally:
            if lane is not None:
                lane.lock.release()

    def _settle(self, lane: _Lane | None, *, arrived: bool) -> None:
        """The send ended: it counts against the windows if it may have arrived."""
        moment = asyncio.get_running_loop().time()
        self._overall.settle(moment, arrived=arrived)
        if lane is not None:
            lane.settle(moment, arrived=arrived)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Pace a send, make the call, and retry what may succeed later."""
        await once.commit_deferred()  # a handler's effects are stored before it calls Telegram
        if not is_paced(endpoint):
            return await callback(*args, **kwargs)
        chat_id = data.get("chat_id")
        lane = self._lane(chat_id) if chat_id is not None else None
        floods = errors = 0
        while True:
            await self._slot(lane)
            try:
                result = await callback(*args, **kwargs)
            except RetryAfter as exc:
                self._settle(lane, arrived=False)
                wait = retry_seconds(exc)
                floods += 1
                if floods > self.pace.flood_retries or wait > self.pace.max_flood_wait:
                    raise
                self.flood_waits += 1
                log.warning("flood wait %.0fs for chat %s (%s)", wait, chat_id, endpoint)
                target = lane or self._overall
                target.blocked_until = max(target.blocked_until, asyncio.get_running_loop().time() + wait)
                continue
            except TimedOut as exc:
                sent = not not_sent(exc)
                self._settle(lane, arrived=sent)
                if sent or errors >= self.pace.error_retries:
                    raise  # the message may have arrived: the caller decides
                errors += 1
                self.retried += 1
                await self.sleep(self.pace.error_backoff * errors)
                continue
            except NetworkError as exc:
                answered = type(exc) is not NetworkError  # BadRequest, Forbidden: Telegram answered
                self._settle(lane, arrived=False)
                if answered or errors >= self.pace.error_retries:
                    raise
                errors += 1
                self.retried += 1
                log.warning("%s to chat %s failed (%s); retrying", endpoint, chat_id, exc)
                await self.sleep(self.pace.error_backoff * errors)
                continue
            except BaseException:
                self._settle(lane, arrived=False)
                raise
            self._settle(lane, arrived=True)
            return result


@dataclass(frozen=True)
class SharedPace:
    """Send slots shared by every instance through the database: (interval in seconds, burst).

    In any span of W seconds a key hands out at most burst + W/interval slots (bot.instances):
    the bot at most 1 + 24 = 25 in a second, a group 3 + 16 = 19 in a minute, a private chat
    3 and then one a second. Telegram allows 30 a second and 20 a minute in a group; the
    margin is for requests that reach Telegram later than their slot (network, a busy machine):
    up to 0.2 s late, no second can hold more than 1 + 1.2 * 24 < 30.
    """

    overall: tuple[float, int] = (1 / 24, 1)
    group: tuple[float, int] = (60 / 16, 3)
    private: tuple[float, int] = (1.0, 3)


class SharedPacer(ChatPacer):
    """The pacer of an instance that shares its token with others (webhook mode on PostgreSQL).

    A send reserves its chat's next slot in the database and waits for it, then reserves the
    bot's next slot and waits for that; flood waits and retries work as in ChatPacer. If the
    database cannot be reached (three tries), the send is paced by this instance's own windows
    (`fallback`: a quarter of one instance's rate, so a few instances in that state together
    stay within Telegram's limits).
    """

    def __init__(
        self,
        database_url: str,
        shared: SharedPace | None = None,
        *,
        fallback: Pace | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(fallback or Pace().share(4), sleep=sleep)
        self.database_url = database_url
        self.shared = shared or SharedPace()
        self._engine: AsyncEngine | None = None
        self.fallbacks = 0
        self.late = 0

    async def initialize(self) -> None:
        """A small connection pool of its own: sends must not wait for handlers' connections."""
        if self._engine is None:
            self._engine = create_async_engine(self.database_url, pool_size=3, max_overflow=2)

    async def shutdown(self) -> None:
        """Close the pool."""
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    async def _reserve(self, key: str, slot: tuple[float, int]) -> float:
        """Seconds to wait for the next shared slot of `key`."""
        assert self._engine is not None
        interval, burst = slot
        async with self._engine.begin() as conn:
            start, now = await reserve(conn, key=key, interval=interval, burst=burst)
        return start - now

    async def _slot(self, lane: _Lane | None) -> None:
        """The shared slot, or this instance's own windows while the database is away."""
        if self._engine is None:
            await self.initialize()
        problem = ""
        for attempt in range(SHARED_TRIES):
            try:
                await self._shared_slot(lane)
                return
            except (SQLAlchemyError, OSError) as exc:
                problem = type(exc).__name__
            await self.sleep(0.05 * 2**attempt)  # e.g. no free connection for a moment
        self.fallbacks += 1
        log.warning("shared pacing unavailable (%s); pacing this instance alone", problem)
        await super()._slot(lane)

    async def _bot_slot(self, loop: asyncio.AbstractEventLoop) -> None:
        """Wait for the bot's next slot; a slot this process woke up late for is taken again.

        A process that did not run for a while (a busy machine) would otherwise send every
        send whose slot passed meanwhile at once, and they would reach Telegram bunched.
        """
        for _ in range(LATE_RETRIES):
            asked = loop.time()
            wait = max(0.0, await self._reserve("bot", self.shared.overall))
            if wait > 0:
                await self.sleep(wait)
            if loop.time() - asked - wait <= LATE_SLOT:
                return
            self.late += 1

    async def _shared_slot(self, lane: _Lane | None) -> None:
        """Wait out flood waits, then the reserved slot; the send is in flight from then."""
        loop = asyncio.get_running_loop()
        async with contextlib.AsyncExitStack() as stack:
            if lane is not None:
                await stack.enter_async_context(lane.lock)
            for held in (lane, self._overall):
                if held is not None:
                    held.wait(loop.time())  # forgets old stamps, so the fallback windows stay current
                if held is not None and (wait := held.blocked_until - loop.time()) > 0:
                    await self.sleep(wait)
            if lane is not None:
                shape = self.shared.group if is_group(lane.key) else self.shared.private
                if (wait := await self._reserve(f"chat:{lane.key}", shape)) > 0:
                    await self.sleep(wait)
            # The bot's slot only once the chat's has come: a group waiting for its pace must
            # not push every other chat's sends back.
            await self._bot_slot(loop)
            self._overall.in_flight += 1
            if lane is not None:
                lane.in_flight += 1
