"""Unit tests: recurrences across DST, quiet hours, weekends, Polish holidays, misfire grace."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.timing import (
    Fate,
    InvalidRecurrence,
    Recurrence,
    RecurrenceSpec,
    SendingRules,
    fate,
    is_holiday,
    next_fire,
)

WARSAW = ZoneInfo("Europe/Warsaw")


def test_weekly_keeps_local_time_across_both_dst_changes() -> None:
    spec = RecurrenceSpec(Recurrence.WEEKLY, at=time(9, 0), weekday=0)
    first = next_fire(spec, after=datetime(2026, 3, 20, tzinfo=UTC), zone=WARSAW)
    second = next_fire(spec, after=first, zone=WARSAW)
    assert first == datetime(2026, 3, 23, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert second == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # 09:00 CEST, after 29 March
    autumn = next_fire(spec, after=datetime(2026, 10, 20, tzinfo=UTC), zone=WARSAW)
    after_change = next_fire(spec, after=autumn, zone=WARSAW)
    assert autumn == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)  # 25 October ends DST
    assert after_change.astimezone(WARSAW).hour == 9


def test_biweekly_and_monthly() -> None:
    spec = RecurrenceSpec(Recurrence.BIWEEKLY, at=time(10, 30), weekday=2)
    a = next_fire(spec, after=datetime(2026, 1, 1, tzinfo=UTC), zone=WARSAW)
    b = next_fire(spec, after=a, zone=WARSAW)
    assert (b - a) == timedelta(days=14) and a.astimezone(WARSAW).weekday() == 2
    monthly = RecurrenceSpec(Recurrence.MONTHLY, at=time(12, 0), day=15)
    m = next_fire(monthly, after=datetime(2026, 1, 20, tzinfo=UTC), zone=WARSAW)
    assert m.astimezone(WARSAW) == datetime(2026, 2, 15, 12, 0, tzinfo=WARSAW)


def test_cron_uses_classic_weekday_numbers() -> None:
    spec = RecurrenceSpec(Recurrence.CRON, cron="0 9 * * 1")  # Mondays, as in crontab
    moment = next_fire(spec, after=datetime(2026, 10, 20, tzinfo=UTC), zone=WARSAW)
    assert moment.astimezone(WARSAW) == datetime(2026, 10, 26, 9, 0, tzinfo=WARSAW)
    sunday = next_fire(RecurrenceSpec(Recurrence.CRON, cron="30 18 * * 0"), after=moment, zone=WARSAW)
    assert sunday.astimezone(WARSAW).weekday() == 6
    for bad in ("", "0 9 * *", "99 9 * * 1", "a b c d e"):
        with pytest.raises(InvalidRecurrence):
            next_fire(RecurrenceSpec(Recurrence.CRON, cron=bad), after=moment, zone=WARSAW)


def test_polish_holidays() -> None:
    assert is_holiday(date(2026, 11, 11))  # Independence Day
    assert is_holiday(date(2026, 4, 6))  # Easter Monday
    assert not is_holiday(date(2026, 11, 12))


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (datetime(2026, 11, 24, 10, 0), datetime(2026, 11, 24, 10, 0)),  # Tuesday morning: fine
        (datetime(2026, 11, 24, 21, 15), datetime(2026, 11, 25, 8, 0)),  # quiet hours: next morning
        (datetime(2026, 11, 25, 6, 0), datetime(2026, 11, 25, 8, 0)),  # early: same day at 8
        (datetime(2026, 11, 27, 20, 0), datetime(2026, 11, 30, 8, 0)),  # Friday evening: Monday
        (datetime(2026, 11, 28, 12, 0), datetime(2026, 11, 30, 8, 0)),  # Saturday: Monday
        (datetime(2026, 11, 10, 20, 30), datetime(2026, 11, 12, 8, 0)),  # 11 November is a holiday
        (datetime(2026, 12, 24, 20, 0), datetime(2026, 12, 28, 8, 0)),  # Christmas Eve, Christmas, weekend
    ],
)
def test_next_allowed_time(local: datetime, expected: datetime) -> None:
    moved = SendingRules().next_allowed(local.replace(tzinfo=WARSAW), WARSAW)
    assert moved.astimezone(WARSAW) == expected.replace(tzinfo=WARSAW)


def test_quiet_hours_that_do_not_span_midnight() -> None:
    rules = SendingRules(
        quiet_from=time(12, 0), quiet_until=time(13, 0), skip_weekends=False, skip_holidays=False
    )
    assert not rules.allowed(datetime(2026, 11, 24, 12, 30, tzinfo=WARSAW))
    assert rules.allowed(datetime(2026, 11, 24, 13, 0, tzinfo=WARSAW))


def test_misfire_grace() -> None:
    due = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    grace = timedelta(hours=1)
    assert fate(due, due + timedelta(minutes=59), grace) is Fate.SEND
    assert fate(due, due + timedelta(minutes=61), grace) is Fate.MISSED
    assert fate(due, due - timedelta(minutes=1), grace) is Fate.SEND
