"""Webhook updates handled once and in order per chat, whichever instance received them.

A received update is first stored in `inbound_update` (bot.instances); the webhook answers
200 then. The instance tries to *claim* the update's chat (its lane): the holder handles every
stored, unhandled update of that chat in update_id order, marks them handled, and gives the
chat back. An instance that cannot claim the chat leaves the update to the holder: the holder,
as it gives the chat back, looks for pending updates in the same transaction and takes the chat
again if there are any. So one chat's updates never run at the same time on two instances,
and always in update_id order; different chats run side by side.

Why nothing falls between the two: the holder deletes its claim *before* it looks for pending
updates. If the other instance's update committed before that look, the holder sees it; if
not, the other instance claims only after its update committed, so after the delete: it either
waits for the holder's transaction and gets the chat, or finds it free.

A claim is a lease, renewed while the holder works; a killed instance's chats are free again
after one lease, and what it had not marked handled is handled by the next holder (effects it
committed carry their handled-mark, bot.once, so they are not repeated). Chats with updates
that nobody holds are picked up by a periodic sweep.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections import deque

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.ext import Application

from bot import answers, instances
from bot.db import Database
from bot.outage import DATABASE_DOWN
from bot.polling import incoming_message, leading_run
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
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()  # lanes that got news while their worker was busy
        self._held: set[int] = set()
        self._upkeep: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start renewing claims and sweeping for chats nobody looks after."""
        if self._upkeep is None:
            self._upkeep = asyncio.create_task(self._keep_up(), name="inbox-upkeep")

    async def receive(self, update_id: int, lane: int, payload: str) -> None:
        """Store an update (then the webhook answers 200) and see that its chat gets handled.

        The post waits only for its own row: claiming the chat is the worker's business, after
        the 200. (Claiming in the same transaction made a post wait for the row lock of a chat
        another instance was working on, so one busy instance slowed the other's answers.)
        """
        async with self.db.transaction(mark=False) as session:
            await instances.store(session, update_id=update_id, lane=lane, payload=payload)
        self._kick(lane)

    def _kick(self, lane: int) -> None:
        """Make sure a worker looks after this chat (again, if one is at it already)."""
        if lane in self._workers:
            self._again.add(lane)
        else:
            self._workers[lane] = asyncio.create_task(self._run_lane(lane), name=f"inbox:{lane}")

    async def _run_lane(self, lane: int) -> None:
        """Handle the chat while this instance holds it; leave it to the holder if that is another."""
        delay = self.poll
        try:
            while not self.stop.is_set():
                self._again.discard(lane)
                try:
                    rows = await self._claim(lane)
                    more = rows is not None and await self._handle_claimed(lane, rows)
                    delay = self.poll
                except SQLAlchemyError as exc:
                    DATABASE_DOWN("inbox: the database is unreachable (%s); retrying", type(exc).__name__)
                    await self._pause(delay)  # what is stored must still be handled
                    delay = min(delay * 2, 2.0)
                    continue
                # No await between this decision and leaving: a kick now finds the worker here.
                if not more and lane not in self._again:
                    return
        finally:
            self._workers.pop(lane, None)

    async def _claim(self, lane: int) -> list[tuple[int, str]] | None:
        """Take the chat if no other live instance holds it; then its first pending updates."""
        async with self.db.transaction(mark=False) as session:
            if not await instances.claim(session, lane=lane, owner=self.owner, lease=self.lease):
                return None
            rows = await instances.pending(session, lane=lane, limit=self.batch)
        self._held.add(lane)  # renewed from now on: the claim is committed
        return rows

    async def _handle_claimed(self, lane: int, rows: list[tuple[int, str]]) -> bool:
        """Handle the chat's pending updates and give it back; True if more came meanwhile."""
        last: list[int] = []
        more = False
        try:
            last = await self._handle_pending(lane, rows)
        finally:
            self._held.discard(lane)
            try:
                async with self.db.transaction(mark=False) as session:
                    if last:
                        await instances.mark_handled(session, update_ids=last)
                    await instances.release(session, owner=self.owner, lanes=[lane])
                    more = bool(await instances.pending(session, lane=lane, limit=1))
            except SQLAlchemyError:
                last = []  # not marked: handled again (their handled-marks hold)
                more = True
        self.handled += len(last)
        return more and not self.stop.is_set()

    async def _handle_pending(self, lane: int, rows: list[tuple[int, str]]) -> list[int]:
        """Handle the chat's stored updates in update_id order until none is left.

        Plain group messages up to the next command go together: logged in one transaction,
        marked handled in one statement. Returns the last ones handled but not yet marked:
        they are marked as the chat is given back.
        """
        delay = self.poll
        while rows and not self.stop.is_set():
            queue = deque(
                (update_id, Update.de_json(json.loads(payload), self.app.bot)) for update_id, payload in rows
            )
            short = len(rows) < self.batch
            while queue:
                run = leading_run(deque(update for _id, update in queue))
                handled = await self._handle_run(run)
                for _ in handled:
                    queue.popleft()
                if len(handled) < len(run):
                    if self.stop.is_set():
                        return handled  # the rest is handled by the next holder of the chat
                    await self._mark(handled)
                    await self._pause(delay)  # the database failed: try from there again
                    delay = min(delay * 2, 2.0)
                    continue
                delay = self.poll
                if not queue and short:
                    return handled  # probably the chat's last for now
                await self._mark(handled)
            async with self.db.transaction(mark=False) as session:
                rows = await instances.pending(session, lane=lane, limit=self.batch)
        return []

    async def _handle_run(self, run: list[Update]) -> list[int]:
        """Log the run's group messages, then dispatch each; the ids handled, in order."""
        records = [r for r in (incoming_message(u) for u in run) if r is not None]
        try:
            if records:
                async with self.db.transaction() as session:
                    await store_messages(session, messages=records)
        except SQLAlchemyError as exc:
            DATABASE_DOWN("could not store messages (%s); retrying", type(exc).__name__)
            return []
        handled: list[int] = []
        for update in run:
            if self.stop.is_set():
                break
            state = await answers.handle(self.app, update)
            if state.database_failed:
                break
            handled.append(update.update_id)
        return handled

    async def _mark(self, update_ids: list[int]) -> None:
        """Mark updates handled, in one statement."""
        if not update_ids:
            return
        async with self.db.transaction(mark=False) as session:
            await instances.mark_handled(session, update_ids=update_ids)
        self.handled += len(update_ids)

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
