"""A handle on the bot's clock for tests that set it to a moment of their own and move it."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import clock
from bot.clock import ManualClock


class SetClock:
    """Installs a ManualClock at `start` as the bot's clock (the autouse fixture restores the
    real one after the test); `.now` reads and sets it, calling it reads it."""

    def __init__(self, start: datetime) -> None:
        self.manual = ManualClock(start)
        clock.install(self.manual)

    def __call__(self) -> datetime:
        return self.manual.now()

    @property
    def now(self) -> datetime:
        """The moment the bot's clock stands at."""
        return self.manual.now()

    @now.setter
    def now(self, moment: datetime) -> None:
        self.manual.set(moment)

    def advance(self, **delta: float) -> None:
        """Move the bot's clock forward."""
        self.manual.advance(timedelta(**delta))
