"""Unit tests: recurrences across DST, quiet hours, weekends, Polish holidays, misfire grace."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services.checkins import round_times
from bot.services.duties import task_reminder_at
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

pytestmark = pytest.mark.calendar  # every test here is about dates and times

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
    spec = RecurrenceSpec(Recurrence.BIWEEKLY, at=time(10, 30), weekday=2, anchor=date(2025, 12, 30))
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


def _fires(spec: RecurrenceSpec, after: datetime, count: int) -> list[datetime]:
    """The next `count` local fire times."""
    out, moment = [], after
    for _ in range(count):
        moment = next_fire(spec, after=moment, zone=WARSAW)
        out.append(moment.astimezone(WARSAW).replace(tzinfo=None))
    return out


def test_biweekly_counts_14_days_from_the_first_occurrence_across_the_year_end() -> None:
    # ISO-week parity fired on 28.12.2026 (week 53) and again on 4.01.2027 (week 1).
    spec = RecurrenceSpec(Recurrence.BIWEEKLY, at=time(9, 0), weekday=0, anchor=date(2026, 12, 10))
    fires = _fires(spec, datetime(2026, 12, 10, tzinfo=WARSAW), 4)
    assert [f.date() for f in fires] == [
        date(2026, 12, 14),
        date(2026, 12, 28),
        date(2027, 1, 11),
        date(2027, 1, 25),
    ]
    # Asked again from any moment, it keeps the same rhythm (the anchor, not "after", decides).
    assert next_fire(spec, after=datetime(2026, 12, 29, tzinfo=WARSAW), zone=WARSAW).astimezone(
        WARSAW
    ).date() == date(2027, 1, 11)
    # The anchor's own weekday counts as the first occurrence (53-week years do not matter).
    leap = RecurrenceSpec(Recurrence.BIWEEKLY, at=time(9, 0), weekday=1, anchor=date(2028, 2, 15))
    assert [f.date() for f in _fires(leap, datetime(2028, 2, 14, tzinfo=WARSAW), 2)] == [
        date(2028, 2, 15),
        date(2028, 2, 29),
    ]


def test_biweekly_keeps_local_time_across_both_dst_changes() -> None:
    spring = RecurrenceSpec(Recurrence.BIWEEKLY, at=time(9, 0), weekday=0, anchor=date(2027, 3, 15))
    assert _fires(spring, datetime(2027, 3, 14, tzinfo=WARSAW), 2) == [
        datetime(2027, 3, 15, 9, 0),
        datetime(2027, 3, 29, 9, 0),  # 28 March 2027 starts summer time
    ]
    autumn = RecurrenceSpec(Recurrence.BIWEEKLY, at=time(9, 0), weekday=0, anchor=date(2027, 10, 25))
    assert _fires(autumn, datetime(2027, 10, 24, tzinfo=WARSAW), 2) == [
        datetime(2027, 10, 25, 9, 0),
        datetime(2027, 11, 8, 9, 0),  # 31 October 2027 ends it
    ]


def test_biweekly_needs_its_anchor() -> None:
    with pytest.raises(InvalidRecurrence):
        next_fire(
            RecurrenceSpec(Recurrence.BIWEEKLY, weekday=0),
            after=datetime(2026, 1, 1, tzinfo=UTC),
            zone=WARSAW,
        )


def test_monthly_on_29_to_31_fires_on_the_last_day_of_shorter_months() -> None:
    day_31 = RecurrenceSpec(Recurrence.MONTHLY, at=time(9, 0), day=31)
    assert [f.date() for f in _fires(day_31, datetime(2026, 12, 1, tzinfo=WARSAW), 5)] == [
        date(2026, 12, 31),
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
    ]
    day_30 = RecurrenceSpec(Recurrence.MONTHLY, at=time(9, 0), day=30)
    assert [f.date() for f in _fires(day_30, datetime(2028, 1, 31, tzinfo=WARSAW), 2)] == [
        date(2028, 2, 29),  # a leap year's February
        date(2028, 3, 30),
    ]
    day_29 = RecurrenceSpec(Recurrence.MONTHLY, at=time(9, 0), day=29)
    assert _fires(day_29, datetime(2027, 1, 29, 9, 0, tzinfo=WARSAW), 1) == [datetime(2027, 2, 28, 9, 0)]
    # Local time is kept across the DST change inside a month.
    day_28 = RecurrenceSpec(Recurrence.MONTHLY, at=time(2, 30), day=28)
    assert _fires(day_28, datetime(2027, 3, 1, tzinfo=WARSAW), 1)[0].date() == date(2027, 3, 28)


@pytest.mark.parametrize(
    ("due", "reminded"),
    [
        (date(2026, 11, 30), datetime(2026, 11, 27, 9, 0)),  # Monday: the Friday before
        (date(2026, 11, 25), datetime(2026, 11, 24, 9, 0)),  # Wednesday: Tuesday
        (date(2026, 11, 12), datetime(2026, 11, 10, 9, 0)),  # after 11 November: the day before it
        (date(2026, 12, 28), datetime(2026, 12, 23, 9, 0)),  # after Christmas and a weekend
        (date(2027, 1, 4), datetime(2026, 12, 31, 9, 0)),  # across the year end (1 January is a holiday)
        (date(2028, 3, 1), datetime(2028, 2, 29, 9, 0)),  # a leap day
        (date(2027, 3, 29), datetime(2027, 3, 26, 9, 0)),  # Easter Monday, after the DST change
        (date(2027, 11, 2), datetime(2027, 10, 29, 9, 0)),  # after 31 October (DST) and All Saints' Day
    ],
)
def test_task_reminder_on_the_working_day_before(due: date, reminded: datetime) -> None:
    at = task_reminder_at(due, zone=WARSAW, rules=SendingRules())
    assert at.astimezone(WARSAW).replace(tzinfo=None) == reminded


@pytest.mark.parametrize(
    ("opened", "reminder", "close"),
    [
        (datetime(2026, 11, 23, 9, 0), datetime(2026, 11, 24, 9, 0), datetime(2026, 11, 25, 9, 0)),  # Monday
        (datetime(2026, 11, 27, 9, 0), datetime(2026, 11, 30, 9, 0), datetime(2026, 12, 1, 9, 0)),  # Friday
        (
            datetime(2026, 12, 23, 9, 0),
            datetime(2026, 12, 28, 9, 0),
            datetime(2026, 12, 29, 9, 0),
        ),  # Christmas
        (datetime(2026, 12, 31, 19, 0), datetime(2027, 1, 4, 19, 0), datetime(2027, 1, 5, 19, 0)),  # New Year
        (datetime(2028, 2, 28, 9, 0), datetime(2028, 2, 29, 9, 0), datetime(2028, 3, 1, 9, 0)),  # leap day
        # The spring DST change is on Easter Sunday 2027: Easter Monday does not count either.
        (datetime(2027, 3, 26, 10, 0), datetime(2027, 3, 30, 10, 0), datetime(2027, 3, 31, 10, 0)),
        (
            datetime(2027, 10, 29, 10, 0),
            datetime(2027, 11, 2, 10, 0),
            datetime(2027, 11, 3, 10, 0),
        ),  # DST, 1.11
        (datetime(2026, 11, 28, 12, 0), datetime(2026, 12, 1, 8, 0), datetime(2026, 12, 2, 8, 0)),  # Saturday
    ],
)
def test_checkin_window_counts_working_time(opened: datetime, reminder: datetime, close: datetime) -> None:
    closes, remind = round_times(
        opened.replace(tzinfo=WARSAW),
        zone=WARSAW,
        rules=SendingRules(),
        window_hours=48,
        reminder_after_hours=24,
    )
    assert remind is not None
    assert (
        remind.astimezone(WARSAW).replace(tzinfo=None),
        closes.astimezone(WARSAW).replace(tzinfo=None),
    ) == (
        reminder,
        close,
    )


def test_every_round_of_a_year_is_reminded_then_closed_in_allowed_time() -> None:
    rules = SendingRules()
    start = datetime(2026, 12, 1, 8, 0, tzinfo=WARSAW)
    for hour in range(0, 24 * 500, 5):
        opened = (start + timedelta(hours=hour)).astimezone(WARSAW)
        if not rules.allowed(opened):
            continue  # rounds open in allowed time
        closes, remind = round_times(
            opened, zone=WARSAW, rules=rules, window_hours=48, reminder_after_hours=24
        )
        assert remind is not None, opened
        assert opened < remind < closes, opened
        assert rules.allowed(remind.astimezone(WARSAW)) and rules.allowed(closes.astimezone(WARSAW)), opened
