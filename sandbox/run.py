"""`partnerbot sandbox`: the local Bot API server, the real bot and the page, in one process.

The bot is `bot.app` exactly as in production, built from its normal settings: the API base URL
points at the local server, the token is a dummy one, and the database is a SQLite file of the
sandbox's own (made afresh at every start). Nothing here opens a connection to the internet.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import signal
import socket
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from telegram.ext import Application

from bot import clock
from bot.app import build_application, start_application, stop_application
from bot.config import load_settings
from bot.i18n import check_catalogs
from bot.models import CheckinRound, Delivery, DeliveryStatus, Schedule
from bot.polling import ConfirmingPoller
from bot.runtime import services_of
from bot.startup import migrate_or_explain
from sandbox.server import DEFAULT_TOKEN
from sandbox.web import Page
from sandbox.world import LocalTelegram, World

log = logging.getLogger(__name__)
# Written into the SQLite header of the sandbox's database, so that a start afresh never deletes
# a database that is not the sandbox's own ("PBSB").
SANDBOX_APPLICATION_ID = 0x50425342


@dataclass
class Options:
    """What `partnerbot sandbox` was asked for."""

    host: str = "127.0.0.1"
    port: int = 8080
    demo: bool = False
    lang: str = "pl"
    allow_remote: bool = False
    db: str = "sandbox.db"


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine only (127.0.0.0/8, ::1 or localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_sandbox_db(path: Path) -> bool:
    """Whether a SQLite file was made by a sandbox (its header's application id says so)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            return int(conn.execute("PRAGMA application_id").fetchone()[0]) == SANDBOX_APPLICATION_ID
    except sqlite3.Error:
        return False


def fresh_db(path: Path) -> None:
    """Delete the previous sandbox's database (never another one) and mark a new, empty one."""
    if path.exists() and not is_sandbox_db(path):
        raise RuntimeError(f"{path} is not a sandbox's database; not deleting it")
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA application_id = {SANDBOX_APPLICATION_ID}")


def refusal(options: Options) -> str | None:
    """Why the sandbox must not start with these options, or None."""
    db = Path(options.db)
    if db.exists() and not is_sandbox_db(db):
        return f"{db} exists and is not a sandbox's database (the sandbox starts afresh); choose another --db"
    if not is_loopback(options.host) and not options.allow_remote:
        return (
            f"refusing to serve the sandbox on {options.host}: anyone who reaches it can act as "
            "every person in it. Use 127.0.0.1, or add --allow-remote if you mean it."
        )
    if options.lang not in ("pl", "en"):
        return "--lang must be pl or en"
    return None


class ShiftedClock:
    """The real clock moved forward by the page's clock control."""

    def __init__(self, start: datetime | None = None) -> None:
        self.offset = timedelta(0) if start is None else start - datetime.now(UTC)

    def now(self) -> datetime:
        """Real time plus the offset."""
        return datetime.now(UTC) + self.offset

    def jump_to(self, moment: datetime) -> None:
        """Make `moment` now (the clock never goes back)."""
        self.offset += max(timedelta(0), moment - self.now())


def default_people(world: World, lang: str) -> None:
    """The cast of a sandbox: a coordinator, three partners' representatives, a supervisor, a stranger."""
    other = "en" if lang == "pl" else "pl"
    world.add_person("Anna", lang, last_name="Nowak", role="coordinator", status="creator")
    world.add_person("Jan", "pl", last_name="Kowalski", role="representative")
    world.add_person("Maria", "pl", last_name="Wiśniewska", role="representative")
    world.add_person("Emma", "en", last_name="Clark", role="representative")
    world.add_person("Tomasz", other, last_name="Zieliński", role="supervisor", in_group=False)
    world.add_person("Olek", lang, last_name="Obcy", role="stranger", in_group=False)


class Sandbox:
    """One running sandbox."""

    def __init__(self, options: Options, *, start: datetime | None = None) -> None:
        self.options = options
        self.clock = ShiftedClock(start)
        self.previous_clock: clock.Clock | None = None
        self.telegram = LocalTelegram(DEFAULT_TOKEN, bot_username="partnerbot_sandbox_bot")
        self.world = World(self.telegram, group_title="Partnerstwo Czarne" if options.demo else "Partnerstwo")
        self.page = Page(self.world, self._actions(), {"lang": options.lang, "demo": options.demo})
        self.app: Application | None = None  # type: ignore[type-arg]
        self.stop_event = asyncio.Event()
        self.poller_task: asyncio.Task[None] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.url = ""

    def _actions(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        """What the page can do, each from a small JSON body."""
        w = self.world
        return {
            "say": lambda b: w.say(int(b["person"]), int(b["chat"]), str(b["text"]), b.get("reply_to")),
            "press": lambda b: w.press(int(b["person"]), int(b["chat"]), int(b["message"]), str(b["data"])),
            "bot": lambda b: w.bot_membership(
                int(b["person"]), _status(b["status"], ("member", "left", "administrator"))
            ),
            "member": lambda b: w.set_status(
                int(b["person"]), int(b["user"]), _status(b["status"], ("member", "administrator"))
            ),
            "person": lambda b: w.add_person(str(b["name"]), str(b.get("lang", "en"))).id,
            "clock": lambda b: self._in_loop(self.jump_to_next),
        }

    def _in_loop(self, make: Callable[[], Awaitable[Any]]) -> Any:
        """Run a coroutine on the bot's event loop from the page's thread and wait for it."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(make(), self.loop).result(timeout=30)  # type: ignore[arg-type]

    async def start(self) -> str:
        """Start the local Telegram, the bot and the page; returns the page's address."""
        self.loop = asyncio.get_running_loop()
        self.previous_clock = clock.install(self.clock)
        db_path = Path(self.options.db)
        fresh_db(db_path)
        self.telegram.start()
        settings = load_settings(
            telegram_bot_token=self.telegram.token,
            telegram_api_base_url=self.telegram.base_url,
            database_url=f"sqlite+aiosqlite:///{db_path}",
            default_locale=self.options.lang,
            polling_timeout=10,
            scheduler_interval=15,
        )
        self.page.settings["timezone"] = settings.timezone
        check_catalogs()
        await migrate_or_explain(settings.database_url)
        self.app = build_application(settings, rate_limit=False)
        await start_application(self.app)
        poller = ConfirmingPoller(self.app, services_of(self.app.bot_data).db, timeout=10, backoff=0.2)
        self.poller_task = asyncio.create_task(poller.run(self.stop_event), name="sandbox-poller")
        default_people(self.world, self.options.lang)
        self.url = self.page.start(self.options.host, self.options.port)
        return self.url

    async def stop(self) -> None:
        """Stop the page, the bot and the local Telegram; put the previous clock back."""
        self.page.stop()
        self.stop_event.set()
        if self.poller_task is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self.poller_task, timeout=15)
        if self.app is not None:
            await stop_application(self.app)
        self.telegram.stop()
        clock.install(self.previous_clock or clock.SystemClock())

    async def next_occurrence(self) -> datetime | None:
        """When the scheduler has something to do next: a schedule, a delivery or a round closing."""
        assert self.app is not None
        now = clock.now()
        queries = (
            select(func.min(Schedule.next_run_at)).where(col(Schedule.is_paused).is_(False)),
            select(func.min(Delivery.due_at)).where(Delivery.status == DeliveryStatus.PENDING),
            select(func.min(CheckinRound.closes_at)).where(col(CheckinRound.closed_at).is_(None)),
        )
        found: list[datetime] = []
        async with services_of(self.app.bot_data).db.transaction() as session:
            for query in queries:
                moment = (await session.exec(query)).first()
                if isinstance(moment, datetime):
                    found.append(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
        later = [m for m in found if m > now]
        return min(later) if later else (min(found) if found else None)

    async def jump_to_next(self) -> dict[str, Any]:
        """Move the clock to the next scheduled occurrence and wake the scheduler."""
        assert self.app is not None
        moment = await self.next_occurrence()
        if moment is not None:
            self.clock.jump_to(moment + timedelta(seconds=1))
            services_of(self.app.bot_data).wake_scheduler()
        now = clock.now()
        self.world.emit("clock", now=now.timestamp(), jumped=moment is not None)
        return {"now": now.isoformat(), "jumped": moment is not None}

    async def serve(self) -> None:
        """Run until SIGINT/SIGTERM."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stop_event.set)
        await self.stop_event.wait()


def _status(value: Any, allowed: tuple[str, ...]) -> str:
    """A membership status the page may ask for."""
    if value not in allowed:
        raise ValueError(f"status must be one of {allowed}")
    return str(value)


def port_free(host: str, port: int) -> bool:
    """Whether the page's port can be bound."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


async def main(options: Options) -> int:
    """Start everything, say where the page is, seed the demo, serve until stopped."""
    started = time.monotonic()
    sandbox = Sandbox(options)
    try:
        url = await sandbox.start()
        if options.demo:
            from sandbox.demo import seed

            await seed(sandbox)
        print(
            f"partnerbot sandbox: open {url} (started in {time.monotonic() - started:.1f}s; Ctrl+C stops it)",
            flush=True,
        )
        await sandbox.serve()
    finally:
        await sandbox.stop()
    return 0
