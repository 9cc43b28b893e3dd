"""Unit tests: date parsing and progress arithmetic (pure functions, edge cases)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.dates import DateFormatError, parse_date, parse_moment, parse_time
from bot.progress import Pace, elapsed_share, progress

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-05", date(2026, 3, 5)),
        ("5.03.2026", date(2026, 3, 5)),
        ("05.03.26", date(2026, 3, 5)),
        ("5 marca", date(2027, 3, 5)),  # no year: the next 5 March
        ("5 marca 2026", date(2026, 3, 5)),
        ("30 listopada", date(2026, 11, 30)),
        ("24 listopada", date(2026, 11, 24)),  # today counts as the next one
        ("1 października", date(2027, 10, 1)),
        ("1 pazdziernika 2027", date(2027, 10, 1)),
        ("March 5, 2026", date(2026, 3, 5)),
        ("5 March 2026", date(2026, 3, 5)),
        ("12.12", date(2026, 12, 12)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize("text", ["", "jutro", "31.02.2026", "2026-13-01", "5 marsa", "32 marca", "5/5/5/5"])
def test_parse_date_rejects(text: str) -> None:
    with pytest.raises(DateFormatError):
        parse_date(text, today=TODAY)


def test_parse_time_and_moment() -> None:
    assert parse_time("17:30") == time(17, 30)
    assert parse_time("9.05") == time(9, 5)
    for bad in ("25:00", "12:60", "noon"):
        with pytest.raises(DateFormatError):
            parse_time(bad)
    warsaw = ZoneInfo("Europe/Warsaw")
    moment = parse_moment("29 marca 2026 10:00", zone=warsaw, today=TODAY)  # the day DST starts
    offset = moment.utcoffset()
    assert offset is not None and offset.total_seconds() == 7200
    assert moment == datetime(2026, 3, 29, 10, 0, tzinfo=warsaw)


def test_elapsed_share() -> None:
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    assert elapsed_share(start, end, date(2025, 12, 31)) == 0.0
    assert elapsed_share(start, end, date(2026, 1, 1)) == pytest.approx(1 / 365)
    assert elapsed_share(start, end, date(2026, 7, 2)) == pytest.approx(183 / 365)
    assert elapsed_share(start, end, date(2026, 12, 31)) == 1.0
    assert elapsed_share(start, end, date(2027, 5, 1)) == 1.0


@pytest.mark.parametrize(
    ("trained", "target", "today", "pace"),
    [
        (0, 100, date(2025, 12, 1), Pace.NOT_STARTED),  # period not started
        (5, 100, date(2025, 12, 1), Pace.NOT_STARTED),
        (0, 0, date(2026, 6, 1), Pace.NO_TARGET),  # zero target
        (10, 0, date(2026, 6, 1), Pace.NO_TARGET),
        (50, 100, date(2026, 7, 2), Pace.ON_TRACK),  # half-way, half done
        (46, 100, date(2026, 7, 2), Pace.ON_TRACK),  # within 10%
        (40, 100, date(2026, 7, 2), Pace.BEHIND),
        (60, 100, date(2026, 7, 2), Pace.AHEAD),
        (99, 100, date(2027, 1, 15), Pace.BEHIND),  # period over, target missed
        (100, 100, date(2026, 3, 1), Pace.DONE),
        (120, 100, date(2027, 1, 15), Pace.DONE),
    ],
)
def test_progress_pace(trained: int, target: int, today: date, pace: Pace) -> None:
    result = progress(
        trained=trained, target=target, start=date(2026, 1, 1), end=date(2026, 12, 31), today=today
    )
    assert result.pace is pace


def test_shortfall_and_percent() -> None:
    result = progress(
        trained=40, target=100, start=date(2026, 1, 1), end=date(2026, 12, 31), today=date(2026, 7, 2)
    )
    assert result.shortfall == 10 and result.percent_of_target == 40
    assert (
        progress(
            trained=3, target=0, start=date(2026, 1, 1), end=date(2026, 12, 31), today=date(2026, 7, 2)
        ).percent_of_target
        == 0
    )
