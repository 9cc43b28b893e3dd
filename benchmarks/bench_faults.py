"""Nothing done twice, measured: the fault experiments of issue 10, with counts.

Every experiment runs the bot against the fake Bot API (tests/fakebot) over real HTTP and counts
what went wrong rather than timing anything:

  crash    the real `partnerbot run`, kill -9 at random moments during a stream of group
           messages, edits, /log commands and button presses; restarted on the same database
  procs    two scheduler processes on PostgreSQL, one SIGKILLed mid fan-out of check-ins
  flood    a 429 with retry_after longer than the lease, two processes, no kill
  timeout  the fake answering after the read timeout: /status replies, check-ins, alerts
  5xx      500/502 answers to a share of the sends for a stretch: retry gaps, latency, losses
  outage   the database away for a while (PostgreSQL: a TCP proxy cut; SQLite: a lock held)

    .venv/bin/python -m benchmarks.bench_faults --quick
    .venv/bin/python -m benchmarks.bench_faults --database-url postgresql+asyncpg://u@h/scratch
    .venv/bin/python -m benchmarks.bench_faults --only crash --only outage --skip-sqlite --database-url ...

`--database-url` must name a scratch database: all its tables are dropped before each
experiment. procs and flood need PostgreSQL (several processes claiming with SKIP LOCKED).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from benchmarks.bench_logging import fresh_database
from benchmarks.common import percentile, print_table, redact_url, write_json
from bot.db import Database, utcnow
from bot.models import (
    CheckinAnswer,
    CheckinRound,
    Delivery,
    DeliveryKind,
    EntryKind,
    LogEntry,
    Partnership,
    Schedule,
)
from bot.services import partnerships, scheduling
from bot.timing import Recurrence, RecurrenceSpec
from scheduler.runner import IN_FLIGHT
from tests.fakebot import FakeBotApi
from tests.fakebot import updates as tg
from tests.scheduler_worker import ALWAYS

ROOT = Path(__file__).resolve().parent.parent
COORD = tg.user(7001, "Anna", language_code="pl")
LONE = tg.user(7101, "Ewa", language_code="pl")  # coordinates one partnership only
MEMBERS = [tg.user(7002 + i, name, language_code="pl") for i, name in enumerate(["Jan", "Ola", "Piotr"])]
CHOICES = ["done", "progress", "help"]
CONCURRENCY = IN_FLIGHT  # sends of one scheduler process in flight at once
Row = dict[str, Any]


# --------------------------------------------------------------------------- shared pieces


class FaultyFake(FakeBotApi):
    """The fake Bot API, answering a share of sendMessage calls with 500/502 while asked to."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.failure_rate = 0.0
        self.rng = random.Random(5)

    def _handle_call(
        self,
        token: str,
        method: str,
        raw: dict[str, str],
        typed: dict[str, Any],
        files: dict[str, bytes],
        filenames: dict[str, str],
    ) -> tuple[int, dict[str, Any]]:
        """Queue a 500 or 502 for this call now and then, then answer as the fake does."""
        if method.lower() == "sendmessage" and self.failure_rate and self.rng.random() < self.failure_rate:
            code = self.rng.choice([500, 502])
            description = "Internal Server Error" if code == 500 else "Bad Gateway"
            self.fail_next(method, error_code=code, description=description)
        return super()._handle_call(token, method, raw, typed, files, filenames)


def groups(count: int, base: int) -> list[dict[str, Any]]:
    """Supergroup chats for the experiment's partnerships."""
    return [tg.supergroup(base - i, f"Grupa {i}") for i in range(count)]


async def register(db: Database, chats: list[dict[str, Any]], coordinator: Row = COORD) -> list[int]:
    """One partnership per group, coordinated by Anna (or the given person); their ids."""
    ids: list[int] = []
    async with db.transaction() as session:
        for chat in chats:
            made = await partnerships.register(
                session,
                chat_id=chat["id"],
                name=f"Partnerstwo {chat['title']}",
                coordinator_user_id=coordinator["id"],
                coordinator_name=coordinator["first_name"],
                timezone="Europe/Warsaw",
            )
            ids.append(made.partnership.id or 0)
    return ids


def bot_env(fake: FakeBotApi, db_url: str, **extra: str) -> dict[str, str]:
    """The environment `partnerbot run` gets, as in tests/test_crash.py."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))},
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "DATABASE_URL": db_url,
        "POLLING_TIMEOUT": "1",
        "SCHEDULER_INTERVAL": "0",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


class BotProcess:
    """The real `python -m bot run`, its stderr lines kept with the moment they came."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[tuple[float, str]] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        """Collect stderr lines with their arrival time."""
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def kill(self) -> None:
        """kill -9."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.reader.join(timeout=5)

    async def stop(self) -> int:
        """SIGTERM, as an operator stops it; the exit status."""
        self.process.send_signal(signal.SIGTERM)
        for _ in range(600):
            if self.process.poll() is not None:
                break
            await asyncio.sleep(0.05)
        else:
            self.process.kill()
        self.reader.join(timeout=5)
        return self.process.wait()

    def tracebacks(self) -> int:
        """Traceback headers in its log."""
        return sum("Traceback (most recent call last)" in line for _at, line in self.lines)


def doubles(counts: Counter[Any]) -> int:
    """How many extra copies beyond one."""
    return sum(max(0, n - 1) for n in counts.values())


# --------------------------------------------------------------------------- crash


def crash_stream(
    chats: list[dict[str, Any]],
    rounds: dict[int, int],
    messages: int,
    edits: int,
    logs: int,
    presses: int,
    rng: random.Random,
) -> tuple[list[Row], dict[str, Any]]:
    """The updates in order, and what the database must hold afterwards."""
    originals: list[Row] = []
    updates: list[Row] = []
    texts: dict[str, str] = {}  # original text -> final text
    contacts: list[str] = []
    last_press: dict[int, str] = {}
    kinds = ["m"] * (messages - 20) + ["e"] * edits + ["l"] * logs + ["p"] * presses
    rng.shuffle(kinds)
    kinds = ["m"] * 20 + kinds  # an edit needs earlier messages
    edited: set[int] = set()
    for number, kind in enumerate(kinds, start=1):
        chat = chats[number % len(chats)]
        if kind == "m" or (kind == "e" and len(edited) >= len(originals)):
            text = f"wiadomość {number}"
            update = tg.message(chat, MEMBERS[number % len(MEMBERS)], text)
            originals.append(update)
            updates.append(update)
            texts[text] = text
        elif kind == "e":
            index = rng.choice(
                [i for i in range(max(0, len(originals) - 200), len(originals)) if i not in edited]
                or [len(originals) - 1]
            )
            edited.add(index)
            original = originals[index]
            first = original["message"]["text"]
            texts[first] = first + " (poprawione)"
            updates.append(tg.edited_message(original, texts[first]))
        elif kind == "l":
            what = f"kontakt {number}"
            contacts.append(what)
            updates.append(tg.message(chat, COORD, f"/log telefon {what}"))
        else:
            choice = CHOICES[number % len(CHOICES)]
            round_id = rounds[chat["id"]]
            question = tg.message(chat, tg.user(1, "Bot", language_code=None), "Jak idzie?")
            updates.append(tg.callback_query(COORD, question, f"ci:{round_id}:{choice}"))
            last_press[round_id] = choice
    expected = {"texts": texts, "contacts": contacts, "last_press": last_press}
    return updates, expected


async def open_rounds(db: Database, chats: list[dict[str, Any]], ids: list[int]) -> dict[int, int]:
    """An open check-in round in every group (what the presses answer); chat id -> round id."""
    now = utcnow()
    rounds: dict[int, int] = {}
    async with db.transaction() as session:
        for chat, pid in zip(chats, ids, strict=True):
            row = CheckinRound(
                partnership_id=pid,
                question="Jak idzie?",
                opened_at=now,
                closes_at=now + timedelta(days=2),
                chat_id=chat["id"],
                message_id=1,
            )
            session.add(row)
            await session.flush()
            rounds[chat["id"]] = row.id or 0
    return rounds


async def exp_crash(url: str, label: str, quick: bool, workdir: Path, rng: random.Random) -> dict[str, Any]:
    """kill -9 of `partnerbot run` at random moments during a stream; count what went wrong."""
    messages, edits, logs, presses, kills = (1000, 50, 10, 10, 3) if quick else (10_000, 500, 50, 40, 5)
    rate = 400.0  # updates pushed per second, while the bot runs or is down
    db = Database(url)
    chats = groups(10, -100_777_000_000)
    ids = await register(db, chats)
    rounds = await open_rounds(db, chats, ids)
    updates, expected = crash_stream(chats, rounds, messages, edits, logs, presses, rng)
    feed_seconds = len(updates) / rate
    moments = sorted(rng.uniform(1.5, feed_seconds) for _ in range(kills))
    for i in range(1, len(moments)):  # a restarted process needs a moment to get going
        moments[i] = max(moments[i], moments[i - 1] + 2.0)
    started = time.monotonic()
    killed_at: list[float] = []
    with FakeBotApi() as fake:
        env = bot_env(fake, url)
        process = BotProcess(env, workdir)

        async def feed() -> None:
            for start in range(0, len(updates), 40):
                fake.push_updates(updates[start : start + 40])
                await asyncio.sleep(40 / rate)

        feeder = asyncio.create_task(feed())
        for moment in moments:
            await asyncio.sleep(max(0.0, moment - (time.monotonic() - started)))
            process.kill()
            killed_at.append(round(time.monotonic() - started, 1))
            process = BotProcess(env, workdir)
        await feeder
        last_id = fake.push_update(tg.message(chats[0], MEMBERS[0], "koniec"))
        expected["texts"]["koniec"] = "koniec"
        await fake.await_confirmed(last_id, timeout=600)
        elapsed = time.monotonic() - started
        code = await process.stop()
        sent = [c for c in fake.calls("sendMessage") if c.ok]
        answers = Counter(
            c.params.get("callback_query_id") for c in fake.calls("answerCallbackQuery") if c.ok
        )
        violations = len(fake.violations)
    async with db.transaction() as session:
        entries = list(await session.exec(select(LogEntry)))
        given = list(await session.exec(select(CheckinAnswer)))
    await db.dispose()
    stored = Counter(
        e.text or "" for e in entries if e.kind == EntryKind.MESSAGE and not (e.text or "").startswith("/")
    )
    finals = expected["texts"]
    lost = sum(1 for first, final in finals.items() if stored[final] == 0 and stored[first] == 0)
    not_edited = sum(
        1 for first, final in finals.items() if first != final and stored[final] == 0 and stored[first] > 0
    )
    recorded = Counter(e.text or "" for e in entries if e.kind == EntryKind.CONTACT)
    confirmations = Counter(
        contact for c in sent for contact in expected["contacts"] if f"„{contact}”" in (c.text or "")
    )
    final_answer = {a.round_id: a.answer for a in given if a.user_id == COORD["id"]}
    return {
        "db": label,
        "updates": len(updates),
        "messages": len(finals),
        "edits": sum(1 for k, v in finals.items() if k != v),
        "logs": len(expected["contacts"]),
        "presses": presses,
        "kills": len(killed_at),
        "killed_at_s": killed_at,
        "seconds": round(elapsed, 1),
        "lost": lost,
        "stored_twice": doubles(stored),
        "edits_not_applied": not_edited,
        "contacts_twice": doubles(recorded),
        "contacts_lost": sum(1 for c in expected["contacts"] if recorded[c] == 0),
        "confirmations_twice": doubles(confirmations),
        "press_answers_twice": doubles(answers),
        "press_effect_wrong": sum(
            1 for r, choice in expected["last_press"].items() if final_answer.get(r) != choice
        ),
        "violations": violations,
        "exit_code": code,
    }


# --------------------------------------------------------------------------- procs / flood


async def due_checkins(db: Database, count: int, base: int) -> None:
    """`count` partnerships, each with a weekly check-in due a minute ago."""
    now = utcnow()
    chats = groups(count, base)
    async with db.transaction() as session:
        for chat in chats:
            p = (
                await partnerships.register(
                    session,
                    chat_id=chat["id"],
                    name=f"Partnerstwo {chat['title']}",
                    coordinator_user_id=COORD["id"],
                    coordinator_name="Anna",
                    timezone="Europe/Warsaw",
                )
            ).partnership
            await scheduling.add_schedule(
                session,
                partnership=p,
                question=f"Pytanie {chat['id']}?",
                by_user_id=COORD["id"],
                now=now,
                spec=RecurrenceSpec(Recurrence.WEEKLY, at=dtime(9, 0)),
                rules=ALWAYS,
            )
        await (await session.connection()).execute(
            update(Schedule).values(next_run_at=now - timedelta(minutes=1))
        )


async def start_worker(
    fake: FakeBotApi,
    url: str,
    name: str,
    ready: Path,
    *,
    lease: float,
    batch: int,
    read_timeout: float = 30.0,
) -> asyncio.subprocess.Process:
    """A scheduler process (tests/scheduler_worker.py) with the bot's retry layer."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.scheduler_worker",
        "--db", url, "--base-url", fake.base_url, "--token", fake.token,
        "--worker", name, "--mode", "run", "--batch", str(batch), "--lease", str(lease),
        "--now", utcnow().isoformat(), "--ready-dir", str(ready), "--peers", "2",
        "--pace", "retry", "--timeout", str(read_timeout),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def finish(process: asyncio.subprocess.Process) -> tuple[int, str, str]:
    """Wait for a worker (at most 15 minutes); its exit status, stdout and stderr."""
    out, err = await asyncio.wait_for(process.communicate(), timeout=900)
    return process.returncode or 0, out.decode(), err.decode()


async def scheduler_outcome(db: Database, fake: FakeBotApi, count: int) -> dict[str, Any]:
    """Check-ins sent per chat, rounds per schedule, deliveries not sent."""
    per_chat = Counter(c.params["chat_id"] for c in fake.calls("sendMessage") if c.ok)
    async with db.transaction() as session:
        rounds = Counter(r.schedule_id for r in await session.exec(select(CheckinRound)))
        rows = list(
            await session.exec(select(Delivery).where(col(Delivery.kind) == DeliveryKind.CHECKIN.value))
        )
    return {
        "checkins": count,
        "sent_twice": doubles(per_chat),
        "lost": count - len(per_chat),
        "two_rounds": sum(1 for n in rounds.values() if n > 1),
        "not_marked_sent": sum(1 for r in rows if r.status != "sent"),
    }


async def holding(db: Database, worker: str) -> int:
    """How many deliveries a worker holds claimed right now."""
    async with db.transaction() as session:
        rows = await session.exec(
            select(Delivery.id).where(col(Delivery.claimed_by) == worker, col(Delivery.status) == "claimed")
        )
        return len(list(rows))


async def exp_procs(
    url: str, label: str, quick: bool, workdir: Path, rng: random.Random, *, count: int = 0
) -> dict[str, Any]:
    """Two processes share the fan-out; one is SIGKILLed in the middle of it."""
    count, lease = (count or 300, 4.0) if quick else (count or 1000, 10.0)
    db = Database(url)
    await due_checkins(db, count, -200_000_000)
    ready = workdir / f"ready-procs-{time.monotonic_ns()}"
    ready.mkdir()
    with FakeBotApi() as fake:
        fake.set_latency(0.05)  # every answer takes a while: the killed process has sends in flight
        doomed = await start_worker(fake, url, "doomed", ready, lease=lease, batch=50)
        other = await start_worker(fake, url, "other", ready, lease=lease, batch=50)
        kill_after = rng.randint(count // 4, count // 2)
        started = time.monotonic()
        # Kill it at a moment it holds claims (is sending), once a share of the fan-out went out.
        while time.monotonic() - started < 300:
            if len(fake.calls("sendMessage")) >= kill_after and await holding(db, "doomed"):
                break
            await asyncio.sleep(0.02)
        held = await holding(db, "doomed")
        if doomed.returncode is not None:
            _code, out, err = await finish(doomed)
            raise RuntimeError(f"the doomed process ended by itself: {out[-300:]} {err[-600:]}")
        doomed.send_signal(signal.SIGKILL)
        before = len(fake.calls("sendMessage"))
        await doomed.wait()
        code, out, err = await finish(other)
        elapsed = time.monotonic() - started
        outcome = await scheduler_outcome(db, fake, count)
    await db.dispose()
    return {
        "db": label,
        **outcome,
        "lease_s": lease,
        "killed_after_sends": before,
        "claims_held_at_kill": held,
        "bound": CONCURRENCY,
        "seconds": round(elapsed, 1),
        "survivor": out.strip().splitlines()[-1] if out.strip() else err[-300:],
        "exit_code": code,
    }


async def exp_flood(
    url: str, label: str, quick: bool, workdir: Path, rng: random.Random, *, count: int = 0
) -> dict[str, Any]:
    """A 429 with retry_after 2.5 leases long for a quarter of the check-ins; nobody is killed."""
    count, lease = (count or 60, 2.0) if quick else (count or 200, 6.0)
    wait = int(lease * 2.5)
    db = Database(url)
    await due_checkins(db, count, -300_000_000)
    ready = workdir / f"ready-flood-{time.monotonic_ns()}"
    ready.mkdir()
    with FakeBotApi() as fake:
        fake.set_latency(0.02)
        fake.fail_next(
            "sendMessage", error_code=429, description=f"Too Many Requests: retry after {wait}",
            retry_after=wait, times=count // 4,
        )  # fmt: skip
        started = time.monotonic()
        workers = [
            await start_worker(fake, url, name, ready, lease=lease, batch=25) for name in ("one", "two")
        ]
        results = [await finish(w) for w in workers]
        elapsed = time.monotonic() - started
        refused = sum(1 for c in fake.calls("sendMessage") if c.status == 429)
        outcome = await scheduler_outcome(db, fake, count)
    await db.dispose()
    return {
        "db": label,
        **outcome,
        "lease_s": lease,
        "retry_after_s": wait,
        "refused_429": refused,
        "seconds": round(elapsed, 1),
        "workers": [out.strip().splitlines()[-1] if out.strip() else err[-300:] for _c, out, err in results],
        "exit_codes": [c for c, _o, _e in results],
    }


# --------------------------------------------------------------------------- in-process bot


@contextlib.asynccontextmanager
async def running_bot(fake: FakeBotApi, url: str, **settings: Any) -> AsyncIterator[Any]:
    """The application and its poller in this process (tests/harness.py), stopped afterwards."""
    from tests.harness import BotUnderTest

    bot = BotUnderTest(fake, url, **settings)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


async def exp_timeout(url: str, label: str, quick: bool, workdir: Path, rng: random.Random) -> dict[str, Any]:
    """The fake answers after the read timeout: which sends appear twice, per kind."""
    timeout, late, count = (1.0, 1.6, 5) if quick else (5.0, 8.0, 10)
    db = Database(url)
    chats = groups(count, -400_000_000)
    ids = await register(db, chats)
    with FakeBotApi() as fake:
        async with running_bot(fake, url, telegram_timeout=timeout) as bot:
            bot.dispatcher.rules = ALWAYS  # whatever day and hour it is
            fake.delay_next("sendMessage", late, times=count)
            pushed = fake.push_updates([tg.message(chat, MEMBERS[0], "/status") for chat in chats])
            await fake.await_confirmed(pushed[-1], timeout=late * 3 + 30)
            await asyncio.sleep(late + 1)  # the late answers arrive; see that nothing follows
            status = Counter(
                c.params["chat_id"] for c in fake.calls("sendMessage") if "Partnerstwo" in (c.text or "")
            )
            fake.clear_calls()
            async with db.transaction() as session:
                now = utcnow()
                rows = [
                    scheduling.delivery_row(
                        partnership_id=pid, kind=kind, due_at=now, key=f"t:{kind}:{pid}", payload=payload
                    )
                    for pid in ids
                    for kind, payload in (
                        (DeliveryKind.CHECKIN, {"question": f"Jak idzie {pid}?"}),
                        (DeliveryKind.ALERT, alert(pid)),
                    )
                ]  # fmt: skip
                await scheduling.enqueue(session, rows)
            fake.delay_next("sendMessage", late, times=2 * count)
            first = await bot.dispatcher.tick()
            await asyncio.sleep(late + 1)
            offset = timedelta(minutes=5)  # past the retry delay of a timed-out check-in
            bot.dispatcher.clock = lambda: utcnow() + offset
            second = await bot.dispatcher.tick()
            await asyncio.sleep(1)
            calls = [c for c in fake.calls("sendMessage") if c.ok]
            checkins = Counter(c.params["chat_id"] for c in calls if "Jak idzie" in (c.text or ""))
            alerts = Counter(c.text for c in calls if "Parafia" in (c.text or ""))
    async with db.transaction() as session:
        rounds = Counter(r.partnership_id for r in await session.exec(select(CheckinRound)))
    await db.dispose()
    return {
        "db": label,
        "timeout_s": timeout,
        "answer_after_s": late,
        "status_asked": count,
        "status_replies_twice": doubles(status),
        "status_replies_lost": count - len(status),
        "checkins": count,
        "checkins_twice": doubles(checkins),
        "checkins_lost": count - len(checkins),
        "checkin_rounds_twice": doubles(rounds),
        "alerts": count,
        "alerts_twice": doubles(Counter(alerts)),
        "alerts_lost": count - len(alerts),
        "first_tick": {"retried": first.retried, "uncertain": first.uncertain, "sent": first.sent},
        "second_tick": {"sent": second.sent, "retried": second.retried},
    }


def alert(pid: int) -> dict[str, object]:
    """A silent-partner alert to the coordinator (a kind that is not repeated after a timeout)."""
    return {"alert": "silent_partner", "partner": f"Parafia {pid}", "days": 21, "to": COORD["id"]}


async def exp_5xx(url: str, label: str, quick: bool, workdir: Path, rng: random.Random) -> dict[str, Any]:
    """20 % of sends answered 500/502 for a stretch, real pacing: retry gaps and latencies."""
    phase, count, every = (12.0, 6, 3.5) if quick else (40.0, 10, 3.5)  # 17 a minute: under a group's pace
    db = Database(url)
    chats = groups(count, -500_000_000)
    await register(db, chats)
    await register(db, [tg.supergroup(-500_999_999, "Sama")], coordinator=LONE)
    private = tg.private_chat(LONE)  # one partnership: a private /log needs no choice
    fake = FaultyFake()
    with fake:
        process = BotProcess(bot_env(fake, url), workdir)
        await fake.await_confirmed(fake.push_update(tg.message(chats[0], MEMBERS[0], "start")), timeout=60)
        pushed: dict[str, tuple[float, str]] = {}  # marker -> (push time, phase)
        plain: list[str] = []
        n = 0
        for stage, rate in (("calm", 0.0), ("burst", 0.2)):
            fake.failure_rate = rate
            end = time.monotonic() + phase
            while time.monotonic() < end:
                for chat in [*chats, private]:
                    n += 1
                    marker = f"m{n}"
                    pushed[marker] = (time.monotonic(), stage if chat is not private else stage + "/private")
                    batch = [tg.message(chat, LONE if chat is private else COORD, f"/log telefon {marker}")]
                    if chat is not private:
                        plain.append(f"zwykła {n}")
                        batch.append(tg.message(chat, MEMBERS[n % len(MEMBERS)], plain[-1]))
                    fake.push_updates(batch)
                await asyncio.sleep(every)
        fake.failure_rate = 0.0
        marker_id = fake.push_update(tg.message(chats[0], MEMBERS[0], "koniec"))
        await fake.await_confirmed(marker_id, timeout=120)
        await asyncio.sleep(2)
        code = await process.stop()
        calls = fake.calls("sendMessage")
    async with db.transaction() as session:
        entries = list(await session.exec(select(LogEntry)))
    await db.dispose()
    tries: dict[str, list[Any]] = {}
    for call in calls:
        for marker in _markers(call.text or "", pushed):
            tries.setdefault(marker, []).append(call)
    gaps: list[float] = []
    latency: dict[str, list[float]] = {}
    failed_first = 0
    delivered = Counter[str]()
    for marker, (at, stage) in pushed.items():
        got = tries.get(marker, [])
        delivered[marker] = sum(1 for c in got if c.ok)
        for a, b in itertools.pairwise(got):
            if not a.ok:
                gaps.append(b.at - a.at)
        ok = [c for c in got if c.ok]
        hit = bool(got) and not got[0].ok
        failed_first += hit
        if ok:
            latency.setdefault(stage + ("/retried" if hit else ""), []).append(ok[0].at - at)
    stored = Counter(e.text or "" for e in entries if e.kind == EntryKind.MESSAGE)
    return {
        "db": label,
        "replies": len(pushed),
        "failed_answers": sum(1 for c in calls if c.status >= 500),
        "replies_hit": failed_first,
        "retry_gap_ms": {"p50": _ms(percentile(gaps, 50)), "max": _ms(max(gaps, default=float("nan")))},
        "latency_ms": {k: _latency(v) for k, v in sorted(latency.items())},
        "replies_lost": sum(1 for m in pushed if delivered[m] == 0),
        "lost_tries": [[c.status for c in tries.get(m, [])] for m in pushed if delivered[m] == 0],
        "replies_twice": doubles(delivered),
        "messages_lost": sum(1 for t in plain if stored[t] == 0),
        "messages_twice": doubles(Counter({t: stored[t] for t in plain})),
        "exit_code": code,
    }  # fmt: skip


def _markers(text: str, pushed: dict[str, Any]) -> list[str]:
    """The contact markers a confirmation names."""
    found = []
    for word in text.replace("„", " ").replace("”", " ").split():
        if word in pushed:
            found.append(word)
    return found


def _latency(seconds: list[float]) -> dict[str, float]:
    """n, p50, p95 and max in milliseconds."""
    return {"n": len(seconds), "p50": _ms(percentile(seconds, 50)), "p95": _ms(percentile(seconds, 95)),
            "max": _ms(max(seconds))}  # fmt: skip


def _ms(seconds: float) -> float:
    """Seconds as whole milliseconds."""
    return round(seconds * 1000.0)


# --------------------------------------------------------------------------- outage


class TcpProxy:
    """A TCP proxy in front of PostgreSQL that can be cut (listener closed, connections dropped)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.listen_port = 0
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        """Accept connections (again, on the same port)."""
        self.server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.listen_port, reuse_address=True
        )
        self.listen_port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """The database is away: no new connections, the open ones dropped."""
        assert self.server is not None
        self.server.close()
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        except OSError:
            writer.transport.abort()
            return
        self.writers.update({writer, up_writer})

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.writers.difference_update({writer, up_writer})


async def exp_outage(
    url: str, label: str, quick: bool, workdir: Path, rng: random.Random, *, away: float = 0.0
) -> dict[str, Any]:
    """The database away for 30 s while updates come in: recovery time, warnings, losses."""
    from sqlalchemy.engine import make_url

    away = away or (8.0 if quick else 30.0)
    db = Database(url)
    chats = groups(3, -600_000_000)
    await register(db, chats)
    await db.dispose()
    proxy: TcpProxy | None = None
    lock: sqlite3.Connection | None = None
    bot_url = url
    if label == "postgresql":
        parsed = make_url(url)
        proxy = TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432)
        await proxy.open()
        bot_url = parsed.set(host="127.0.0.1", port=proxy.listen_port).render_as_string(hide_password=False)
    with FakeBotApi() as fake:
        process = BotProcess(bot_env(fake, bot_url, SCHEDULER_INTERVAL="1"), workdir)
        ready = fake.push_update(tg.message(chats[0], MEMBERS[0], "przed"))
        await fake.await_confirmed(ready, timeout=60)
        await asyncio.sleep(2)  # a few scheduler ticks with the database there
        cut_at = time.monotonic()
        if proxy is not None:
            await proxy.cut()
        else:
            lock = sqlite3.connect(make_url(url).database or "", isolation_level=None, timeout=30)
            lock.execute("BEGIN EXCLUSIVE")  # every write waits, then fails: "database is locked"
        texts: list[str] = []
        ids: list[int] = []
        while time.monotonic() - cut_at < away:
            n = len(texts)
            texts.append(f"w trakcie {n}")
            ids += fake.push_updates(
                [tg.message(chats[n % len(chats)], MEMBERS[n % len(MEMBERS)], texts[-1])]
            )
            await asyncio.sleep(1.0)
        contact_id = fake.push_update(tg.message(chats[0], COORD, "/log telefon po awarii"))
        confirmed_during = fake.confirmed_offset > ids[0]
        if proxy is not None:
            await proxy.open()
        elif lock is not None:
            lock.execute("ROLLBACK")
            lock.close()
        back = time.monotonic()
        first_handled = float("nan")
        while time.monotonic() - back < 120:
            if fake.confirmed_offset > ids[0]:
                first_handled = time.monotonic() - back
                break
            await asyncio.sleep(0.01)
        try:
            await fake.await_confirmed(contact_id, timeout=30)
        except AssertionError as exc:
            tail = "\n".join(line[:300] for _at, line in process.lines if "apscheduler" not in line)
            await process.stop()
            raise AssertionError(f"not recovered; the bot's log ends:\n{tail}") from exc
        all_handled = time.monotonic() - back
        await asyncio.sleep(1)
        code = await process.stop()
        reply = [t for t in fake.sent_texts(chats[0]["id"]) if "po awarii" in t]
    if proxy is not None:
        await proxy.cut()
    db = Database(url)
    async with db.transaction() as session:
        entries = list(await session.exec(select(LogEntry)))
        _ = list(await session.exec(select(Partnership)))
    await db.dispose()
    stored = Counter(e.text or "" for e in entries if e.kind == EntryKind.MESSAGE)
    during = [(at, line) for at, line in process.lines if cut_at <= at <= back]
    warnings = [line for _at, line in during if " WARNING " in line or " ERROR " in line]
    return {
        "db": label,
        "away_s": away,
        "how": "TCP proxy closed" if proxy is not None else "EXCLUSIVE lock held by another process",
        "confirmed_while_away": confirmed_during,
        "first_handled_after_return_s": round(first_handled, 2),
        "all_handled_after_return_s": round(all_handled, 2),
        "warning_lines_while_away": len(warnings),
        "warnings_per_minute": round(len(warnings) / (away / 60.0), 1),
        "tracebacks_while_away": sum("Traceback" in line for _at, line in during),
        "tracebacks_total": process.tracebacks(),
        "warning_texts": sorted({line.split(": ", 1)[-1][:120] for line in warnings}),
        "log_after_return": [
            line[:200] for at, line in process.lines if at > back and "apscheduler" not in line
        ][:12],
        "updates_lost": sum(1 for t in texts if stored[t] == 0),
        "updates_twice": doubles(Counter({t: stored[t] for t in texts})),
        "contact_replies": len(reply),
        "exit_code": code,
    }


# --------------------------------------------------------------------------- main

EXPERIMENTS: dict[str, Callable[..., Any]] = {
    "crash": exp_crash,
    "procs": exp_procs,
    "flood": exp_flood,
    "timeout": exp_timeout,
    "5xx": exp_5xx,
    "outage": exp_outage,
}
POSTGRES_ONLY = {"procs", "flood"}
COLUMNS = {
    "crash": "updates kills lost stored_twice edits_not_applied contacts_twice contacts_lost "
    "confirmations_twice press_answers_twice press_effect_wrong seconds",
    "procs": "checkins killed_after_sends claims_held_at_kill sent_twice bound lost two_rounds "
    "not_marked_sent seconds",
    "flood": "checkins lease_s retry_after_s refused_429 sent_twice lost two_rounds seconds",
    "timeout": "timeout_s answer_after_s status_replies_twice status_replies_lost checkins_twice "
    "checkins_lost checkin_rounds_twice alerts_twice alerts_lost",
    "5xx": "replies failed_answers replies_hit retry_gap_ms replies_lost replies_twice messages_lost "
    "messages_twice",
    "outage": "away_s first_handled_after_return_s all_handled_after_return_s warning_lines_while_away "
    "tracebacks_while_away updates_lost updates_twice contact_replies",
}


async def main() -> int:
    """Run the chosen experiments on the chosen databases and print one table per experiment."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only", action="append", choices=sorted(EXPERIMENTS), help="run only this experiment (repeatable)"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (about a tenth), for a first look")
    parser.add_argument("--database-url", help="a scratch PostgreSQL database (all tables dropped)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    chosen = args.only or list(EXPERIMENTS)
    targets: list[str | None] = ([] if args.skip_sqlite else [None]) + (
        [args.database_url] if args.database_url else []
    )
    results: dict[str, list[dict[str, Any]]] = {}
    failures = 0
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp:
        workdir = Path(tmp)
        for name in chosen:
            for target in targets:
                if target is None and name in POSTGRES_ONLY:
                    continue
                url, label = await fresh_database(
                    target, workdir, len(results.get(name, [])) + rng.randint(0, 10**6)
                )
                size = "quick" if args.quick else "full"
                print(
                    f"-- {name} on {label if target is None else redact_url(url)} ({size})",
                    file=sys.stderr,
                    flush=True,
                )
                try:
                    row = await EXPERIMENTS[name](url, label, args.quick, workdir, rng)
                except Exception as exc:  # one failed experiment must not hide the others' numbers
                    failures += 1
                    row = {"db": label, "error": f"{type(exc).__name__}: {exc}"}
                    print(f"   failed: {row['error']}", file=sys.stderr, flush=True)
                results.setdefault(name, []).append(row)
    for name, rows in results.items():
        print(f"\n{name}")
        headers = ["db", *COLUMNS[name].split()]
        print_table(headers, [[_flat(row.get(h, "-")) for h in headers] for row in rows])
    path = write_json(
        "faults" + ("-quick" if args.quick else ""),
        {"quick": args.quick, "results": results, "when": datetime.now(UTC).isoformat()},
    )
    print(f"\nall numbers: {path}")
    return 1 if failures else 0  # fmt: skip


def _flat(value: Any) -> Any:
    """A table cell from a nested value."""
    if isinstance(value, dict):
        return "/".join(str(v) for v in value.values())
    return value


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
