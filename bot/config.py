"""Settings read from environment variables or a `.env` file."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

OFFICIAL_API_BASE_URL = "https://api.telegram.org/bot"
SUPPORTED_LOCALES = ("pl", "en")
_TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,}$")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


class Settings(BaseSettings):
    """Everything the bot reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: str = Field(default="")
    telegram_api_base_url: str = OFFICIAL_API_BASE_URL
    database_url: str = "sqlite+aiosqlite:///partnerbot.db"
    default_locale: str = "pl"
    timezone: str = "Europe/Warsaw"
    log_level: str = "INFO"
    # Long-poll timeout in seconds; tests shorten it so shutdown is quick.
    polling_timeout: int = 30
    # How often the scheduler's job looks for due check-ins and reminders; 0 turns it off.
    scheduler_interval: int = 30
    # Seconds to wait for Telegram's answer to a call; a send that times out is not repeated
    # blindly (see "Timeouts" in the README).
    telegram_timeout: float = 5.0
    # Webhook mode (`partnerbot run --webhook`): the public HTTPS URL Telegram posts to, where
    # this process listens (behind a reverse proxy), and the secret Telegram sends with each post.
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str = ""

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: str) -> str:
        """Reject a missing or malformed token early."""
        value = value.strip()
        if not value:
            raise ValueError("is not set")
        if not _TOKEN_RE.match(value):
            raise ValueError("is malformed (expected 123456789:ABC... from @BotFather)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: str) -> str:
        """Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and -."""
        if value and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
            raise ValueError("may only contain A-Z, a-z, 0-9, _ and - (at most 256)")
        return value

    @field_validator("default_locale")
    @classmethod
    def _locale_supported(cls, value: str) -> str:
        """Only locales with a catalog are allowed."""
        if value not in SUPPORTED_LOCALES:
            raise ValueError("must be one of: " + ", ".join(SUPPORTED_LOCALES))
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone_known(cls, value: str) -> str:
        """The timezone must be an IANA name."""
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("is not a known IANA time zone (e.g. Europe/Warsaw)") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _level_known(cls, value: str) -> str:
        """Accept standard logging level names in any case."""
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return upper

    @property
    def zone(self) -> ZoneInfo:
        """The configured default time zone."""
        return ZoneInfo(self.timezone)

    @property
    def api_base_url(self) -> str:
        """Base URL in the form python-telegram-bot expects (ends with /bot)."""
        url = self.telegram_api_base_url.rstrip("/")
        return url if url.endswith("/bot") else url + "/bot"

    @property
    def api_base_file_url(self) -> str:
        """File download URL matching the API base URL."""
        return self.api_base_url[: -len("/bot")] + "/file/bot"


def load_settings(*, require_token: bool = True, **overrides: object) -> Settings:
    """Build Settings, turning validation errors into one SettingsError line."""
    try:
        if not require_token and "telegram_bot_token" not in overrides:
            overrides["telegram_bot_token"] = "0000:" + "x" * 35
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{name} {message}") from None
