"""Webhook mode over real HTTP: the secret is checked, 200 means stored, handling follows once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlmodel import func, select
from telegram import Bot, Update

from bot.app import build_application, start_application, stop_application
from bot.config import load_settings
from bot.db import Database
from bot.models import EntryKind, HandledUpdate, InboundUpdate, LogEntry
from bot.polling import lane_of, lane_of_payload
from bot.runtime import services_of
from bot.webhook import SECRET_HEADER, WebhookReceiver
from tests.e2e_fixtures import COORDINATOR, GROUP_ID, MEMBER_PL
from tests.fakebot import FakeBotApi
from tests.fakebot import updates as tg
from tests.inbox_wait import until_handled

SECRET = "s3cret-token_for-tests"


@pytest.fixture
async def endpoint(fake: FakeBotApi, database: Database, db_url: str) -> AsyncIterator[str]:
    """The real application behind the webhook endpoint; yields its URL."""
    settings = load_settings(
        telegram_bot_token=fake.token,
        telegram_api_base_url=fake.base_url,
        database_url=db_url,
        scheduler_interval=0,
        webhook_url="https://bot.example.org/telegram",
        webhook_secret=SECRET,
    )
    app = build_application(settings, rate_limit=False)
    await start_application(app)
    receiver = WebhookReceiver(app, services_of(app.bot_data).db, secret=SECRET, path="/telegram")
    port = receiver.listen("127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{port}/telegram"
    finally:
        await receiver.close()
        await stop_application(app)


async def _count(database: Database, kind: EntryKind) -> int:
    async with database.transaction() as session:
        return int(
            (
                await session.exec(select(func.count()).select_from(LogEntry).where(LogEntry.kind == kind))
            ).one()
        )


def _update(update_id: int, body: dict[str, object]) -> bytes:
    return json.dumps({"update_id": update_id, **body}).encode()


async def test_a_wrong_secret_is_refused_and_nothing_is_stored(endpoint: str, database: Database) -> None:
    chat = tg.supergroup(GROUP_ID, "Czarne")
    async with httpx.AsyncClient() as client:
        for headers in ({}, {SECRET_HEADER: "wrong"}):
            answer = await client.post(
                endpoint, content=_update(10, tg.message(chat, MEMBER_PL, "hej")), headers=headers
            )
            assert answer.status_code == 403
    async with database.transaction() as session:
        assert (await session.exec(select(func.count()).select_from(HandledUpdate))).one() == 0
    assert await _count(database, EntryKind.MESSAGE) == 0


async def test_200_means_stored_then_handled_and_a_redelivery_changes_nothing(
    endpoint: str, database: Database, fake: FakeBotApi
) -> None:
    chat = tg.supergroup(GROUP_ID, "Czarne")
    fake.set_chat_member(GROUP_ID, COORDINATOR["id"], "administrator")
    headers = {SECRET_HEADER: SECRET}
    async with httpx.AsyncClient(timeout=10) as client:
        fake.delay_next("getChatMember", 1.0)  # /setup is slow: the 200 does not wait for it
        setup = await client.post(
            endpoint,
            content=_update(1, tg.message(chat, COORDINATOR, "/setup Partnerstwo Czarne")),
            headers=headers,
        )
        assert setup.status_code == 200
        async with database.transaction() as session:
            assert await session.get(InboundUpdate, 1) is not None  # stored before the 200
        assert not any("Partnerstwo Czarne" in t for t in fake.sent_texts(GROUP_ID))  # not handled yet
        await until_handled(database, at_least=1)
        assert any("Partnerstwo Czarne" in t for t in fake.sent_texts(GROUP_ID))
        log_update = _update(2, tg.message(chat, COORDINATOR, "/log telefon Rozmowa z sołtysem"))
        first = await client.post(endpoint, content=log_update, headers=headers)
        assert first.status_code == 200
        await until_handled(database, at_least=2)
        assert await _count(database, EntryKind.CONTACT) == 1
        answers = len(fake.sent_texts(GROUP_ID))
        # No 200 reached Telegram (a crash, a proxy timeout): it posts the same update again.
        again = await client.post(endpoint, content=log_update, headers=headers)
        assert again.status_code == 200
        await until_handled(database, at_least=2)
    assert await _count(database, EntryKind.CONTACT) == 1
    assert await _count(database, EntryKind.MESSAGE) == 1  # the /log message, once (/setup came before)
    assert len(fake.sent_texts(GROUP_ID)) == answers


def test_the_lane_read_from_the_json_is_the_lane_of_the_decoded_update() -> None:
    group = tg.supergroup(GROUP_ID, "Czarne")
    private = tg.private_chat(MEMBER_PL)
    in_group = tg.message(group, MEMBER_PL, "hej")
    bot = Bot("123:abc")
    samples = [
        in_group,
        tg.message(private, MEMBER_PL, "/help"),
        tg.edited_message(in_group, "hej!"),
        tg.callback_query(MEMBER_PL, in_group, "x:1:y"),
        tg.my_chat_member(
            group,
            COORDINATOR,
            old_status="left",
            new_status="member",
            bot_user=tg.bot_user(123, "partner_bot"),
        ),
    ]
    for k, body in enumerate(samples):
        data = {"update_id": k + 1, **body}
        assert lane_of_payload(data) == lane_of(Update.de_json(data, bot)), body.keys()
    # A press on a message too old to be sent along: the presser's own lane, as decoded.
    inaccessible = {"update_id": 9, "callback_query": {"id": "1", "from": MEMBER_PL, "chat_instance": "c"}}
    assert lane_of_payload(inaccessible) == lane_of(Update.de_json(inaccessible, bot)) == MEMBER_PL["id"]
    assert lane_of_payload({"update_id": 10, "poll": {}}) is None  # unknown here: decoded instead
