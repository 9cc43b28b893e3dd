"""The chart's pure logic: which period is drawn and the running totals it draws."""

from __future__ import annotations

from datetime import date

from bot import chart
from bot.i18n import format_day, format_local, format_tick
from bot.models import PlanPeriod
from bot.services.charting import choose_period


def _periods() -> list[PlanPeriod]:
    return [
        PlanPeriod(
            id=1, partnership_id=1, name="2025", starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31)
        ),
        PlanPeriod(
            id=2, partnership_id=1, name="Wiosna 2026", starts_on=date(2026, 3, 1), ends_on=date(2026, 6, 30)
        ),
    ]


def test_the_current_period_by_default_and_others_by_name() -> None:
    periods = _periods()
    assert choose_period(periods, date(2026, 4, 1)) is periods[1]
    assert choose_period(periods, date(2026, 1, 15)) is periods[0]  # between periods: the latest begun
    assert choose_period(periods, date(2024, 6, 1)) is periods[0]  # before all: the first
    assert choose_period(periods, date(2026, 4, 1), "wiosna 2026") is periods[1]
    assert choose_period(periods, date(2026, 4, 1), "2025") is periods[0]
    assert choose_period(periods, date(2026, 4, 1), "2031") is None
    assert choose_period([], date(2026, 4, 1)) is None


def test_cumulative_from_the_period_start_carried_to_today() -> None:
    one = chart.cumulative([(date(2026, 3, 10), 9)], start=date(2026, 3, 1), upto=date(2026, 4, 1))
    assert one == [(date(2026, 3, 1), 0), (date(2026, 3, 10), 9), (date(2026, 4, 1), 9)]
    before_and_after = chart.cumulative(
        [(date(2026, 2, 1), 5), (date(2026, 3, 2), 1), (date(2026, 3, 2), 2), (date(2026, 5, 1), 7)],
        start=date(2026, 3, 1),
        upto=date(2026, 4, 1),
    )
    assert before_and_after == [(date(2026, 3, 1), 0), (date(2026, 3, 2), 3), (date(2026, 4, 1), 3)]


def test_user_text_on_a_chart_is_plain_text() -> None:
    data = chart.ChartData(
        "$\\bad$ {x}",
        date(2026, 1, 1),
        date(2026, 12, 31),
        date(2026, 6, 1),
        [chart.Panel("$\\bad$: 2", [(date(2026, 2, 1), 2)], None), chart.Panel("_hidden", [], 5)],
    )
    labels = chart.Labels("$trained$", "plan", "target", "today", "none")
    assert chart.render(data, labels, day_label=str).startswith(b"\x89PNG")
    assert chart.render(
        chart.ChartData("$\\bad$", date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 1)),
        labels,
        day_label=str,
    ).startswith(b"\x89PNG")


def test_dates_read_day_before_month_without_seconds() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    moment, zone = datetime(2026, 12, 10, 16, 30, 59, tzinfo=UTC), ZoneInfo("Europe/Warsaw")
    assert format_local(moment, locale="en", zone=zone) == "10 Dec 2026, 17:30"
    assert format_local(moment, locale="pl", zone=zone) == "10.12.2026, 17:30"
    assert format_local(moment, locale="pl", zone=zone, fmt="long") == "czwartek, 10 grudnia 2026, 17:30"
    assert format_day(date(2026, 3, 5), locale="en") == "5 Mar 2026"
    assert (
        format_tick(date(2026, 11, 1), locale="pl") == "lis 2026"
        and format_tick(date(2026, 11, 5), locale="en") == "5 Nov"
    )
