"""/status and /chart latency for partnerships with three years of training data, 1,000 of them.

1. Seeding: a SQLite file (default benchmarks/out/plan.db), migrated with upgrade_database,
   holding N partnerships (default 1,000). Each has the 7 built-in target groups, one plan
   period per year (the current year and the two before it) with targets for three groups,
   two partners (a library with a computer lab, and a parish), 200 held training sessions
   spread from 1 January two years ago until yesterday (25 trained each: 5,000 per
   partnership, with recruitment sources), 5 upcoming sessions, and 1,000 group messages.
   The first partnership (the reference) is written through the bot's own services
   (partnerships.register, registry.add_partner/add_resource, plan.target_groups/add_period/
   set_target/add_session/record_outcome); all the others are bulk inserted with sqlite3
   executemany, sessions and messages in time order across partnerships (as they would have
   been recorded). The values are written as the column types write them: the reference's raw
   rows are read back with sqlite3 and compared with the bulk generator's rows for the same
   data (Date and UTCDateTime formats, column types), and after seeding its plan report,
   chart series and targets must equal those of partnership #1, bulk inserted from the same
   generated data. An existing file seeded the same way this year is reused; --rebuild forces
   a new one.
2. Service level, on the measured partnership (default #500, a bulk one) and once on each of
   100 random ones: (a) /status: communication_status + plan.report in one db.transaction();
   (b) /chart: charting.chart_source (periods, targets, trained per day) in one transaction,
   then bot.chart.render to PNG bytes as handlers/plan.py does. The SQL they run is captured,
   timed per statement and shown with SQLite's query plans.
3. End to end: the real Application (rate_limit=False, scheduler off, as tests/harness.py)
   with the ConfirmingPoller against a FakeBotApi and a scratch copy of the file; a group
   member sends "/status" and "/chart" in registered partnership chats, one at a time, timed
   from the push until the fake server receives the reply (sendMessage / sendPhoto). Finally
   "/chart" and "/status" are pushed together in two chats to show how long a /status waits
   behind a chart. Spec violations reported by the fake, wrong replies or logged errors make
   the exit status non-zero.

Run from the project root::

    .venv/bin/python -m benchmarks.bench_plan                 # reuses benchmarks/out/plan.db
    .venv/bin/python -m benchmarks.bench_plan --rebuild
    .venv/bin/python -m benchmarks.bench_plan --partnerships 100 --db benchmarks/out/plan-small.db
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import sqlite3
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event

from benchmarks.bench_logging import TimedDatabase, TimedPoller
from benchmarks.bench_status import (
    FIRST_NAMES,
    LOG_COLUMNS,
    PHRASES,
    explain,
    file_size,
    remove_database,
    scratch_copy,
    sqlite_timestamp,
    sqlite_url,
)
from benchmarks.common import (
    OUT_DIR,
    ErrorLimit,
    print_table,
    report_problems,
    setup_logging,
    summary_ms,
    write_json,
)
from bot import chart
from bot.app import build_application, start_application, stop_application
from bot.config import load_settings
from bot.db import Database, utcnow
from bot.migrate import upgrade_database
from bot.models import (
    EntryKind,
    PartnerKind,
    PartnerStatus,
    Resource,
    ResourceKind,
    TargetGroup,
    TargetGroupKey,
)
from bot.runtime import services_of
from bot.services import charting, partnerships, plan, registry
from bot.services.status import communication_status
from bot.text import fold
from tests.fakebot import Call, FakeBotApi, message, supergroup, user

ZONE_NAME = "Europe/Warsaw"
ZONE = ZoneInfo(ZONE_NAME)
CHAT_BASE = -1_003_000_000_000  # partnership i is chat CHAT_BASE - i
COORDINATOR_BASE = 710_000_000  # its coordinator is user COORDINATOR_BASE + i
MEMBER_BASE = 720_000_000  # member a of partnership i is user MEMBER_BASE + i * 100 + a
MEMBERS = 10  # members who write in each group
REFERENCE = 0  # written through the services
TWIN = 1  # bulk inserted from the same generated data as the reference
CHUNK_ROWS = 20_000
PLANNED_GROUPS = (TargetGroupKey.SENIORS.value, TargetGroupKey.UNEMPLOYED.value, TargetGroupKey.PARENTS.value)
GROUP_WEIGHTS = (0.5, 0.25, 0.25)
TARGET_RANGES = {"seniors": (700, 1_000), "unemployed": (300, 450), "parents": (250, 400)}
PARTNERS = (
    ("Biblioteka Publiczna", PartnerKind.LIBRARY, PartnerStatus.ACTIVE),
    ("Parafia św. Józefa", PartnerKind.PARISH, PartnerStatus.JOINED),
)
LAB_PARTNER = 0
LAB_DESCRIPTION = "Pracownia komputerowa, 1. piętro"
TOPICS = ("Bankowość internetowa", "Smartfon od podstaw", "Bezpieczeństwo w sieci",
          "E-urząd i profil zaufany", "Wideorozmowy z rodziną", "Dziennik elektroniczny",
          "Zakupy w internecie", "CV i oferty pracy", "Zdrowie w sieci: e-recepta",
          "Zdjęcia w telefonie")  # fmt: skip
TRAINERS = ("Pani Ewa", "Pan Marek", "Pani Joanna", "")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$")

COLUMNS: dict[str, tuple[str, ...]] = {
    "partnership": ("id", "name", "coordinator_name", "timezone", "chat_id", "coordinator_user_id",
                    "is_active", "can_read_messages", "created_at", "deactivated_at", "stage",
                    "leader_partner_id", "communication_channels", "meeting_frequency", "reporting"),
    "target_group": ("id", "partnership_id", "key", "name"),
    "partner": ("id", "partnership_id", "name", "name_key", "kind", "status", "join_form",
                "target_groups", "gains", "obstacles", "created_at"),
    "partner_status_change": ("id", "partner_id", "status", "changed_at", "reason", "changed_by_user_id"),
    "resource": ("id", "partner_id", "kind", "description", "seats", "availability", "created_at"),
    "plan_period": ("id", "partnership_id", "name", "starts_on", "ends_on"),
    "target": ("id", "period_id", "target_group_id", "count"),
    "target_revision": ("id", "target_id", "old_count", "new_count", "reason", "changed_by_user_id",
                        "changed_at"),
    "training_session": ("id", "partnership_id", "starts_at", "topic", "target_group_id", "resource_id",
                         "trainer", "seats", "registered", "outcome_recorded_at"),
    "trained_count": ("id", "session_id", "target_group_id", "trained", "with_disability"),
    "recruitment_source": ("id", "session_id", "partner_id", "channel", "count"),
}  # fmt: skip


def chat_id_of(index: int) -> int:
    """The group chat of the index-th partnership."""
    return CHAT_BASE - index


def member_id_of(index: int, member: int) -> int:
    """The user id of member `member` of the index-th partnership."""
    return MEMBER_BASE + index * 100 + member


def member_name_of(index: int, member: int) -> str:
    """The display name of that member."""
    return f"{FIRST_NAMES[member % len(FIRST_NAMES)]} Nowak-{index}-{member}"


def name_of(index: int) -> str:
    """The partnership's name."""
    return f"Partnerstwo {index:04d}"


def sqlite_date(day: date) -> str:
    """How SQLAlchemy's Date stores a date on SQLite."""
    return day.isoformat()


# --------------------------------------------------------------------------- generated data


@dataclass(frozen=True)
class SeedSpec:
    """What the database should hold."""

    partnerships: int
    sessions: int  # held sessions with an outcome, per partnership
    upcoming: int  # planned sessions after now, per partnership
    trained_per_session: int
    messages: int  # group messages per partnership
    years: int
    seed: int


@dataclass(frozen=True)
class SessionPlan:
    """One training session and, once held, its outcome."""

    starts_at: datetime  # aware UTC
    topic: str
    group: str  # target group key
    in_lab: bool
    trainer: str
    seats: int
    registered: int | None = None  # None: not held yet
    trained: tuple[tuple[str, int], ...] = ()  # in the order record_outcome gets them
    with_disability: int = 0
    sources: tuple[tuple[int | None, int], ...] = ()  # partner index (None: other channels), count


@dataclass(frozen=True)
class Shape:
    """A partnership's plan and sessions, independent of database ids."""

    created_at: datetime
    periods: tuple[tuple[str, date, date], ...]
    targets: tuple[tuple[int, str, int], ...]  # period index, group key, count
    lab_seats: int
    sessions: tuple[SessionPlan, ...]


def local_moment(day: date, hour: int, minute: int) -> datetime:
    """A local wall-clock time in the partnership's zone, as aware UTC."""
    return datetime.combine(day, clock(hour, minute), tzinfo=ZONE).astimezone(UTC)


def shape_of(index: int, spec: SeedSpec, now: datetime) -> Shape:
    """The generated data of one partnership; the twin gets exactly the reference's data."""
    rng = random.Random(spec.seed * 1_000_003 + (REFERENCE if index == TWIN else index))
    today = now.astimezone(ZONE).date()
    years = range(today.year - spec.years + 1, today.year + 1)
    periods = tuple((str(y), date(y, 1, 1), date(y, 12, 31)) for y in years)
    targets = tuple(
        (p, key, rng.randint(*TARGET_RANGES[key])) for p in range(len(periods)) for key in PLANNED_GROUPS
    )
    first_day = periods[0][1]
    last_day = periods[-1][2]
    lab_seats = max(30, spec.trained_per_session + 5)
    sessions: list[SessionPlan] = []
    held_days = max(1, (today - first_day).days)  # held sessions: from the first period to yesterday
    for _ in range(spec.sessions):
        day = first_day + timedelta(days=rng.randrange(held_days))
        group = rng.choices(PLANNED_GROUPS, weights=GROUP_WEIGHTS)[0]
        total = spec.trained_per_session
        trained: tuple[tuple[str, int], ...] = ((group, total),)
        if total >= 4 and rng.random() < 0.3:  # some participants belong to another group
            other = rng.choice([g for g in PLANNED_GROUPS if g != group])
            extra = rng.randint(1, total // 4)
            trained = ((group, total - extra), (other, extra))
        registered = total + rng.randint(0, 5)
        partner_a = rng.randint(0, registered // 2)
        partner_b = rng.randint(0, (registered - partner_a) // 2)
        elsewhere = rng.randint(0, registered - partner_a - partner_b)
        sessions.append(SessionPlan(
            starts_at=local_moment(day, rng.randint(9, 17), rng.choice((0, 30))),
            topic=rng.choice(TOPICS), group=group, in_lab=rng.random() < 0.7,
            trainer=rng.choice(TRAINERS), seats=lab_seats, registered=registered, trained=trained,
            with_disability=rng.randint(0, min(3, total)),
            sources=tuple((p, n) for p, n in ((0, partner_a), (1, partner_b), (None, elsewhere)) if n),
        ))  # fmt: skip
    ahead = min(30, (last_day - today).days)
    for _ in range(spec.upcoming if ahead >= 1 else 0):
        day = today + timedelta(days=rng.randint(1, ahead))
        sessions.append(SessionPlan(
            starts_at=local_moment(day, rng.randint(9, 17), rng.choice((0, 30))),
            topic=rng.choice(TOPICS), group=rng.choices(PLANNED_GROUPS, weights=GROUP_WEIGHTS)[0],
            in_lab=rng.random() < 0.7, trainer=rng.choice(TRAINERS), seats=lab_seats,
        ))  # fmt: skip
    sessions.sort(key=lambda s: s.starts_at)
    created = local_moment(first_day - timedelta(days=30 + rng.randrange(60)), 10, 0)
    return Shape(created, periods, targets, lab_seats, tuple(sessions))


class Ids:
    """Next free primary key per table (bulk rows carry explicit ids)."""

    def __init__(self, start: dict[str, int] | None = None) -> None:
        self.next: dict[str, int] = defaultdict(lambda: 1, start or {})

    def take(self, table: str) -> int:
        """A new id for a row of the table."""
        value = self.next[table]
        self.next[table] = value + 1
        return value


@dataclass
class BulkPartnership:
    """The rows of one partnership except its sessions, and what its sessions need."""

    rows: dict[str, list[tuple[Any, ...]]]
    partnership_id: int
    group_ids: dict[str, int]
    partner_ids: list[int]
    resource_id: int
    coordinator: int


def partnership_rows(index: int, shape: Shape, ids: Ids) -> BulkPartnership:
    """Rows as the services would write them: partnership, groups, partners, lab, plan."""
    rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    created = shape.created_at
    coordinator = COORDINATOR_BASE + index
    pid = ids.take("partnership")
    rows["partnership"].append((
        pid, name_of(index), f"Koordynator {index:04d}", ZONE_NAME, chat_id_of(index), coordinator,
        True, True, sqlite_timestamp(created), None, "forming", None, "", "", "",
    ))  # fmt: skip
    group_ids: dict[str, int] = {}
    for builtin in TargetGroupKey:
        group_ids[builtin.value] = ids.take("target_group")
        rows["target_group"].append((group_ids[builtin.value], pid, builtin.value, ""))
    partner_ids: list[int] = []
    at = sqlite_timestamp(created + timedelta(days=1))
    for name, kind, status in PARTNERS:
        partner_id = ids.take("partner")
        partner_ids.append(partner_id)
        rows["partner"].append(
            (partner_id, pid, name, fold(name), kind.value, status.value, None, "", "", "", at)
        )
        rows["partner_status_change"].append(
            (ids.take("partner_status_change"), partner_id, status.value, at, None, coordinator)
        )
    resource_id = ids.take("resource")
    lab = ResourceKind.COMPUTER_LAB.value
    rows["resource"].append(
        (resource_id, partner_ids[LAB_PARTNER], lab, LAB_DESCRIPTION, shape.lab_seats, "", at)
    )
    period_ids = []
    for name, starts_on, ends_on in shape.periods:
        period_ids.append(ids.take("plan_period"))
        rows["plan_period"].append((period_ids[-1], pid, name, sqlite_date(starts_on), sqlite_date(ends_on)))
    for period, key, count in shape.targets:
        target_id = ids.take("target")
        changed = sqlite_timestamp(local_moment(shape.periods[period][1] - timedelta(days=10), 12, 0))
        rows["target"].append((target_id, period_ids[period], group_ids[key], count))
        rows["target_revision"].append(
            (ids.take("target_revision"), target_id, None, count, "", coordinator, changed)
        )
    return BulkPartnership(rows, pid, group_ids, partner_ids, resource_id, coordinator)


def session_rows(
    owner: BulkPartnership, session: SessionPlan, ids: Ids, rows: dict[str, list[tuple[Any, ...]]]
) -> None:
    """A session's rows as add_session and record_outcome write them, appended to rows."""
    session_id = ids.take("training_session")
    held = session.registered is not None
    recorded = sqlite_timestamp(session.starts_at + timedelta(hours=3)) if held else None
    rows["training_session"].append((
        session_id, owner.partnership_id, sqlite_timestamp(session.starts_at), session.topic,
        owner.group_ids[session.group], owner.resource_id if session.in_lab else None, session.trainer,
        session.seats, session.registered, recorded,
    ))  # fmt: skip
    disabled_left = session.with_disability
    for key, trained in session.trained:
        share = min(disabled_left, trained)  # record_outcome attributes disabilities in order
        disabled_left -= share
        rows["trained_count"].append(
            (ids.take("trained_count"), session_id, owner.group_ids[key], trained, share)
        )
    for partner, count in session.sources:
        partner_id = owner.partner_ids[partner] if partner is not None else None
        rows["recruitment_source"].append((
            ids.take("recruitment_source"), session_id, partner_id, "" if partner_id else "other", count
        ))  # fmt: skip


async def write_reference(url: str, shape: Shape) -> int:
    """The reference partnership, written entirely through the bot's services; its id."""
    db = Database(url)
    coordinator = COORDINATOR_BASE + REFERENCE
    try:
        async with db.transaction() as session:
            registration = await partnerships.register(
                session, chat_id=chat_id_of(REFERENCE), name=name_of(REFERENCE),
                coordinator_user_id=coordinator, coordinator_name=f"Koordynator {REFERENCE:04d}",
                timezone=ZONE_NAME,
            )  # fmt: skip
            partnership = registration.partnership
            assert partnership.id is not None
            partners = [
                await registry.add_partner(session, partnership=partnership, name=name, kind=kind,
                                           status=status, by_user_id=coordinator)
                for name, kind, status in PARTNERS
            ]  # fmt: skip
            lab: Resource = await registry.add_resource(
                session, partner=partners[LAB_PARTNER], kind=ResourceKind.COMPUTER_LAB,
                description=LAB_DESCRIPTION, seats=shape.lab_seats,
            )  # fmt: skip
            groups = {g.key: g for g in await plan.target_groups(session, partnership_id=partnership.id)}
            periods = [
                await plan.add_period(session, partnership_id=partnership.id, name=name,
                                      starts_on=starts_on, ends_on=ends_on)
                for name, starts_on, ends_on in shape.periods
            ]  # fmt: skip
            for period, key, count in shape.targets:
                await plan.set_target(
                    session, period=periods[period], group=groups[key], count=count, by_user_id=coordinator
                )
            for planned in shape.sessions:
                training = await plan.add_session(
                    session, partnership_id=partnership.id, starts_at=planned.starts_at,
                    topic=planned.topic, group=groups[planned.group], seats=planned.seats,
                    resource=lab if planned.in_lab else None, trainer=planned.trainer,
                    local_day=planned.starts_at.astimezone(ZONE).date(),
                )  # fmt: skip
                if planned.registered is None:
                    continue
                trained = {group_id(groups[key]): n for key, n in planned.trained}
                sources = {(partners[p].id if p is not None else None): n for p, n in planned.sources}
                await plan.record_outcome(session, training=training, outcome=plan.Outcome(
                    registered=planned.registered, trained=trained,
                    with_disability=planned.with_disability, sources=sources,
                ))  # fmt: skip
            return partnership.id
    finally:
        await db.dispose()


def group_id(group: TargetGroup) -> int:
    """A stored group's id."""
    assert group.id is not None
    return group.id


def check_formats(path: Path, reference_id: int, shape: Shape) -> None:
    """Compare the reference's raw rows (written by the ORM) with what the bulk generator writes.

    Column by column: the same Python type comes back from sqlite3 (text, integer or NULL),
    timestamps have UTCDateTime's text format, and dates and session times are the same text.
    """
    ids = Ids()
    generated = partnership_rows(REFERENCE, shape, ids)
    rows = generated.rows
    for planned in shape.sessions:
        session_rows(generated, planned, ids, rows)
    where = {
        "partnership": "id = :p",
        "target_group": "partnership_id = :p",
        "partner": "partnership_id = :p",
        "partner_status_change": "partner_id IN (SELECT id FROM partner WHERE partnership_id = :p)",
        "resource": "partner_id IN (SELECT id FROM partner WHERE partnership_id = :p)",
        "plan_period": "partnership_id = :p",
        "target": "period_id IN (SELECT id FROM plan_period WHERE partnership_id = :p)",
        "target_revision": "target_id IN (SELECT t.id FROM target t JOIN plan_period pp "
                           "ON pp.id = t.period_id WHERE pp.partnership_id = :p)",
        "training_session": "partnership_id = :p",
        "trained_count": "session_id IN (SELECT id FROM training_session WHERE partnership_id = :p)",
        "recruitment_source": "session_id IN (SELECT id FROM training_session WHERE partnership_id = :p)",
    }  # fmt: skip
    problems: list[str] = []
    with contextlib.closing(sqlite3.connect(path)) as conn:
        for table, columns in COLUMNS.items():
            query = f"SELECT {', '.join(columns)} FROM {table} WHERE {where[table]} ORDER BY id"
            stored = conn.execute(query, {"p": reference_id}).fetchall()
            ours = rows[table]
            if len(stored) != len(ours):
                problems.append(f"{table}: the services wrote {len(stored)} rows, the generator {len(ours)}")
                continue
            for orm_row, our_row in zip(stored, ours, strict=True):
                for column, orm_value, our_value in zip(columns, orm_row, our_row, strict=True):
                    our_value = int(our_value) if isinstance(our_value, bool) else our_value
                    same_type = type(orm_value) is type(our_value)
                    timestamp = isinstance(orm_value, str) and TIMESTAMP.match(orm_value) is not None
                    if not same_type or (timestamp and not TIMESTAMP.match(str(our_value))):
                        problems.append(f"{table}.{column}: ORM wrote {orm_value!r}, we write {our_value!r}")
        stored_periods = conn.execute(
            "SELECT name, starts_on, ends_on FROM plan_period WHERE partnership_id = ? ORDER BY starts_on",
            (reference_id,),
        ).fetchall()
        stored_sessions = conn.execute(
            "SELECT starts_at, topic, trainer, seats, registered FROM training_session "
            "WHERE partnership_id = ? ORDER BY starts_at, id", (reference_id,)
        ).fetchall()  # fmt: skip
    if stored_periods != [r[2:] for r in rows["plan_period"]]:
        problems.append(f"plan_period: ORM wrote {stored_periods[:1]}, we write {rows['plan_period'][:1]}")
    ours_sessions = [(r[2], r[3], r[6], r[7], r[8]) for r in rows["training_session"]]
    if stored_sessions != ours_sessions:
        problems.append(f"training_session: ORM wrote {stored_sessions[:1]}, we write {ours_sessions[:1]}")
    if problems:
        raise RuntimeError("bulk rows differ from the ORM's:\n  " + "\n  ".join(problems[:10]))


def message_plan(
    spec: SeedSpec, start: datetime, now: datetime, rng: random.Random
) -> list[tuple[float, int]]:
    """(seconds after start, partnership index) of every bulk message, oldest first."""
    span = (now - start).total_seconds()
    rows = [(rng.random() * span, index) for index in range(spec.partnerships) for _ in range(spec.messages)]
    rows.sort()
    return rows


class Inserter:
    """Buffered executemany per table on a sqlite3 connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.sql = {
            table: f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            for table, columns in {**COLUMNS, "log_entry": LOG_COLUMNS}.items()
        }

    def add(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        """Queue rows; a table's queue is written when it is long enough."""
        queue = self.rows[table]
        queue.extend(rows)
        if len(queue) >= CHUNK_ROWS:
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        """Write one table's queue (or all, in dependency order)."""
        for name in [table] if table else [*COLUMNS, "log_entry"]:
            queue = self.rows[name]
            if queue:
                self.conn.executemany(self.sql[name], queue)
                self.counts[name] += len(queue)
                queue.clear()


def seed_bulk(path: Path, spec: SeedSpec, now: datetime) -> dict[str, Any]:
    """Every partnership but the reference, plus everyone's messages, with sqlite3 executemany."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    shapes = {i: shape_of(i, spec, now) for i in range(spec.partnerships) if i != REFERENCE}
    timings["generate_plans_seconds"] = time.perf_counter() - started
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA synchronous=OFF")  # seeding only; the bot uses NORMAL
        conn.execute("PRAGMA cache_size=-262144")  # 256 MiB
        start_ids = {
            table: int(conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0])
            for table in COLUMNS
        }
        ids = Ids(start_ids)
        inserter = Inserter(conn)

        started = time.perf_counter()
        owners: dict[int, BulkPartnership] = {}
        for index, shape in shapes.items():
            owners[index] = partnership_rows(index, shape, ids)
            for table, rows in owners[index].rows.items():
                inserter.add(table, rows)
        inserter.flush()
        conn.commit()
        timings["insert_partnerships_plans_seconds"] = time.perf_counter() - started

        started = time.perf_counter()
        every = sorted(
            ((s.starts_at, index, s) for index, shape in shapes.items() for s in shape.sessions),
            key=lambda item: (item[0], item[1]),
        )  # time order across partnerships, as they were recorded
        batch: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for _at, index, planned in every:
            session_rows(owners[index], planned, ids, batch)
            if len(batch["training_session"]) >= CHUNK_ROWS // 4:
                for table in ("training_session", "trained_count", "recruitment_source"):
                    inserter.add(table, batch[table])
                    inserter.flush(table)
                batch.clear()
        for table in ("training_session", "trained_count", "recruitment_source"):
            inserter.add(table, batch[table])
            inserter.flush(table)
        conn.commit()
        timings["insert_sessions_seconds"] = time.perf_counter() - started

        started = time.perf_counter()
        partnership_id = dict(conn.execute("SELECT chat_id, id FROM partnership").fetchall())
        first = min(shape.periods[0][1] for shape in shapes.values()) if shapes else now.date()
        span_start = local_moment(first, 0, 0)
        rng = random.Random(spec.seed + 7)
        next_message_id = [0] * spec.partnerships
        kind = EntryKind.MESSAGE.value
        author_weights = [1.0 / (a + 1) for a in range(MEMBERS)]  # a few people talk most
        for written, (seconds, owner) in enumerate(message_plan(spec, span_start, now, rng), start=1):
            occurred = span_start + timedelta(seconds=seconds)
            member = rng.choices(range(MEMBERS), weights=author_weights)[0]
            next_message_id[owner] += 1
            message_id = next_message_id[owner]
            media = "photo" if rng.random() < 0.05 else None
            reply_to = message_id - rng.randint(1, 5) if message_id > 5 and rng.random() < 0.1 else None
            inserter.add("log_entry", [(
                partnership_id[chat_id_of(owner)], kind, sqlite_timestamp(occurred),
                sqlite_timestamp(occurred + timedelta(seconds=rng.uniform(0.2, 3.0))),
                member_id_of(owner, member), member_name_of(owner, member),
                None if media else rng.choice(PHRASES), media, None, chat_id_of(owner), message_id, reply_to,
            )])  # fmt: skip
            if written % 250_000 == 0:
                conn.commit()
        inserter.flush()
        conn.commit()
        timings["insert_messages_seconds"] = time.perf_counter() - started

        started = time.perf_counter()
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"bulk rows break foreign keys: {broken[:5]}")
        timings["foreign_key_check_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        timings["checkpoint_seconds"] = time.perf_counter() - started
    return {"timings": timings, "rows": dict(inserter.counts)}


async def snapshot(db: Database, partnership_id: int, now: datetime) -> dict[str, Any]:
    """What /status and /chart would show, without database ids (to compare partnerships)."""
    async with db.transaction() as session:
        groups = {g.id: g.key for g in await plan.target_groups(session, partnership_id=partnership_id,
                                                                create=False)}  # fmt: skip
        report = await plan.report(session, partnership_id=partnership_id, now=now, zone=ZONE)
        series = await plan.trained_series(session, partnership_id=partnership_id, zone=ZONE)
        targets = await plan.cumulative_targets(session, partnership_id=partnership_id)
    return {
        "period": (report.period.name, report.period.starts_on, report.period.ends_on)
                  if report.period else None,
        "groups": [(g.group.key, g.period, g.total_trained, g.total_target) for g in report.groups],
        "upcoming": [(s.starts_at, s.topic, s.seats, free) for s, free in report.upcoming],
        "contributions": [(c.partner.name, c.recruited, c.rooms_lent, c.sessions_hosted)
                          for c in report.contributions],
        "trained_total": report.trained_total,
        "with_disability_total": report.with_disability_total,
        "series": {groups[k]: v for k, v in series.items()},
        "targets": {groups[k]: v for k, v in targets.items()},
    }  # fmt: skip


async def check_twin(path: Path, spec: SeedSpec, now: datetime) -> None:
    """The reference (services) and its twin (bulk, same data) must look the same to the bot."""
    ids = partnership_ids(path)
    db = Database(sqlite_url(path))
    try:
        ours = await snapshot(db, ids[TWIN], now)
        theirs = await snapshot(db, ids[REFERENCE], now)
    finally:
        await db.dispose()
    if ours != theirs:
        differing = [k for k in ours if ours[k] != theirs[k]]
        raise RuntimeError(f"bulk partnership #{TWIN} differs from the services-written #{REFERENCE} in "
                           f"{differing}: {[(ours[k], theirs[k]) for k in differing][:1]}")
    expected = spec.sessions * spec.trained_per_session
    if ours["trained_total"] != expected:
        raise RuntimeError(f"reference partnership trained {ours['trained_total']}, expected {expected}")


def partnership_ids(path: Path) -> dict[int, int]:
    """Partnership index -> database id."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT chat_id, id FROM partnership").fetchall()
    return {CHAT_BASE - chat_id: pid for chat_id, pid in rows}


def read_meta(path: Path) -> dict[str, Any]:
    """What the sidecar file says about how the database was seeded."""
    meta = Path(f"{path}.json")
    return dict(json.loads(meta.read_text(encoding="utf-8"))) if meta.exists() else {}


def write_meta(path: Path, info: dict[str, Any]) -> None:
    """Remember how the database was seeded, next to it."""
    Path(f"{path}.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


def start_afresh(path: Path) -> None:
    """No database file, no sidecar; the directory exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_database(path)
    Path(f"{path}.json").unlink(missing_ok=True)


def reusable(path: Path, spec: SeedSpec, now: datetime) -> str | None:
    """None if the file can be reused, else why not."""
    if not path.exists():
        return "no database file yet"
    meta = read_meta(path)
    if meta.get("spec") != asdict(spec):
        return "it was seeded with other parameters"
    seeded_at = datetime.fromisoformat(meta["seeded_at"])
    if seeded_at.astimezone(ZONE).year != now.astimezone(ZONE).year:
        return "it was seeded in another year (the plan periods are relative to the year)"
    try:
        with contextlib.closing(sqlite3.connect(path)) as conn:
            found = (conn.execute("SELECT count(*) FROM partnership").fetchone()[0],
                     conn.execute("SELECT count(*) FROM training_session").fetchone()[0])  # fmt: skip
    except sqlite3.Error as exc:
        return f"it cannot be read ({exc})"
    if found != tuple(meta.get("counts", ())):
        return "its row counts changed"
    return None


async def prepare_database(path: Path, spec: SeedSpec, *, rebuild: bool) -> dict[str, Any]:
    """Reuse a matching database file or build a new one; returns what happened."""
    url = sqlite_url(path)
    now = utcnow()
    why = "--rebuild" if rebuild else reusable(path, spec, now)
    if why is None:
        await upgrade_database(url)  # a no-op unless migrations were added since
        earlier = read_meta(path)
        print(f"reusing {path} (seeded {earlier['seeded_at'][:16]} in {earlier['seed_seconds']} s; "
              "--rebuild forces a new one)")  # fmt: skip
        return {"reused": True, **earlier}
    print(f"seeding {path} ({why}): {spec.partnerships:,} partnerships x ({spec.sessions} sessions, "
          f"{spec.sessions * spec.trained_per_session:,} trained, {spec.upcoming} upcoming, "
          f"{spec.messages:,} messages)...", flush=True)  # fmt: skip
    start_afresh(path)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    t = time.perf_counter()
    await upgrade_database(url)
    timings["migrate_seconds"] = time.perf_counter() - t
    t = time.perf_counter()
    reference_shape = shape_of(REFERENCE, spec, now)
    reference_id = await write_reference(url, reference_shape)
    timings["reference_through_services_seconds"] = time.perf_counter() - t
    check_formats(path, reference_id, reference_shape)
    bulk = seed_bulk(path, spec, now)
    timings.update(bulk["timings"])
    t = time.perf_counter()
    await check_twin(path, spec, now)
    timings["check_twin_seconds"] = time.perf_counter() - t
    total = time.perf_counter() - started
    with contextlib.closing(sqlite3.connect(path)) as conn:
        counts = [conn.execute("SELECT count(*) FROM partnership").fetchone()[0],
                  conn.execute("SELECT count(*) FROM training_session").fetchone()[0]]  # fmt: skip
    info = {"seed_seconds": round(total, 2), "seeded_at": now.isoformat(), "spec": asdict(spec),
            "timings": timings, "bulk_rows": bulk["rows"], "counts": counts}  # fmt: skip
    write_meta(path, info)
    print(f"  seeded in {total:.1f} s ({', '.join(f'{k} {v:.1f}' for k, v in timings.items())})")
    return {"reused": False, **info}


# --------------------------------------------------------------------------- service level


@dataclass(frozen=True)
class StatusSample:
    """One /status service call: total, and its parts."""

    total: float
    communication: float  # including BEGIN (checking out the pooled connection)
    report: float
    commit: float


@dataclass(frozen=True)
class ChartSample:
    """One /chart service call: the queries, the drawing and the picture's size."""

    total: float
    queries: float
    render: float
    png_bytes: int


async def status_work(db: Database, partnership_id: int) -> StatusSample:
    """communication_status and plan.report in one transaction, as /status needs them."""
    t0 = time.perf_counter()
    async with db.transaction() as session:
        now = utcnow()
        await communication_status(session, partnership_id=partnership_id, now=now, zone=ZONE)
        t1 = time.perf_counter()
        await plan.report(session, partnership_id=partnership_id, now=now, zone=ZONE)
        t2 = time.perf_counter()
    t3 = time.perf_counter()
    return StatusSample(t3 - t0, t1 - t0, t2 - t1, t3 - t2)


async def chart_work(db: Database, partnership_id: int, title: str) -> ChartSample:
    """What chart_command does before sending: the queries, the series, the PNG."""
    t0 = time.perf_counter()
    today = utcnow().astimezone(ZONE).date()
    async with db.transaction() as session:
        source = await charting.chart_source(session, partnership_id=partnership_id, zone=ZONE, today=today)
    t1 = time.perf_counter()
    assert source is not None
    panels = [chart.Panel(g.group.key, g.trained, g.target) for g in source.groups]
    data = chart.ChartData(title=title, start=source.start, end=source.end, today=today, panels=panels)
    labels = chart.Labels("trained", "plan", "target", "today", "no data")
    picture = chart.render(data, labels, day_label=lambda day: day.isoformat())
    t2 = time.perf_counter()
    if not picture.startswith(b"\x89PNG\r\n\x1a\n"):
        raise RuntimeError("chart.render did not return a PNG")
    return ChartSample(t2 - t0, t1 - t0, t2 - t1, len(picture))


@contextlib.contextmanager
def sql_timer(db: Database) -> Iterator[dict[str, list[float]]]:
    """Seconds spent in each SQL statement (driver call, incl. aiosqlite's thread hop and fetch)."""
    spent: dict[str, list[float]] = defaultdict(list)

    def before(conn: Any, _cursor: Any, _statement: str, _parameters: Any, *_: Any) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def after(conn: Any, _cursor: Any, statement: str, _parameters: Any, *_: Any) -> None:
        spent[" ".join(statement.split())].append(time.perf_counter() - conn.info["bench_started"].pop())

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield spent
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


@contextlib.contextmanager
def captured(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """The statements (with parameters) run meanwhile."""
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", capture)


def summary_of(samples: list[Any], field: str) -> dict[str, float]:
    """summary_ms of one field of the samples."""
    return summary_ms([getattr(s, field) for s in samples])


async def service_level(
    path: Path, measured: int, randoms: list[int], ids: dict[int, int], args: argparse.Namespace
) -> dict[str, Any]:
    """/status and /chart service work on the measured partnership and on random ones."""
    db = Database(sqlite_url(path))
    pid = ids[measured]
    try:
        with captured(db) as status_sql:
            await status_work(db, pid)  # opens the pooled connection; statements kept for the plans
        with captured(db) as chart_sql:
            await chart_work(db, pid, name_of(measured))
        print(f"  /status work on #{measured}, {args.status_runs} runs...", flush=True)
        status_runs = [await status_work(db, pid) for _ in range(args.status_runs)]
        print(f"  /status work on {len(randoms)} random partnerships...", flush=True)
        status_random = [await status_work(db, ids[i]) for i in randoms]
        with sql_timer(db) as status_statements:
            profiled = [await status_work(db, pid) for _ in range(args.profile_runs)]
        print(f"  /chart work on #{measured}, {args.chart_runs} runs...", flush=True)
        chart_runs = [await chart_work(db, pid, name_of(measured)) for _ in range(args.chart_runs)]
        chart_randoms = randoms[: args.chart_random]
        print(f"  /chart work on {len(chart_randoms)} random partnerships...", flush=True)
        chart_random = [await chart_work(db, ids[i], name_of(i)) for i in chart_randoms]
        with sql_timer(db) as chart_statements:
            for _ in range(args.profile_runs):
                await chart_work(db, pid, name_of(measured))
    finally:
        await db.dispose()
    profile_total = sum(s.total for s in profiled)
    return {
        "status": {part: summary_of(status_runs, part)
                   for part in ("total", "communication", "report", "commit")},
        "status_random": {part: summary_of(status_random, part)
                          for part in ("total", "communication", "report")},
        "status_sql": statement_profile(status_statements, args.profile_runs, profile_total),
        "chart": {part: summary_of(chart_runs, part) for part in ("total", "queries", "render")},
        "chart_random": {part: summary_of(chart_random, part) for part in ("total", "queries", "render")},
        "chart_sql": statement_profile(chart_statements, args.profile_runs, None),
        "png_bytes": {"measured": chart_runs[-1].png_bytes if chart_runs else None,
                      "random_min": min((c.png_bytes for c in chart_random), default=None),
                      "random_max": max((c.png_bytes for c in chart_random), default=None)},
        "query_plans": {"status": explain(path, status_sql), "chart": explain(path, chart_sql)},
    }  # fmt: skip


def statement_profile(spent: dict[str, list[float]], runs: int, total: float | None) -> dict[str, Any]:
    """Per statement: calls per run and mean ms per run, slowest first."""
    rows: list[dict[str, Any]] = [
        {"sql": sql, "calls_per_run": len(times) / runs, "ms_per_run": sum(times) * 1000 / runs}
        for sql, times in spent.items()
    ]
    rows.sort(key=lambda r: -float(r["ms_per_run"]))
    sql_ms = sum(float(r["ms_per_run"]) for r in rows)
    out: dict[str, Any] = {"statements": rows, "sql_ms_per_run": sql_ms}
    if total:
        out["total_ms_per_run"] = total * 1000 / runs
        out["sql_share"] = sql_ms / out["total_ms_per_run"]
    return out


# --------------------------------------------------------------------------- end to end


@dataclass(frozen=True)
class E2ESample:
    """One command through the fake server."""

    command: str
    index: int
    repeat: int  # how many times this command was sent in this chat before
    latency: float  # push -> the fake server received the reply
    handled: float  # ConfirmingPoller.handle_batch (store + dispatch incl. the reply's round trip)
    in_transactions: float  # of which inside db.transaction() blocks (the poller's and the handler's)
    transactions: int


class Chats:
    """Next message id per chat and the member who writes there."""

    def __init__(self, messages_per_chat: int) -> None:
        self.last_id: dict[int, int] = defaultdict(lambda: messages_per_chat)

    def update(self, index: int, text: str) -> dict[str, Any]:
        """A group message from one of the partnership's members."""
        self.last_id[index] += 1
        member = self.last_id[index] % 3
        who = user(member_id_of(index, member), FIRST_NAMES[member], last_name=f"Nowak-{index}-{member}",
                   language_code="pl")  # fmt: skip
        chat = supergroup(chat_id_of(index), name_of(index))
        return message(chat, who, text, message_id=self.last_id[index])


def reply_to(chat_id: int, since: float) -> Callable[[Call], bool]:
    """Matches a call to the chat recorded at or after `since` (time.monotonic)."""
    return lambda call: call.chat_id == chat_id and call.at >= since


def reply_problem(call: Call, command: str, index: int, year: int) -> str | None:
    """Why a reply is not the expected answer, or None."""
    if command == "/status":
        text = call.text or ""
        if name_of(index) not in text or str(year) not in text:
            return f"unexpected /status reply in {chat_id_of(index)}: {call.short()}"
    elif not call.files.get("photo", b"").startswith(b"\x89PNG"):
        return f"unexpected /chart reply in {chat_id_of(index)}: {call.short()}"
    return None


async def ask(
    fake: FakeBotApi, poller: TimedPoller, db: TimedDatabase, chats: Chats, index: int, command: str,
    repeat: int, wait: float, year: int,
) -> tuple[E2ESample, str | None]:
    """Push one command, wait for its reply and for the update to be confirmed."""
    method = "sendMessage" if command == "/status" else "sendPhoto"
    update = chats.update(index, command)
    handled_before = poller.handle_seconds
    db_before, transactions_before = db.transaction_seconds, db.transactions
    started = time.monotonic()
    update_id = fake.push_update(update)
    calls = await asyncio.to_thread(fake.wait_for, method, reply_to(chat_id_of(index), started), timeout=wait)
    await fake.await_confirmed(update_id, timeout=wait)
    sample = E2ESample(
        command, index, repeat, calls[0].at - started, poller.handle_seconds - handled_before,
        db.transaction_seconds - db_before, db.transactions - transactions_before,
    )  # fmt: skip
    return sample, reply_problem(calls[0], command, index, year)


async def end_to_end(path: Path, chat_indexes: list[int], args: argparse.Namespace) -> dict[str, Any]:
    """/status and /chart through the fake server and the real bot, one at a time."""
    copy = scratch_copy(path)
    samples: list[E2ESample] = []
    behind: list[float] = []
    warm_up: list[E2ESample] = []
    problems: list[str] = []
    year = utcnow().astimezone(ZONE).year
    try:
        with FakeBotApi() as fake:
            settings = load_settings(
                telegram_bot_token=fake.token, telegram_api_base_url=fake.base_url,
                database_url=sqlite_url(copy), polling_timeout=2, scheduler_interval=0,
            )  # fmt: skip
            app = build_application(settings, rate_limit=False)
            await start_application(app)
            stop = asyncio.Event()
            services = services_of(app.bot_data)
            db = services.db = TimedDatabase(services.db)  # the handlers' transactions are timed too
            poller = TimedPoller(app, db, timeout=2, backoff=0.05)
            task = asyncio.create_task(poller.run(stop))
            chats = Chats(args.messages)
            asked: dict[tuple[int, str], int] = defaultdict(int)
            try:
                await asyncio.sleep(0.2)
                # Warm up (first connection, translations, fonts) in a chat that is not measured.
                for command in ("/status", "/chart"):
                    sample, problem = await ask(
                        fake, poller, db, chats, REFERENCE, command, 0, args.timeout, year
                    )
                    warm_up.append(sample)
                    if problem:
                        problems.append(problem)
                fake.clear_calls()
                plan_of = [("/status", chat_indexes[n % len(chat_indexes)]) for n in range(args.e2e_status)]
                plan_of += [("/chart", chat_indexes[n % len(chat_indexes)]) for n in range(args.e2e_chart)]
                for command, index in plan_of:
                    sample, problem = await ask(
                        fake, poller, db, chats, index, command, asked[(index, command)], args.timeout, year
                    )
                    asked[(index, command)] += 1
                    samples.append(sample)
                    if problem:
                        problems.append(problem)
                    if len(problems) >= 5:
                        problems.append("end to end aborted: the bot does not answer properly")
                        break
                for n in range(args.e2e_contention if len(problems) < 5 else 0):
                    first = chat_indexes[n % len(chat_indexes)]
                    second = chat_indexes[(n + 1) % len(chat_indexes)]
                    started = time.monotonic()
                    update_ids = fake.push_updates(
                        [chats.update(first, "/chart"), chats.update(second, "/status")]
                    )
                    calls = await asyncio.to_thread(
                        fake.wait_for, "sendMessage", reply_to(chat_id_of(second), started),
                        timeout=args.timeout,
                    )  # fmt: skip
                    await fake.await_confirmed(update_ids[-1], timeout=args.timeout)
                    behind.append(calls[0].at - started)
                    if fake.calls("sendPhoto")[-1].chat_id != chat_id_of(first):
                        problems.append(f"no chart in {chat_id_of(first)} before /status in another chat")
            finally:
                stop.set()
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, timeout=15)
                await stop_application(app)
            problems += [*fake.violations, *(f"internal: {e}" for e in fake.internal_errors)]
    finally:
        remove_database(copy)

    def pick(command: str, repeat: Callable[[int], bool]) -> list[E2ESample]:
        return [s for s in samples if s.command == command and repeat(s.repeat)]

    groups = {
        "status_all": pick("/status", lambda r: True),
        "status_first": pick("/status", lambda r: r == 0),
        "status_again": pick("/status", lambda r: r > 0),
        "chart_all": pick("/chart", lambda r: True),
    }
    return {
        **{name: {"latency": summary_of(found, "latency"), "handled": summary_of(found, "handled"),
                  "in_transactions": summary_of(found, "in_transactions"),
                  "transactions_per_update": sum(s.transactions for s in found) / max(1, len(found))}
           for name, found in groups.items()},
        "status_behind_chart": {"latency": summary_ms(behind)},
        "warm_up": [asdict(s) for s in warm_up],
        "chats": chat_indexes,
        "samples": [asdict(s) for s in samples],
        "problems": problems,
    }  # fmt: skip


# --------------------------------------------------------------------------- main


def row(label: str, s: dict[str, float]) -> list[Any]:
    """A table row from a summary_ms dict."""
    return [label, int(s["n"]), s["p50_ms"], s["p95_ms"], s["max_ms"], s["mean_ms"]]


async def main_async(args: argparse.Namespace, errors: ErrorLimit) -> int:
    """Seed (or reuse), measure, print and write the results."""
    path: Path = args.db
    spec = SeedSpec(
        partnerships=args.partnerships, sessions=args.sessions, upcoming=args.upcoming,
        trained_per_session=args.trained_per_session, messages=args.messages, years=args.years,
        seed=args.seed,
    )  # fmt: skip
    seeding = await prepare_database(path, spec, rebuild=args.rebuild)
    size = file_size(path)
    print(f"database file: {size / 2**20:,.1f} MiB ({path})")
    ids = partnership_ids(path)
    measured = min(args.measured, spec.partnerships - 1)
    rng = random.Random(args.seed + 1)
    candidates = [i for i in range(spec.partnerships) if i != REFERENCE]
    randoms = rng.sample(candidates, min(args.random, len(candidates)))
    others = [i for i in candidates if i != measured]
    chat_indexes = [measured, *rng.sample(others, min(args.e2e_chats - 1, len(others)))]

    print("service level:", flush=True)
    service = await service_level(path, measured, randoms, ids, args)
    print(f"end to end: {args.e2e_status} x /status and {args.e2e_chart} x /chart in "
          f"{len(chat_indexes)} chats, one at a time; {args.e2e_contention} x /chart and /status "
          "together...", flush=True)  # fmt: skip
    e2e = await end_to_end(path, chat_indexes, args)

    per = f"{spec.sessions} sessions, {spec.sessions * spec.trained_per_session:,} trained"
    print()
    print(f"/status and /chart with {spec.partnerships:,} partnerships ({per}, {spec.upcoming} upcoming, "
          f"{spec.messages:,} messages each) in SQLite ({size / 2**20:,.1f} MiB)")  # fmt: skip
    s, c = service["status"], service["chart"]
    rows = [
        row(f"service /status: communication_status + plan.report (#{measured})", s["total"]),
        row("  of which communication_status (incl. BEGIN)", s["communication"]),
        row("  of which plan.report", s["report"]),
        row("  of which COMMIT", s["commit"]),
        row("service /status: random partnerships, once each", service["status_random"]["total"]),
        row(f"service /chart: queries + render (#{measured})", c["total"]),
        row("  of which queries", c["queries"]),
        row("  of which chart.render", c["render"]),
        row("service /chart: random partnerships, once each", service["chart_random"]["total"]),
        row("end to end /status: push -> sendMessage, all", e2e["status_all"]["latency"]),
        row("  first /status in the chat", e2e["status_first"]["latency"]),
        row("  later /status in the chat", e2e["status_again"]["latency"]),
        row("  bot handling (ConfirmingPoller.handle_batch)", e2e["status_all"]["handled"]),
        row(f"  of which in {e2e['status_all']['transactions_per_update']:.0f} db transactions",
            e2e["status_all"]["in_transactions"]),
        row("end to end /chart: push -> sendPhoto", e2e["chart_all"]["latency"]),
        row("  bot handling (ConfirmingPoller.handle_batch)", e2e["chart_all"]["handled"]),
        row(f"  of which in {e2e['chart_all']['transactions_per_update']:.0f} db transactions",
            e2e["chart_all"]["in_transactions"]),
        row("end to end /status pushed right after a /chart", e2e["status_behind_chart"]["latency"]),
    ]
    print_table(["measurement", "n", "p50 ms", "p95 ms", "max ms", "mean ms"], rows)
    warm = ", ".join(f"{w['command']} {w['latency'] * 1000:.0f} ms" for w in e2e["warm_up"])
    print(f"(not in the table: the first commands after the bot started, in another chat: {warm})")
    png = service["png_bytes"]
    if png["measured"]:
        print(f"PNG: {png['measured']:,} bytes (random partnerships: {png['random_min'] or 0:,} to "
              f"{png['random_max'] or 0:,})")  # fmt: skip

    profile = service["status_sql"]
    print(f"\nSQL of one /status service call ({args.profile_runs} runs on #{measured}): "
          f"{profile['sql_ms_per_run']:.2f} ms of {profile['total_ms_per_run']:.2f} ms in the driver "
          f"({profile['sql_share']:.0%}; the rest is SQLAlchemy, the ORM and Python; the timing hooks "
          "add some overhead)")  # fmt: skip
    for item in profile["statements"]:
        print(f"  {item['ms_per_run']:6.2f} ms  x{item['calls_per_run']:.0f}  {item['sql'][:110]}")
    print(f"SQL of one /chart service call: {service['chart_sql']['sql_ms_per_run']:.2f} ms")
    for item in service["chart_sql"]["statements"]:
        print(f"  {item['ms_per_run']:6.2f} ms  x{item['calls_per_run']:.0f}  {item['sql'][:110]}")
    print("\nquery plans (raw sqlite3 time):")
    for query in [*service["query_plans"]["status"], *service["query_plans"]["chart"]]:
        print(f"  {query['ms']:6.2f} ms  {query['sql'][:110]}")
        for step in query["plan"]:
            print(f"             {step}")

    status_p95 = s["total"]["p95_ms"]
    e2e_p95 = e2e["status_all"]["latency"]["p95_ms"]
    verdict = {
        "limit_ms": args.limit_ms,
        "service_p95_ms": status_p95,
        "service_max_ms": s["total"]["max_ms"],
        "end_to_end_p95_ms": e2e_p95,
        "service_under_limit": status_p95 < args.limit_ms,
        "end_to_end_under_limit": e2e_p95 < args.limit_ms,
    }
    print(f"\n/status under {args.limit_ms:.0f} ms of bot-side work: service p95 {status_p95:.1f} ms -> "
          f"{'yes' if verdict['service_under_limit'] else 'NO'}; end to end p95 {e2e_p95:.1f} ms -> "
          f"{'yes' if verdict['end_to_end_under_limit'] else 'NO'}")  # fmt: skip
    if not seeding.get("reused"):
        print(f"seeding took {seeding['seed_seconds']:.1f} s")
    path_json = write_json("plan", {
        "parameters": {**asdict(spec), "db": str(path), "measured": measured, "random": len(randoms),
                       "status_runs": args.status_runs, "chart_runs": args.chart_runs,
                       "chart_random": args.chart_random, "profile_runs": args.profile_runs,
                       "e2e_status": args.e2e_status, "e2e_chart": args.e2e_chart,
                       "e2e_contention": args.e2e_contention},
        "database_bytes": size,
        "seeding": seeding,
        "service_level": service,
        "end_to_end": e2e,
        "verdict": verdict,
    })  # fmt: skip
    print(f"JSON written to {path_json}")
    return report_problems(e2e["problems"], errors)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--db", default=str(OUT_DIR / "plan.db"),
                        help="SQLite file (default benchmarks/out/plan.db)")  # fmt: skip
    parser.add_argument("--rebuild", action="store_true", help="seed a new file even if one matches")
    parser.add_argument("--partnerships", type=int, default=1_000)
    parser.add_argument("--sessions", type=int, default=200, help="held sessions each (default 200)")
    parser.add_argument("--trained-per-session", type=int, default=25, help="default 25: 5,000 each")
    parser.add_argument("--upcoming", type=int, default=5, help="planned sessions ahead, per partnership")
    parser.add_argument("--messages", type=int, default=1_000, help="group messages each (0: none)")
    parser.add_argument("--years", type=int, default=3, help="yearly plan periods, ending with this year")
    parser.add_argument("--seed", type=int, default=2026, help="random seed")
    parser.add_argument("--measured", type=int, default=500, help="index of the measured partnership")
    parser.add_argument("--random", type=int, default=100, help="random partnerships measured once each")
    parser.add_argument("--status-runs", type=int, default=200)
    parser.add_argument("--chart-runs", type=int, default=30)
    parser.add_argument("--chart-random", type=int, default=100,
                        help="how many of the random partnerships also get a chart (default 100)")
    parser.add_argument("--profile-runs", type=int, default=20, help="extra runs timed per SQL statement")
    parser.add_argument("--e2e-chats", type=int, default=10, help="chats used end to end (default 10)")
    parser.add_argument("--e2e-status", type=int, default=50)
    parser.add_argument("--e2e-chart", type=int, default=10)
    parser.add_argument("--e2e-contention", type=int, default=5, help="/chart + /status pushed together")
    parser.add_argument("--limit-ms", type=float, default=100.0, help="the /status goal (default 100 ms)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for one reply")
    args = parser.parse_args(argv)
    args.db = Path(args.db).resolve()
    if min(args.partnerships, args.sessions, args.trained_per_session, args.years) < 1:
        parser.error("sizes must be positive")
    if args.partnerships < 3:
        parser.error("--partnerships must be at least 3 (the reference, its twin and one more)")
    counts = (args.upcoming, args.messages, args.random, args.chart_random, args.e2e_status,
              args.e2e_chart, args.e2e_contention)  # fmt: skip
    if min(counts) < 0 or min(args.status_runs, args.chart_runs, args.profile_runs, args.e2e_chats) < 1:
        parser.error("counts must not be negative; runs and chats must be positive")
    if args.measured == REFERENCE:
        parser.error("--measured must not be the reference partnership (#0)")
    return args


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    return asyncio.run(main_async(args, setup_logging()))


if __name__ == "__main__":
    sys.exit(main())
