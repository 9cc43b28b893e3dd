"""Several instances on one PostgreSQL: migrations applied once, under a lock; one chat's
webhook updates spread over two instances are handled in update order and once."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import col, select

from bot.app import build_application, start_application, stop_application
from bot.config import load_settings
from bot.db import Database
from bot.instances import reserve
from bot.models import EntryKind, InboundUpdate, LogEntry
from bot.pacing import SharedPace
from bot.runtime import services_of
from bot.services import partnerships
from bot.webhook import SECRET_HEADER, WebhookReceiver
from tests.conftest import PG_SKIP_REASON, PG_URL, _asyncpg
from tests.e2e_fixtures import COORDINATOR
from tests.fakebot import FakeBotApi
from tests.fakebot import updates as tg
from tests.inbox_wait import until_handled

ROOT = Path(__file__).resolve().parent.parent


async def _fresh_database(name: str) -> str:
    """An empty PostgreSQL database next to the test database."""
    base = _asyncpg(PG_URL)
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


@pytest.mark.postgres
async def test_two_instances_starting_together_migrate_once(tmp_path: Path) -> None:
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    url = await _fresh_database(_asyncpg(PG_URL).rsplit("/", 1)[1] + "_migrations")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))},
        "DATABASE_URL": url,
        "PYTHONPATH": str(ROOT),
    }
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "db",
            "upgrade",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(3)
    ]
    outcomes = await asyncio.gather(*(p.communicate() for p in processes))
    assert all(p.returncode == 0 for p in processes), [err for _out, err in outcomes]
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            versions = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    finally:
        await engine.dispose()
    assert len(versions) == 1


SECRET = "two-instances"


async def _instances(stack: AsyncExitStack, fake: FakeBotApi, db_url: str, count: int) -> list[str]:
    """`count` real applications, each behind its own webhook endpoint; their URLs."""
    settings = load_settings(
        telegram_bot_token=fake.token,
        telegram_api_base_url=fake.base_url,
        database_url=db_url,
        scheduler_interval=0,
    )
    urls = []
    for number in range(count):
        app = build_application(settings, rate_limit=False)
        await start_application(app)
        stack.push_async_callback(stop_application, app)
        receiver = WebhookReceiver(
            app, services_of(app.bot_data).db, secret=SECRET, path="/telegram", owner=f"instance-{number}"
        )
        port = receiver.listen("127.0.0.1", 0)
        stack.push_async_callback(receiver.close)
        urls.append(f"http://127.0.0.1:{port}/telegram")
    return urls


async def _stored(database: Database, update_id: int) -> None:
    """Until the update is in the inbox."""
    for _ in range(1000):
        async with database.transaction() as session:
            if await session.get(InboundUpdate, update_id) is not None:
                return
        await asyncio.sleep(0.01)
    raise AssertionError(f"update {update_id} was never stored")


@pytest.fixture
async def chat(database: Database) -> AsyncIterator[dict[str, Any]]:
    """A registered group."""
    group = tg.supergroup(-100_123_456_789, "Kolejność")
    async with database.transaction() as session:
        await partnerships.register(
            session,
            chat_id=group["id"],
            name="Partnerstwo Kolejność",
            coordinator_user_id=COORDINATOR["id"],
            coordinator_name="Anna",
            timezone="Europe/Warsaw",
        )
    yield group


@pytest.mark.parametrize(
    ("db_url", "count"),
    [
        ("sqlite", 1),  # SQLite serves one instance
        pytest.param("postgres", 1, marks=pytest.mark.postgres),
        pytest.param("postgres", 2, marks=pytest.mark.postgres),
    ],
    indirect=["db_url"],
)
async def test_one_chat_spread_over_instances_is_handled_in_order_and_once(
    fake: FakeBotApi, database: Database, db_url: str, chat: dict[str, Any], count: int
) -> None:
    # /setup asks Telegram about the caller first, and that answer takes a while: the chat's
    # next updates arrive, at the other instance too, while it is being handled; they must wait.
    fake.set_chat_member(chat["id"], COORDINATOR["id"], "administrator")
    fake.delay_next("getChatMember", 0.5)
    texts = ["/setup Partnerstwo Kolejność"] + [f"/log telefon kontakt-{k}" for k in range(1, 6)]
    bodies = [tg.message(chat, COORDINATOR, t) for t in texts]
    async with AsyncExitStack() as stack:
        urls = await _instances(stack, fake, db_url, count)
        client = await stack.enter_async_context(httpx.AsyncClient(timeout=30))
        posts = []
        for k, body in enumerate(bodies):
            update = {"update_id": 100 + k, **body}
            # Alternate instances, and post the next update before this one is answered (it is
            # stored first): the instance that did not claim the chat must wait its turn.
            posts.append(
                asyncio.create_task(
                    client.post(urls[k % count], json=update, headers={SECRET_HEADER: SECRET})
                )
            )
            await _stored(database, 100 + k)
            if k == 3:  # Telegram sends one again while it is in flight, to the other instance
                posts.append(
                    asyncio.create_task(
                        client.post(urls[(k + 1) % count], json=update, headers={SECRET_HEADER: SECRET})
                    )
                )
        answers = await asyncio.gather(*posts)
        await until_handled(database, at_least=len(bodies))  # the 200 meant stored; handling follows
    assert [a.status_code for a in answers] == [200] * len(posts)
    async with database.transaction() as session:
        rows = list(await session.exec(select(LogEntry).order_by(col(LogEntry.id))))
    assert [r.text for r in rows if r.kind == EntryKind.MESSAGE] == texts  # in update order, once
    contacts = [f"kontakt-{k}" for k in range(1, 6)]
    assert sorted(r.text or "" for r in rows if r.kind == EntryKind.CONTACT) == contacts
    answers_in_order = fake.sent_texts(chat["id"], plain=True)
    assert len(answers_in_order) == 6 and "kontakt" not in answers_in_order[0]  # /setup answered first, once
    confirmed = [m for t in answers_in_order for m in re.findall(r"kontakt-\d", t)]
    assert confirmed == contacts  # the fake's log: answered in update order, once each


async def test_send_slots_shared_by_two_instances_keep_the_limits(database: Database) -> None:
    engines = [create_async_engine(database.url), create_async_engine(database.url)]  # two instances
    pace = SharedPace()

    async def slot(n: int, key: str, shape: tuple[float, int]) -> tuple[float, float]:
        """Reserve a slot from instance n % 2, as SharedPacer does: (slot, now), database clock."""
        async with engines[n % 2].begin() as conn:
            return await reserve(conn, key=key, interval=shape[0], burst=shape[1])

    try:
        # One group's sends, asked all at once, alternating between the instances...
        group = [await slot(n, "chat:-100777", pace.group) for n in range(40)]
        # ...then the bot's slots of 100 sends whose chat slots have come (a fan-out).
        fan_out = [await slot(n, "bot", pace.overall) for n in range(100)]
    finally:
        for engine in engines:
            await engine.dispose()
    assert [start - now for start, now in group[:3]] == pytest.approx([0, 0, 0], abs=0.5)  # burst at once
    group_slots = [start for start, _now in group]
    assert max(sum(1 for t in group_slots if s <= t < s + 60) for s in group_slots) <= 19  # Telegram: 20
    assert fan_out[0][0] - fan_out[0][1] < 0.5  # the group waiting for its pace holds up nobody else
    bot_slots = sorted(start for start, _now in fan_out)
    assert len(set(bot_slots)) == len(bot_slots)
    assert max(sum(1 for t in bot_slots if s <= t < s + 1) for s in bot_slots) <= 25  # Telegram: 30
    assert bot_slots[-1] - bot_slots[0] >= 99 / 24 - 0.01  # shared: not 24 a second from each instance
