"""Installing and running the scheduler's repeating job (the work itself is in bot.services.dispatch)."""

from __future__ import annotations

import logging

from telegram.ext import Application, ContextTypes

from bot.runtime import services_of

log = logging.getLogger(__name__)
JOB_NAME = "partnerbot.scheduler"


async def tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send everything due now; schedules and deliveries are rows, so a restart loses nothing."""
    dispatcher = services_of(context.bot_data).dispatcher
    if dispatcher is None:
        return
    result = await dispatcher.tick()
    if result.sent or result.missed or result.failed:
        log.info(
            "scheduler: sent %d, missed %d, failed %d, retried %d",
            result.sent,
            result.missed,
            result.failed,
            result.retried,
        )


def install(app: Application, interval: int) -> None:  # type: ignore[type-arg]
    """Run the tick every `interval` seconds (0: not at all)."""
    if interval <= 0 or app.job_queue is None:
        return
    app.job_queue.run_repeating(tick, interval=interval, first=1, name=JOB_NAME)
