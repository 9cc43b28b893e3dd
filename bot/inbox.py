"""Webhook updates handled once and in order per chat, whichever instance received them.

A received update is first stored in `inbound_update` (bot.instances). Then the instance
tries to *claim* the update's chat (its lane): the holder handles every stored, unhandled
update of that chat in update_id order, marks each handled, and gives the chat back. An
instance that cannot claim the chat (another one is handling it) waits until its update is
marked handled by the other one. So one chat's updates never run at the same time on two
instances, and always in update_id order; different chats run side by side.

A claim is a lease, renewed while the holder works; a killed instance's chats are free again
after one lease, and what it had not marked handled is handled by the next holder (effects it
committed carry their handled-mark, bot.once, so they are not repeated). Updates whose sender
gave up (nobody is waiting for them) are picked up by a periodic sweep.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.ext import Application

from bot import answers, instances
from bot.db import Database
from bot.outage import DATABASE_DOWN
from bot.polling import incoming_message, lane_of
from bot.services.log import store_messages

log = logging.getLogger(__name__)
LANE_LEASE = 6.0  # seconds a chat stays claimed without renewal (renewed every third of it)
SWEEP_EVERY = 6.0
FORGET_EVERY = 3600.0


class InboxLanes:
    """Stores webhook updates and handles each chat's stored updates under a claim."""

    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        db: Database,
        *,
        owner: str | None = None,
        lease: float = LANE_LEASE,
        poll: float = 0.01,
        batch: int = 20,
    ) -> None:
        self.app = app
        self.db = db
        self.owner = owner or f"i-{uuid.uuid4().hex[:12]}"
        self.lease = lease
        self.poll = poll
        self.batch = batch
        self.stop = asyncio.Event()
        self.handled = 0
        self._waiters: dict[int, asyncio.Future[None]] = {}
        self._waiting: dict[int, set[int]] = {}  # lane -> update ids somebody waits for here
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._held: set[int] = set()
        self._upkeep: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start renewing claims and sweeping for updates nobody waits for."""
        if self._upkeep is None:
            self._upkeep = asyncio.create_task(self._keep_up(), name="inbox-upkeep")

    async def receive(self, update: Update, payload: str) -> asyncio.Future[None]:
        """Store an update and make sure its chat is handled; the future is done once it is."""
        lane = lane_of(update)
        async with self.db.transaction(mark=False) as session:
            await instances.store(session, update_id=update.update_id, lane=lane, payload=payload)
        waiter = self._waiters.get(update.update_id)
        if waiter is None:
            waiter = self._waiters[update.update_id] = asyncio.get_running_loop().create_future()
            self._waiting.setdefault(lane, set()).add(update.update_id)
        self._kick(lane)
        return waiter

    def _kick(self, lane: int) -> None:
        """Make sure a worker looks after this chat."""
        if lane not in self._workers:
            self._workers[lane] = asyncio.create_task(self._run_lane(lane), name=f"inbox:{lane}")

    async def _run_lane(self, lane: int) -> None:
        """Claim the chat and handle it, or wait while another instance does; until nobody waits."""
        delay = self.poll
        try:
            while not self.stop.is_set():
                try:
                    rows = await self._claim(lane)
                    if rows is not None:
                        delay = self.poll
                        await self._handle_claimed(lane, rows)
                    await self._settle(lane)
                except SQLAlchemyError as exc:
                    DATABASE_DOWN("inbox: the database is unreachable (%s); retrying", type(exc).__name__)
                if not self._waiting.get(lane):
                    return
                await self._pause(delay)
                delay = min(delay * 2, 0.2)
        finally:
            self._workers.pop(lane, None)

    async def _claim(self, lane: int) -> list[tuple[int, str]] | None:
        """Take the chat if no other live instance holds it; then its first pending updates."""
        async with self.db.transaction(mark=False) as session:
            if not await instances.claim(session, lane=lane, owner=self.owner, lease=self.lease):
                return None
            self._held.add(lane)
            return await instances.pending(session, lane=lane, limit=self.batch)

    async def _handle_claimed(self, lane: int, rows: list[tuple[int, str]]) -> None:
        """Handle the chat's pending updates, give it back, answer the last one."""
        last: int | None = None
        try:
            last = await self._handle_pending(lane, rows)
        finally:
            self._held.discard(lane)
            try:
                async with self.db.transaction(mark=False) as session:
                    if last is not None:
                        await instances.mark_handled(session, update_id=last)
                    await instances.release(session, owner=self.owner, lanes=[lane])
            except SQLAlchemyError:
                last = None  # not marked: not answered; handled again (its handled-mark holds)
        if last is not None:  # answered once the chat is free: its next update finds it so
            self.handled += 1
            self._done(lane, last)

    async def _handle_pending(self, lane: int, rows: list[tuple[int, str]]) -> int | None:
        """Handle the chat's stored updates in update_id order until none is left.

        Returns the last one handled but not yet marked: it is marked as the chat is given back.
        """
        delay = self.poll
        while rows and not self.stop.is_set():
            for update_id, payload in rows:
                if self.stop.is_set():
                    return None  # not handled: the next holder of the chat handles it
                if not await self._handle(Update.de_json(json.loads(payload), self.app.bot)):
                    await self._pause(delay)  # the database failed: try this update again
                    delay = min(delay * 2, 2.0)
                    break
                delay = self.poll
                if update_id == rows[-1][0] and len(rows) < self.batch:
                    return update_id  # probably the chat's last for now
                async with self.db.transaction(mark=False) as session:
                    await instances.mark_handled(session, update_id=update_id)
                self.handled += 1
                self._done(lane, update_id)
            async with self.db.transaction(mark=False) as session:
                rows = await instances.pending(session, lane=lane, limit=self.batch)
        return None

    async def _handle(self, update: Update) -> bool:
        """Log a group message, then dispatch; False if the database failed on the way."""
        record = incoming_message(update)
        try:
            if record is not None:
                async with self.db.transaction() as session:
                    await store_messages(session, messages=[record])
        except SQLAlchemyError as exc:
            DATABASE_DOWN("could not store messages (%s); retrying", type(exc).__name__)
            return False
        state = await answers.handle(self.app, update)
        return not state.database_failed

    async def _settle(self, lane: int) -> None:
        """Finish the waits of updates another instance (or this one) has handled."""
        ids = sorted(self._waiting.get(lane, ()))
        if not ids:
            return
        async with self.db.transaction(mark=False) as session:
            done = await instances.handled_among(session, ids)
        for update_id in done:
            self._done(lane, update_id)

    def _done(self, lane: int, update_id: int) -> None:
        """Answer whoever waits for this update."""
        waiting = self._waiting.get(lane)
        if waiting is not None:
            waiting.discard(update_id)
            if not waiting:
                del self._waiting[lane]
        waiter = self._waiters.pop(update_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _keep_up(self) -> None:
        """Renew held claims; now and then pick up orphaned chats and forget old rows."""
        since_sweep = since_forget = 0.0
        step = self.lease / 3
        while not self.stop.is_set():
            await self._pause(step)
            since_sweep += step
            since_forget += step
            try:
                async with self.db.transaction(mark=False) as session:
                    await instances.renew(
                        session, owner=self.owner, lanes=sorted(self._held), lease=self.lease
                    )
                if since_sweep >= SWEEP_EVERY:
                    since_sweep = 0.0
                    async with self.db.transaction(mark=False) as session:
                        for lane in await instances.orphaned_lanes(session, older_than=self.lease):
                            self._kick(lane)
                if since_forget >= FORGET_EVERY:
                    since_forget = 0.0
                    async with self.db.transaction(mark=False) as session:
                        await instances.forget(session)
            except SQLAlchemyError as exc:
                log.warning("inbox upkeep failed (%s); retrying", type(exc).__name__)

    async def _pause(self, seconds: float) -> None:
        """Wait, but wake at once when asked to stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), timeout=seconds)

    async def close(self, within: float = 10.0) -> None:
        """Let workers finish the update each handles, then give every chat back."""
        self.stop.set()
        workers = list(self._workers.values())
        if workers:
            await asyncio.wait(workers, timeout=within)
        for worker in list(self._workers.values()):
            worker.cancel()
        if self._upkeep is not None:
            self._upkeep.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._upkeep
        with contextlib.suppress(SQLAlchemyError):
            async with self.db.transaction(mark=False) as session:
                await instances.release(session, owner=self.owner)
