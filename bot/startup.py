"""Starting up as an operator expects: one line per problem, no traceback, never the token.

Exit codes of `partnerbot` are `ExitCode` below; the README lists them too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from enum import IntEnum

from sqlalchemy.exc import SQLAlchemyError
from telegram.error import Conflict, InvalidToken, NetworkError

from bot.i18n import CatalogMissing

log = logging.getLogger(__name__)

_TOKEN_SHAPE = re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}")
# Phone numbers as people write them: +48 600 700 800, 600-700-800 (never a chat id: those have no
# separators and no plus sign).
_PHONE_SHAPE = re.compile(r"\+\d{1,3}(?:[ -]?\d{2,4}){2,5}\b|\b\d{3}[ -]\d{3}[ -]\d{3}\b")


class ExitCode(IntEnum):
    """What `partnerbot` returns to the shell."""

    OK = 0
    SETTINGS = 2  # a setting is missing or malformed
    TOKEN_REJECTED = 3  # Telegram answered 401: the token is wrong or was revoked
    CONFLICT = 4  # 409: another instance is polling this token
    DATABASE = 5  # the database cannot be reached or migrated
    INSTALLATION = 6  # part of the installation (a language catalog) is missing


class StartupError(Exception):
    """A problem the operator must fix, with its one-line explanation and exit code."""

    def __init__(self, code: ExitCode, message: str) -> None:
        super().__init__(message)
        self.code = code


def explain(exc: BaseException, database_url: str) -> StartupError | None:
    """The operator's one-line explanation of an error that ends the bot, if it is a known one.

    Database errors count only while migrating (see `migrate_or_explain`): later ones are
    the running bot's to retry, not a reason to stop.
    """
    if isinstance(exc, StartupError):
        return exc
    if isinstance(exc, CatalogMissing):
        return StartupError(ExitCode.INSTALLATION, str(exc))
    if isinstance(exc, InvalidToken):
        return StartupError(
            ExitCode.TOKEN_REJECTED,
            "Telegram rejected the token: check TELEGRAM_BOT_TOKEN (ask @BotFather for /token)",
        )
    if isinstance(exc, Conflict):
        return StartupError(
            ExitCode.CONFLICT,
            "another instance is polling this token (Telegram answered 409 Conflict): "
            "stop it, or run several instances with webhooks",
        )
    if isinstance(exc, SQLAlchemyError | OSError):
        return StartupError(
            ExitCode.DATABASE,
            f"cannot use the database {safe_url(database_url)}: {type(exc).__name__}: {first_line(exc)}",
        )
    return None


async def migrate_or_explain(database_url: str) -> None:
    """Apply the migrations; a database that cannot be reached or migrated is a StartupError."""
    from bot.migrate import upgrade_database

    try:
        await upgrade_database(database_url)
    except (SQLAlchemyError, OSError) as exc:
        known = explain(exc, database_url)
        assert known is not None
        raise known from None


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, masked."""
    text = str(exc).strip().splitlines()
    return mask_secrets(text[0] if text else type(exc).__name__)


def safe_url(url: str) -> str:
    """A database URL without its password."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def mask_secrets(text: str, token: str = "") -> str:
    """Text with the bot token (given, or anything shaped like one) and phone numbers masked."""
    if token:
        text = text.replace(token, "<token>")
    return _PHONE_SHAPE.sub("<phone>", _TOKEN_SHAPE.sub("<token>", text))


class MaskingFormatter(logging.Formatter):
    """A formatter that never lets the token through, in messages or tracebacks."""

    def __init__(self, fmt: str, token: str) -> None:
        super().__init__(fmt)
        self.token = token

    def format(self, record: logging.LogRecord) -> str:
        """Format as usual, then mask."""
        return mask_secrets(super().format(record), self.token)


class SkippedTickFilter(logging.Filter):
    """Drops APScheduler's "skipped: maximum number of running instances" warning.

    A tick still running when the next is due is normal (a long fan-out, or the database away:
    the running tick then warns once a minute itself); APScheduler would say so every second.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record but the skipped-tick warning."""
        return "maximum number of running instances" not in str(record.msg)


def configure_logging(level: str, token: str) -> None:
    """Root logging to stderr with the token masked everywhere."""
    handler = logging.StreamHandler()
    handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.scheduler").addFilter(SkippedTickFilter())


async def until_reachable(
    attempt: Callable[[], Awaitable[None]],
    stop: asyncio.Event,
    *,
    first_delay: float = 1.0,
    max_delay: float = 60.0,
) -> bool:
    """Run `attempt` until Telegram answers; network failures are retried with backoff.

    Returns False when asked to stop before it succeeded. A rejected token is not retried.
    """
    delay = first_delay
    while not stop.is_set():
        try:
            await attempt()
            return True
        except InvalidToken:
            raise
        except NetworkError as exc:
            log.warning("cannot reach Telegram (%s); retrying in %.0f s", first_line(exc), delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
        delay = min(delay * 2, max_delay)
    return False
