"""Database engine, sessions and the UTC-aware datetime column type."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import once
from bot.columns import UTCDateTime as UTCDateTime
from bot.columns import as_utc as as_utc
from bot.columns import insert_ignoring_duplicates as insert_ignoring_duplicates
from bot.columns import utcnow as utcnow


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run during writes; foreign keys are off by default in SQLite."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def create_engine(url: str) -> AsyncEngine:
    """An async engine for SQLite (aiosqlite) or PostgreSQL (asyncpg)."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, hide_parameters=True)  # errors never show people's texts
    else:  # chats are handled side by side: enough connections for them and the scheduler
        engine = create_async_engine(url, pool_size=20, max_overflow=20, hide_parameters=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    else:
        _ping_when_idle(engine)
    once.watch_writes(engine)
    return engine


# A pooled connection unused for longer than this is tested before it is handed out again.
PING_AFTER_IDLE = 2.0  # seconds
_IDLE_SINCE = "partnerbot_idle_since"  # in each pooled connection's info: when it was last given back


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Test a connection at checkout only when it has been idle in the pool for a while.

    SQLAlchemy's pool_pre_ping tests every checkout, and asyncpg's ping is three round trips
    (BEGIN, an empty query, ROLLBACK): more than a scheduled delivery's own statements. A
    connection given back moments ago is not tested; one that sat idle (a server restart, an
    outage, a network that dropped it) is, and a dead one is replaced before anyone uses it.
    A server that goes away during the idle window costs the next use of each such
    connection an error, like a connection in use at that moment; the pool then drops them all.
    """
    dialect = engine.sync_engine.dialect

    def connected(_dbapi: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    def checked_in(_dbapi: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    def checked_out(dbapi: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is not None and time.monotonic() - idle_since < PING_AFTER_IDLE:
            return
        try:
            dialect.do_ping(dbapi)
        except Exception as exc:  # the pool replaces the connection and tries again
            raise DisconnectionError(f"connection test failed: {type(exc).__name__}") from exc

    event.listen(engine.sync_engine, "connect", connected)
    event.listen(engine.sync_engine, "checkin", checked_in)
    event.listen(engine.sync_engine, "checkout", checked_out)


class Database:
    """Owns the engine and hands out one transaction per user action."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        # SQLite has one writer, and a transaction that read before another committed cannot
        # write at all ("database is locked" at once); with chats handled side by side, one
        # transaction at a time in this process is both safe and faster than busy-waiting.
        self._one_at_a_time = _TaskLock() if self.dialect == "sqlite" else None

    @property
    def dialect(self) -> str:
        """Name of the SQL dialect (sqlite or postgresql)."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self, *, mark: bool = True) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed together or rolled back together.

        Inside an update's handling, the first transaction that writes also stores that the
        update was handled (see bot.once); `mark=False` for writes that are idempotent anyway.
        """
        if self._one_at_a_time is None:
            async with self._transaction(mark=mark) as session:
                yield session
            return
        async with self._one_at_a_time, self._transaction(mark=mark) as session:
            yield session

    @asynccontextmanager
    async def _transaction(self, *, mark: bool) -> AsyncIterator[AsyncSession]:
        """One transaction, with the handled-mark of bot.once (whose commit may be postponed)."""
        current = once.current()
        if current is not None:
            await once.commit_deferred(current)  # the handling's effects come first
        state = current if mark and current is not None and not current.marked else None
        session = self._sessions()
        postponed = False
        if current is not None:
            current.open_transactions += 1
        try:
            await _connected(session)
            if state is not None:
                await once.begin(session)
            yield session
            if state is not None and await once.mark_if_written(session, state):
                if state.defer:  # committed with the first answer (bot.answers)
                    once.postpone(state, session, await self._hold())
                    postponed = True
                    return
                await session.commit()
                state.marked = True
                return
            await session.commit()
        finally:
            if current is not None:
                current.open_transactions -= 1
            if not postponed:
                await session.close()  # rolls back what was not committed

    async def _hold(self) -> Callable[[], Awaitable[object]] | None:
        """SQLite: keep this task's turn as the writer until a postponed commit; its release."""
        lock = self._one_at_a_time
        if lock is None:
            return None
        await lock.__aenter__()
        return lock.__aexit__

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


async def _connected(session: AsyncSession) -> None:
    """Take the transaction's connection now; a server that cannot be reached is an OperationalError.

    asyncpg lets the socket's own error (ConnectionRefusedError, a connect timeout) through
    SQLAlchemy unwrapped; callers that wait out an outage only know SQLAlchemy's errors.
    """
    try:
        await session.connection()
    except OSError as exc:
        raise OperationalError("connect", {}, exc) from exc


class _TaskLock:
    """An asyncio lock that the task holding it may enter again (a transaction opened inside one)."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self._depth = 0

    async def __aenter__(self) -> None:
        """Wait for the lock unless this task holds it already."""
        task = asyncio.current_task()
        if self._owner is not task or task is None:
            await self._lock.acquire()
            self._owner = task
        self._depth += 1

    async def __aexit__(self, *_exc: object) -> None:
        """Release when the outermost holder leaves."""
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
            self._lock.release()


class Stored(Protocol):
    """A table row: its id is None until it is flushed."""

    @property
    def id(self) -> int | None:
        """The primary key."""


def stored_id(row: Stored) -> int:
    """The id of a row that has been stored; asking for the id of one not yet flushed is a bug."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: add and flush it first")
    return row.id
