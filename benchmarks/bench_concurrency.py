"""Concurrency with order: throughput over 100 chats, head-of-line latency, a 2,500-group fan-out.

1. throughput: 20 ms added to every Bot API call by the fake; /help and /status alternating
   in 50 registered groups and 50 private chats, all pushed at once. partnerbot (the real
   Application and ConfirmingPoller, sends not paced: 100 chats answering every command is
   far beyond Telegram's 30 messages a second, so pacing would measure Telegram's limit, not the
   bot) against PTB's echo bot with concurrent_updates 1 and 8 (standard Updater). Per-chat
   order is proved from the fake's request log: in every chat the replies alternate exactly as
   the commands did.
2. head of line: production pacing. Group A has used its burst and its next reply waits for
   its pace; a /help pushed in group B meanwhile: time from the push to B's reply reaching the
   fake. Then a quiet group C: the bot is added and /setup sent; time to the /setup reply.
3. fan-out: the real `partnerbot run` process (production pacing, SCHEDULER_INTERVAL=5)
   against a fake enforcing 30 messages/s and 20 a minute per group; 2,500 partnerships with a
   check-in due now. Messages/s from the first check-in to the last, and the 429 count.

    .venv/bin/python -m benchmarks.bench_concurrency [--part throughput|hol|fanout] [--chats 100]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import signal
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from benchmarks.common import print_table, summary_ms, write_json
from bot.app import build_application, start_application, stop_application
from bot.config import load_settings
from bot.db import Database, utcnow
from bot.migrate import upgrade_database
from bot.models import DeliveryKind
from bot.polling import ConfirmingPoller
from bot.runtime import services_of
from bot.services import partnerships, scheduling
from tests.fakebot import FakeBotApi
from tests.fakebot import updates as tg
from tests.fakebot.server import Call

ROOT = Path(__file__).resolve().parent.parent
LATENCY = 0.020
COORD = tg.user(9001, "Anna", language_code="pl")


def group(i: int) -> dict[str, Any]:
    """The i-th benchmark group."""
    return tg.supergroup(-100_200_000_000 - i, f"Grupa {i}")


def in_chat(chat_id: int) -> Callable[[Call], bool]:
    """A predicate for calls to one chat."""
    return lambda call: bool(call.params.get("chat_id") == chat_id)


async def register_groups(db: Database, count: int) -> None:
    """Partnerships for the first `count` groups, coordinated by COORD."""
    async with db.transaction() as session:
        for i in range(count):
            await partnerships.register(
                session,
                chat_id=group(i)["id"],
                name=f"Partnerstwo {i}",
                coordinator_user_id=COORD["id"],
                coordinator_name="Anna",
                timezone="Europe/Warsaw",
            )


def command_stream(chats: int, per_chat: int) -> list[tuple[int, dict[str, Any]]]:
    """(chat id, update) for /help and /status alternating, chats interleaved."""
    half = chats // 2
    people = [tg.user(10_000 + i, f"Osoba {i}", language_code="pl") for i in range(half)]
    places = [group(i) for i in range(half)] + [tg.private_chat(p) for p in people]
    out: list[tuple[int, dict[str, Any]]] = []
    for round_ in range(per_chat):
        word = "/help" if round_ % 2 == 0 else "/status"
        for i, place in enumerate(places):
            sender = people[i % half]
            out.append((place["id"], tg.message(place, sender, word)))
    return out


def order_kept(fake: FakeBotApi, chat_ids: list[int], per_chat: int) -> tuple[int, int]:
    """(chats whose replies alternate like their commands, chats checked)."""
    replies: dict[int, list[str]] = defaultdict(list)
    for call in fake.calls("sendMessage"):
        if call.ok:
            replies[int(call.params["chat_id"])].append(str(call.params["text"]))
    good = 0
    for chat_id in set(chat_ids):
        texts = replies.get(chat_id, [])
        if len(texts) != per_chat:
            continue
        help_text = texts[0]
        kinds = ["help" if t == help_text else "status" for t in texts]
        if kinds == ["help" if i % 2 == 0 else "status" for i in range(per_chat)]:
            good += 1
    return good, len(set(chat_ids))


async def run_partnerbot(chats: int, per_chat: int, url: str) -> dict[str, Any]:
    """partnerbot over the command stream; updates/s until the last is confirmed."""
    stream = command_stream(chats, per_chat)
    with FakeBotApi() as fake:
        fake.set_latency(LATENCY)
        settings = load_settings(
            telegram_bot_token=fake.token,
            telegram_api_base_url=fake.base_url,
            database_url=url,
            polling_timeout=1,
            scheduler_interval=0,
        )
        app = build_application(settings, rate_limit=False)
        await start_application(app)
        stop = asyncio.Event()
        db = services_of(app.bot_data).db
        await register_groups(db, chats // 2)
        poller = ConfirmingPoller(app, db, timeout=1, backoff=0.05)
        task = asyncio.create_task(poller.run(stop))
        try:
            await asyncio.sleep(0.3)
            ids = fake.push_updates([u for _chat, u in stream])
            started, cpu_started = time.perf_counter(), time.process_time()
            await fake.await_confirmed(ids[-1], timeout=300)
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
        finally:
            stop.set()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=15)
            await stop_application(app)
        good, total = order_kept(fake, [c for c, _u in stream], per_chat)
        problems = list(fake.violations)
    return {
        "bot": "partnerbot",
        "updates": len(stream),
        "seconds": elapsed,
        "per_second": len(stream) / elapsed,
        # CPU of the whole process (the fake's threads too) per update: what one core allows.
        "cpu_ms_per_update": 1000 * cpu / len(stream),
        "chats_in_order": f"{good}/{total}",
        "problems": problems,
    }


async def _echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the same text."""
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


async def run_echo(chats: int, per_chat: int, concurrent: int) -> dict[str, Any]:
    """PTB's echo bot over the same stream; updates/s until every reply was sent."""
    stream = command_stream(chats, per_chat)
    with FakeBotApi() as fake:
        fake.set_latency(LATENCY)
        app: Application = (  # type: ignore[type-arg]
            ApplicationBuilder()
            .token(fake.token)
            .base_url(fake.base_url)
            .concurrent_updates(concurrent)
            .build()
        )
        app.add_handler(MessageHandler(filters.TEXT, _echo))
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=1, poll_interval=0)
        try:
            await asyncio.sleep(0.3)
            fake.push_updates([u for _chat, u in stream])
            started, cpu_started = time.perf_counter(), time.process_time()
            await fake.await_for("sendMessage", count=len(stream), timeout=600)
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
        good, total = order_kept(fake, [c for c, _u in stream], per_chat)
    return {
        "bot": f"PTB echo, concurrent_updates={concurrent}",
        "updates": len(stream),
        "seconds": elapsed,
        "per_second": len(stream) / elapsed,
        # CPU of the whole process (the fake's threads too) per update: what one core allows.
        "cpu_ms_per_update": 1000 * cpu / len(stream),
        "chats_in_order": f"{good}/{total}",
        "problems": [],
    }


async def head_of_line(url: str, repeats: int) -> dict[str, Any]:
    """Group B's /help while group A waits for its pace; /setup in a quiet group."""
    b_latency: list[float] = []
    setup_latency: list[float] = []
    with FakeBotApi() as fake:
        fake.set_latency(LATENCY)
        fake.enable_flood_control()
        settings = load_settings(
            telegram_bot_token=fake.token,
            telegram_api_base_url=fake.base_url,
            database_url=url,
            polling_timeout=1,
            scheduler_interval=0,
        )
        app = build_application(settings)  # production pacing
        await start_application(app)
        stop = asyncio.Event()
        db = services_of(app.bot_data).db
        await register_groups(db, 2 * repeats)
        poller = ConfirmingPoller(app, db, timeout=1, backoff=0.05)
        task = asyncio.create_task(poller.run(stop))
        try:
            await asyncio.sleep(0.3)
            for r in range(repeats):
                a, b = group(2 * r), group(2 * r + 1)
                member = tg.user(20_000 + r, "Ktoś", language_code="pl")
                fake.push_updates([tg.message(a, member, "/help") for _ in range(4)])
                await fake.await_for("sendMessage", in_chat(a["id"]), count=3)
                pushed = time.monotonic()
                fake.push_update(tg.message(b, member, "/help"))
                (reply,) = await fake.await_for("sendMessage", in_chat(b["id"]))
                b_latency.append(reply.at - pushed)
                waiting = len([c for c in fake.calls("sendMessage") if c.params["chat_id"] == a["id"]]) == 3
                assert waiting, "group A's fourth reply should still be waiting for its pace"
                quiet = tg.supergroup(-100_300_000_000 - r, f"Cicha {r}")
                admin = tg.user(30_000 + r, "Admin", language_code="pl")
                fake.set_chat_member(quiet["id"], admin["id"], "administrator")
                pushed = time.monotonic()
                fake.push_updates(
                    [
                        tg.my_chat_member(
                            quiet, admin, old_status="left", new_status="member", bot_user=fake.bot_user
                        ),
                        tg.message(quiet, admin, f"/setup Cicha {r}"),
                    ]
                )
                answers = await fake.await_for(
                    "sendMessage", in_chat(quiet["id"]), count=2, timeout=10
                )
                setup_latency.append(answers[-1].at - pushed)
        finally:
            stop.set()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=30)
            await stop_application(app)
        rejections = fake.flood_rejections
    return {
        "b_help_ms": summary_ms(b_latency),
        "quiet_setup_ms": summary_ms(setup_latency),
        "flood_rejections": rejections,
    }


async def fanout(url: str, groups: int, workdir: Path) -> dict[str, Any]:
    """The real process sends a check-in to each of `groups` partnerships."""
    await upgrade_database(url)
    db = Database(url)
    await register_groups(db, groups)
    now = utcnow()
    async with db.transaction() as session:
        rows = [
            scheduling.delivery_row(
                partnership_id=pid,
                kind=DeliveryKind.CHECKIN,
                due_at=now,
                key=f"bench:{pid}",
                payload={"question": "Jak idzie rekrutacja?"},
            )
            for pid in range(1, groups + 1)
        ]
        await scheduling.enqueue(session, rows)
    await db.dispose()
    with FakeBotApi() as fake:
        fake.enable_flood_control()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))},
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "DATABASE_URL": url,
            "POLLING_TIMEOUT": "5",
            "SCHEDULER_INTERVAL": "5",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=workdir, stderr=asyncio.subprocess.PIPE
        )
        try:
            checkins = await fake.await_for(
                "sendMessage",
                lambda c: "Jak idzie rekrutacja?" in str(c.params.get("text")),
                count=groups,
                timeout=400,
            )
        finally:
            process.send_signal(signal.SIGTERM)
            _out, err_bytes = await asyncio.wait_for(process.communicate(), timeout=60)
            err = err_bytes.decode("utf-8", "replace")
        times = sorted(c.at for c in checkins)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        rejections = fake.flood_rejections
    span = times[-1] - times[0]
    return {
        "checkins": len(checkins),
        "seconds_first_to_last": span,
        "per_second": (len(checkins) - 1) / span,
        "longest_gap_s": max(gaps),
        "flood_rejections": rejections,
        "stderr_tail": err[-500:],
    }


async def main_async(args: argparse.Namespace) -> int:
    """Run the asked-for parts and print their tables."""
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)

        async def fresh(name: str) -> str:
            if args.database_url:
                from benchmarks.bench_logging import fresh_database

                url, _label = await fresh_database(args.database_url, workdir, 0)
                return url
            url = f"sqlite+aiosqlite:///{workdir / name}.db"
            await upgrade_database(url)
            return url

        if args.part in ("all", "throughput"):
            rows = [await run_partnerbot(args.chats, args.per_chat, await fresh("throughput"))]
            for concurrent in (1, 8):
                rows.append(await run_echo(args.chats, args.per_chat, concurrent))
            results["throughput"] = rows
            print(
                f"\nthroughput: {args.chats} chats x {args.per_chat} commands,"
                f" {LATENCY * 1000:.0f} ms per call"
            )
            print_table(
                ["bot", "updates", "seconds", "updates/s", "CPU ms/update", "chats in order"],
                [
                    [
                        r["bot"],
                        r["updates"],
                        r["seconds"],
                        r["per_second"],
                        r["cpu_ms_per_update"],
                        r["chats_in_order"],
                    ]
                    for r in rows
                ],
            )
        if args.part in ("all", "hol"):
            hol = await head_of_line(await fresh("hol"), args.repeats)
            results["head_of_line"] = hol
            print("\nhead of line (production pacing, 20 ms per call, enforcing fake)")
            print_table(
                ["what", "n", "p50 ms", "p95 ms", "max ms"],
                [
                    [
                        "/help in B while A waits",
                        *(hol["b_help_ms"][k] for k in ("n", "p50_ms", "p95_ms", "max_ms")),
                    ],
                    [
                        "/setup in a quiet group",
                        *(hol["quiet_setup_ms"][k] for k in ("n", "p50_ms", "p95_ms", "max_ms")),
                    ],
                ],
            )
            print(f"429 answers: {hol['flood_rejections']}")
        if args.part in ("all", "fanout"):
            out = await fanout(await fresh("fanout"), args.groups, workdir)
            results["fanout"] = out
            print(f"\nfan-out by the real process: {out['checkins']} check-ins")
            print(
                f"{out['per_second']:.1f} msg/s first to last ({out['seconds_first_to_last']:.1f} s), "
                f"longest gap {out['longest_gap_s']:.2f} s, 429 answers: {out['flood_rejections']}"
            )
    write_json("concurrency", results)
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", choices=["all", "throughput", "hol", "fanout"], default="all")
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--per-chat", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--groups", type=int, default=2500)
    parser.add_argument("--database-url", default="", help="a scratch PostgreSQL database (wiped)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    return asyncio.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
