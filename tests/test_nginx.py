"""Two `partnerbot run --webhook` instances behind a real nginx, on PostgreSQL, one killed.

The test plays Telegram: like the Bot API server, it posts a chat's next update only after
the previous one was answered 2xx (and posts it again after an error), with many chats at
once. nginx (deploy/nginx/partnerbot-proxy.conf, used as shipped) spreads the posts over both
instances round robin, so one chat's updates alternate between them. The fake Bot API
enforces 30 messages/s and 20 a minute per group and adds 20 ms to every call.

Checked: every update handled once (each message logged once, each /log recorded once and
confirmed: at least once, and twice at most for one /log per chat, the answer Telegram took
just before the kill and the killed instance had not yet recorded), each chat in update
order (its log rows and, from the fake's request log, its confirmations), every scheduled
check-in sent once, zero 429 answers; then one instance is killed with SIGKILL in the middle
of a second stream and the same holds.

Run on its own:  python -m tests.test_nginx --instance ...  starts one instance on a clock
that starts at --now (the scheduler must not depend on the real date or time of day).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col, select
from sqlmodel import update as sql_update

from bot.clock import ManualClock
from bot.db import Database
from bot.models import EntryKind, LogEntry, Schedule
from bot.services import partnerships, scheduling
from bot.timing import Recurrence, RecurrenceSpec, SendingRules
from bot.webhook import SECRET_HEADER
from tests.conftest import PG_SKIP_REASON, PG_URL
from tests.fakebot import FakeBotApi
from tests.fakebot import updates as tg
from tests.inbox_wait import until_handled

ROOT = Path(__file__).resolve().parent.parent
PROXY_SNIPPET = ROOT / "deploy" / "nginx" / "partnerbot-proxy.conf"
SHIPPED_CONFIG = ROOT / "deploy" / "nginx" / "partnerbot.conf"
SECRET = "nginx-test_secret"
COORD = tg.user(7101, "Anna", language_code="pl")
MEMBER = tg.user(7102, "Jan", language_code="pl")
# An ordinary working moment for the instances' clock: a Wednesday morning in Warsaw.
MOMENT = datetime.fromisoformat("2026-11-18T10:00:00+01:00")
GROUPS = 12
PER_GROUP = 10  # updates per group and stream; /log at 2, 5 and 8 (three replies: the burst)
PRIVATE = 30
SCHEDULED = 20


def nginx_binary() -> str:
    """The nginx to run: required in CI, otherwise the test is skipped without it."""
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if found:
        return found
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("nginx is not installed; CI must install it (.ci/run: apt-get install -y nginx)")
    pytest.skip("nginx is not installed (apt-get install nginx); CI runs this test")


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nginx_config(directory: Path, listen: int, instances: list[int]) -> Path:
    """A complete nginx.conf in `directory`: the shipped upstream and proxy snippet, own paths."""
    shipped = SHIPPED_CONFIG.read_text()
    upstream = re.search(r"upstream partnerbot \{.*?\n\}", shipped, re.S)
    assert upstream is not None, "deploy/nginx/partnerbot.conf has no upstream block"
    servers = "".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;\n" for port in instances)
    block = re.sub(r"(    server 127\.0\.0\.1:\d+[^\n]*\n)+", servers, upstream.group(0))
    temp = "".join(
        f"    {kind}_temp_path {directory / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = directory / "nginx.conf"
    config.write_text(
        f"worker_processes 1;\npid {directory / 'nginx.pid'};\nerror_log {directory / 'error.log'} warn;\n"
        "daemon off;\nevents {\n    worker_connections 512;\n}\nhttp {\n"
        f"    access_log {directory / 'access.log'};\n{temp}{block}\n"
        f"    server {{\n        listen 127.0.0.1:{listen};\n"
        f"        location = /telegram {{\n            include {PROXY_SNIPPET};\n        }}\n"
        "        location / {\n            return 404;\n        }\n    }\n}\n"
    )
    return config


@dataclass
class Cluster:
    """nginx and the instances behind it."""

    fake: FakeBotApi
    db_url: str
    directory: Path
    ports: list[int]
    scheduler_interval: int = 1
    listen: int = field(default_factory=free_port)
    instances: list[asyncio.subprocess.Process] = field(default_factory=list)
    nginx: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        """Where Telegram (the test) posts."""
        return f"http://127.0.0.1:{self.listen}/telegram"

    async def start_instance(self, index: int) -> asyncio.subprocess.Process:
        """`partnerbot run --webhook` on its own port, on the instances' clock."""
        env = {
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("TELEGRAM_", "DATABASE_", "WEBHOOK_"))
            },
            "TELEGRAM_BOT_TOKEN": self.fake.token,
            "TELEGRAM_API_BASE_URL": self.fake.base_url,
            "DATABASE_URL": self.db_url,
            "WEBHOOK_URL": self.url,
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": str(self.ports[index]),
            "WEBHOOK_SECRET": SECRET,
            "SCHEDULER_INTERVAL": str(self.scheduler_interval),
            "PYTHONPATH": str(ROOT),
        }
        log = (self.directory / f"instance-{index}.log").open("ab")
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.test_nginx",
            "--instance",
            "--now",
            MOMENT.isoformat(),
            env=env,
            cwd=self.directory,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log,
        )

    async def start(self) -> None:
        """Both instances, then nginx; returns once everything accepts connections."""
        self.instances = [await self.start_instance(i) for i in range(len(self.ports))]
        for port in self.ports:
            await wait_listening(port, 90)
        config = nginx_config(self.directory, self.listen, self.ports)
        self.nginx = await asyncio.create_subprocess_exec(
            nginx_binary(),
            "-p",
            str(self.directory),
            "-e",
            str(self.directory / "error.log"),
            "-c",
            str(config),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await wait_listening(self.listen, 20)

    def log_text(self) -> str:
        """What the instances and nginx wrote (for failure messages)."""
        parts = [p.read_text(errors="replace")[-3000:] for p in sorted(self.directory.glob("*.log"))]
        return "\n".join(parts)

    async def stop(self) -> None:
        """SIGTERM everything still running and wait for it."""
        for process in [*self.instances, *([self.nginx] if self.nginx else [])]:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.instances, *([self.nginx] if self.nginx else [])]:
            try:
                await asyncio.wait_for(process.wait(), timeout=30)
            except TimeoutError:
                process.kill()
                await process.wait()


async def wait_listening(port: int, within: float) -> None:
    """Until something accepts connections on the port."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if loop.time() > deadline:
                raise TimeoutError(f"nothing listens on port {port} after {within} s") from None
            await asyncio.sleep(0.1)
            continue
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return


class Telegram:
    """Posts updates like the Bot API server: a chat's next only after the previous got 2xx."""

    def __init__(self, url: str, connections: int = 40) -> None:
        self.url = url
        self.slots = asyncio.Semaphore(connections)
        self.errors: Counter[int] = Counter()
        self.next_id = 1

    def number(self, updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Give updates their ids in order."""
        numbered = []
        for body in updates:
            numbered.append({"update_id": self.next_id, **body})
            self.next_id += 1
        return numbered

    async def post(self, client: httpx.AsyncClient, update: dict[str, Any]) -> None:
        """Post one update until it is answered 2xx."""
        while True:
            async with self.slots:
                try:
                    answer = await client.post(self.url, json=update, headers={SECRET_HEADER: SECRET})
                    if answer.is_success:
                        return
                    self.errors[answer.status_code] += 1
                except httpx.HTTPError:
                    self.errors[0] += 1
            await asyncio.sleep(0.2)

    async def stream(self, chats: list[list[dict[str, Any]]]) -> None:
        """Every chat's updates in order, chats side by side."""

        async def one_chat(client: httpx.AsyncClient, updates: list[dict[str, Any]]) -> None:
            for update in updates:
                await self.post(client, update)

        limits = httpx.Limits(max_connections=100, max_keepalive_connections=40)
        async with httpx.AsyncClient(timeout=70, limits=limits) as client:
            await asyncio.gather(*(one_chat(client, updates) for updates in chats))


def group_chat(i: int) -> dict[str, Any]:
    """The i-th group of the stream."""
    return tg.supergroup(-100_888_000_000 - i, f"Grupa {i}")


def group_updates(i: int, stream: int) -> tuple[list[dict[str, Any]], list[str]]:
    """One group's updates for a stream, and the texts it logs, in order."""
    chat = group_chat(i)
    updates, texts = [], []
    for k in range(PER_GROUP):
        if k in (2, 5, 8):
            text = f"/log telefon kontakt {stream}-{i}-{k}"
            updates.append(tg.message(chat, COORD, text))
        else:
            text = f"wiadomość {stream}-{i}-{k}"
            updates.append(tg.message(chat, MEMBER, text))
        texts.append(text)
    return updates, texts


def private_updates(stream: int) -> list[list[dict[str, Any]]]:
    """/help from many private chats (read-only: load on the shared send rate)."""
    people = [tg.user(8100 + stream * 100 + i, f"Osoba {i}", language_code="pl") for i in range(PRIVATE)]
    return [[tg.message(tg.private_chat(p), p, "/help")] for p in people]


async def prepare(database: Database) -> None:
    """The groups' partnerships, and partnerships whose check-in is due at the instances' start."""
    always = SendingRules(
        skip_weekends=False, skip_holidays=False, quiet_from=time(0, 0), quiet_until=time(0, 0)
    )
    async with database.transaction() as session:
        for i in range(GROUPS):
            await partnerships.register(
                session,
                chat_id=group_chat(i)["id"],
                name=f"Partnerstwo {i}",
                coordinator_user_id=COORD["id"],
                coordinator_name="Anna",
                timezone="Europe/Warsaw",
            )
        for i in range(SCHEDULED):
            registered = await partnerships.register(
                session,
                chat_id=-5100 - i,
                name=f"Zaplanowane {i}",
                coordinator_user_id=COORD["id"],
                coordinator_name="Anna",
                timezone="Europe/Warsaw",
            )
            await scheduling.add_schedule(
                session,
                partnership=registered.partnership,
                question=f"Pytanie {i}?",
                by_user_id=COORD["id"],
                now=MOMENT,
                spec=RecurrenceSpec(Recurrence.WEEKLY, at=time(9, 0)),
                rules=always,
            )
        await (await session.connection()).execute(
            sql_update(Schedule).values(next_run_at=MOMENT - timedelta(minutes=1))
        )


def confirmations(fake: FakeBotApi, chat_id: int) -> list[str]:
    """The contacts confirmed in a chat, in the order the fake received the replies."""
    found = []
    for call in fake.calls("sendMessage"):
        if call.chat_id == chat_id and call.ok:
            found += re.findall(r"kontakt \d+-\d+-\d+", call.text or "")
    return found


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_two_instances_behind_nginx_one_killed(
    database: Database, db_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    nginx_binary()
    clock.set(MOMENT)
    await prepare(database)
    expected: dict[int, list[str]] = defaultdict(list)
    with FakeBotApi() as fake:
        fake.set_latency(0.02)
        fake.enable_flood_control(per_second=30, group_per_minute=20)
        cluster = Cluster(fake, db_url, tmp_path, [free_port(), free_port()])
        telegram = Telegram(cluster.url, connections=20)  # PostgreSQL here is shared with other runs
        try:
            await cluster.start()
            # Stream 1: both instances up.
            chats = []
            for i in range(GROUPS):
                updates, texts = group_updates(i, 1)
                chats.append(telegram.number(updates))
                expected[group_chat(i)["id"]] += texts
            chats += [telegram.number(u) for u in private_updates(1)]
            await asyncio.wait_for(telegram.stream(chats), timeout=120)
            await until_handled(database, within=60)  # a 200 means stored: handling follows
            await fake.await_for(
                "sendMessage", lambda c: "Pytanie" in (c.text or ""), count=SCHEDULED, timeout=60
            )
            helps = Counter(
                c.chat_id for c in fake.calls("sendMessage") if c.ok and 8100 <= c.chat_id < 8100 + 100 * 3
            )
            assert helps == Counter({8200 + i: 1 for i in range(PRIVATE)})  # read-only: answered once, too
            # Stream 2: one instance is killed with SIGKILL once a few contacts are confirmed.
            chats = []
            for i in range(GROUPS):
                updates, texts = group_updates(i, 2)
                chats.append(telegram.number(updates))
                expected[group_chat(i)["id"]] += texts
            chats += [telegram.number(u) for u in private_updates(2)]
            before = sum(len(confirmations(fake, group_chat(i)["id"])) for i in range(GROUPS))
            sending = asyncio.create_task(telegram.stream(chats))
            await fake.await_for("sendMessage", lambda c: "kontakt 2-" in (c.text or ""), count=6, timeout=60)
            cluster.instances[0].send_signal(signal.SIGKILL)
            await asyncio.wait_for(sending, timeout=120)
            # What the killed instance stored and had not handled is picked up by the survivor.
            await until_handled(database, within=90)
            await asyncio.sleep(2)  # the survivor's scheduler ticks on: nothing is sent again
        except BaseException:
            print(cluster.log_text())
            raise
        finally:
            await cluster.stop()
        assert cluster.instances[1].returncode == 0, cluster.log_text()
        sends = sorted(c.at for c in fake.calls() if c.method.startswith("send") and c.ok)
        busiest = max(sum(1 for t in sends if start <= t < start + 1) for start in sends)
        assert fake.flood_rejections == 0, f"429 answers; at most {busiest} sends in one second"
        assert not [c for c in fake.calls() if c.status == 429]
        checkins = Counter(c.chat_id for c in fake.calls("sendMessage") if "Pytanie" in (c.text or ""))
        assert checkins == Counter({-5100 - i: 1 for i in range(SCHEDULED)})
        replies: dict[int, list[str]] = {
            group_chat(i)["id"]: confirmations(fake, group_chat(i)["id"]) for i in range(GROUPS)
        }
    async with database.transaction() as session:
        rows = list(await session.exec(select(LogEntry).order_by(col(LogEntry.id))))
    logged: dict[int, list[str]] = defaultdict(list)
    contacts: Counter[str] = Counter()
    for row in rows:
        if row.kind == EntryKind.MESSAGE:
            logged[row.chat_id or 0].append(row.text or "")
        elif row.kind == EntryKind.CONTACT:
            contacts[row.text or ""] += 1
    for i in range(GROUPS):
        chat_id = group_chat(i)["id"]
        assert logged[chat_id] == expected[chat_id]  # each message once, in update order
        confirmed = replies[chat_id]
        # Nothing lost: every /log answered (what the killed instance kept is sent by the other).
        assert set(confirmed) == {f"kontakt {stream}-{i}-{k}" for stream in (1, 2) for k in (2, 5, 8)}
        assert len(confirmed) - len(set(confirmed)) <= 1  # at most the one in flight at the kill
        assert confirmed == sorted(confirmed, key=lambda t: tuple(int(n) for n in t.split()[1].split("-")))
        for stream in (1, 2):
            for k in (2, 5, 8):
                assert contacts[f"kontakt {stream}-{i}-{k}"] == 1  # recorded exactly once
    # Stream 1 ran with both instances up: every contact confirmed there.
    assert before == GROUPS * 3
    print(f"errors seen by 'Telegram': {dict(telegram.errors)}")


def _run_instance() -> int:
    """One instance for the test, on a clock that starts at --now and runs with real time."""
    import argparse

    from bot import clock
    from bot.cli import main
    from tests.scheduler_worker import RunningClock

    parser = argparse.ArgumentParser()
    parser.add_argument("--instance", action="store_true")
    parser.add_argument("--now", required=True)
    args = parser.parse_args()
    clock.install(RunningClock(datetime.fromisoformat(args.now)))
    return main(["run", "--webhook"])


if __name__ == "__main__":
    sys.exit(_run_instance())
