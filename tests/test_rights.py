"""Retention with the injected clock, and erasure that survives a crash half-way."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select

from bot import clock as bot_clock
from bot.clock import ManualClock
from bot.db import Database
from bot.models import (
    CheckinAnswer,
    CheckinRound,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Draft,
    EntryKind,
    ErasureRequest,
    LogEntry,
    LogEntryRevision,
    Partnership,
    Person,
    Stage,
)
from bot.services import retention, rights
from bot.startup import MaskingFormatter

SECRET = "tajny tekst +48 600 700 800"
USER, OTHER = 7001, 7002


async def _partnership(database: Database, chat_id: int = -1001) -> int:
    """A partnership with a log: five messages of USER (one edited), two of OTHER, a check-in answer."""
    async with database.transaction() as session:
        partnership = Partnership(name=f"P{chat_id}", chat_id=chat_id, coordinator_user_id=1)
        session.add(partnership)
        await session.flush()
        assert partnership.id is not None
        pid = partnership.id
        for i, author in enumerate([USER] * 5 + [OTHER] * 2):
            session.add(
                LogEntry(
                    partnership_id=pid, kind=EntryKind.MESSAGE, occurred_at=bot_clock.now(),
                    author_user_id=author,
                    author_name="Zofia Zielińska" if author == USER else "Tomasz", text=f"{SECRET} {i}",
                    chat_id=chat_id, message_id=1000 + i, partner_id=1,
                )
            )  # fmt: skip
        round_ = CheckinRound(
            partnership_id=pid, question="?", opened_at=bot_clock.now(), closes_at=bot_clock.now()
        )
        session.add(round_)
        if await session.get(Person, USER) is None:
            session.add(Person(user_id=USER, first_name="Zofia", last_name="Zielińska", username="zosia"))
        await session.flush()
        assert round_.id is not None
        session.add(CheckinAnswer(round_id=round_.id, user_id=USER, name="Zofia", answer="done", text=SECRET))
        first = (await session.exec(select(LogEntry).where(LogEntry.author_user_id == USER))).first()
        assert first is not None and first.id is not None
        session.add(
            LogEntryRevision(entry_id=first.id, text="earlier " + SECRET, replaced_at=bot_clock.now())
        )
    return pid


async def _state(database: Database) -> tuple[int, int, int, int]:
    """(USER's entries erased, USER's entries kept, OTHER's entries erased, all entries)."""
    async with database.transaction() as session:
        rows = list(await session.exec(select(LogEntry)))
    for row in rows:  # every row is either whole or erased: never half-done
        assert (row.erased, row.text is None, row.author_name == "") in (
            (True, True, True),
            (False, False, False),
        )
    mine = [r for r in rows if r.author_user_id == USER]
    return (
        sum(r.erased for r in mine),
        sum(not r.erased for r in mine),
        sum(r.erased for r in rows if r.author_user_id == OTHER),
        len(rows),
    )


class Crash(Exception):
    """The process dies here."""


async def test_a_crash_half_way_leaves_whole_batches_and_a_rerun_completes(
    database: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await _partnership(database)

    async def crash() -> None:
        raise Crash

    monkeypatch.setattr(rights, "after_batch", crash)
    await rights.request_erasure(database, user_id=USER)
    with pytest.raises(Crash):
        await rights.erase_person(database, user_id=USER, batch=2)
    assert await _state(database) == (2, 3, 0, 7)  # one batch of two done, whole
    async with database.transaction() as session:
        request = await session.get(ErasureRequest, USER)
        assert request is not None and request.finished_at is None
        profile = await session.get(Person, USER)
        assert profile is not None and profile.first_name == "Zofia"  # the profile goes last
    monkeypatch.setattr(rights, "after_batch", rights._batch_done)
    caplog.set_level(logging.INFO)
    result = await retention.run(database, batch=2)  # the daily job finishes the erasure
    assert result.erasures == 1
    assert await _state(database) == (5, 0, 0, 7)
    async with database.transaction() as session:
        request = await session.get(ErasureRequest, USER)
        assert request is not None and request.finished_at is not None
        assert (await session.exec(select(func.count()).select_from(LogEntryRevision))).one() == 0
        answer = (await session.exec(select(CheckinAnswer))).one()
        assert (answer.erased, answer.text, answer.name, answer.answer) == (True, "", "", "done")
        profile = await session.get(Person, USER)
        assert profile is not None and (profile.first_name, profile.last_name, profile.username) == (
            "",
            None,
            None,
        )
    again = await rights.erase_person(database, user_id=USER)  # harmless
    assert (again.messages, again.answers) == (0, 0)
    assert await _state(database) == (5, 0, 0, 7)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "erasure finished" in logged and "retention:" in logged
    assert "tajny" not in logged and "600 700" not in logged and "Zofia" not in logged


async def test_retention_erases_texts_only_after_the_period_and_cleans_up(
    database: Database, clock: ManualClock
) -> None:
    closed = await _partnership(database, chat_id=-1001)
    working = await _partnership(database, chat_id=-1002)
    start = clock.now()
    async with database.transaction() as session:
        for i, (age, status) in enumerate([(91, "sent"), (91, "pending"), (89, "sent"), (200, "failed")]):
            session.add(
                Delivery(partnership_id=working, kind=DeliveryKind.DIGEST, dedupe_key=f"k{i}",
                         due_at=start - timedelta(days=age), status=DeliveryStatus(status))
            )  # fmt: skip
        session.add(Draft(user_id=1, chat_id=1, partnership_id=working, flow="f", step="s",
                          updated_at=start - timedelta(days=91)))  # fmt: skip
        session.add(Draft(user_id=2, chat_id=2, partnership_id=working, flow="f", step="s"))
        p = await session.get(Partnership, closed)
        assert p is not None
        p.stage = Stage.CLOSED
    first = await retention.run_daily(database)
    assert first is not None and (first.anonymised, first.deliveries, first.drafts) == (0, 2, 1)
    assert await retention.run_daily(database) is None  # once a day
    async with database.transaction() as session:
        p = await session.get(Partnership, closed)
        assert p is not None and p.closed_at == start
        assert retention.expires_at(p) == start + timedelta(days=3 * 365)
        kinds = sorted(
            (d.status, d.due_at < start - timedelta(days=90)) for d in await session.exec(select(Delivery))
        )
        assert kinds == [("pending", True), ("sent", False)]
        assert [d.user_id for d in await session.exec(select(Draft))] == [2]
    clock.set(start + timedelta(days=3 * 365 - 1))
    assert (await retention.run_daily(database)).anonymised == 0  # type: ignore[union-attr]
    clock.set(start + timedelta(days=3 * 365))
    result = await retention.run_daily(database)
    assert result is not None and result.anonymised == 7
    async with database.transaction() as session:
        entries = list(await session.exec(select(LogEntry)))
        gone = [e for e in entries if e.partnership_id == closed]
        kept = [e for e in entries if e.partnership_id == working]
        assert len(gone) == 7 and all(e.erased and e.text is None and e.author_name == "" for e in gone)
        assert len(kept) == 7 and not any(e.erased for e in kept)  # the working partnership is untouched
        answers = list(await session.exec(select(CheckinAnswer).join(CheckinRound).where(
            col(CheckinRound.partnership_id) == closed)))  # fmt: skip
        assert answers and all(a.erased and a.text == "" for a in answers)


def test_retention_years_are_bounded() -> None:
    p = Partnership(name="P", chat_id=1, coordinator_user_id=1)
    assert p.retention_years == retention.DEFAULT_YEARS == 3
    for years in (0, 11):
        with pytest.raises(retention.RetentionError):
            retention.set_years(p, years)
    retention.set_years(p, 10)
    assert p.retention_years == 10 and retention.expires_at(p) is None


def test_log_lines_never_show_a_token_or_a_phone_number() -> None:
    token = "123456789:" + "A" * 35
    formatter = MaskingFormatter("%(levelname)s %(message)s", token)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "call %s, %s or %s; chat %s at %s", None, None)
    record.args = (f"https://api.telegram.org/bot{token}/x", "+48 600 700 800", "600-700-800", -1001234567890,
                   "2026-11-18 10:00:00+00:00")  # fmt: skip
    shown = formatter.format(record)
    assert token not in shown and "600" not in shown
    assert "<token>" in shown and shown.count("<phone>") == 2
    assert "-1001234567890" in shown and "2026-11-18 10:00:00+00:00" in shown  # ids and times stay readable


async def test_database_errors_do_not_show_the_texts_they_were_writing(database: Database) -> None:
    await _partnership(database)
    with pytest.raises(IntegrityError) as failure:
        async with database.transaction() as session:
            session.add(
                LogEntry(partnership_id=1, kind=EntryKind.MESSAGE, occurred_at=bot_clock.now(), text=SECRET,
                         chat_id=-1001, message_id=1000)
            )  # fmt: skip
    assert "unique" in str(failure.value).lower()
    assert "tajny" not in str(failure.value)
