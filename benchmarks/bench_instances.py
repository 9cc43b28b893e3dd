"""Several webhook instances behind nginx on PostgreSQL: one against two, and one killed.

The benchmark plays Telegram like the Bot API server does: up to 40 connections, and a chat's
next update only after the previous one was answered 2xx (errors are posted again after
0.2 s). nginx runs with the shipped proxy settings (deploy/nginx/partnerbot-proxy.conf) in
front of the real `partnerbot run --webhook` processes (production pacing, shared through
PostgreSQL). The fake Bot API adds 20 ms to every call and enforces 30 messages/s and 20 a
minute per group.

1. throughput: G registered groups, each with M updates: plain messages (stored in the log)
   and every 10th a /log command (stored, answered: within a group's burst, so the numbers
   measure the bot, not Telegram's limit). Updates/s from the first post until the last update is handled,
   with 1 instance and with 2.
2. kill: the same with 2 instances; once a third of the answers went out, one instance gets
   SIGKILL. Counted afterwards: updates posted and handled, log rows, contacts recorded (each
   must be 1), confirmations sent twice, errors the sender saw, 429 answers.

    .venv/bin/python -m benchmarks.bench_instances --database-url postgresql+asyncpg://.../scratch
        [--groups 100] [--per-group 30] [--part throughput|kill|all]

`--database-url` must name a scratch PostgreSQL database: its tables are emptied.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import signal
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import SQLModel

import bot.instances  # the tables several instances share (bot.instances)
import bot.models  # noqa: F401
from benchmarks.common import print_table, write_json
from bot.db import Database
from bot.migrate import upgrade_database
from bot.services import partnerships
from tests.fakebot import FakeBotApi
from tests.fakebot import updates as tg
from tests.inbox_wait import until_handled
from tests.test_nginx import COORD, MEMBER, Cluster, Telegram, free_port, nginx_binary

LATENCY = 0.020


def group(i: int) -> dict[str, Any]:
    """The i-th benchmark group."""
    return tg.supergroup(-100_300_000_000 - i, f"Grupa {i}")


async def fresh(url: str, groups: int) -> None:
    """Empty tables, migrated, with the groups' partnerships."""
    await upgrade_database(url)
    db = Database(url)
    try:
        tables = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
        async with db.engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        async with db.transaction() as session:
            for i in range(groups):
                await partnerships.register(
                    session,
                    chat_id=group(i)["id"],
                    name=f"Partnerstwo {i}",
                    coordinator_user_id=COORD["id"],
                    coordinator_name="Anna",
                    timezone="Europe/Warsaw",
                )
    finally:
        await db.dispose()


def workload(telegram: Telegram, groups: int, per_group: int) -> list[list[dict[str, Any]]]:
    """Every group's updates, numbered in order."""
    chats = []
    for i in range(groups):
        chat = group(i)
        updates = [
            tg.message(chat, COORD, f"/log telefon kontakt {i}-{k}")
            if k % 10 == 9
            else tg.message(chat, MEMBER, f"wiadomość {i}-{k}")
            for k in range(per_group)
        ]
        chats.append(telegram.number(updates))
    return chats


async def counts(url: str) -> dict[str, Any]:
    """What the database holds after a run."""
    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            handled = (
                await connection.execute(
                    text("SELECT count(*) FROM inbound_update WHERE handled IS NOT NULL")
                )
            ).scalar_one()
            stored = (await connection.execute(text("SELECT count(*) FROM inbound_update"))).scalar_one()
            messages = (
                await connection.execute(text("SELECT count(*) FROM log_entry WHERE kind = 'message'"))
            ).scalar_one()
            contacts = (
                await connection.execute(
                    text("SELECT text, count(*) FROM log_entry WHERE kind = 'contact' GROUP BY text")
                )
            ).all()
    finally:
        await db.dispose()
    return {
        "stored": int(stored),
        "handled": int(handled),
        "messages": int(messages),
        "contacts": len(contacts),
        "contacts_twice": sum(1 for _t, n in contacts if n > 1),
    }


async def run(url: str, instances: int, groups: int, per_group: int, *, kill: bool) -> dict[str, Any]:
    """One run; returns its numbers."""
    await fresh(url, groups)
    children_before = cpu_seconds(resource.getrusage(resource.RUSAGE_CHILDREN))
    with FakeBotApi() as fake, tempfile.TemporaryDirectory() as tmp:
        fake.set_latency(LATENCY)
        fake.enable_flood_control(per_second=30, group_per_minute=20)
        ports = [free_port() for _ in range(instances)]
        cluster = Cluster(fake, url, Path(tmp), ports, scheduler_interval=30)
        telegram = Telegram(cluster.url)
        chats = workload(telegram, groups, per_group)
        total = sum(len(c) for c in chats)
        answers = groups * (per_group // 10)
        try:
            await cluster.start()
            await asyncio.sleep(1)  # let both finish their start-up calls
            started = time.monotonic()
            own_before = resource.getrusage(resource.RUSAGE_SELF)
            machine_before = machine_busy_seconds()
            sending = asyncio.create_task(telegram.stream(chats))
            killed_at = None
            if kill:
                await fake.await_for(
                    "sendMessage", lambda c: "kontakt" in (c.text or ""), count=answers // 3, timeout=300
                )
                cluster.instances[0].send_signal(signal.SIGKILL)
                killed_at = time.monotonic() - started
            await asyncio.wait_for(sending, timeout=900)
            posted = time.monotonic() - started
            # A 200 means stored: the run ends when the last update is handled.
            watcher = Database(url)
            try:
                await until_handled(watcher, at_least=total, within=900)
            finally:
                await watcher.dispose()
            elapsed = time.monotonic() - started
            machine = machine_busy_seconds() - machine_before
            own = cpu_seconds(resource.getrusage(resource.RUSAGE_SELF)) - cpu_seconds(own_before)
        finally:
            await cluster.stop()
        confirmed = Counter(
            m for c in fake.calls("sendMessage") if c.ok for m in re.findall(r"kontakt \d+-\d+", c.text or "")
        )
        result = {
            "instances": instances,
            "updates": total,
            "seconds": round(elapsed, 2),
            "all_posted_s": round(posted, 2),
            "updates_per_s": round(total / elapsed, 1),
            "killed_at_s": None if killed_at is None else round(killed_at, 2),
            "sender_errors": dict(telegram.errors),
            "http_429": fake.flood_rejections,
            "confirmations": sum(confirmed.values()),
            "contacts_confirmed": len(confirmed),  # at least once: nothing lost if == expected
            "confirmed_twice": sum(1 for n in confirmed.values() if n > 1),
            "expected_contacts": answers,
            "load_1min": round(os.getloadavg()[0], 2),
            # CPU seconds of the benchmark process (sender and fake) during the stream, and of
            # the instances and nginx over their whole life (start-up included).
            "cpu_sender_and_fake_s": round(own, 1),
            # Every process of the machine during the stream (PostgreSQL included): on a quiet
            # machine, how many of its cores this run kept busy.
            "cpu_machine_s": round(machine, 1),
            "cores_busy": round(machine / elapsed, 2),
            "cpu_instances_and_nginx_s": round(
                cpu_seconds(resource.getrusage(resource.RUSAGE_CHILDREN)) - children_before, 1
            ),
        }
    result.update(await counts(url))
    return result


async def main() -> None:
    """Parse arguments, run the parts, print and save the numbers."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--per-group", type=int, default=30)
    parser.add_argument("--part", choices=["throughput", "kill", "all"], default="all")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("--database-url (or BENCH_DATABASE_URL) must name a scratch PostgreSQL database")
    nginx_binary_or_exit()
    results: dict[str, Any] = {}
    if args.part in ("throughput", "all"):
        one = await run(args.database_url, 1, args.groups, args.per_group, kill=False)
        two = await run(args.database_url, 2, args.groups, args.per_group, kill=False)
        results["throughput"] = [one, two]
        results["speedup"] = round(two["updates_per_s"] / one["updates_per_s"], 2)
        print_table(
            [
                "instances",
                "updates",
                "seconds",
                "posted by",
                "updates/s",
                "429s",
                "handled",
                "load",
                "cpu bench",
                "cpu inst",
                "cores busy",
            ],
            [
                [
                    r["instances"],
                    r["updates"],
                    r["seconds"],
                    r["all_posted_s"],
                    r["updates_per_s"],
                    r["http_429"],
                    r["handled"],
                    r["load_1min"],
                    r["cpu_sender_and_fake_s"],
                    r["cpu_instances_and_nginx_s"],
                    r["cores_busy"],
                ]
                for r in (one, two)
            ],
        )
        print(f"two instances / one: {results['speedup']}x")
    if args.part in ("kill", "all"):
        killed = await run(args.database_url, 2, args.groups, args.per_group, kill=True)
        results["kill"] = killed
        print_table(["measure", "value"], [[k, v] for k, v in killed.items()])
    print(f"written to {write_json('bench_instances', results)}")


def machine_busy_seconds() -> float:
    """CPU seconds every core of the machine spent busy so far (Linux /proc/stat)."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(usage: resource.struct_rusage) -> float:
    """User and system CPU time."""
    return usage.ru_utime + usage.ru_stime


def nginx_binary_or_exit() -> None:
    """nginx must be installed (apt-get install nginx)."""
    try:
        nginx_binary()
    except BaseException as exc:  # pytest.skip / pytest.fail outside pytest
        raise SystemExit(f"nginx is needed: {exc}") from None


if __name__ == "__main__":
    asyncio.run(main())
