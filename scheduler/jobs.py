"""Installing and running the scheduler's repeating job (the work itself is in scheduler.runner).

Handlers that create something due now do not send it themselves: they wake the scheduler
(`Services.wake_scheduler`), which runs one extra tick in the background, so the update that
asked for it is confirmed at once and the chat's next update is not held up.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram.ext import Application, ContextTypes

from bot import once
from bot.db import Database
from bot.outage import DATABASE_DOWN
from bot.runtime import services_of
from bot.services import retention
from scheduler.runner import Dispatcher

log = logging.getLogger(__name__)
JOB_NAME = "partnerbot.scheduler"


async def run_tick(dispatcher: Dispatcher) -> None:
    """Send everything due now; schedules and deliveries are rows, so a restart loses nothing.

    A tick that used up its time budget is followed at once by the next (no idle gap until the
    next interval while a large fan-out is still queued).
    """
    with once.outside_update():
        result = await dispatcher.tick()
        while result.exhausted:
            more = await dispatcher.tick()
            result.sent += more.sent
            result.missed += more.missed
            result.failed += more.failed
            result.retried += more.retried
            result.exhausted = more.exhausted
    if result.sent or result.missed or result.failed:
        log.info(
            "scheduler: sent %d, missed %d, failed %d, retried %d",
            result.sent,
            result.missed,
            result.failed,
            result.retried,
        )


async def tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The repeating job; once a day it also runs retention (bot.services.retention)."""
    services = services_of(context.bot_data)
    dispatcher = services.dispatcher
    if dispatcher is not None:
        await run_tick(dispatcher)
    await run_retention(services.db)


async def run_retention(db: Database) -> None:
    """Once a day, retention; while the database is away, one warning a minute, no traceback."""
    try:
        with once.outside_update():
            await retention.run_daily(db)
    except SQLAlchemyError as exc:
        DATABASE_DOWN("retention: the database is unreachable (%s); retrying", type(exc).__name__)


class Waker:
    """Runs an extra tick soon; wakes during a running one coalesce into one more run."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def __call__(self) -> None:
        """Ask for a tick now (returns at once), or once the handler's effects are committed."""
        if once.when_committed(self._wake):
            return
        self._wake()

    def _wake(self) -> None:
        """Start the tick, or ask a running one for one more."""
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="scheduler-wake")

    async def _loop(self) -> None:
        """Tick until no wake arrived during the last tick."""
        while True:
            self._again = False
            try:
                await run_tick(self.dispatcher)
            except Exception:
                # This task is detached: an error not caught here would vanish unseen. Any fault is
                # logged and left to the repeating job, which runs the same tick again.
                log.exception("woken scheduler tick failed; the repeating job tries again")
            if not self._again:
                return

    async def settle(self) -> None:
        """Wait for a woken tick to finish (tests, shutdown)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)


def install(app: Application, interval: int) -> None:  # type: ignore[type-arg]
    """Run the tick every `interval` seconds (0: not at all); handlers can always wake it."""
    services = services_of(app.bot_data)
    if services.dispatcher is not None:
        services.wake_scheduler = Waker(services.dispatcher)
    if interval <= 0 or app.job_queue is None:
        return
    app.job_queue.run_repeating(tick, interval=interval, first=1, name=JOB_NAME)
