"""Logged group messages per second, end to end, against a bare python-telegram-bot echo bot.

partnerbot: the real Application with the ConfirmingPoller, polling a FakeBotApi, on a fresh
database with one registered partnership. N plain text group messages are pushed at once;
the clock runs from the push until the fake server sees the last update confirmed (the
getUpdates offset moved past it), i.e. fetched, stored in the log, dispatched and
acknowledged. Afterwards exactly N message rows must be in log_entry.

echo: a minimal PTB Application (standard Updater long polling, one MessageHandler that
replies with the message text) against a fresh FakeBotApi. The same N updates are pushed;
the clock runs until the fake has received N sendMessage calls.

Run from the project root::

    .venv/bin/python -m benchmarks.bench_logging                # N=20000, SQLite, 1 repeat
    .venv/bin/python -m benchmarks.bench_logging -n 5000 --repeat 3
    .venv/bin/python -m benchmarks.bench_logging \\
        --database-url postgresql+asyncpg://user:pass@host/scratch_db   # ALL its tables are dropped
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, func
from sqlalchemy.engine import Connection
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from benchmarks.common import ErrorLimit, print_table, redact_url, report_problems, setup_logging, write_json
from bot.app import build_application, start_application, stop_application
from bot.config import load_settings
from bot.db import Database, create_engine
from bot.migrate import upgrade_database
from bot.models import EntryKind, LogEntry
from bot.once import Handling
from bot.polling import ConfirmingPoller
from bot.runtime import services_of
from bot.services import partnerships
from tests.fakebot import FakeBotApi, message, supergroup, user

CHAT_ID = -1_001_900_000_001
COORDINATOR_ID = 7_000_001
POLLING_TIMEOUT = 2  # seconds; as in tests/harness.py, so shutdown is quick

log = logging.getLogger("bench_logging")


@dataclass
class RunResult:
    """One timed run of one bot."""

    bot: str
    database: str
    repeat: int
    messages: int
    push_seconds: float
    seconds: float
    per_second: float
    cpu_seconds: float
    rows_logged: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class BenchmarkFailure(Exception):
    """A run did not do what it must (wrong row count, spec violations...)."""


def build_updates(count: int, users: int) -> list[dict[str, Any]]:
    """`count` plain text group messages from `users` people in the benchmark supergroup."""
    chat = supergroup(CHAT_ID, "Partnerstwo Benchmark")
    people = [
        user(8_000_000 + i, f"Osoba{i}", last_name="Testowa", language_code="pl")
        for i in range(users)
    ]
    return [
        message(chat, people[i % users], f"Wiadomość {i}: spotkanie w bibliotece we wtorek o 17:00")
        for i in range(count)
    ]


def check_fake(fake: FakeBotApi, label: str) -> list[str]:
    """Spec violations and internal errors the fake recorded, prefixed with the run label."""
    problems = [*fake.violations, *(f"internal: {e}" for e in fake.internal_errors)]
    return [f"[{label}] {p}" for p in problems]


# --------------------------------------------------------------------------- timing probes


class TimedDatabase(Database):
    """The bot's Database, sharing its engine, that adds up the time spent in transactions."""

    def __init__(self, inner: Database) -> None:
        """Share inner's engine and session factory instead of making new ones."""
        self.__dict__.update(vars(inner))
        self.transaction_seconds = 0.0
        self.transactions = 0

    @asynccontextmanager
    async def transaction(self, *, mark: bool = True) -> AsyncIterator[AsyncSession]:
        """Database.transaction, timed from BEGIN to COMMIT."""
        started = time.perf_counter()
        try:
            async with super().transaction(mark=mark) as session:
                yield session
        finally:
            self.transaction_seconds += time.perf_counter() - started
            self.transactions += 1


class TimedPoller(ConfirmingPoller):
    """ConfirmingPoller that records how long fetching and handling batches take."""

    fetch_seconds = 0.0
    handle_seconds = 0.0
    count_from = 0.0  # perf_counter value before which fetch time is idle waiting, not work

    async def _fetch(self) -> tuple[Update, ...]:
        """getUpdates round trip, including decoding the Update objects."""
        started = time.perf_counter()
        try:
            return await super()._fetch()
        finally:
            self.fetch_seconds += time.perf_counter() - max(started, self.count_from)

    async def _dispatch(self, update: Update) -> Handling:
        """Dispatching one update (storing is timed by the TimedDatabase); lanes overlap."""
        started = time.perf_counter()
        try:
            return await super()._dispatch(update)
        finally:
            self.handle_seconds += time.perf_counter() - started


# --------------------------------------------------------------------------- databases


def _drop_everything(connection: Connection) -> None:
    """Drop every table of the connected schema (the partnerbot tables and alembic_version)."""
    metadata = MetaData()
    metadata.reflect(connection)
    metadata.drop_all(connection)


async def fresh_database(url: str | None, workdir: Path, run: int) -> tuple[str, str]:
    """A migrated, empty database: a new SQLite file, or the given PostgreSQL one wiped."""
    if url is None:
        url = f"sqlite+aiosqlite:///{workdir / f'logging-{run}.db'}"
        label = "sqlite"
    else:
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(_drop_everything)
        finally:
            await engine.dispose()
        label = engine.dialect.name
    await upgrade_database(url)
    return url, label


# --------------------------------------------------------------------------- partnerbot


async def run_partnerbot(
    updates: list[dict[str, Any]], *, url: str, db_label: str, repeat: int, wait_seconds: float
) -> tuple[RunResult, list[str]]:
    """Push every update to the real bot and time until the last one is confirmed."""
    n = len(updates)
    with FakeBotApi() as fake:
        settings = load_settings(
            telegram_bot_token=fake.token,
            telegram_api_base_url=fake.base_url,
            database_url=url,
            polling_timeout=POLLING_TIMEOUT,
        )
        app = build_application(settings, rate_limit=False)
        await start_application(app)
        stop = asyncio.Event()
        task: asyncio.Task[None] | None = None
        try:
            db = services_of(app.bot_data).db
            async with db.transaction() as session:
                registration = await partnerships.register(
                    session, chat_id=CHAT_ID, name="Partnerstwo Benchmark",
                    coordinator_user_id=COORDINATOR_ID, coordinator_name="Koordynatorka",
                    timezone="Europe/Warsaw",
                )
            partnership_id = registration.partnership.id
            timed_db = TimedDatabase(db)
            poller = TimedPoller(app, timed_db, timeout=POLLING_TIMEOUT, backoff=0.05)
            task = asyncio.create_task(poller.run(stop))
            await asyncio.sleep(0.2)  # let the first long poll reach the server

            cpu0 = time.process_time()
            p0 = time.perf_counter()
            ids = fake.push_updates(updates)
            t0 = time.perf_counter()  # every update is now visible to getUpdates
            poller.count_from = t0
            await asyncio.to_thread(fake.wait_until_confirmed, ids[-1], wait_seconds)
            elapsed = time.perf_counter() - t0
            cpu = time.process_time() - cpu0
            breakdown = {
                "fetch_seconds": poller.fetch_seconds,
                "store_seconds": timed_db.transaction_seconds,
                "dispatch_seconds": poller.handle_seconds - timed_db.transaction_seconds,
                "store_transactions": timed_db.transactions,
            }

            async with db.transaction() as session:
                result = await session.exec(
                    select(func.count()).select_from(LogEntry).where(
                        LogEntry.partnership_id == partnership_id,
                        LogEntry.kind == EntryKind.MESSAGE.value,
                    )
                )
                rows = int(result.one())
            batches = sum(1 for c in fake.calls("getUpdates") if c.result not in (None, b"[]"))
        finally:
            stop.set()
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, timeout=15)
            await stop_application(app)
        problems = check_fake(fake, f"partnerbot/{db_label}")
    if rows != n:
        problems.append(f"[partnerbot/{db_label}] log_entry holds {rows} message rows, expected {n}")
    return (
        RunResult(
            bot="partnerbot", database=db_label, repeat=repeat, messages=n,
            push_seconds=t0 - p0, seconds=elapsed, per_second=n / elapsed, cpu_seconds=cpu,
            rows_logged=rows,
            extra={"stored_by_poller": poller.stored, "get_updates_calls": batches, **breakdown},
        ),
        problems,
    )


# --------------------------------------------------------------------------- echo bot


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the same text."""
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


async def run_echo(
    updates: list[dict[str, Any]], *, repeat: int, wait_seconds: float
) -> tuple[RunResult, list[str]]:
    """Push every update to a bare PTB echo bot and time until N replies were sent."""
    n = len(updates)
    with FakeBotApi() as fake:
        app: Application = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()  # type: ignore[type-arg]
        app.add_handler(MessageHandler(filters.TEXT, echo))
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=1, poll_interval=0)
        try:
            await asyncio.sleep(0.2)
            cpu0 = time.process_time()
            p0 = time.perf_counter()
            fake.push_updates(updates)
            t0 = time.perf_counter()
            await asyncio.to_thread(fake.wait_for, "sendMessage", count=n, timeout=wait_seconds)
            elapsed = time.perf_counter() - t0
            cpu = time.process_time() - cpu0
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.shutdown()
        sent = len(fake.calls("sendMessage"))
        problems = check_fake(fake, "echo")
    if sent != n:
        problems.append(f"[echo] {sent} sendMessage calls, expected {n}")
    return (
        RunResult(
            bot="echo", database="-", repeat=repeat, messages=n, push_seconds=t0 - p0,
            seconds=elapsed, per_second=n / elapsed, cpu_seconds=cpu, extra={"replies": sent},
        ),
        problems,
    )


# --------------------------------------------------------------------------- main


async def main_async(args: argparse.Namespace, errors: ErrorLimit) -> int:
    """Run every configuration, print the table, write the JSON; non-zero on any problem."""
    updates = build_updates(args.messages, args.users)
    results: list[RunResult] = []
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-logging-") as tmp:
        workdir = Path(tmp)
        for r in range(1, args.repeat + 1):
            urls: list[str | None] = [None] if not args.skip_sqlite else []
            if args.database_url:
                urls.append(args.database_url)
            for url in urls:
                real_url, label = await fresh_database(url, workdir, r)
                print(f"run {r}: partnerbot on {label} ({redact_url(real_url)}), "
                      f"{args.messages} messages...", flush=True)
                result, found = await run_partnerbot(
                    updates, url=real_url, db_label=label, repeat=r, wait_seconds=args.timeout
                )
                results.append(result)
                problems += found
                print(f"  {result.per_second:,.0f} messages/s, {result.rows_logged} rows logged",
                      flush=True)
            if not args.skip_echo:
                print(f"run {r}: echo bot, {args.messages} messages...", flush=True)
                result, found = await run_echo(updates, repeat=r, wait_seconds=args.timeout)
                results.append(result)
                problems += found
                print(f"  {result.per_second:,.0f} replies/s", flush=True)

    print()
    print(f"End to end, {args.messages:,} group messages from {args.users} users, pushed at once")
    print_table(
        ["run", "bot", "database", "messages", "seconds", "msg/s", "cpu s", "rows logged",
         "fetch s", "store s", "dispatch s"],
        [
            [r.repeat, r.bot, r.database, r.messages, r.seconds, r.per_second, r.cpu_seconds,
             "-" if r.rows_logged is None else r.rows_logged,
             *(r.extra.get(k, "-") for k in ("fetch_seconds", "store_seconds", "dispatch_seconds"))]
            for r in results
        ],
    )
    print("(partnerbot only: fetch = getUpdates round trips incl. decoding Updates; store = the "
          "log transactions; dispatch = Application.process_update)")
    summary: dict[str, dict[str, float]] = {}
    for key in dict.fromkeys((r.bot, r.database) for r in results):
        rates = [r.per_second for r in results if (r.bot, r.database) == key]
        summary[f"{key[0]}/{key[1]}"] = {
            "median_per_second": statistics.median(rates),
            "best_per_second": max(rates),
            "runs": float(len(rates)),
        }
    echo_rate = summary.get("echo/-", {}).get("median_per_second")
    ratios = {
        name: values["median_per_second"] / echo_rate
        for name, values in summary.items()
        if echo_rate and not name.startswith("echo")
    }
    print()
    print_table(
        ["configuration", "median msg/s", "best msg/s", "vs echo"],
        [
            [name, v["median_per_second"], v["best_per_second"],
             f"{ratios[name]:.2f}x" if name in ratios else "-"]
            for name, v in summary.items()
        ],
    )
    path = write_json(
        "bench_logging",
        {
            "parameters": {
                "messages": args.messages, "users": args.users, "repeat": args.repeat,
                "database_url": redact_url(args.database_url) if args.database_url else None,
                "partnerbot_polling_timeout": POLLING_TIMEOUT,
            },
            "runs": [asdict(r) for r in results],
            "summary": summary,
            "ratio_to_echo": ratios,
            "problems": problems,
            "logged_errors": errors.errors,
        },
    )
    print(f"\nJSON written to {path}")
    return report_problems(problems, errors)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("-n", "--messages", type=int, default=20_000,
                        help="group messages pushed per run (default 20000)")
    parser.add_argument("--users", type=int, default=5, help="distinct authors (default 5)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each bot (default 1)")
    parser.add_argument("--database-url", default=None,
                        help="also run partnerbot on this PostgreSQL database "
                             "(postgresql+asyncpg://...); ALL ITS TABLES ARE DROPPED")
    parser.add_argument("--skip-sqlite", action="store_true", help="no SQLite partnerbot run")
    parser.add_argument("--skip-echo", action="store_true", help="no echo bot baseline")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds to wait for one run to finish (default 600)")
    args = parser.parse_args(argv)
    if args.messages < 1 or args.users < 1 or args.repeat < 1:
        parser.error("--messages, --users and --repeat must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    return asyncio.run(main_async(args, setup_logging()))


if __name__ == "__main__":
    sys.exit(main())
