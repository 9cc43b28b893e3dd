"""The scheduler's runner: materialise due occurrences, claim them, send them, record how it went.

Safe to run in several processes at once: a claim takes a lease (renewed while the send waits),
and an outcome is recorded only while the claim is still held. What each kind sends is in
`scheduler.senders`; what a failed send leads to, in `scheduler.policy`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from bot import once
from bot.db import Database, utcnow
from bot.models import DeliveryStatus
from bot.notifier import ChatUnreachable, Notifier, SendFailed, SendTimedOut
from bot.outage import DATABASE_DOWN
from bot.services import missed, scheduling
from bot.services.scheduling import Due
from bot.timing import Fate, SendingRules, fate
from scheduler import outcomes, policy
from scheduler.leases import Leases
from scheduler.senders import SENDERS, Outbox, Record

log = logging.getLogger(__name__)

# Deliveries processed at a time: enough that, while some wait for their slot in the pacer,
# the others' database work keeps it fed (30 messages/s); on SQLite the transactions still
# run one at a time (bot.db). Also the bound on doubles after a kill: sends in flight.
IN_FLIGHT = 16


@dataclass
class TickResult:
    """What one run of the job did."""

    materialised: int = 0
    sent: int = 0
    missed: int = 0
    failed: int = 0
    retried: int = 0
    lost: int = 0  # claims taken over before the send: left to their new owner
    uncertain: int = 0  # timed out and, by policy, not repeated
    exhausted: bool = False  # the time budget ran out with work possibly left: run again at once
    kinds: list[str] = field(default_factory=list)


class Dispatcher:
    """Sends what is due through the Notifier; safe to run in several processes at once."""

    def __init__(
        self,
        db: Database,
        notifier: Notifier,
        *,
        default_locale: str,
        rules: SendingRules | None = None,
        clock: Callable[[], datetime] = utcnow,
        worker: str | None = None,
        grace: timedelta = scheduling.GRACE,
        lease: timedelta = scheduling.LEASE,
        batch: int = 50,
    ) -> None:
        self.db = db
        self.notifier = notifier
        self.default_locale = default_locale
        self.rules = rules or SendingRules()
        self.clock = clock
        self.worker = worker or f"w-{uuid.uuid4().hex[:12]}"
        self.grace = grace
        self.lease = lease
        self.batch = batch
        self.concurrency = asyncio.Semaphore(IN_FLIGHT)
        self._leases = Leases(db, worker=self.worker, lease=lease, clock=lambda: self.clock())
        self._forgot_at: datetime | None = None

    @property
    def outbox(self) -> Outbox:
        """The handles the senders use, built at each use from the current attributes."""
        return Outbox(self.db, self.notifier, self.rules, self.default_locale)

    async def tick(self, *, budget: timedelta = timedelta(seconds=25)) -> TickResult:
        """One run: everything due now is sent once, or recorded as missed.

        Deliveries are claimed in batches until nothing is due or the time budget is spent, and
        sent concurrently so that the pacer (bot.pacing) can pace a large fan-out.
        """
        now = self.clock()
        result = TickResult()
        started = time.monotonic()  # the budget is real elapsed time, whatever the bot's clock says
        if not await self._materialise(now, result, started, budget):
            return result
        await self._forget_old_handled(now)
        result.exhausted = await self._send_due(now, result, started + budget.total_seconds())
        return result

    async def _materialise(
        self, now: datetime, result: TickResult, started: float, budget: timedelta
    ) -> bool:
        """Turn due schedules into deliveries, batch after batch; False if the database is down."""
        try:
            while True:  # a large backlog of due schedules is materialised in several batches
                async with self.db.transaction() as session:
                    made = await scheduling.materialise(
                        session, now=now, rules=self.rules, limit=scheduling.MATERIALISE_BATCH
                    )
                result.materialised += made
                if made < scheduling.MATERIALISE_BATCH or time.monotonic() - started > budget.total_seconds():
                    break
        except SQLAlchemyError as exc:
            DATABASE_DOWN("scheduler: the database is unreachable (%s); retrying", type(exc).__name__)
            return False
        DATABASE_DOWN.reset()
        return True

    async def _send_due(self, now: datetime, result: TickResult, deadline: float) -> bool:
        """Claim and send until nothing is due; True if the time budget ran out first.

        The next batch is claimed as soon as no more than IN_FLIGHT claimed deliveries are left
        to finish, not when the whole batch is done: the pacer never runs dry between batches.
        """
        running: set[asyncio.Task[None]] = set()
        async with self._leases.renewing():
            try:
                while time.monotonic() < deadline:
                    claimed = await self._claim()
                    if not claimed and not running:
                        return False
                    if not claimed:  # sending may make more due now (a check that queues a nudge)
                        await asyncio.wait(running)
                    running.update(asyncio.create_task(self._guarded(due, now, result)) for due in claimed)
                    while len(running) > IN_FLIGHT:
                        _done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                    running = {task for task in running if not task.done()}
                return True
            except BaseException:
                for task in running:
                    task.cancel()
                raise
            finally:
                await asyncio.gather(*running, return_exceptions=True)

    async def _claim(self) -> list[Due]:
        """Claim one batch (empty when nothing is due or the claim failed) and hold its leases."""
        try:
            claimed_at = self.clock()  # a long tick must not hand out leases that already ran out
            async with self.db.transaction() as session:
                claimed = await scheduling.claim(
                    session, now=claimed_at, worker=self.worker, lease=self.lease, limit=self.batch
                )
        except SQLAlchemyError as exc:
            DATABASE_DOWN("scheduler could not claim (%s); next tick tries again", type(exc).__name__)
            return []
        self._leases.hold(claimed, claimed_at)
        return claimed

    async def _forget_old_handled(self, now: datetime) -> None:
        """Once an hour, drop handled-update marks older than a week (they only guard redeliveries)."""
        if self._forgot_at is not None and now - self._forgot_at < timedelta(hours=1):
            return
        self._forgot_at = now
        with contextlib.suppress(SQLAlchemyError):
            async with self.db.transaction() as session:
                await once.forget_handled(session, before=now - once.KEEP_HANDLED)

    async def _guarded(self, due: Due, now: datetime, result: TickResult) -> None:
        """Process one delivery when its turn comes; its lease is renewed until then."""
        try:
            async with self.concurrency:
                await self._attempt(due, now, result)
        finally:
            self._leases.release(due)

    async def _attempt(self, due: Due, now: datetime, result: TickResult) -> None:
        """Process one delivery; a database failure leaves it claimed, so it is retried after its lease."""
        try:
            await self._process(due, now, result)
        except SQLAlchemyError as exc:
            DATABASE_DOWN(
                "delivery %s could not be recorded (%s); it is retried when its lease expires",
                due.id,
                type(exc).__name__,
            )
            result.retried += 1
        except Exception as exc:
            log.exception("delivery %s failed for good; it is not retried", due.id)
            try:
                await self._finish(due, DeliveryStatus.FAILED, now, f"{type(exc).__name__}: {exc}"[:300])
            except SQLAlchemyError:
                log.exception("delivery %s could not be marked failed", due.id)
            result.failed += 1

    async def _process(self, due: Due, now: datetime, result: TickResult) -> None:
        """Send one claimed delivery and record how it went."""
        if not policy.exempt_from_grace(due.kind) and fate(due.due_at, now, self.grace) is Fate.MISSED:
            await self._missed(due, now)
            result.missed += 1
            return
        if not await self._leases.still_mine(due):
            log.warning("delivery %s was taken over by another process; not sending it", due.id)
            result.lost += 1
            return
        try:
            record = await self._send(due, now)
        except ChatUnreachable as exc:
            await self._finish(due, DeliveryStatus.FAILED, now, exc.reason)
            await outcomes.group_gone(self.outbox, due, exc)
            result.failed += 1
            return
        except SendTimedOut as exc:
            if not policy.repeat_after_timeout(due.kind):
                await self._finish(due, DeliveryStatus.SENT, now, f"timed out, not repeated: {exc}")
                result.uncertain += 1
                return
            await self._retry_later(due, now, str(exc), result)
            return
        except SendFailed as exc:
            await self._retry_later(due, now, str(exc), result)
            return
        if not await self._finish(due, DeliveryStatus.SENT, now, record=record):
            log.warning("delivery %s was sent after its claim was taken over", due.id)
        result.sent += 1
        result.kinds.append(due.kind)

    async def _send(self, due: Due, now: datetime) -> Record | None:
        """Hand the delivery to the sender of its kind; what it still has to store, if anything."""
        sender = SENDERS.get(due.kind)
        if sender is None:
            log.error("unknown delivery kind %s", due.kind)
            return None
        return await sender(self.outbox, due, now)

    async def _missed(self, due: Due, now: datetime) -> None:
        """Record a delivery as missed (a round still closes, silently) and queue the coordinator's note."""
        await outcomes.record_missed(self.outbox, due, now)
        await self._finish(due, DeliveryStatus.MISSED, now, missed.MISSED)
        await outcomes.keep_routine_going(self.outbox, due, now)

    async def _retry_later(self, due: Due, now: datetime, error: str, result: TickResult) -> None:
        """Put a delivery back in the queue with a growing delay, or give up after enough tries."""
        if not policy.may_retry(due.attempts):
            await self._finish(due, DeliveryStatus.FAILED, now, error)
            result.failed += 1
        else:
            retry = now + policy.retry_delay(due.attempts)
            await self._finish(due, DeliveryStatus.PENDING, now, error, retry_at=retry)
            result.retried += 1

    async def _finish(
        self,
        due: Due,
        status: DeliveryStatus,
        now: datetime,
        error: str = "",
        retry_at: datetime | None = None,
        record: Record | None = None,
    ) -> bool:
        """Record the outcome while this worker still holds the claim; False if it does not.

        What the sender still had to store (`record`) is stored in the same transaction either way.
        """
        async with self.db.transaction() as session:
            if record is not None:
                await record(session)
            return await scheduling.finish(
                session,
                delivery_id=due.id,
                worker=self.worker,
                status=status,
                now=now,
                error=error,
                retry_at=retry_at,
            )
