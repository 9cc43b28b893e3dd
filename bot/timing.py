"""When things may happen: recurrences (via APScheduler's triggers), quiet hours, weekends,
Polish public holidays, working-time windows, and what to do with an occurrence missed during
downtime."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from apscheduler.triggers.cron import CronTrigger

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CRON_DOW = {str(i): name for i, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))} | {
    "7": "sun"
}


class Recurrence(StrEnum):
    """How often a schedule repeats."""

    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"
    CRON = "cron"


class InvalidRecurrence(ValueError):
    """A recurrence that cannot be turned into a trigger."""


@dataclass(frozen=True)
class RecurrenceSpec:
    """A schedule's rhythm: weekly/biweekly on a weekday, monthly on a day, or a cron expression."""

    kind: Recurrence
    at: time = time(9, 0)
    weekday: int = 0  # 0 = Monday
    day: int = 1  # for monthly: 29, 30 and 31 mean the last day of shorter months
    cron: str = ""
    anchor: date | None = None  # biweekly: counted in 14-day steps from the first occurrence on or after it

    def trigger(self, zone: ZoneInfo) -> CronTrigger:
        """The APScheduler trigger for weekly rhythms and cron expressions (biweekly fires on
        every other of the weekly times, see `next_fire`)."""
        if self.kind is Recurrence.CRON:
            return cron_trigger(self.cron, zone)
        if self.kind is Recurrence.MONTHLY:
            raise InvalidRecurrence("monthly times are computed by next_fire")
        return CronTrigger(
            day_of_week=WEEKDAYS[self.weekday], hour=self.at.hour, minute=self.at.minute, timezone=zone
        )

    def first_day(self) -> date | None:
        """Biweekly: the date of the first occurrence (the weekday on or after the anchor)."""
        if self.anchor is None:
            return None
        return self.anchor + timedelta(days=(self.weekday - self.anchor.weekday()) % 7)


def cron_trigger(expression: str, zone: ZoneInfo) -> CronTrigger:
    """A standard five-field cron expression (0 or 7 = Sunday) as an APScheduler trigger."""
    fields = expression.split()
    if len(fields) != 5:
        raise InvalidRecurrence(expression)
    minute, hour, day, month, dow = fields
    # APScheduler counts weekdays from Monday = 0; classic cron from Sunday = 0: use names.
    dow = re.sub(r"\d", lambda m: _CRON_DOW[m.group(0)], dow)
    try:
        return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=dow, timezone=zone)
    except ValueError as exc:
        raise InvalidRecurrence(expression) from exc


def next_fire(spec: RecurrenceSpec, *, after: datetime, zone: ZoneInfo) -> datetime:
    """The first time strictly after `after` (aware), in UTC."""
    if spec.kind is Recurrence.MONTHLY:
        return _next_monthly(spec, after, zone)
    trigger = spec.trigger(zone)
    first = spec.first_day() if spec.kind is Recurrence.BIWEEKLY else None
    if spec.kind is Recurrence.BIWEEKLY and first is None:
        raise InvalidRecurrence("every two weeks needs the day it starts from")
    moment: datetime | None = after
    for _ in range(3):  # biweekly: at most one weekly time is skipped
        assert moment is not None
        moment = trigger.get_next_fire_time(None, moment + timedelta(seconds=1))
        if moment is None:
            raise InvalidRecurrence("no future time")
        if first is None:
            break
        # Every 14 days from the first occurrence, whatever the ISO week numbers do at a year's end.
        day = moment.astimezone(zone).date()
        if day >= first and (day - first).days % 14 == 0:
            break
    assert moment is not None
    return moment.astimezone(ZoneInfo("UTC"))


def _next_monthly(spec: RecurrenceSpec, after: datetime, zone: ZoneInfo) -> datetime:
    """Monthly on a day; a day the month does not have (29-31) means the month's last day."""
    local = after.astimezone(zone)
    year, month = local.year, local.month
    for _ in range(3):
        day = min(spec.day, calendar.monthrange(year, month)[1])
        candidate = datetime.combine(date(year, month, day), spec.at, tzinfo=zone)
        if candidate > after:
            return candidate.astimezone(ZoneInfo("UTC"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise InvalidRecurrence("no future time")


@cache
def _polish_holidays(year: int) -> frozenset[date]:
    """Polish public holidays of a year."""
    return frozenset(holidays.country_holidays("PL", years=year))


def is_holiday(day: date) -> bool:
    """Whether a day is a Polish public holiday."""
    return day in _polish_holidays(day.year)


@dataclass(frozen=True)
class SendingRules:
    """When the bot may write to a partnership: not at night, not on weekends or holidays."""

    quiet_from: time = time(20, 0)
    quiet_until: time = time(8, 0)
    skip_weekends: bool = True
    skip_holidays: bool = True
    extra_days_off: frozenset[date] = field(default_factory=frozenset)

    def working_day(self, day: date) -> bool:
        """Whether the bot may write on this day at all (not a weekend, holiday or day off)."""
        if self.skip_weekends and day.weekday() >= 5:
            return False
        return not ((self.skip_holidays and is_holiday(day)) or day in self.extra_days_off)

    def working_day_before(self, day: date) -> date:
        """The last working day before a day (Friday before a Monday, before a holiday)."""
        earlier = day - timedelta(days=1)
        for _ in range(60):
            if self.working_day(earlier):
                return earlier
            earlier -= timedelta(days=1)
        raise InvalidRecurrence("no working day within two months")

    def add_working_time(self, start: datetime, span: timedelta, zone: ZoneInfo) -> datetime:
        """`start` plus `span` counted only on working days (weekends and holidays do not count),
        in UTC: a 24-hour window opened on Friday 9:00 ends on Monday 9:00."""
        cursor = start.astimezone(zone)
        remaining = span
        for _ in range(800):
            day = cursor.date()
            midnight = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone)
            if self.working_day(day):
                # Wall-clock hours (same zone on both sides): a working day is never a DST change day.
                available = midnight.replace(tzinfo=None) - cursor.replace(tzinfo=None)
                if remaining <= available:
                    end = (cursor.replace(tzinfo=None) + remaining).replace(tzinfo=zone)
                    return end.astimezone(ZoneInfo("UTC"))
                remaining -= available
            cursor = midnight
        raise InvalidRecurrence("window longer than two years")

    def allowed(self, local: datetime) -> bool:
        """Whether a local moment is outside quiet hours, weekends and holidays."""
        if not self.working_day(local.date()):
            return False
        clock = local.time()
        if self.quiet_from > self.quiet_until:  # quiet hours span midnight
            return self.quiet_until <= clock < self.quiet_from
        return not (self.quiet_from <= clock < self.quiet_until)

    def next_allowed(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """The moment itself if allowed, else the start of the next allowed period (in UTC)."""
        local = moment.astimezone(zone)
        for _ in range(400):
            if self.allowed(local):
                return local.astimezone(ZoneInfo("UTC"))
            day = local.date()
            if (
                self.allowed(datetime.combine(day, self.quiet_until, tzinfo=zone))
                and local.time() < self.quiet_until
            ):
                candidate = datetime.combine(day, self.quiet_until, tzinfo=zone)
            else:
                candidate = datetime.combine(day + timedelta(days=1), self.quiet_until, tzinfo=zone)
            local = candidate
        raise InvalidRecurrence("no allowed time within a year")


class Fate(StrEnum):
    """What to do with an occurrence found due."""

    SEND = "send"
    MISSED = "missed"


def fate(due_at: datetime, now: datetime, grace: timedelta) -> Fate:
    """Send what is due or late by less than the grace period; older ones were missed."""
    return Fate.SEND if now - due_at <= grace else Fate.MISSED
