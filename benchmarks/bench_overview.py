"""Benchmark: the supervisor's `/overview` reads (issue 15) on a large communication log.

Seeds (once; reused while the row counts match) a PostgreSQL database with N partnerships,
8 partners each and M log entries spread over two years, with set-based SQL
(INSERT ... SELECT generate_series), then times `programme_overview.overview()` for a
supervisor of S partnerships and prints p50/p95.

    python -m benchmarks.bench_overview --database-url postgresql+asyncpg://.../pb_bench
    python -m benchmarks.bench_overview --database-url ... --quick
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlmodel import col, select

from benchmarks.common import print_table, summary_ms
from bot.db import Database
from bot.migrate import upgrade_database
from bot.models import Partnership
from bot.services.programme_overview import overview

PARTNERS_EACH = 8
SEED_PARTNERSHIPS = """
INSERT INTO partnership (id, name, coordinator_name, timezone, chat_id, coordinator_user_id,
    is_active, can_read_messages, created_at, stage, communication_channels, meeting_frequency)
SELECT g, 'Partnership ' || g, 'Coordinator ' || g, 'Europe/Warsaw', -1000000 - g, 1000000 + g,
    true, true, now() - interval '800 days', 'forming', '', ''
FROM generate_series(1, CAST(:n AS integer)) AS g
"""
SEED_PARTNERS = """
INSERT INTO partner (partnership_id, name, name_key, kind, status, created_at)
SELECT p, 'Partner ' || k, 'partner ' || k, 'library',
    (ARRAY['candidate','invited','joined','active','active','active','withdrawn','active'])[k],
    now() - interval '700 days'
FROM generate_series(1, CAST(:n AS integer)) AS p, generate_series(1, 8) AS k
ORDER BY p, k
"""
# Every 5th entry is the coordinator's; the others come from one of the partners. Entries
# are spread over two years, so a partnership's recent 30 days hold ~4% of its log.
SEED_LOG = """
INSERT INTO log_entry (partnership_id, kind, occurred_at, recorded_at, author_user_id,
    author_name, partner_id, erased)
SELECT pid, CASE WHEN g % 7 = 0 THEN 'contact' ELSE 'message' END, at, at,
    CASE WHEN g % 5 = 0 THEN 1000000 + pid ELSE 2000000 + g % 1000 END, 'Author',
    CASE WHEN g % 5 = 0 THEN NULL ELSE (pid - 1) * 8 + 1 + (g / CAST(:n AS integer)) % 8 END, false
FROM (
    SELECT g, 1 + g % CAST(:n AS integer) AS pid, now() - (random() * 730) * interval '1 day' AS at
    FROM generate_series(CAST(:start AS integer), CAST(:stop AS integer)) AS g
) AS s
"""


async def seed(db: Database, partnerships: int, rows: int) -> float:
    """Fill an empty schema; the seconds it took."""
    started = time.perf_counter()
    async with db.engine.begin() as conn:
        await conn.execute(text("TRUNCATE partnership, partner, log_entry RESTART IDENTITY CASCADE"))
        await conn.execute(text(SEED_PARTNERSHIPS), {"n": partnerships})
        await conn.execute(text("SELECT setval('partnership_id_seq', :n)"), {"n": partnerships})
        await conn.execute(text(SEED_PARTNERS), {"n": partnerships})
    step = 1_000_000
    for start in range(1, rows + 1, step):
        async with db.engine.begin() as conn:
            stop = min(rows, start + step - 1)
            await conn.execute(text(SEED_LOG), {"n": partnerships, "start": start, "stop": stop})
        print(f"  seeded {stop:,} log rows", file=sys.stderr)
    async with db.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE log_entry"))
        await conn.execute(text("ANALYZE partner"))
        await conn.execute(text("ANALYZE partnership"))
    return time.perf_counter() - started


async def counts(db: Database) -> tuple[int, int]:
    """Partnerships and log entries stored."""
    async with db.engine.connect() as conn:
        parts = (await conn.execute(text("SELECT count(*) FROM partnership"))).scalar_one()
        rows = (await conn.execute(text("SELECT count(*) FROM log_entry"))).scalar_one()
    return int(parts), int(rows)


async def timed(db: Database, ids: list[int], runs: int) -> list[float]:
    """The seconds of each overview() run for the given partnerships."""
    zone = ZoneInfo("Europe/Warsaw")
    times: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        async with db.transaction(mark=False) as session:
            chosen = list(await session.exec(select(Partnership).where(col(Partnership.id).in_(ids))))
            lines = await overview(session, partnerships=chosen, now=datetime.now(UTC), zone=zone)
        times.append(time.perf_counter() - started)
        assert len(lines) == len(ids)
    return times


async def main_async(args: argparse.Namespace) -> int:
    """Seed if needed, warm up, time, print."""
    if not args.database_url.startswith("postgresql"):
        print("PostgreSQL only (set-based seeding with generate_series)", file=sys.stderr)
        return 2
    await upgrade_database(args.database_url)
    db = Database(args.database_url)
    try:
        if args.reseed or await counts(db) != (args.partnerships, args.rows):
            print(f"seeding {args.partnerships:,} partnerships, {args.rows:,} log rows", file=sys.stderr)
            print(f"  seeded in {await seed(db, args.partnerships, args.rows):.0f} s", file=sys.stderr)
        every = max(1, args.partnerships // args.supervised)
        ids = list(range(1, args.partnerships + 1, every))[: args.supervised]
        await timed(db, ids, 2)  # warm the cache and the pool
        stats = summary_ms(await timed(db, ids, args.runs))
    finally:
        await db.dispose()
    print_table(
        ["partnerships", "supervised", "log rows", "runs", "p50 ms", "p95 ms", "max ms"],
        [[args.partnerships, len(ids), args.rows, args.runs,
          stats["p50_ms"], stats["p95_ms"], stats["max_ms"]]],
    )
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database-url", required=True, help="postgresql+asyncpg://... (data replaced)")
    parser.add_argument("--partnerships", type=int, default=2500)
    parser.add_argument("--supervised", type=int, default=200)
    parser.add_argument("--rows", type=int, default=10_000_000, help="log entries")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reseed", action="store_true", help="seed even if the counts match")
    parser.add_argument("--quick", action="store_true", help="250 partnerships, 20 supervised, 200k rows")
    args = parser.parse_args(argv)
    if args.quick:
        args.partnerships, args.supervised, args.rows, args.runs = 250, 20, 200_000, 10
    return args


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    return asyncio.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
