"""A scheduler process for the multi-process test: `python -m tests.scheduler_worker ...`.

mode "crash": claim a batch, then die on the spot (as if killed between claim and send).
mode "run": tick until nothing is pending or claimed any more, then exit.

The process runs on the test's clock: `--now` is the moment it starts at, and from there its
clock moves with real elapsed time (leases must be able to run out).
`--ready-dir`/`--peers`: wait until that many workers are ready, so they really run together.
`--pace`: "none" sends straight through; "retry" puts the bot's ChatPacer (the retry layer,
429 flood waits included) under every call without pacing; "real" paces as in production.
At the end a "done {...}" line gives the summed tick results as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time as timer
from datetime import datetime, time, timedelta
from pathlib import Path

from sqlmodel import col, func, select
from telegram import Bot
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot import clock
from bot.db import Database, utcnow
from bot.models import Delivery, DeliveryStatus, Schedule
from bot.pacing import ChatPacer, Pace
from bot.services import scheduling
from bot.telegram_notifier import TelegramNotifier
from bot.timing import SendingRules
from scheduler.runner import Dispatcher, TickResult

# No quiet hours, weekends or holidays: the test must not depend on when it runs.
ALWAYS = SendingRules(skip_weekends=False, skip_holidays=False, quiet_from=time(0, 0), quiet_until=time(0, 0))


class RunningClock:
    """A clock that starts at a given moment and then runs with real elapsed time."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.started = timer.monotonic()

    def now(self) -> datetime:
        """The start moment plus the real time elapsed since."""
        return self.start + timedelta(seconds=timer.monotonic() - self.started)


async def wait_for_peers(ready_dir: str, name: str, peers: int) -> None:
    """Say this worker is ready and wait (at most 30 s) until `peers` workers are."""
    await asyncio.to_thread((Path(ready_dir) / name).touch)
    for _ in range(600):
        if len(await asyncio.to_thread(os.listdir, ready_dir)) >= peers:
            return
        await asyncio.sleep(0.05)  # not time.sleep: that fails under libfaketime


async def main() -> None:
    """Run one worker."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--base-url")
    parser.add_argument("--token")
    parser.add_argument("--worker")
    parser.add_argument("--mode", choices=["crash", "run"])
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--lease", type=float, default=3.0)
    parser.add_argument("--now", required=True, help="the test clock's moment (ISO, with offset)")
    parser.add_argument("--ready-dir", default="")
    parser.add_argument("--peers", type=int, default=1)
    parser.add_argument("--pace", choices=["none", "retry", "real"], default="none")
    parser.add_argument("--timeout", type=float, default=5.0, help="Bot API read timeout (seconds)")
    args = parser.parse_args()
    clock.install(RunningClock(datetime.fromisoformat(args.now)))
    db = Database(args.db)
    rules = ALWAYS
    if args.mode == "crash":
        async with db.transaction() as session:
            await scheduling.materialise(session, now=utcnow(), rules=rules)
        async with db.transaction() as session:
            claimed = await scheduling.claim(
                session,
                now=utcnow(),
                worker=args.worker,
                limit=args.batch,
                lease=timedelta(seconds=args.lease),
            )
        print(f"claimed {len(claimed)}", flush=True)
        os._exit(9)
    async with _bot(args) as bot:
        dispatcher = Dispatcher(
            db,
            TelegramNotifier(bot),
            default_locale="en",
            rules=rules,
            worker=args.worker,
            lease=timedelta(seconds=args.lease),
            batch=args.batch,
        )
        if args.ready_dir:
            await wait_for_peers(args.ready_dir, args.worker, args.peers)
        total = TickResult()
        for _ in range(600):
            _add(total, await dispatcher.tick())
            if not await _left(db):
                break
            await asyncio.sleep(0.2)
    summary = {k: v for k, v in vars(total).items() if isinstance(v, int) and not isinstance(v, bool)}
    print("done " + json.dumps(summary), flush=True)
    await db.dispose()


def _bot(args: argparse.Namespace) -> Bot:
    """The worker's Bot: bare, or with the bot's ChatPacer under every call."""
    pool = 4 if args.pace == "none" else 32  # "none" keeps the original test's few sends in flight
    request = HTTPXRequest(connection_pool_size=pool, read_timeout=args.timeout, write_timeout=args.timeout)
    if args.pace == "none":
        return Bot(args.token, base_url=args.base_url, request=request)
    pace = Pace() if args.pace == "real" else Pace.unpaced()
    return ExtBot(args.token, base_url=args.base_url, request=request, rate_limiter=ChatPacer(pace))


def _add(total: TickResult, result: TickResult) -> None:
    """Sum one tick's counts into the total."""
    for name, value in vars(result).items():
        if isinstance(value, int) and not isinstance(value, bool):
            setattr(total, name, getattr(total, name) + value)


async def _left(db: Database) -> int:
    """Deliveries still pending or claimed and due within 5 s, and schedules due not yet queued."""
    soon = utcnow() + timedelta(seconds=5)
    async with db.transaction() as session:
        deliveries = (
            await session.exec(
                select(func.count())
                .select_from(Delivery)
                .where(
                    col(Delivery.status).in_([DeliveryStatus.PENDING.value, DeliveryStatus.CLAIMED.value]),
                    col(Delivery.due_at) <= soon,
                )
            )
        ).one()
        schedules = (
            await session.exec(
                select(func.count())
                .select_from(Schedule)
                .where(col(Schedule.is_paused).is_(False), col(Schedule.next_run_at) <= utcnow())
            )
        ).one()
        return deliveries + schedules


if __name__ == "__main__":
    asyncio.run(main())
