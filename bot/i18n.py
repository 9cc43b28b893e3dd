"""Translations (gettext catalogs under bot/locales/) and locale-aware formatting via Babel."""

from __future__ import annotations

import io
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal as babel_format_decimal
from babel.numbers import format_percent as babel_format_percent
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


# Patterns per locale, chosen rather than CLDR's "short" (which is US order in English and has
# seconds in "medium"): day before month in both languages, never seconds.
_DATETIME_PATTERNS: dict[str, dict[str, str]] = {
    "short": {"pl": "d.MM.y, HH:mm", "en": "d MMM y, HH:mm"},
    "medium": {"pl": "d.MM.y, HH:mm", "en": "d MMM y, HH:mm"},
    "long": {"pl": "EEEE, d MMMM y, HH:mm", "en": "EEEE, d MMMM y, HH:mm"},
    "full": {"pl": "EEEE, d MMMM y, HH:mm", "en": "EEEE, d MMMM y, HH:mm"},
    "weekday": {"pl": "EEEE, d MMMM, HH:mm", "en": "EEEE, d MMMM, HH:mm"},
}
_DATE_PATTERNS: dict[str, dict[str, str]] = {
    "short": {"pl": "d.MM.y", "en": "d MMM y"},
    "medium": {"pl": "d.MM.y", "en": "d MMM y"},
    "day": {"pl": "d.MM", "en": "d MMM"},
    "month": {"pl": "LLL y", "en": "MMM y"},
    "full": {"pl": "EEEE, d MMMM y", "en": "EEEE, d MMMM y"},
}


def _pattern(table: dict[str, dict[str, str]], fmt: str, locale: str) -> str:
    """The pattern for a format name in a locale (English patterns for unknown locales); anything
    else is taken as a Babel pattern of its own."""
    by_locale = table.get(fmt)
    if by_locale is None:
        return fmt
    return by_locale.get(locale.split("_")[0], by_locale["en"])


def format_local(moment: datetime, *, locale: str, zone: ZoneInfo, fmt: str = "short") -> str:
    """A UTC moment in local time for a reader: '10.12.2026, 17:30' or '10 Dec 2026, 17:30';
    fmt 'long' (or 'full') adds the weekday and the month's name, 'weekday' leaves out the year."""
    local = moment.astimezone(zone)
    return str(
        babel_format_datetime(local, _pattern(_DATETIME_PATTERNS, fmt, locale), tzinfo=zone, locale=locale)
    )


def format_day(day: date, *, locale: str, fmt: str = "short") -> str:
    """A calendar date for a reader: '10.12.2026' or '10 Dec 2026'; 'day' without the year,
    'full' with the weekday and the month's name."""
    return str(babel_format_date(day, _pattern(_DATE_PATTERNS, fmt, locale), locale=locale))


def format_tick(day: date, *, locale: str) -> str:
    """A date on a chart's axis: the month's short name on the 1st ('lis 2026'), else '5.11'."""
    return format_day(day, locale=locale, fmt="month" if day.day == 1 else "day")


def format_number(n: float, *, locale: str) -> str:
    """A number with the locale's grouping: '1 000' in Polish, '1,000' in English."""
    return str(babel_format_decimal(n, locale=locale))


def format_percent(share: float, *, locale: str) -> str:
    """A share (0..1) as a whole percentage in the locale's style."""
    return str(babel_format_percent(share, locale=locale))
