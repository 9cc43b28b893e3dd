"""What several flows' steps share: pickers from label tables and partners, text, counts and dates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot import clock
from bot.dates import (
    YEAR_MAX,
    YEAR_MIN,
    DateFormatError,
    DateOutOfRange,
    NoSuchDay,
    example_date,
    local_today,
    parse_date,
    parse_moment,
)
from bot.flows.engine import Data, FlowInputError, Key, Option
from bot.i18n import N_
from bot.models import PartnerStatus
from bot.services.registry import RegistryError, clean_text
from bot.text import parse_count, visible_text

TEXT_MAX = 1000  # free text: notes, reasons, agendas
SHORT_MAX = 120  # what becomes a title: a topic, a trainer's name
COUNT_MAX = 100_000
YEARS_AHEAD = 5  # tasks, meetings and sessions: no further ahead than this
DEFAULT_ZONE = "Europe/Warsaw"

# Partners that can still take part (everyone but the withdrawn), and those that have joined.
NOT_WITHDRAWN = frozenset(
    {PartnerStatus.CANDIDATE, PartnerStatus.INVITED, PartnerStatus.JOINED, PartnerStatus.ACTIVE}
)
MEMBERS = frozenset({PartnerStatus.JOINED, PartnerStatus.ACTIVE})


def choices(labels: dict[str, str], *, exclude: set[str] | None = None) -> list[Option]:
    """Options from a label table."""
    return [Option(str(value), label) for value, label in labels.items() if value not in (exclude or set())]


def partner_options(data: Data, *, statuses: frozenset[str] | None = None) -> list[Option]:
    """The partnership's partners as options (names shown as typed)."""
    return [
        Option(str(pid), name, translate=False)
        for pid, name, status in data.get(Key.PARTNERS, [])
        if statuses is None or status in statuses
    ]


def named_options(key: str) -> Callable[[Data], list[Option]]:
    """Options from a list of [id, name] the draft keeps under `key` (names shown as they are)."""

    def options(data: Data) -> list[Option]:
        """The named things as options."""
        return [Option(str(i), name, translate=False) for i, name in data.get(key, [])]

    return options


# --------------------------------------------------------------------------- text and numbers


def bounded_text(text: str, limit: int) -> str:
    """Free text up to `limit` characters ('-' for nothing), the limit said when it is exceeded."""
    try:
        return clean_text(text, limit=limit)
    except RegistryError:
        raise FlowInputError(
            N_("That is too long: at most {limit} characters (you typed {length}). Type it again, shorter."),
            limit=limit,
            length=len(text.strip()),
        ) from None


def free_text(text: str, _data: Data) -> str:
    """Free text up to TEXT_MAX characters ('-' for nothing)."""
    return bounded_text(text, TEXT_MAX)


def required(limit: int, *, shortest: int = 1) -> Callable[[str, Data], str]:
    """A parser for text that may not be empty, up to `limit` characters."""

    def parse(text: str, _data: Data) -> str:
        """Non-empty text within the limit."""
        value = bounded_text(text, limit)
        if len(visible_text(value)) < shortest:
            raise FlowInputError(N_("This cannot be empty. Type a few words."))
        return value

    return parse


required_text = required(TEXT_MAX)


def a_count(text: str, _data: Data) -> int:
    """A whole number of residents."""
    value = parse_count(text, maximum=COUNT_MAX)
    if value is None:
        raise FlowInputError(N_("Type a whole number from 0 to {max}, e.g. 12."), max=COUNT_MAX)
    return value


# --------------------------------------------------------------------------- dates and times


def zone_of(data: Data) -> ZoneInfo:
    """The partnership's time zone, as the draft recorded it."""
    return ZoneInfo(str(data.get(Key.ZONE, DEFAULT_ZONE)))


def today_of(data: Data) -> date:
    """The partnership's local date when the flow started (by the bot's clock if not recorded)."""
    if data.get(Key.TODAY):
        return date.fromisoformat(str(data[Key.TODAY]))
    return local_today(clock.now(), zone_of(data))


def shown_date(value: str) -> str:
    """An ISO date as people write it (5.03.2026)."""
    try:
        return example_date(date.fromisoformat(value))
    except ValueError:
        return value


def shown_moment(value: object) -> str:
    """An ISO moment as people write it (5.03.2026 17:30)."""
    moment = datetime.fromisoformat(str(value))
    return f"{example_date(moment.date())} {moment:%H:%M}"


def show_date(value: object) -> str:
    """A stored date for the summary."""
    return shown_date(str(value))


def _date_error(error: DateFormatError, text: str) -> FlowInputError:
    """Why a typed date is refused, in words."""
    if isinstance(error, NoSuchDay):
        return FlowInputError(
            N_("{text} does not exist in the calendar. Type a real date."), text=text.strip()
        )
    if isinstance(error, DateOutOfRange):
        return FlowInputError(
            N_("Dates from {first} to {last} only. Type a date in that range."), first=YEAR_MIN, last=YEAR_MAX
        )
    return FlowInputError(N_("I don't understand that date. Type e.g. {date_example}."))


def a_date(text: str, data: Data) -> str:
    """A date in any accepted format, kept as ISO text."""
    try:
        return parse_date(text, today=today_of(data)).isoformat()
    except DateFormatError as exc:
        raise _date_error(exc, text) from None


def within_years(day: date, data: Data) -> None:
    """Refuse a day more than YEARS_AHEAD years after today."""
    if day > today_of(data) + timedelta(days=365 * YEARS_AHEAD):
        raise FlowInputError(
            N_("That is more than {years} years ahead. Type a nearer date."), years=YEARS_AHEAD
        )


def future_date(text: str, data: Data) -> str:
    """A due date, today or later, within YEARS_AHEAD years."""
    value = a_date(text, data)
    if value < today_of(data).isoformat():
        raise FlowInputError(N_("That date has passed. Type a date from today on."))
    within_years(date.fromisoformat(value), data)
    return value


def a_moment(text: str, data: Data) -> str:
    """A local date and time, kept as ISO text with its offset."""
    try:
        moment = parse_moment(text, zone=zone_of(data), today=today_of(data))
    except (NoSuchDay, DateOutOfRange) as exc:
        raise _date_error(exc, text.strip().rsplit(maxsplit=1)[0]) from None
    except DateFormatError:
        raise FlowInputError(N_("Type the date and time, e.g. {date_example} 17:30.")) from None
    within_years(moment.date(), data)
    return moment.isoformat()


def future_moment(text: str, data: Data) -> str:
    """A meeting's time: not in the past."""
    value = a_moment(text, data)
    if datetime.fromisoformat(value) <= clock.now():
        raise FlowInputError(N_("That time has passed. Type a later date and time."))
    return value
