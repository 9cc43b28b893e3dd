"""When things may happen: recurrences (via APScheduler's triggers), quiet hours, weekends,
Polish public holidays, and what to do with an occurrence missed during downtime."""

from __future__ import annotations

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
    day: int = 1  # for monthly
    cron: str = ""

    def trigger(self, zone: ZoneInfo) -> CronTrigger:
        """The APScheduler trigger that computes this rhythm's times in the zone."""
        if self.kind is Recurrence.CRON:
            return cron_trigger(self.cron, zone)
        common = {"hour": self.at.hour, "minute": self.at.minute, "timezone": zone}
        if self.kind is Recurrence.WEEKLY:
            return CronTrigger(day_of_week=WEEKDAYS[self.weekday], **common)
        if self.kind is Recurrence.BIWEEKLY:
            return CronTrigger(week="*/2", day_of_week=WEEKDAYS[self.weekday], **common)
        return CronTrigger(day=min(self.day, 28), **common)


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
    trigger = spec.trigger(zone)
    moment: datetime | None = trigger.get_next_fire_time(None, after + timedelta(seconds=1))
    if moment is None:
        raise InvalidRecurrence("no future time")
    return moment.astimezone(ZoneInfo("UTC"))


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

    def allowed(self, local: datetime) -> bool:
        """Whether a local moment is outside quiet hours, weekends and holidays."""
        day = local.date()
        if self.skip_weekends and day.weekday() >= 5:
            return False
        if (self.skip_holidays and is_holiday(day)) or day in self.extra_days_off:
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
