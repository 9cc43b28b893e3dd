"""Translations (gettext catalogs under bot/locales/) and locale-aware formatting via Babel."""

from __future__ import annotations

import io
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from bot.config import SUPPORTED_LOCALES

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"


class CatalogMissing(FileNotFoundError):
    """A supported language's catalog is not installed."""


def check_catalogs() -> None:
    """Load every supported catalog now, so a broken installation fails at start-up."""
    for locale in SUPPORTED_LOCALES:
        translations(locale)


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where it is shown."""
    return message


@cache
def translations(locale: str) -> NullTranslations:
    """The catalog for a locale, compiled in memory from its .po file."""
    po_path = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        # A missing catalog is a broken installation, never a silent fallback to English.
        raise CatalogMissing(f"the {locale!r} catalog is missing at {po_path}: reinstall partnerbot")
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def resolve_locale(chosen: str | None, telegram_language: str | None, default: str) -> str:
    """The user's choice, else their Telegram language if supported, else the default."""
    if chosen in SUPPORTED_LOCALES:
        return chosen
    if telegram_language:
        base = telegram_language.split("-")[0].lower()
        if base in SUPPORTED_LOCALES:
            return base
    return default


def format_local(moment: datetime, *, locale: str, zone: ZoneInfo, fmt: str = "short") -> str:
    """A UTC moment shown in local time, formatted for the locale."""
    return babel_format_datetime(moment.astimezone(zone), format=fmt, tzinfo=zone, locale=locale)
