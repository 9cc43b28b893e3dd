"""The claims a worker holds while it sends: renewed in the background, checked before each send."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from bot.db import Database
from bot.services import scheduling
from bot.services.scheduling import Due

log = logging.getLogger(__name__)


class Leases:
    """The deliveries this worker is sending now, when it claimed them, and the ones it lost."""

    def __init__(self, db: Database, *, worker: str, lease: timedelta, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.worker = worker
        self.lease = lease
        self.clock = clock
        self._held: set[int] = set()  # their leases are renewed while they are sent
        self._lost: set[int] = set()
        self._claimed_at: dict[int, datetime] = {}

    @contextlib.asynccontextmanager
    async def renewing(self) -> AsyncIterator[None]:
        """Renew the leases of every held delivery in the background while sends are under way."""
        renewer = asyncio.create_task(self._renew())
        try:
            yield
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer

    def hold(self, claimed: list[Due], claimed_at: datetime) -> None:
        """Deliveries just claimed: their leases are renewed until they are released."""
        for due in claimed:
            self._held.add(due.id)
            self._lost.discard(due.id)
            self._claimed_at[due.id] = claimed_at

    def release(self, due: Due) -> None:
        """A delivery whose outcome is recorded (or left to its lease): no longer renewed."""
        self._held.discard(due.id)
        self._lost.discard(due.id)
        self._claimed_at.pop(due.id, None)

    async def _renew(self) -> None:
        """While sends wait (pacing, flood waits), keep extending their leases (every third of one)."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            held = sorted(self._held - self._lost)
            if not held:
                continue
            try:
                async with self.db.transaction() as session:
                    kept = await scheduling.renew(
                        session, ids=held, worker=self.worker, until=self.clock() + self.lease
                    )
            except SQLAlchemyError:
                log.warning("could not renew %d leases; retrying", len(held))
                continue
            self._lost.update((set(held) - kept) & self._held)  # not the ones finished meanwhile

    def _surely_mine(self, due: Due) -> bool:
        """Within the first half of the lease taken at claim time nobody else can hold it."""
        claimed_at = self._claimed_at.get(due.id)
        if due.id in self._lost or claimed_at is None:
            return False
        return self.clock() < claimed_at + self.lease / 2

    async def still_mine(self, due: Due) -> bool:
        """Whether this worker still holds the delivery (checked right before sending)."""
        if self._surely_mine(due):
            return True
        if due.id in self._lost:
            return False
        async with self.db.transaction() as session:
            return await scheduling.holds(session, delivery_id=due.id, worker=self.worker, now=self.clock())
