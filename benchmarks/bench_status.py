"""/status latency with 1,000 partnerships and 1,000,000 logged messages in SQLite.

1. Seeding: a SQLite file (default benchmarks/out/status.db) is migrated with
   upgrade_database; the partnerships are registered through the bot's own service
   (bot.services.partnerships.register), then the messages and contacts are bulk inserted with
   the sqlite3 module (executemany, 20k-row chunks, a few transactions), in time order as
   Telegram would have delivered them. Timestamps are written in exactly the format the bot's
   UTCDateTime column writes (checked against a row written through the ORM first). An existing
   file with the right counts is reused; --rebuild forces a new one.
2. Service level: communication_status() for random partnerships, each in its own
   db.transaction(), as handlers/status.py calls it.
3. End to end: the real Application and ConfirmingPoller against a FakeBotApi and this
   database; "/status" is sent as a group message by a member of a random registered
   partnership, one at a time, and timed from the push until the reply's sendMessage reaches
   the fake; each chat is asked twice, and the first and second answers are reported apart
   (the bot may do one-time work on first use). This runs on a scratch copy of the file
   (<name>.e2e.db, deleted afterwards), so whatever the bot writes is thrown away.

Run from the project root::

    .venv/bin/python -m benchmarks.bench_status              # 1,000 x 1,000,000, reused if present
    .venv/bin/python -m benchmarks.bench_status --rebuild
    .venv/bin/python -m benchmarks.bench_status --partnerships 100 --messages 100000 \\
        --db benchmarks/out/status-small.db
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import shutil
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event

from benchmarks.common import (
    OUT_DIR,
    ErrorLimit,
    print_table,
    report_problems,
    setup_logging,
    summary_ms,
    write_json,
)
from bot.app import build_application, start_application, stop_application
from bot.config import load_settings
from bot.db import Database, utcnow
from bot.migrate import upgrade_database
from bot.models import Channel, EntryKind, LogEntry
from bot.polling import ConfirmingPoller
from bot.runtime import services_of
from bot.services import partnerships
from bot.services.status import communication_status
from tests.fakebot import FakeBotApi, message, supergroup, user

ZONE = ZoneInfo("Europe/Warsaw")
CHAT_BASE = -1_002_000_000_000  # partnership i is chat CHAT_BASE - i
COORDINATOR_BASE = 500_000_000  # its coordinator is user COORDINATOR_BASE + i
AUTHOR_BASE = 600_000_000  # author a of partnership i is user AUTHOR_BASE + i * 1000 + a
CHUNK_ROWS = 20_000
ROWS_PER_TRANSACTION = 250_000
LOG_COLUMNS = (
    "partnership_id", "kind", "occurred_at", "recorded_at", "author_user_id", "author_name",
    "text", "media_kind", "channel", "chat_id", "message_id", "reply_to_message_id",
)  # fmt: skip
FIRST_NAMES = ("Anna", "Jan", "Maria", "Piotr", "Katarzyna", "Tomasz", "Agnieszka", "Paweł",
               "Małgorzata", "Krzysztof", "Ewa", "Andrzej", "Barbara", "Michał", "Zofia",
               "Marek", "Joanna", "Grzegorz", "Magdalena", "Łukasz")  # fmt: skip
PHRASES = (
    "Dzień dobry, przypominam o spotkaniu we wtorek o 17:00 w bibliotece.",
    "Czy sala komputerowa w szkole będzie wolna w czwartek?",
    "Wysłałam zaproszenia do koła gospodyń wiejskich.",
    "Plakat gotowy, proszę o uwagi do jutra.",
    "Ksiądz proboszcz ogłosi zajęcia w niedzielę.",
    "Mamy 12 zapisanych osób na kurs smartfona.",
    "Dziękuję wszystkim za wczorajsze zajęcia!",
    "Kto może pomóc przy rejestracji uczestników?",
    "Ok", "Super, dziękuję", "Będę", "👍",
)  # fmt: skip
CONTACT_TEXTS = (
    "Rozmowa telefoniczna z dyrektorką biblioteki o terminach.",
    "Spotkanie w urzędzie gminy w sprawie sali.",
    "E-mail do szkoły z harmonogramem zajęć.",
    "SMS z przypomnieniem do sołtysa.",
)  # fmt: skip

log = logging.getLogger("bench_status")


def chat_id_of(index: int) -> int:
    """The group chat of the index-th partnership."""
    return CHAT_BASE - index


def author_id_of(index: int, author: int) -> int:
    """The user id of author `author` of the index-th partnership."""
    return AUTHOR_BASE + index * 1000 + author


def author_name_of(index: int, author: int) -> str:
    """The display name of that author."""
    return f"{FIRST_NAMES[author % len(FIRST_NAMES)]} Kowalska-{index}-{author}"


def sqlite_url(path: Path) -> str:
    """The aiosqlite URL of a database file."""
    return f"sqlite+aiosqlite:///{path}"


def sqlite_timestamp(value: datetime) -> str:
    """How UTCDateTime stores an aware datetime on SQLite (naive UTC, microseconds)."""
    return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass(frozen=True)
class SeedSpec:
    """What the database should hold."""

    partnerships: int
    messages: int
    contacts: int
    authors: int
    days: int
    seed: int


# --------------------------------------------------------------------------- seeding


def counts_in(path: Path) -> dict[str, int]:
    """Partnerships, messages and contacts in an existing database file."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        partnerships_n = conn.execute("SELECT count(*) FROM partnership").fetchone()[0]
        kinds = dict(conn.execute("SELECT kind, count(*) FROM log_entry GROUP BY kind").fetchall())
    return {
        "partnerships": int(partnerships_n),
        "messages": int(kinds.get(EntryKind.MESSAGE.value, 0)),
        "contacts": int(kinds.get(EntryKind.CONTACT.value, 0)),
    }


def matches(path: Path, spec: SeedSpec) -> bool:
    """Whether an existing file already holds what the spec asks for."""
    if not path.exists():
        return False
    try:
        found = counts_in(path)
    except sqlite3.Error:
        return False
    return found == {
        "partnerships": spec.partnerships, "messages": spec.messages, "contacts": spec.contacts
    }


def remove_database(path: Path) -> None:
    """Delete a SQLite file with its WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def register_partnerships(url: str, count: int) -> None:
    """Register the partnerships through the bot's service, in one transaction."""
    db = Database(url)
    try:
        async with db.transaction() as session:
            for i in range(count):
                await partnerships.register(
                    session, chat_id=chat_id_of(i), name=f"Partnerstwo {i:04d}",
                    coordinator_user_id=COORDINATOR_BASE + i,
                    coordinator_name=f"Koordynator {i:04d}", timezone="Europe/Warsaw",
                )
    finally:
        await db.dispose()


async def check_timestamp_format(url: str, path: Path) -> None:
    """Write probe rows through the ORM and check sqlite_timestamp() writes the same text."""
    probes = [
        datetime(2025, 3, 30, 1, 2, 3, 456789, tzinfo=UTC),
        datetime(2025, 10, 26, 23, 59, 59, 0, tzinfo=UTC),
        datetime(2025, 6, 1, 12, 0, 0, 1, tzinfo=ZONE),  # not UTC: must be converted
    ]
    db = Database(url)
    try:
        async with db.transaction() as session:
            first = await session.get_one(LogEntry, 1)  # the first registration event
            entries = [
                LogEntry(partnership_id=first.partnership_id, kind=EntryKind.CONTACT,
                         occurred_at=at, recorded_at=at, author_name="probe", text="probe")
                for at in probes
            ]
            session.add_all(entries)
            await session.flush()
            ids = [e.id for e in entries]
    finally:
        await db.dispose()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        marks = ",".join("?" * len(ids))
        raw = conn.execute(
            f"SELECT occurred_at, recorded_at FROM log_entry WHERE id IN ({marks}) ORDER BY id", ids
        ).fetchall()
        conn.execute(f"DELETE FROM log_entry WHERE id IN ({marks})", ids)
        conn.commit()
    for at, (occurred, recorded) in zip(probes, raw, strict=True):
        ours = sqlite_timestamp(at)
        if occurred != ours or recorded != ours:
            raise RuntimeError(
                f"timestamp format differs from the ORM's: ORM wrote {occurred!r}, we write {ours!r}"
            )


def message_rows(spec: SeedSpec, now: datetime, rng: random.Random) -> list[tuple[float, int]]:
    """(seconds before now, partnership index) of every message, oldest first.

    Partnerships differ in how much they talk (log-normal weights), so some are much busier.
    """
    weights = [rng.lognormvariate(0.0, 0.8) for _ in range(spec.partnerships)]
    owners = rng.choices(range(spec.partnerships), weights=weights, k=spec.messages)
    span = spec.days * 86_400.0
    rows = [(rng.random() * span, owner) for owner in owners]
    rows.sort(key=lambda row: -row[0])
    return rows


def seed_log(path: Path, spec: SeedSpec, now: datetime) -> dict[str, float]:
    """Bulk insert the messages and contacts with sqlite3 executemany; returns timings."""
    rng = random.Random(spec.seed)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    plan = message_rows(spec, now, rng)
    timings["generate_seconds"] = time.perf_counter() - started

    with contextlib.closing(sqlite3.connect(path)) as conn:
        ids = dict(conn.execute("SELECT chat_id, id FROM partnership").fetchall())
        partnership_id = [ids[chat_id_of(i)] for i in range(spec.partnerships)]
        conn.execute("PRAGMA synchronous=OFF")  # seeding only; the bot uses NORMAL
        conn.execute("PRAGMA cache_size=-262144")  # 256 MiB
        placeholders = ",".join("?" * len(LOG_COLUMNS))
        insert = f"INSERT INTO log_entry ({','.join(LOG_COLUMNS)}) VALUES ({placeholders})"
        author_weights = [1.0 / (a + 1) for a in range(spec.authors)]  # a few people talk most
        next_message_id = [0] * spec.partnerships
        kind = EntryKind.MESSAGE.value

        started = time.perf_counter()
        in_transaction = 0
        chunk: list[tuple[Any, ...]] = []
        for seconds_ago, owner in plan:
            occurred = now - timedelta(seconds=seconds_ago)
            author = rng.choices(range(spec.authors), weights=author_weights)[0]
            next_message_id[owner] += 1
            message_id = next_message_id[owner]
            media = "photo" if rng.random() < 0.05 else None
            reply_to = message_id - rng.randint(1, 5) if message_id > 5 and rng.random() < 0.1 else None
            chunk.append((
                partnership_id[owner], kind, sqlite_timestamp(occurred),
                sqlite_timestamp(occurred + timedelta(seconds=rng.uniform(0.2, 3.0))),
                author_id_of(owner, author), author_name_of(owner, author),
                None if media else rng.choice(PHRASES), media, None, chat_id_of(owner),
                message_id, reply_to,
            ))  # fmt: skip
            if len(chunk) >= CHUNK_ROWS:
                conn.executemany(insert, chunk)
                in_transaction += len(chunk)
                chunk = []
                if in_transaction >= ROWS_PER_TRANSACTION:
                    conn.commit()
                    in_transaction = 0
        if chunk:
            conn.executemany(insert, chunk)
        conn.commit()
        timings["insert_messages_seconds"] = time.perf_counter() - started

        started = time.perf_counter()
        channels = [c.value for c in Channel]
        contacts = []
        span = spec.days * 86_400.0
        for n in range(spec.contacts):
            owner = n % spec.partnerships
            at = sqlite_timestamp(now - timedelta(seconds=rng.random() * span))
            contacts.append((
                partnership_id[owner], EntryKind.CONTACT.value, at, at, COORDINATOR_BASE + owner,
                f"Koordynator {owner:04d}", rng.choice(CONTACT_TEXTS), None, rng.choice(channels),
                None, None, None,
            ))  # fmt: skip
        conn.executemany(insert, contacts)
        conn.commit()
        timings["insert_contacts_seconds"] = time.perf_counter() - started

        started = time.perf_counter()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        timings["checkpoint_seconds"] = time.perf_counter() - started
    return timings


def read_meta(path: Path) -> dict[str, Any]:
    """What the sidecar file says about how the database was seeded."""
    meta = Path(f"{path}.json")
    return dict(json.loads(meta.read_text(encoding="utf-8"))) if meta.exists() else {}


def write_meta(path: Path, info: dict[str, Any]) -> None:
    """Remember how the database was seeded, next to it."""
    Path(f"{path}.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


async def prepare_database(path: Path, spec: SeedSpec, *, rebuild: bool) -> dict[str, Any]:
    """Reuse a matching database file or build a new one; returns what happened."""
    url = sqlite_url(path)
    if not rebuild and matches(path, spec):
        await upgrade_database(url)  # a no-op unless migrations were added since
        earlier = read_meta(path)
        print(f"reusing {path} (seeded earlier in {earlier.get('seed_seconds', '?')} s; "
              "--rebuild forces a new one)")
        return {"reused": True, **earlier}
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_database(path)
    print(f"seeding {path}: {spec.partnerships:,} partnerships, {spec.messages:,} messages, "
          f"{spec.contacts:,} contacts...", flush=True)
    now = utcnow()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    t = time.perf_counter()
    await upgrade_database(url)
    timings["migrate_seconds"] = time.perf_counter() - t
    t = time.perf_counter()
    await register_partnerships(url, spec.partnerships)
    timings["register_seconds"] = time.perf_counter() - t
    await check_timestamp_format(url, path)
    timings.update(seed_log(path, spec, now))
    total = time.perf_counter() - started
    info = {"seed_seconds": round(total, 2), "seeded_at": now.isoformat(), "timings": timings,
            "spec": spec.__dict__}  # fmt: skip
    write_meta(path, info)
    print(f"  seeded in {total:.1f} s ({', '.join(f'{k} {v:.1f}' for k, v in timings.items())})")
    return {"reused": False, **info}


# --------------------------------------------------------------------------- measurements


@dataclass(frozen=True)
class Target:
    """A registered partnership to ask about."""

    index: int
    partnership_id: int
    chat_id: int
    name: str
    entries: int
    last_message_id: int


def targets(path: Path) -> list[Target]:
    """Every seeded partnership with its number of log entries."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        sizes = {pid: (n, last) for pid, n, last in conn.execute(
            "SELECT partnership_id, count(*), coalesce(max(message_id), 0) FROM log_entry "
            "GROUP BY partnership_id"
        )}  # fmt: skip
        rows = conn.execute("SELECT id, chat_id, name FROM partnership ORDER BY id").fetchall()
    return [
        Target(CHAT_BASE - chat_id, pid, chat_id, name, *sizes.get(pid, (0, 0)))
        for pid, chat_id, name in rows
    ]


async def timed_status(db: Database, target: Target) -> float:
    """Seconds for one communication_status call in its own transaction, as the handler does."""
    started = time.perf_counter()
    async with db.transaction() as session:
        await communication_status(
            session, partnership_id=target.partnership_id, now=utcnow(), zone=ZONE
        )
    return time.perf_counter() - started


async def service_level(
    url: str, chosen: list[Target], busiest: Target, path: Path, busiest_repeats: int = 20
) -> dict[str, Any]:
    """communication_status for each chosen partnership in its own transaction."""
    db = Database(url)
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    try:
        # One untimed call opens the pooled connection; its statements are kept for the plans.
        event.listen(db.engine.sync_engine, "before_cursor_execute", capture)
        await timed_status(db, busiest)
        event.remove(db.engine.sync_engine, "before_cursor_execute", capture)
        samples = [await timed_status(db, target) for target in chosen]
        busiest_samples = [await timed_status(db, busiest) for _ in range(busiest_repeats)]
    finally:
        await db.dispose()
    return {
        "summary": summary_ms(samples),
        "busiest": {"partnership_id": busiest.partnership_id, "entries": busiest.entries,
                    **summary_ms(busiest_samples)},
        "samples": [
            {"partnership_id": t.partnership_id, "entries": t.entries, "ms": s * 1000}
            for t, s in zip(chosen, samples, strict=True)
        ],
        "queries": explain(path, statements),
    }


def explain(path: Path, statements: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Query plan and raw sqlite3 time of each statement communication_status ran."""
    out = []
    with contextlib.closing(sqlite3.connect(path)) as conn:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            plan = [row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + statement, parameters)]
            started = time.perf_counter()
            conn.execute(statement, parameters).fetchall()
            elapsed = time.perf_counter() - started
            out.append({"sql": " ".join(statement.split()), "plan": plan, "ms": elapsed * 1000})
    return out


def scratch_copy(path: Path) -> Path:
    """A copy of the seeded file for the end-to-end run, so what the bot writes is thrown away."""
    copy = path.with_name(path.stem + ".e2e" + path.suffix)
    remove_database(copy)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(path, copy)
    return copy


async def ask_status(
    fake: FakeBotApi, target: Target, member: dict[str, Any], message_id: int, number: int,
    wait_seconds: float,
) -> tuple[float, str | None]:
    """Push one /status and wait for the number-th sendMessage; seconds and any problem."""
    update = message(supergroup(target.chat_id, target.name), member, "/status", message_id=message_id)
    fake.push_update(update)
    started = time.perf_counter()
    calls = await asyncio.to_thread(fake.wait_for, "sendMessage", count=number, timeout=wait_seconds)
    elapsed = time.perf_counter() - started
    reply = calls[-1]
    if reply.chat_id != target.chat_id or target.name not in (reply.text or ""):
        return elapsed, f"unexpected reply to /status in {target.chat_id}: {reply.short()}"
    return elapsed, None


async def end_to_end(
    path: Path, chosen: list[Target], wait_seconds: float
) -> dict[str, Any]:
    """/status through the fake server and the real bot, twice per partnership, one at a time.

    The first /status in a chat is timed separately from the second: the bot may do one-time
    work (and writes) on first use. Runs on a scratch copy of the database file.
    """
    copy = scratch_copy(path)
    with contextlib.closing(sqlite3.connect(copy)) as conn:
        max_id_before = conn.execute("SELECT coalesce(max(id), 0) FROM log_entry").fetchone()[0]
    first: list[float] = []
    again: list[float] = []
    problems: list[str] = []
    try:
        with FakeBotApi() as fake:
            settings = load_settings(
                telegram_bot_token=fake.token, telegram_api_base_url=fake.base_url,
                database_url=sqlite_url(copy), polling_timeout=2,
            )
            app = build_application(settings, rate_limit=False)
            await start_application(app)
            stop = asyncio.Event()
            poller = ConfirmingPoller(app, services_of(app.bot_data).db, timeout=2, backoff=0.05)
            task = asyncio.create_task(poller.run(stop))
            rng = random.Random(len(chosen))
            try:
                await asyncio.sleep(0.2)
                fake.clear_calls()
                number = 0
                for target in chosen:
                    member = user(author_id_of(target.index, rng.randrange(3)), "Członek",
                                  last_name=f"Grupy {target.index}", language_code="pl")
                    for repeat, samples in enumerate((first, again), start=1):
                        number += 1
                        elapsed, problem = await ask_status(
                            fake, target, member, target.last_message_id + repeat, number, wait_seconds
                        )
                        samples.append(elapsed)
                        if problem:
                            problems.append(problem)
                    if len(problems) >= 5:
                        problems.append("end to end aborted: the bot does not answer /status properly")
                        break
            finally:
                stop.set()
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, timeout=15)
                await stop_application(app)
            problems += [*fake.violations, *(f"internal: {e}" for e in fake.internal_errors)]
        with contextlib.closing(sqlite3.connect(copy)) as conn:
            added = conn.execute(
                "SELECT count(*) FROM log_entry WHERE id > ? AND text = '/status'", (max_id_before,)
            ).fetchone()[0]
    finally:
        remove_database(copy)
    if added != len(first) + len(again):
        problems.append(f"the bot logged {added} /status messages, expected {len(first) + len(again)}")
    return {
        "first": summary_ms(first),
        "again": summary_ms(again),
        "samples": [
            {"partnership_id": t.partnership_id, "entries": t.entries, "first_ms": a * 1000,
             "again_ms": b * 1000}
            for t, a, b in zip(chosen, first, again, strict=False)
        ],
        "problems": problems,
    }


def file_size(path: Path) -> int:
    """Bytes of the database file and its WAL."""
    return sum(Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists())


# --------------------------------------------------------------------------- main


async def main_async(args: argparse.Namespace, errors: ErrorLimit) -> int:
    """Seed (or reuse), measure both levels, print and write the results."""
    path: Path = args.db
    url = sqlite_url(path)
    spec = SeedSpec(
        partnerships=args.partnerships, messages=args.messages, contacts=args.contacts,
        authors=args.authors, days=args.days, seed=args.seed,
    )
    seeding = await prepare_database(path, spec, rebuild=args.rebuild)
    size = file_size(path)
    print(f"database file: {size / 2**20:,.1f} MiB ({path})")
    everyone = targets(path)
    rng = random.Random(args.seed + 1)
    service_targets = rng.sample(everyone, min(args.service_samples, len(everyone)))
    e2e_targets = rng.sample(everyone, min(args.e2e_samples, len(everyone)))

    print(f"service level: communication_status for {len(service_targets)} partnerships...",
          flush=True)
    busiest = max(everyone, key=lambda t: t.entries)
    service = await service_level(url, service_targets, busiest, path)
    print(f"end to end: /status twice in each of {len(e2e_targets)} group chats, one at a time...",
          flush=True)
    e2e = await end_to_end(path, e2e_targets, args.timeout)

    print()
    print(f"/status with {spec.partnerships:,} partnerships, {spec.messages:,} messages, "
          f"{spec.contacts:,} contacts in SQLite ({size / 2**20:,.1f} MiB)")
    rows = []
    b = service["busiest"]
    for label, s in (("service: communication_status", service["summary"]),
                     (f"service: busiest ({b['entries']:,} entries), repeated", b),
                     ("end to end: first /status in the chat", e2e["first"]),
                     ("end to end: second /status in the chat", e2e["again"])):  # fmt: skip
        rows.append([label, int(s["n"]), s["p50_ms"], s["p95_ms"], s["max_ms"], s["mean_ms"]])
    print_table(["level", "n", "p50 ms", "p95 ms", "max ms", "mean ms"], rows)
    slowest = sorted(service["samples"], key=lambda r: -r["ms"])[:3]
    print("slowest service calls: " + ", ".join(
        f"{r['ms']:.1f} ms ({r['entries']:,} entries)" for r in slowest
    ))  # fmt: skip
    print(f"\nqueries of one communication_status call on the busiest partnership "
          f"({busiest.entries:,} entries), timed again with sqlite3:")
    for query in service["queries"]:
        print(f"  {query['ms']:7.2f} ms  {query['sql'][:100]}...")
        for step in query["plan"]:
            print(f"             {step}")
    if not seeding.get("reused"):
        print(f"\nseeding took {seeding['seed_seconds']:.1f} s")
    path_json = write_json("bench_status", {
        "parameters": {**spec.__dict__, "db": str(path), "service_samples": len(service_targets),
                       "e2e_samples": len(e2e_targets)},
        "database_bytes": size,
        "seeding": seeding,
        "service_level": service,
        "end_to_end": e2e,
    })  # fmt: skip
    print(f"JSON written to {path_json}")
    return report_problems(e2e["problems"], errors)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--db", default=str(OUT_DIR / "status.db"),
                        help="SQLite file (default benchmarks/out/status.db)")
    parser.add_argument("--rebuild", action="store_true", help="seed a new file even if one matches")
    parser.add_argument("--partnerships", type=int, default=1_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=10_000, help="recorded contacts (default 10000)")
    parser.add_argument("--authors", type=int, default=20, help="authors per partnership (default 20)")
    parser.add_argument("--days", type=int, default=395, help="messages span this many days back")
    parser.add_argument("--seed", type=int, default=2024, help="random seed")
    parser.add_argument("--service-samples", type=int, default=200)
    parser.add_argument("--e2e-samples", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for one reply")
    args = parser.parse_args(argv)
    args.db = Path(args.db).resolve()
    if min(args.partnerships, args.messages, args.authors, args.days) < 1 or args.contacts < 0:
        parser.error("sizes must be positive")
    if args.authors < 3:
        parser.error("--authors must be at least 3 (end-to-end senders are authors 0..2)")
    return args


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    return asyncio.run(main_async(args, setup_logging()))


if __name__ == "__main__":
    sys.exit(main())
