"""Saying once a minute, not on every try, that something is down."""

from __future__ import annotations

import logging
import time

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

WARN_EVERY = 60.0  # seconds between repeated warnings about the same outage


class RateLimitedWarning:
    """Logs a repeated failure once per interval instead of on every attempt."""

    def __init__(self, logger: logging.Logger, every: float = WARN_EVERY) -> None:
        self.logger = logger
        self.every = every
        self._last: float | None = None
        self.suppressed = 0

    def __call__(self, message: str, *args: object) -> None:
        """Warn now if the last warning is older than the interval; else count it."""
        now = time.monotonic()  # an interval, not a date: the bot's clock is not involved
        if self._last is None or now - self._last >= self.every:
            suffix = f" ({self.suppressed} more since the last warning)" if self.suppressed else ""
            self.logger.warning(message + suffix, *args)
            self._last, self.suppressed = now, 0
        else:
            self.suppressed += 1

    def reset(self) -> None:
        """The failure is over: the next one warns at once."""
        if self._last is not None:
            self.logger.info("recovered")
        self._last, self.suppressed = None, 0


DATABASE_DOWN = RateLimitedWarning(logging.getLogger("partnerbot.database"))


def database_unreachable(error: BaseException | None) -> bool:
    """Whether an error means the database is away (as opposed to a bug or bad data)."""
    if isinstance(error, OperationalError | InterfaceError):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, OSError | ConnectionError)
