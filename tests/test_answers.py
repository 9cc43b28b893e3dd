"""An answer made after an update's effects committed survives the process (bot.answers).

The real `partnerbot run` is killed with SIGKILL while the `/log` confirmation is on its way:
its effects (the contact and the update's handled-mark) are committed. Telegram delivers the
update again to the next process, whose handling stops with AlreadyHandled and sends the
answer that was kept back: one contact, one confirmation. Killed after Telegram accepted the
confirmation but before that was recorded, the redelivery sends it once more: the one
duplicate the README documents. A confirmation that timed out is not repeated. The first
answer is kept in the transaction of the effects: cut short in between, nothing is stored and
the update is handled again. Read-only updates pay nothing; a writing one an INSERT and a
DELETE per answer.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import col, select
from telegram import Update

from bot import answers, once
from bot.clock import ManualClock
from bot.db import Database
from bot.models import AnswerState, EntryKind, HandledUpdate, LogEntry, PendingAnswer
from bot.runtime import services_of
from bot.services import answers as answers_service
from bot.services import partnerships
from scheduler.runner import Dispatcher
from tests.e2e_fixtures import COORDINATOR, GROUP_ID, MEMBER_PL, register_group
from tests.fakebot import FakeBotApi
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest
from tests.recording import RecordingNotifier
from tests.test_crash import _start

GROUP = tg.supergroup(-100_777_000_210, "Odpowiedzi")
COORD = tg.user(7101, "Anna", language_code="pl")
CONTACT = "Dzwoniłam do biblioteki"


async def _register(database: Database) -> None:
    async with database.transaction() as session:
        await partnerships.register(
            session,
            chat_id=GROUP["id"],
            name="Partnerstwo Odpowiedzi",
            coordinator_user_id=COORD["id"],
            coordinator_name="Anna",
            timezone="Europe/Warsaw",
        )


def _confirmations(fake: FakeBotApi) -> list[str]:
    """The `/log` confirmations Telegram accepted."""
    return [t for t in fake.sent_texts(GROUP["id"], plain=True) if CONTACT in t]


async def _contacts(database: Database) -> list[str]:
    async with database.transaction() as session:
        rows = await session.exec(select(LogEntry).where(col(LogEntry.kind) == EntryKind.CONTACT))
        return [e.text or "" for e in rows]


async def _kept(database: Database) -> list[PendingAnswer]:
    async with database.transaction() as session:
        return list(await session.exec(select(PendingAnswer)))


def _kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


async def _restart_until_answered(
    fake: FakeBotApi, db_url: str, cwd: Path, update_id: int, count: int
) -> None:
    """Start the bot again, let it take the update once more, and stop it normally."""
    process = _start(fake, db_url, cwd)
    try:
        await fake.await_confirmed(update_id, timeout=60)
        await fake.await_for(
            "sendMessage", lambda c: c.ok and CONTACT in (c.text or ""), count=count, timeout=30
        )
        await asyncio.sleep(0.5)  # nothing more may follow
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err


async def test_killed_after_the_commit_before_the_answer_the_redelivery_answers_once(
    database: Database, db_url: str, tmp_path: Path
) -> None:
    await _register(database)
    with FakeBotApi() as fake:
        process = _start(fake, db_url, tmp_path)
        # Telegram holds the confirmation back for 30 s (a flood wait): it has not gone out.
        fake.fail_next(
            "sendMessage", error_code=429, description="Too Many Requests: retry after 30", retry_after=30
        )
        update_id = fake.push_update(tg.message(GROUP, COORD, f"/log telefon {CONTACT}"))
        try:
            await fake.await_for("sendMessage", lambda c: c.status == 429, timeout=30)
            assert await _contacts(database) == [CONTACT]  # the effects are committed
        finally:
            _kill(process)
        assert _confirmations(fake) == []  # nothing answered yet
        await _restart_until_answered(fake, db_url, tmp_path, update_id, count=1)
        confirmations = _confirmations(fake)
    assert await _contacts(database) == [CONTACT]  # recorded once
    assert len(confirmations) == 1  # and answered once
    assert await _kept(database) == []  # nothing left to send


async def test_killed_after_telegram_accepted_the_answer_it_is_sent_once_more_at_most(
    database: Database, db_url: str, tmp_path: Path
) -> None:
    await _register(database)
    with FakeBotApi() as fake:
        process = _start(fake, db_url, tmp_path)
        # Telegram takes the confirmation (it is in the chat) but its answer comes 30 s late.
        fake.delay_next("sendMessage", 30)
        update_id = fake.push_update(tg.message(GROUP, COORD, f"/log telefon {CONTACT}"))
        try:
            await fake.await_for("sendMessage", timeout=30)
        finally:
            _kill(process)
        assert len(_confirmations(fake)) == 1
        await _restart_until_answered(fake, db_url, tmp_path, update_id, count=2)
        confirmations = _confirmations(fake)
    assert await _contacts(database) == [CONTACT]
    assert len(confirmations) == 2  # the documented window: sent, then killed before it was recorded
    assert await _kept(database) == []


@pytest.fixture
async def impatient_bot(fake: FakeBotApi, database: Database, db_url: str) -> AsyncIterator[BotUnderTest]:
    """The bot waiting only 0.5 s for Telegram's answers."""
    bot = BotUnderTest(fake, db_url, telegram_timeout=0.5)
    await bot.start()
    yield bot
    await bot.stop()


async def test_a_kept_answer_that_timed_out_is_not_sent_again_on_a_redelivery(
    impatient_bot: BotUnderTest, database: Database
) -> None:
    chat = await register_group(impatient_bot)
    fake = impatient_bot.fake
    log_update = tg.message(chat, COORDINATOR, f"/log telefon {CONTACT}")
    fake.delay_next("sendMessage", 1.0)  # Telegram answers after the bot stopped waiting
    (update_id,) = await impatient_bot.deliver(log_update)
    kept = await _kept(database)
    assert [(k.update_id, k.state) for k in kept] == [(update_id, AnswerState.UNCERTAIN)]
    # The same update again (as after a crash before it was confirmed): handled before, and its
    # one answer may have arrived, so nothing is sent.
    again = Update.de_json({"update_id": update_id, **log_update}, impatient_bot.app.bot)
    state = await answers.handle(impatient_bot.app, again)
    assert state.already_handled
    await asyncio.sleep(1.0)  # real HTTP time: the late answer arrives; nothing may follow
    assert len([t for t in fake.sent_texts(GROUP_ID, plain=True) if CONTACT in t]) == 1
    assert await _contacts(database) == [CONTACT]


async def test_answers_are_kept_only_after_a_commit_one_insert_and_one_delete_each(
    running_bot: BotUnderTest,
) -> None:
    chat = await register_group(running_bot)
    engine = services_of(running_bot.app.bot_data).db.engine
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        await running_bot.deliver(
            tg.message(chat, MEMBER_PL, "/status"), tg.message(chat, MEMBER_PL, "/help")
        )
        read_only = list(statements)
        statements.clear()
        await running_bot.deliver(tg.message(chat, COORDINATOR, f"/log telefon {CONTACT}"))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert not [s for s in read_only if "pending_answer" in s]  # read-only updates pay nothing
    kept = [s.split()[0].upper() for s in statements if "pending_answer" in s]
    assert kept == ["INSERT", "DELETE"]  # one answer: kept, sent, forgotten
    assert len([t for t in running_bot.fake.sent_texts(GROUP_ID, plain=True) if CONTACT in t]) == 1


async def test_kept_answers_are_forgotten_with_the_handled_marks(
    database: Database, clock: ManualClock
) -> None:
    now = clock.now()
    async with database.transaction() as session:
        for update_id, age in ((1, timedelta(days=8)), (2, timedelta(days=1))):
            session.add(HandledUpdate(update_id=update_id, handled_at=now - age))
            session.add(
                PendingAnswer(update_id=update_id, chat_id=GROUP_ID, text="x", created_at=now - age)
            )
    await Dispatcher(database, RecordingNotifier(), default_locale="pl", clock=lambda: now).tick()
    assert [k.update_id for k in await _kept(database)] == [2]
    assert timedelta(days=7) == once.KEEP_HANDLED  # Telegram keeps an update a day


class Crash(BaseException):
    """The process dying at this very point (nothing after it runs)."""


async def test_effects_and_first_answer_are_stored_together_or_not_at_all(
    running_bot: BotUnderTest, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = await register_group(running_bot)
    app = running_bot.app
    update = {"update_id": 10_000, **tg.message(chat, COORDINATOR, f"/log telefon {CONTACT}")}

    async def crash(*_args: object, **_kwargs: object) -> int:
        raise Crash

    # Cut short right after the effects were written, while the answer is being kept.
    monkeypatch.setattr(answers_service, "record", crash)
    with pytest.raises(Crash):
        await answers.handle(app, Update.de_json(update, app.bot))
    assert await _contacts(database) == []  # nothing stored: the update is simply handled again
    monkeypatch.undo()
    state = await answers.handle(app, Update.de_json(update, app.bot))
    assert state.marked and not state.already_handled
    assert await _contacts(database) == [CONTACT]
    assert len([t for t in running_bot.fake.sent_texts(GROUP_ID, plain=True) if CONTACT in t]) == 1
    assert await _kept(database) == []
