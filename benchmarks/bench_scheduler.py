"""Scheduler: the cost of a tick with many schedules, and a check-in fan-out to 2,500 groups.

A. Tick cost. One SQLite file per schedule count N (benchmarks/out/scheduler-<N>.db, rebuilt
   every run): upgrade_database, one partnership per 100 schedules registered through
   partnerships.register, then N check-in schedules (weekly, biweekly, monthly) bulk inserted
   with one SQLAlchemy Core executemany through the Schedule table, so UTCDateTime stores
   next_run_at exactly as the ORM does (naive UTC on SQLite). 5 % of them are paused with a
   stale next_run_at in the past (as a paused schedule keeps it); the other ones fall due in the
   next two weeks, except D random ones that are a few minutes overdue. Timed with the bot's
   default SendingRules():
     materialise  scheduling.materialise() in its own transaction, called until it returns 0
                  (at most 500 schedules per call, the default Dispatcher.tick uses once per
                  tick); the last, empty call is reported apart as "idle materialise";
     claim        scheduling.claim(limit=50) (the Dispatcher's batch) until nothing is left;
                  the last, empty call apart as "idle claim";
     tick         Dispatcher.tick() with a RecordingNotifier, repeated until the D check-ins
                  were sent (each opens a round and queues its reminder and closing);
     idle tick    Dispatcher.tick() when nothing is due.
   Before every repeat the deliveries and rounds are deleted and the D schedules made due
   again. The SQL of the due-schedules and due-deliveries queries is captured and shown with
   SQLite's EXPLAIN QUERY PLAN.
B. Fan-out. A fresh SQLite file with 2,500 partnerships (distinct group chats), each with one
   check-in delivery due now (scheduling.enqueue of delivery_row(kind=CHECKIN,
   payload={"question": ...})). A standalone Dispatcher with a TelegramNotifier over a
   python-telegram-bot Bot pointed at a FakeBotApi (in this process) runs tick() until every
   delivery is sent. Modes:
     raw  plain Bot, no rate limiter, the fake without flood control (bot-side throughput);
     off  plain Bot, no rate limiter, the fake with Telegram-like flood control
          (FakeBotApi.enable_flood_control: 30 messages in any second, 20 per group per
          minute, else 429 with retry_after), which TelegramNotifier honours by waiting;
     on   telegram.ext.ExtBot with the bot's own limiter (bot.app.telegram_pace: 29 per
          second overall and one every 3.1 s per group, evenly spaced), same flood control;
     smooth (only when asked for) an AIORateLimiter paced overall only, for comparison;
     burst (only when asked for) PTB's default AIORateLimiter, which allows bursts.
   Rate = sendMessage calls the fake accepted per second, from the first tick to the last
   accepted call. Every chat must get exactly one check-in, every delivery must end "sent"
   with its round remembering the message, and the fake must report no spec violation.

Run from the project root::

    .venv/bin/python -m benchmarks.bench_scheduler                  # about 5 minutes
    .venv/bin/python -m benchmarks.bench_scheduler --skip-fanout --repeat 3
    .venv/bin/python -m benchmarks.bench_scheduler --skip-ticks --fanout 300 --modes raw,on,smooth
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import sqlite3
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from sqlalchemy import delete, event, insert
from sqlmodel import col, func, select, update
from telegram import Bot
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from benchmarks.common import (
    OUT_DIR,
    ErrorLimit,
    print_table,
    report_problems,
    setup_logging,
    write_json,
)
from bot.app import telegram_pace
from bot.db import Database, utcnow
from bot.migrate import upgrade_database
from bot.models import CheckinRound, Delivery, DeliveryKind, DeliveryStatus, Schedule
from bot.pacing import ChatPacer
from bot.services import partnerships, scheduling
from bot.telegram_notifier import TelegramNotifier
from bot.timing import Recurrence, SendingRules
from scheduler.runner import Dispatcher, TickResult
from tests.fakebot import FakeBotApi
from tests.recording import RecordingNotifier

ZONE = "Europe/Warsaw"
CHAT_BASE = -1_003_000_000_000  # partnership i is chat CHAT_BASE - i
COORDINATOR_BASE = 700_000_000  # its coordinator is user COORDINATOR_BASE + i
SCHEDULES_PER_PARTNERSHIP = 100
INSERT_CHUNK = 20_000
PAUSED_SHARE = 0.05
CLAIM_BATCH = 50  # Dispatcher's default batch
MAX_CALLS = 10_000  # safety net for the "call until nothing is left" loops
QUESTIONS = (
    "Czy zajęcia w bibliotece odbyły się zgodnie z planem?",
    "Ile osób zapisało się w tym tygodniu na kurs?",
    "Czy sala komputerowa jest zarezerwowana na przyszły tydzień?",
    "Czy plakaty zostały rozwieszone w sołectwach?",
)
# No quiet hours, weekends or holidays: the fan-out must not depend on when it runs.
ALWAYS = SendingRules(
    skip_weekends=False, skip_holidays=False, quiet_from=clock_time(0, 0), quiet_until=clock_time(0, 0)
)
MODES = {  # label, rate limiter, flood control
    "raw": ("limiter off, no flood control", "", False),
    "off": ("limiter off, flood control", "", True),
    "on": ("the bot's rate limiter (bot.app.telegram_pace), flood control", "app", True),
    "smooth": ("AIORateLimiter without burst, flood control", "smooth", True),
    "burst": ("PTB's default AIORateLimiter (bursts), flood control", "burst", True),
}
DEFAULT_MODES = ["raw", "off", "on"]

log = logging.getLogger("bench_scheduler")


def chat_id_of(index: int) -> int:
    """The group chat of the index-th partnership."""
    return CHAT_BASE - index


def sqlite_url(path: Path) -> str:
    """The aiosqlite URL of a database file."""
    return f"sqlite+aiosqlite:///{path}"


def remove_database(path: Path) -> None:
    """Delete a SQLite file with its WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def fresh_database(path: Path) -> Database:
    """A new, migrated SQLite file."""
    remove_database(path)
    url = sqlite_url(path)
    await upgrade_database(url)
    return Database(url)


async def register_partnerships(db: Database, count: int) -> list[int]:
    """Register `count` partnerships through the bot's service, in one transaction."""
    ids: list[int] = []
    async with db.transaction() as session:
        for i in range(count):
            registration = await partnerships.register(
                session, chat_id=chat_id_of(i), name=f"Partnerstwo {i:05d}",
                coordinator_user_id=COORDINATOR_BASE + i, coordinator_name=f"Koordynator {i:05d}",
                timezone=ZONE,
            )  # fmt: skip
            assert registration.partnership.id is not None
            ids.append(registration.partnership.id)
    return ids


def median(values: list[float]) -> float:
    """Median in milliseconds of durations in seconds."""
    return statistics.median(values) * 1000.0


# --------------------------------------------------------------------------- A. tick cost


@dataclass
class TickCase:
    """One (N schedules, D due) configuration, with its timings (seconds) per repeat."""

    schedules: int
    due: int
    partnerships: int
    materialise: list[float] = field(default_factory=list)
    materialise_calls: int = 0
    claim: list[float] = field(default_factory=list)
    claim_calls: int = 0
    tick: list[float] = field(default_factory=list)
    ticks: int = 0
    idle_materialise: list[float] = field(default_factory=list)
    idle_claim: list[float] = field(default_factory=list)
    idle_tick: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        """Medians in milliseconds."""
        both = [m + c for m, c in zip(self.materialise, self.claim, strict=True)]
        return {
            "materialise_ms": median(self.materialise),
            "claim_ms": median(self.claim),
            "materialise_plus_claim_ms": median(both),
            "per_due_ms": median(both) / self.due,
            "tick_ms": median(self.tick) if self.tick else float("nan"),
            "idle_materialise_ms": median(self.idle_materialise),
            "idle_claim_ms": median(self.idle_claim),
            "idle_tick_ms": median(self.idle_tick),
        }


def schedule_rows(
    partnership_ids: list[int], total: int, now: datetime, rng: random.Random
) -> list[dict[str, Any]]:
    """N schedule rows: paused ones with a stale time, the others due within two weeks."""
    kinds = (Recurrence.WEEKLY, Recurrence.BIWEEKLY, Recurrence.MONTHLY)
    rows = []
    for k in range(total):
        paused = rng.random() < PAUSED_SHARE
        owner = k % len(partnership_ids)
        rows.append({
            "partnership_id": partnership_ids[owner],
            "recurrence": rng.choices(kinds, weights=(6, 2, 2))[0].value,
            "weekday": rng.randrange(5),
            "day": rng.randrange(1, 29),
            "at_time": f"{rng.randrange(9, 16):02d}:{rng.choice((0, 15, 30, 45)):02d}",
            "cron": "",
            "question": QUESTIONS[k % len(QUESTIONS)],
            "window_hours": 48,
            "reminder_after_hours": 24,
            "is_paused": paused,
            "paused_reason": "coordinator" if paused else "",
            "next_run_at": (now - timedelta(days=rng.uniform(1, 90)) if paused
                            else now + timedelta(seconds=rng.uniform(3_600, 14 * 86_400))),
            "created_by_user_id": COORDINATOR_BASE + owner,
            "created_at": now - timedelta(days=100),
        })  # fmt: skip
    return rows


async def seed_schedules(path: Path, total: int, seed: int) -> tuple[Database, list[int], dict[str, float]]:
    """A fresh file with N schedules; returns the database and the ids of the unpaused ones."""
    started = time.perf_counter()
    db = await fresh_database(path)
    migrated = time.perf_counter()
    ids = await register_partnerships(db, max(1, round(total / SCHEDULES_PER_PARTNERSHIP)))
    registered = time.perf_counter()
    rows = schedule_rows(ids, total, utcnow(), random.Random(seed))
    async with db.engine.begin() as connection:
        for start in range(0, len(rows), INSERT_CHUNK):
            await connection.execute(insert(Schedule), rows[start : start + INSERT_CHUNK])
    inserted = time.perf_counter()
    async with db.transaction() as session:
        active = [int(i or 0) for i in await session.exec(
            select(Schedule.id).where(col(Schedule.is_paused).is_(False))
        )]  # fmt: skip
        count = (await session.exec(select(func.count()).select_from(Schedule))).one()
    if count != total:
        raise RuntimeError(f"{count} schedules in the file, expected {total}")
    return db, active, {
        "migrate_seconds": migrated - started,
        "register_seconds": registered - migrated,
        "insert_seconds": inserted - registered,
        "partnerships": float(len(ids)),
    }


async def make_due(db: Database, due_ids: list[int], now: datetime) -> None:
    """Forget deliveries and rounds; only the chosen schedules are due (a few minutes late)."""
    async with db.engine.begin() as connection:
        await connection.execute(delete(Delivery))
        await connection.execute(delete(CheckinRound))
        await connection.execute(
            update(Schedule)
            .where(col(Schedule.is_paused).is_(False), col(Schedule.next_run_at) <= now)
            .values(next_run_at=now + timedelta(days=7))
        )
        await connection.execute(
            update(Schedule)
            .where(col(Schedule.id).in_(due_ids))
            .values(next_run_at=now - timedelta(minutes=5))
        )


async def materialise_all(db: Database, now: datetime, rules: SendingRules) -> tuple[float, int, int, float]:
    """materialise() until it returns 0: (busy seconds, calls that found work, rows, idle seconds)."""
    busy, calls, made = 0.0, 0, 0
    for _ in range(MAX_CALLS):
        started = time.perf_counter()
        async with db.transaction() as session:
            new = await scheduling.materialise(session, now=now, rules=rules)
        elapsed = time.perf_counter() - started
        if new == 0:
            return busy, calls, made, elapsed
        busy, calls, made = busy + elapsed, calls + 1, made + new
    raise RuntimeError("materialise never ran out of work")


async def claim_all(db: Database, now: datetime) -> tuple[float, int, int, float]:
    """claim() until nothing is left: (busy seconds, calls that claimed, claimed, idle seconds)."""
    busy, calls, claimed = 0.0, 0, 0
    for _ in range(MAX_CALLS):
        started = time.perf_counter()
        async with db.transaction() as session:
            got = await scheduling.claim(session, now=now, worker="bench", limit=CLAIM_BATCH)
        elapsed = time.perf_counter() - started
        if not got:
            return busy, calls, claimed, elapsed
        busy, calls, claimed = busy + elapsed, calls + 1, claimed + len(got)
    raise RuntimeError("claim never ran out of work")


async def tick_all(db: Database, rules: SendingRules, expected: int) -> tuple[float, int, int, int]:
    """Dispatcher.tick() with a RecordingNotifier until nothing was sent: (seconds, ticks, sent, recorded)."""
    notifier = RecordingNotifier()
    dispatcher = Dispatcher(db, notifier, default_locale="pl", rules=rules, worker="bench-tick")
    started = time.perf_counter()
    ticks = sent = 0
    while sent < expected and ticks < MAX_CALLS:
        result = await dispatcher.tick(budget=timedelta(minutes=10))
        ticks += 1
        sent += result.sent
        if not result.sent:
            break
    return time.perf_counter() - started, ticks, sent, len(notifier.messages)


async def idle_tick(db: Database, rules: SendingRules) -> float:
    """One Dispatcher.tick() when nothing is due."""
    dispatcher = Dispatcher(db, RecordingNotifier(), default_locale="pl", rules=rules, worker="bench-idle")
    started = time.perf_counter()
    result = await dispatcher.tick()
    elapsed = time.perf_counter() - started
    if result.materialised or result.sent:
        raise RuntimeError(f"an idle tick did work: {result}")
    return elapsed


def explain(path: Path, statement: str, parameters: Any) -> dict[str, Any]:
    """EXPLAIN QUERY PLAN of a captured SELECT, and its time and row count in raw sqlite3."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        plan = [row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + statement, parameters)]
        started = time.perf_counter()
        rows = conn.execute(statement, parameters).fetchall()
        elapsed = time.perf_counter() - started
    return {"sql": " ".join(statement.split()), "parameters": list(parameters), "plan": plan,
            "rows": len(rows), "ms": elapsed * 1000}  # fmt: skip


async def captured_queries(
    db: Database, path: Path, due_ids: list[int], rules: SendingRules
) -> list[dict[str, Any]]:
    """The due-schedules and due-deliveries SELECTs, with their plans.

    They are captured from one untimed materialise + claim (which also warm up the connection
    and the caches), then run again with sqlite3: the first with the D schedules due, the
    second with their D deliveries pending, as a tick finds them.
    """
    markers = {
        "schedules": "FROM schedule JOIN partnership",
        "deliveries": "SELECT delivery.id FROM delivery",
    }
    statements: dict[str, tuple[str, Any]] = {}

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        flat = " ".join(statement.split())
        for name, marker in markers.items():
            if marker in flat and name not in statements:
                statements[name] = (statement, parameters)

    now = utcnow()
    await make_due(db, due_ids, now)
    event.listen(db.engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with db.transaction() as session:
            await scheduling.materialise(session, now=now, rules=rules)
        async with db.transaction() as session:
            await scheduling.claim(session, now=now, worker="bench", limit=CLAIM_BATCH)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", capture)
    if len(statements) != len(markers):
        raise RuntimeError(f"the scheduler's queries were not seen (got {sorted(statements)})")
    await make_due(db, due_ids, now)  # the same moment: the D schedules are due again
    plans = [explain(path, *statements["schedules"])]
    async with db.transaction() as session:
        await scheduling.materialise(session, now=now, rules=rules)  # now D deliveries are pending
    plans.append(explain(path, *statements["deliveries"]))
    return plans


async def tick_case(
    schedules: int, due: int, db: Database, active: list[int], *, repeat: int, tick_repeat: int, seed: int
) -> tuple[TickCase, list[str]]:
    """Time one (N, D) configuration `repeat` times."""
    rules = SendingRules()
    case = TickCase(schedules, due, max(1, round(schedules / SCHEDULES_PER_PARTNERSHIP)))
    problems: list[str] = []
    label = f"[ticks N={schedules} D={due}]"
    due_ids = random.Random(seed + schedules + due).sample(active, due)
    for r in range(repeat):
        now = utcnow()
        await make_due(db, due_ids, now)
        busy, calls, made, idle = await materialise_all(db, now, rules)
        case.materialise.append(busy)
        case.idle_materialise.append(idle)
        case.materialise_calls = calls
        busy, calls, claimed, idle = await claim_all(db, now)
        case.claim.append(busy)
        case.idle_claim.append(idle)
        case.claim_calls = calls
        if made != due or claimed != due:
            problems.append(f"{label} repeat {r + 1}: materialised {made}, claimed {claimed}, expected {due}")
        if r < tick_repeat:
            await make_due(db, due_ids, utcnow())
            seconds, ticks, sent, recorded = await tick_all(db, rules, due)
            case.tick.append(seconds)
            case.ticks = ticks
            if sent != due or recorded != due:
                problems.append(
                    f"{label} repeat {r + 1}: tick sent {sent} ({recorded} recorded), expected {due}"
                )
        case.idle_tick.append(await idle_tick(db, rules))
    for _ in range(max(0, 10 - repeat)):  # idle costs are cheap: a few more samples
        case.idle_tick.append(await idle_tick(db, rules))
    return case, problems


async def run_ticks(args: argparse.Namespace) -> tuple[list[TickCase], dict[str, Any], list[str]]:
    """Every (N, D) configuration, one database file per N."""
    cases: list[TickCase] = []
    problems: list[str] = []
    by_size: dict[int, list[int]] = {}
    for n, d in args.sizes:
        by_size.setdefault(n, []).append(d)
    info: dict[str, Any] = {"seeding": {}, "queries": {}}
    for n, dues in by_size.items():
        path = OUT_DIR / f"scheduler-{n}.db"
        print(f"ticks: seeding {n:,} schedules in {path.name}...", flush=True)
        db, active, seeding = await seed_schedules(path, n, args.seed)
        info["seeding"][str(n)] = {**seeding, "bytes": path.stat().st_size}
        try:
            explain_ids = random.Random(args.seed).sample(active, min(dues))
            info["queries"][str(n)] = await captured_queries(db, path, explain_ids, SendingRules())
            for d in dues:
                print(f"ticks: N={n:,}, D={d:,}, {args.repeat} repeats...", flush=True)
                case, found = await tick_case(n, d, db, active, repeat=args.repeat,
                                              tick_repeat=args.tick_repeat, seed=args.seed)  # fmt: skip
                cases.append(case)
                problems += found
                s = case.summary()
                print(f"  materialise + claim {s['materialise_plus_claim_ms']:.1f} ms, "
                      f"tick {s['tick_ms']:.0f} ms, idle tick {s['idle_tick_ms']:.2f} ms", flush=True)
        finally:
            await db.dispose()
            if not args.keep_db:
                remove_database(path)
        plans = info["queries"][str(n)]
        if not plans or not any("ix_schedule_due" in step for step in plans[0]["plan"]):
            problems.append(f"[ticks N={n}] the due-schedules query does not use ix_schedule_due: {plans}")
    return cases, info, problems


def print_ticks(cases: list[TickCase], info: dict[str, Any], repeat: int) -> None:
    """The tick-cost table, the scaling ratios and the query plans."""
    print()
    print(f"A. Scheduler tick cost on SQLite (medians of {repeat} repeats; ms)")
    rows = []
    for c in cases:
        s = c.summary()
        rows.append([c.schedules, c.due, s["materialise_ms"], c.materialise_calls, s["claim_ms"],
                     c.claim_calls, s["materialise_plus_claim_ms"], s["per_due_ms"], s["tick_ms"],
                     c.ticks, s["idle_materialise_ms"], s["idle_claim_ms"], s["idle_tick_ms"]])  # fmt: skip
    print_table(["N", "D", "materialise", "calls", "claim", "calls", "mat+claim", "per due",
                 "tick (send)", "ticks", "idle mat.", "idle claim", "idle tick"], rows)  # fmt: skip
    print("(materialise: calls until empty, 500 schedules each; claim: batches of 50; tick: "
          "Dispatcher.tick with a RecordingNotifier until all D sent; idle: nothing due)")
    for first in cases:
        for second in cases:
            if first.due == second.due and first.schedules > second.schedules:
                a, b = first.summary(), second.summary()
                work = a["materialise_plus_claim_ms"] / b["materialise_plus_claim_ms"]
                print(f"N {first.schedules:,} vs {second.schedules:,} (D={first.due}): "
                      f"materialise + claim x{work:.2f}, "
                      f"idle tick x{a['idle_tick_ms'] / b['idle_tick_ms']:.2f} "
                      f"for x{first.schedules / second.schedules:.0f} schedules")  # fmt: skip
            if first.schedules == second.schedules and first.due > second.due:
                a, b = first.summary(), second.summary()
                work = a["materialise_plus_claim_ms"] / b["materialise_plus_claim_ms"]
                print(f"D {first.due:,} vs {second.due:,} (N={first.schedules:,}): "
                      f"materialise + claim x{work:.2f} "
                      f"for x{first.due / second.due:.0f} due")  # fmt: skip
    for n, plans in info["queries"].items():
        print(f"\nqueries with N={int(n):,} (EXPLAIN QUERY PLAN; time and rows in raw sqlite3):")
        for query in plans:
            print(f"  {query['ms']:7.2f} ms {query['rows']:5d} rows  {query['sql'][:140]}...")
            for step in query["plan"]:
                print(f"                         {step}")


# --------------------------------------------------------------------------- B. fan-out


class CountingFilter(logging.Filter):
    """Counts (and hides) the log records whose message starts with a prefix."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        """Hide and count matching records; let the others through."""
        if isinstance(record.msg, str) and record.msg.startswith(self.prefix):
            self.count += 1
            return False
        return True


@contextlib.contextmanager
def counted(logger_name: str, prefix: str, level: int) -> Iterator[CountingFilter]:
    """Count a logger's records starting with `prefix` (at `level` or above) instead of printing them."""
    logger = logging.getLogger(logger_name)
    counter = CountingFilter(prefix)
    old_level = logger.level
    logger.setLevel(level)
    logger.addFilter(counter)
    try:
        yield counter
    finally:
        logger.removeFilter(counter)
        logger.setLevel(old_level)


@dataclass
class FanoutResult:
    """One fan-out run."""

    mode: str
    label: str
    chats: int
    accepted: int
    rejected_429: int
    seconds_to_last_accepted: float
    accepted_per_second: float
    steady_per_second: float
    wall_seconds: float
    cpu_seconds: float
    max_in_any_second: int
    ticks: int
    tick_totals: dict[str, int]
    notifier_flood_waits: int
    limiter_retries: int
    per_second_timeline: list[int]
    extra: dict[str, Any] = field(default_factory=dict)


def max_in_window(moments: list[float], span: float) -> int:
    """Most moments inside any half-open window of `span` seconds."""
    best, low = 0, 0
    for high, moment in enumerate(moments):
        while moments[low] <= moment - span:
            low += 1
        best = max(best, high - low + 1)
    return best


def question_of(chat_id: int) -> str:
    """The check-in question queued for a chat in the fan-out."""
    index = CHAT_BASE - chat_id
    return f"{QUESTIONS[index % len(QUESTIONS)]} ({index})"


async def seed_fanout(path: Path, chats: int) -> tuple[Database, dict[int, int]]:
    """Partnerships with one check-in due now each; returns the database and chat id -> partnership id."""
    db = await fresh_database(path)
    ids = await register_partnerships(db, chats)
    now = utcnow()
    rows = [
        scheduling.delivery_row(
            partnership_id=pid, kind=DeliveryKind.CHECKIN, due_at=now, key=f"bench-fanout:{pid}",
            payload={"question": question_of(chat_id_of(i))},
        )
        for i, pid in enumerate(ids)
    ]
    async with db.transaction() as session:
        queued = await scheduling.enqueue(session, rows)
    if queued != chats:
        raise RuntimeError(f"queued {queued} check-ins, expected {chats}")
    return db, {chat_id_of(i): pid for i, pid in enumerate(ids)}


def make_bot(fake: FakeBotApi, *, limiter: str, pool_size: int) -> Bot:
    """A plain Bot, or an ExtBot with a rate limiter.

    "app" is the limiter bot/app.py builds (bot.app.telegram_pace: evenly paced, 29 per second
    overall, one every 3.1 s per group); "smooth" paces only the overall rate (for comparison),
    and "burst" is PTB's default bucket (a burst of 30, then 30 per second).
    """
    request = HTTPXRequest(connection_pool_size=pool_size)
    if not limiter:
        return Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url, request=request)
    rate_limiter: AIORateLimiter | ChatPacer
    if limiter == "smooth":
        rate_limiter = AIORateLimiter(overall_max_rate=1, overall_time_period=1 / 29, max_retries=3)
    elif limiter == "burst":
        rate_limiter = AIORateLimiter(max_retries=3)
    else:
        rate_limiter = telegram_pace()
    return ExtBot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url, request=request,
                  rate_limiter=rate_limiter)  # fmt: skip


async def check_fanout_database(db: Database, chats: int) -> list[str]:
    """Every check-in delivery sent, every round remembering its message."""
    async with db.transaction() as session:
        statuses = Counter({
            str(status): int(count)
            for status, count in await session.exec(
                select(Delivery.status, func.count()).where(Delivery.kind == DeliveryKind.CHECKIN.value)
                .group_by(col(Delivery.status))
            )
        })  # fmt: skip
        rounds = (await session.exec(
            select(func.count()).select_from(CheckinRound).where(col(CheckinRound.message_id).is_not(None))
        )).one()  # fmt: skip
    problems = []
    if statuses.get(DeliveryStatus.SENT.value, 0) != chats or sum(statuses.values()) != chats:
        problems.append(f"check-in deliveries by status: {dict(statuses)}, expected {chats} sent")
    if rounds != chats:
        problems.append(f"{rounds} rounds remember their message, expected {chats}")
    return problems


async def run_fanout(mode: str, args: argparse.Namespace) -> tuple[FanoutResult, list[str]]:
    """Send `args.fanout` check-ins through a standalone Dispatcher and time them."""
    label, limiter, flood = MODES[mode]
    chats = args.fanout
    path = OUT_DIR / "scheduler-fanout.db"
    db, partnership_of = await seed_fanout(path, chats)
    totals: Counter[str] = Counter()
    problems: list[str] = []
    ticks = 0
    try:
        with (
            FakeBotApi() as fake,
            counted("bot.telegram_notifier", "flood wait", logging.WARNING) as flood_waits,
            counted("telegram.ext.AIORateLimiter", "Rate limit hit. Retrying", logging.INFO) as retries,
        ):
            if flood:
                fake.enable_flood_control()
            bot = make_bot(fake, limiter=limiter, pool_size=args.pool_size)
            async with bot:  # initialize(): getMe, and the rate limiter
                dispatcher = Dispatcher(db, TelegramNotifier(bot), default_locale="pl", rules=ALWAYS,
                                        worker=f"bench-{mode}", batch=args.batch)  # fmt: skip
                cpu0 = time.process_time()
                t0 = time.monotonic()
                while totals["sent"] < chats:
                    if time.monotonic() - t0 > args.timeout:
                        problems.append(f"gave up after {args.timeout:.0f} s with {totals['sent']} sent")
                        break
                    result: TickResult = await dispatcher.tick(budget=timedelta(minutes=10))
                    ticks += 1
                    for key in ("materialised", "sent", "missed", "failed", "retried"):
                        totals[key] += int(getattr(result, key))
                    if not result.sent:
                        await asyncio.sleep(0.5)  # retries wait for their due time
                wall = time.monotonic() - t0
                cpu = time.process_time() - cpu0
            calls = [c for c in fake.calls("sendMessage") if c.at >= t0]
            problems += [*fake.violations, *(f"internal: {e}" for e in fake.internal_errors)]
            rejected = fake.flood_rejections
    finally:
        await db.dispose()
    accepted = [c for c in calls if c.ok]
    other = Counter(c.status for c in calls if not c.ok and c.status != 429)
    if other:
        problems.append(f"sendMessage answered with errors other than 429: {dict(other)}")
    per_chat = Counter(int(c.chat_id) for c in accepted)
    wrong = {chat: n for chat, n in per_chat.items() if chat not in partnership_of or n != 1}
    missing = [chat for chat in partnership_of if chat not in per_chat]
    if wrong or missing:
        problems.append(f"{len(missing)} chats got no check-in, {len(wrong)} got a wrong count or are "
                        f"unknown (e.g. {list(wrong.items())[:3]}, missing {missing[:3]})")  # fmt: skip
    strangers = [c.short() for c in accepted if question_of(int(c.chat_id)) not in (c.text or "")]
    if strangers:
        problems.append(f"{len(strangers)} messages do not ask their chat's question, e.g. {strangers[0]}")
    moments = sorted(c.at for c in accepted)
    last = moments[-1] - t0 if moments else float("nan")
    steady = (len(moments) - 1) / (moments[-1] - moments[0]) if len(moments) > 1 else float("nan")
    timeline = Counter(int(m - t0) for m in moments)
    result_row = FanoutResult(
        mode=mode, label=label, chats=chats, accepted=len(accepted), rejected_429=rejected,
        seconds_to_last_accepted=last, accepted_per_second=len(accepted) / last if moments else 0.0,
        steady_per_second=steady, wall_seconds=wall, cpu_seconds=cpu,
        max_in_any_second=max_in_window(moments, 1.0), ticks=ticks, tick_totals=dict(totals),
        notifier_flood_waits=flood_waits.count, limiter_retries=retries.count,
        per_second_timeline=[timeline.get(s, 0) for s in range(int(last) + 1)] if moments else [],
    )  # fmt: skip
    return result_row, [f"[fan-out {mode}] {p}" for p in problems]


async def run_fanouts(args: argparse.Namespace) -> tuple[list[FanoutResult], list[str]]:
    """Each mode in turn, each on a fresh database and a fresh fake."""
    results: list[FanoutResult] = []
    problems: list[str] = []
    path = OUT_DIR / "scheduler-fanout.db"
    for mode in args.modes:
        print(f"fan-out: {args.fanout:,} check-ins, {MODES[mode][0]}...", flush=True)
        result, found = await run_fanout(mode, args)
        db = Database(sqlite_url(path))
        try:
            found += [f"[fan-out {mode}] {p}" for p in await check_fanout_database(db, args.fanout)]
        finally:
            await db.dispose()
        if not args.keep_db:
            remove_database(path)
        results.append(result)
        problems += found
        print(f"  {result.accepted_per_second:,.1f} messages/s, {result.rejected_429} x 429, "
              f"all sent in {result.wall_seconds:.1f} s", flush=True)
    return results, problems


def print_fanouts(results: list[FanoutResult]) -> None:
    """The fan-out table."""
    print()
    print("B. Check-in fan-out through Dispatcher + TelegramNotifier against the fake Bot API")
    print_table(
        ["mode", "chats", "accepted", "429s", "msg/s", "steady msg/s", "max in 1 s", "all sent s",
         "cpu s", "ticks", "retried", "flood waits", "limiter retries"],
        [[r.label, r.chats, r.accepted, r.rejected_429, r.accepted_per_second, r.steady_per_second,
          r.max_in_any_second, r.wall_seconds, r.cpu_seconds, r.ticks, r.tick_totals.get("retried", 0),
          r.notifier_flood_waits, r.limiter_retries] for r in results],
    )  # fmt: skip
    print("(msg/s: accepted sendMessage calls / time from the first tick to the last accepted one; "
          "steady: between the first and the last accepted; flood waits: TelegramNotifier slept "
          "on a RetryAfter; limiter retries: AIORateLimiter retried after a 429)")


# --------------------------------------------------------------------------- main


async def main_async(args: argparse.Namespace, errors: ErrorLimit) -> int:
    """Run the parts asked for, print the tables, write the JSON; non-zero on any problem."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    cases: list[TickCase] = []
    info: dict[str, Any] = {}
    fanouts: list[FanoutResult] = []
    if not args.skip_ticks:
        cases, info, found = await run_ticks(args)
        problems += found
    if not args.skip_fanout:
        fanouts, found = await run_fanouts(args)
        problems += found
    if cases:
        print_ticks(cases, info, args.repeat)
    if fanouts:
        print_fanouts(fanouts)
    path = write_json("scheduler", {
        "parameters": {
            "sizes": [list(s) for s in args.sizes], "repeat": args.repeat, "tick_repeat": args.tick_repeat,
            "schedules_per_partnership": SCHEDULES_PER_PARTNERSHIP, "paused_share": PAUSED_SHARE,
            "fanout": args.fanout, "modes": args.modes, "batch": args.batch, "pool_size": args.pool_size,
            "seed": args.seed,
        },
        "ticks": [{**asdict(c), "summary": c.summary()} for c in cases],
        "tick_database": info,
        "fanout": [asdict(r) for r in fanouts],
        "problems": problems,
        "logged_errors": errors.errors,
    })  # fmt: skip
    print(f"\nJSON written to {path}")
    return report_problems(problems, errors)


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """"100000:100,1000:100" -> [(100000, 100), (1000, 100)]."""
    sizes = []
    for part in text.split(","):
        n, _, d = part.partition(":")
        sizes.append((int(n.replace("_", "")), int(d.replace("_", ""))))
    return sizes


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", type=parse_sizes,
                        default=parse_sizes("100000:100,100000:1000,10000:100,1000:100"),
                        help="N:D pairs, schedules and how many of them are due "
                             "(default 100000:100,100000:1000,10000:100,1000:100)")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=5, help="repeats of each N:D (default 5)")
    parser.add_argument("--tick-repeat", type=int, default=3,
                        help="of which with the full Dispatcher.tick (default 3)")
    parser.add_argument("--fanout", type=int, default=2_500, help="check-ins to fan out (default 2500)")
    parser.add_argument("--modes", type=lambda s: s.split(","), default=DEFAULT_MODES,
                        help="fan-out modes: raw, off, on, smooth (default raw,off,on)")
    parser.add_argument("--batch", type=int, default=50, help="Dispatcher batch (default 50, as the bot)")
    parser.add_argument("--pool-size", type=int, default=32, help="HTTPXRequest connection pool (default 32)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per fan-out run (default 900)")
    parser.add_argument("--seed", type=int, default=2024, help="random seed")
    parser.add_argument("--skip-ticks", action="store_true", help="no tick-cost part (A)")
    parser.add_argument("--skip-fanout", action="store_true", help="no fan-out part (B)")
    parser.add_argument("--keep-db", action="store_true", help="keep the SQLite files in benchmarks/out")
    args = parser.parse_args(argv)
    if unknown := [m for m in args.modes if m not in MODES]:
        parser.error(f"unknown mode(s) {unknown}; use {', '.join(MODES)}")
    if any(n < 1 or d < 1 or d > n * (1 - PAUSED_SHARE) * 0.9 for n, d in args.sizes):
        parser.error("every N:D needs 1 <= D and D well below the unpaused schedules")
    if min(args.repeat, args.fanout, args.batch, args.pool_size) < 1 or args.tick_repeat < 0:
        parser.error("counts must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    return asyncio.run(main_async(args, setup_logging()))


if __name__ == "__main__":
    sys.exit(main())
