"""The bot's one source of "now": the system clock in production, a set clock in tests.

Every decision that depends on the date or the time of day reads `now()`, so a test (or the
sandbox's clock control) can put the whole bot on any day by installing another clock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time, aware, in UTC."""

    def now(self) -> datetime:
        """The current moment."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The real current moment in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until moved: for tests and the sandbox."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The moment the clock was set to."""
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        """Put the clock on a moment (aware)."""
        with self._lock:
            self._now = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward and return the new moment."""
        with self._lock:
            self._now += delta
            return self._now


_current: Clock = SystemClock()


def now() -> datetime:
    """The current moment by the installed clock, aware, in UTC."""
    return _current.now()


def install(clock: Clock) -> Clock:
    """Make `clock` the bot's clock; returns the one it replaces."""
    global _current
    previous, _current = _current, clock
    return previous


@contextmanager
def using(clock: Clock) -> Iterator[Clock]:
    """Run a block with `clock` installed, restoring the previous one after."""
    previous = install(clock)
    try:
        yield clock
    finally:
        install(previous)
