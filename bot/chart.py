"""The progress chart: trained residents over time per target group, against the targets."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from matplotlib import rcParams
from matplotlib.backends.backend_agg import FigureCanvasAgg  # headless: draws to memory
from matplotlib.dates import date2num as _date2num
from matplotlib.figure import Figure


def date2num(day: date) -> float:
    """Matplotlib's number for a date (its own function is untyped)."""
    return float(_date2num(day))  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Series:
    """One target group: cumulative trained by date, and its targets per period."""

    label: str
    points: list[tuple[date, int]]
    targets: list[tuple[date, date, int]]  # period start, end, cumulative target at its end


def render(series: list[Series], *, title: str, trained_label: str, target_label: str) -> bytes:
    """A PNG line chart; each group's target is a dashed line of the same colour.

    Uses a Figure of its own (not pyplot's global state), so it can run in a worker thread.
    """
    figure = Figure(figsize=(9, 5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    colours = rcParams["axes.prop_cycle"].by_key()["color"]
    for index, item in enumerate(series):
        colour = colours[index % len(colours)]
        if item.points:
            days = [date2num(d) for d, _n in item.points]
            counts = [n for _d, n in item.points]
            axes.step(days, counts, where="post", color=colour, label=f"{item.label}: {trained_label}")
        reached = 0  # the cumulative target before each period
        for number, (start, end, cumulative) in enumerate(item.targets):
            axes.plot(
                [date2num(start), date2num(end)],
                [reached, cumulative],
                linestyle="--",
                color=colour,
                label=f"{item.label}: {target_label}" if number == 0 else None,
            )
            reached = cumulative
    axes.xaxis_date()
    axes.set_title(title)
    axes.grid(True, alpha=0.3)
    if series:
        axes.legend(loc="upper left", fontsize="small")
    figure.autofmt_xdate()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
