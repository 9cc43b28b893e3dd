"""Reading dates and times as coordinators type them, in Polish or English."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.text import fold

# Month names folded (no diacritics), Polish nominative and genitive, English, with short forms.
MONTHS: dict[str, int] = {}
for number, names in enumerate(
    [
        ("styczen", "stycznia", "january", "jan", "sty"),
        ("luty", "lutego", "february", "feb", "lut"),
        ("marzec", "marca", "march", "mar"),
        ("kwiecien", "kwietnia", "april", "apr", "kwi"),
        ("maj", "maja", "may"),
        ("czerwiec", "czerwca", "june", "jun", "cze"),
        ("lipiec", "lipca", "july", "jul", "lip"),
        ("sierpien", "sierpnia", "august", "aug", "sie"),
        ("wrzesien", "wrzesnia", "september", "sep", "wrz"),
        ("pazdziernik", "pazdziernika", "october", "oct", "paz"),
        ("listopad", "listopada", "november", "nov", "lis"),
        ("grudzien", "grudnia", "december", "dec", "gru"),
    ],
    start=1,
):
    for name in names:
        MONTHS[name] = number

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", re.ASCII)
_DOTTED = re.compile(r"^(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?$", re.ASCII)
_WORDS = re.compile(r"^(\d{1,2})\.?\s+([a-z]+)\.?(?:\s+(\d{4}))?$", re.ASCII)
_WORDS_EN = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:,?\s+(\d{4}))?$", re.ASCII)
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$", re.ASCII)
INPUT_MAX = 60  # no date or time is longer; longer text is not parsed at all

# Dates the bot accepts at all: far enough for any plan, near enough for every calendar and file.
YEAR_MIN, YEAR_MAX = 2000, 2099


class DateFormatError(ValueError):
    """Text that is not a date (or time) in any accepted format."""


class NoSuchDay(DateFormatError):
    """A well-formed date that the calendar does not have (31.02.2026)."""


class DateOutOfRange(DateFormatError):
    """A real date outside the years the bot accepts."""


def parse_date(text: str, *, today: date) -> date:
    """2026-03-05, 5.03.2026, 5.03, 5 marca, 5 marca 2026, March 5; a date without a year
    is the next such date from today."""
    if len(text) > INPUT_MAX:
        raise DateFormatError(text)
    raw = fold(text).rstrip(".")
    year: int | None
    if match := _ISO.match(raw):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DOTTED.match(raw):
        day, month = int(match.group(1)), int(match.group(2))
        year = _year(match.group(3))
    elif match := _WORDS.match(raw):
        day, month, year = int(match.group(1)), _month(match.group(2)), _year(match.group(3))
    elif match := _WORDS_EN.match(raw):
        month, day, year = _month(match.group(1)), int(match.group(2)), _year(match.group(3))
    else:
        raise DateFormatError(text)
    if year is not None:
        try:
            found = date(year, month, day)
        except ValueError:
            raise NoSuchDay(text) from None
    else:
        found = _next(month, day, today=today, text=text)
    if not YEAR_MIN <= found.year <= YEAR_MAX:
        raise DateOutOfRange(text)
    return found


def _next(month: int, day: int, *, today: date, text: str) -> date:
    """The next such day from today (29 February: the next leap year's)."""
    for year in range(today.year, today.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise NoSuchDay(text)


def _month(word: str) -> int:
    """A month number from its name."""
    if word not in MONTHS:
        raise DateFormatError(word)
    return MONTHS[word]


def _year(text: str | None) -> int | None:
    """A four-digit year, or a two-digit one in this century."""
    if text is None:
        return None
    if len(text) not in (2, 4):
        raise DateFormatError(text)
    value = int(text)
    return value + 2000 if len(text) == 2 else value


def parse_time(text: str) -> time:
    """17:30 or 17.30."""
    match = None if len(text) > INPUT_MAX else _TIME.match(text.strip())
    if not match:
        raise DateFormatError(text)
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise DateFormatError(text)
    return time(hour, minute)


def parse_moment(text: str, *, zone: ZoneInfo, today: date) -> datetime:
    """'5 marca 17:30' or '2026-03-05 17:30' in local time, as an aware datetime."""
    parts = text.strip().rsplit(maxsplit=1)
    if len(parts) != 2:
        raise DateFormatError(text)
    day = parse_date(parts[0], today=today)
    clock = parse_time(parts[1])
    return datetime.combine(day, clock, tzinfo=zone)


def local_today(now: datetime, zone: ZoneInfo) -> date:
    """Today's date where the partnership is."""
    return now.astimezone(zone).date()


def first_of_month(now: datetime, zone: ZoneInfo) -> date | None:
    """Today where the partnership is, if it is the first of a month (monthly sends), else None."""
    today = local_today(now, zone)
    return today if today.day == 1 else None


def example_date(day: date) -> str:
    """A date as people type it (5.03.2026), for examples in prompts computed from today."""
    return f"{day.day}.{day.month:02d}.{day.year}"
