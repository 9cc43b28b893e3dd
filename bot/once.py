"""Each update's effects happen once: the fact that it was handled is stored with them.

While the poller (or the webhook) handles an update, `handling(update_id)` is active. The
first transaction of that handling that writes anything also inserts a `handled_update` row
for the update, in the same transaction; if the row exists already (Telegram delivered the
update again after a crash or a timeout), the transaction is rolled back and `AlreadyHandled`
ends the handling: nothing changes and nothing is answered again.

A handling that only reads (/status, /help) leaves no mark, so a redelivery answers once more.
Transactions that are idempotent on their own (remembering who wrote) pass `mark=False`.

Once the mark is committed (`Handling.marked`), the handler's answers are kept until they are
sent (bot.answers), and a redelivery that stops with `AlreadyHandled` sends those a crash kept
back; `forget_handled` drops them together with the marks. So that no moment separates the
commit of the effects from the keeping of the first answer, a handling started with
`handling(update_id, defer=True)` (bot.answers.handle) commits its marking transaction late:
together with its first answer (bot.answers), or before its next transaction or Bot API call,
or when the handling ends (`commit_deferred`), whichever comes first.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import clock
from bot.columns import insert_ignoring_duplicates
from bot.models import HandledUpdate
from bot.services import answers

WROTE = "partnerbot.wrote"
WRITES = ("INSERT", "UPDATE", "DELETE")


class AlreadyHandled(Exception):
    """This update's effects are stored already: stop handling it."""

    def __init__(self, update_id: int) -> None:
        super().__init__(f"update {update_id} was handled before")
        self.update_id = update_id


@dataclass
class Deferred:
    """A marking transaction whose commit waits for the handling's first answer."""

    session: AsyncSession
    release: Callable[[], Awaitable[object]] | None = None  # SQLite: the writer's turn, held
    then: list[Callable[[], None]] = field(default_factory=list)  # run once it is committed


@dataclass
class Handling:
    """The update being handled in this task, and whether its mark is committed."""

    update_id: int
    marked: bool = False
    database_failed: bool = False  # the handler could not reach the database: handle it again
    already_handled: bool = False  # stopped by AlreadyHandled: a delivery of a handled update
    open_transactions: int = 0  # transactions of this handling not yet committed or rolled back
    defer: bool = False  # the marking transaction may commit late (see the module's doc)
    deferred: Deferred | None = None


_current: contextvars.ContextVar[Handling | None] = contextvars.ContextVar(
    "partnerbot_handling", default=None
)


@contextmanager
def handling(update_id: int, *, defer: bool = False) -> Iterator[Handling]:
    """Mark writes made in this context as the handling of one update; with `defer`, the caller
    must `commit_deferred` before the context ends."""
    token = _current.set(Handling(update_id, defer=defer))
    try:
        yield _current.get()  # type: ignore[misc]
    finally:
        _current.reset(token)


@contextmanager
def outside_update() -> Iterator[None]:
    """Work that is not part of an update's handling (the scheduler woken by a handler)."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> Handling | None:
    """The update handled in this task, if any."""
    return _current.get()


def _note_writes(
    conn: Connection, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    """Remember on the connection that this transaction wrote something."""
    if statement.lstrip()[:6].upper() in WRITES:
        conn.info[WROTE] = True


def watch_writes(engine: AsyncEngine) -> None:
    """Install the write detector on an engine."""
    event.listen(engine.sync_engine, "before_cursor_execute", _note_writes)


async def begin(session: AsyncSession) -> None:
    """At the start of a transaction: nothing written yet."""
    if _current.get() is not None:
        connection = await session.connection()
        connection.sync_connection.info[WROTE] = False  # type: ignore[union-attr]


async def mark_if_written(session: AsyncSession, state: Handling) -> bool:
    """Before commit: if this transaction wrote, store the update's handled-mark with it."""
    await session.flush()
    connection = await session.connection()
    if not connection.sync_connection.info.get(WROTE):  # type: ignore[union-attr]
        return False
    result = await connection.execute(
        insert_ignoring_duplicates(HandledUpdate, connection.dialect.name).values(
            update_id=state.update_id, handled_at=clock.now()
        )
    )
    if not result.rowcount:
        state.already_handled = True
        raise AlreadyHandled(state.update_id)
    return True


def postpone(state: Handling, session: AsyncSession, release: Callable[[], Awaitable[object]] | None) -> None:
    """Keep a marking transaction open until `commit_deferred` (the database calls this)."""
    state.deferred = Deferred(session, release)


async def commit_deferred(state: Handling | None = None, *, commit: bool = True) -> None:
    """Commit the handling's postponed marking transaction, if there is one (errors go on);
    `commit=False` rolls it back (the handling was cut short: it runs again)."""
    state = state or _current.get()
    deferred = state.deferred if state is not None else None
    if state is None or deferred is None:
        return
    state.deferred = None
    try:
        if commit:
            await deferred.session.commit()
            state.marked = True
    finally:
        try:
            await deferred.session.close()
        finally:
            if deferred.release is not None:
                await deferred.release()
            for action in deferred.then:
                action()


def when_committed(action: Callable[[], None]) -> bool:
    """Run `action` once the handling's postponed commit is done; False if none is postponed
    (a woken scheduler must see what the handler wrote)."""
    state = _current.get()
    if state is None or state.deferred is None:
        return False
    state.deferred.then.append(action)
    return True


KEEP_HANDLED = timedelta(days=7)  # Telegram keeps an unconfirmed update for 24 hours


async def forget_handled(session: AsyncSession, *, before: datetime) -> int:
    """Drop handled-marks older than any update Telegram could still deliver again, and the
    answers kept for those updates."""
    result = await (await session.connection()).execute(
        delete(HandledUpdate).where(HandledUpdate.handled_at < before)  # type: ignore[arg-type]
    )
    await answers.forget(session, before=before)
    return int(result.rowcount or 0)
