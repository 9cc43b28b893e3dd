"""The progress chart: one small panel per target group, each on its own scale, showing the
residents trained since the period began against the pro-rata plan and the target."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg  # headless: draws to memory
from matplotlib.dates import AutoDateLocator
from matplotlib.dates import date2num as _date2num
from matplotlib.dates import num2date as _num2date
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from bot.progress import elapsed_share

TRAINED_COLOUR = "#1f5fa8"
PLAN_COLOUR = "#8a8a8a"
TARGET_COLOUR = "#c0392b"
TODAY_COLOUR = "#e67e22"
PANEL_WIDTH, PANEL_HEIGHT, MIN_WIDTH = 5.0, 3.0, 9.0


def date2num(day: date) -> float:
    """Matplotlib's number for a date (its own function is untyped)."""
    return float(_date2num(day))  # type: ignore[no-untyped-call]


def num2date(value: float) -> date:
    """The calendar date of one of matplotlib's date numbers."""
    return _num2date(value).date()  # type: ignore[no-untyped-call,no-any-return]


@dataclass(frozen=True)
class Panel:
    """One target group in the chosen period."""

    title: str  # already localized, e.g. "Seniorzy: 9 z 100 (9%)"; drawn as plain text
    trained: list[tuple[date, int]]  # residents trained per day of a session (not cumulative)
    target: int | None  # the period's target, if one is set


@dataclass(frozen=True)
class Labels:
    """The chart's words in the reader's language."""

    trained: str
    plan: str
    target: str
    today: str
    no_data: str
    hint: str = ""


@dataclass(frozen=True)
class ChartData:
    """What to draw: a period (or the whole plan) and one panel per target group."""

    title: str
    start: date
    end: date
    today: date
    panels: list[Panel] = field(default_factory=list)


def cumulative(trained: list[tuple[date, int]], *, start: date, upto: date) -> list[tuple[date, int]]:
    """A running total from 0 at the start to the last day shown, one point per session day."""
    points = [(start, 0)]
    total = 0
    for day, n in sorted(trained):
        if day < start or day > upto:
            continue
        total += n
        if points[-1][0] == day:
            points[-1] = (day, total)
        else:
            points.append((day, total))
    if points[-1][0] < upto:
        points.append((upto, total))  # carried flat to today, so even one session draws a line
    return points


def _grid(n: int) -> tuple[int, int]:
    """Rows and columns for n panels: one column up to 1, two up to 4, then three."""
    cols = 1 if n == 1 else 2 if n <= 4 else 3
    return math.ceil(n / cols), cols


def render(data: ChartData, labels: Labels, *, day_label: Callable[[date], str]) -> bytes:
    """A PNG with one panel per group, or a clear 'no data yet' picture when there is none.

    Uses a Figure of its own (not pyplot's global state), so it can run in a worker thread.
    Every text from users is drawn with math text off: a name like "$\\bad$" stays as typed.
    """
    if not data.panels:
        return _empty(data, labels)
    rows, cols = _grid(len(data.panels))
    width = max(PANEL_WIDTH * cols, MIN_WIDTH)  # room for the title and the legend
    figure = Figure(figsize=(width, PANEL_HEIGHT * rows + 1.3), dpi=100)
    FigureCanvasAgg(figure)
    figure.suptitle(data.title, fontsize="large", fontweight="bold", parse_math=False)
    axes_list = figure.subplots(rows, cols, squeeze=False).flatten()
    upto = min(data.today, data.end)
    for axes, panel in zip(axes_list, data.panels, strict=False):
        _draw_panel(axes, panel, data, upto, labels, day_label)
    for axes in axes_list[len(data.panels) :]:
        axes.set_visible(False)
    handles, names = axes_list[0].get_legend_handles_labels()
    legend = figure.legend(handles, names, loc="lower center", ncol=len(names), frameon=False)
    for text in legend.get_texts():
        text.set_parse_math(False)
    # Fixed margins in inches (tight_layout measured every label and doubled the drawing time).
    height = PANEL_HEIGHT * rows + 1.3
    figure.subplots_adjust(
        left=0.7 / width,
        right=1 - 0.25 / width,
        top=1 - 0.75 / height,
        bottom=0.85 / height,
        wspace=0.25,
        hspace=0.5,
    )
    return _png(figure)


def _draw_panel(
    axes: object,
    panel: Panel,
    data: ChartData,
    upto: date,
    labels: Labels,
    day_label: Callable[[date], str],
) -> None:
    """One group: trained so far (steps), the pro-rata plan, the target and today."""
    from matplotlib.axes import Axes

    assert isinstance(axes, Axes)
    start, end = date2num(data.start), date2num(data.end)
    top = 0
    if panel.target:
        axes.plot([start, end], [0, panel.target], linestyle="--", color=PLAN_COLOUR, label=labels.plan)
        axes.axhline(panel.target, color=TARGET_COLOUR, linestyle=":", linewidth=1.2, label=labels.target)
        top = panel.target
    if data.start <= upto:
        points = cumulative(panel.trained, start=data.start, upto=upto)
        days = [date2num(d) for d, _n in points]
        counts = [n for _d, n in points]
        axes.step(days, counts, where="post", color=TRAINED_COLOUR, linewidth=2.2, label=labels.trained)
        sessions = [(date2num(d), n) for d, n in points[1:] if any(d == s for s, _ in panel.trained)]
        if sessions:
            axes.plot(*zip(*sessions, strict=True), "o", color=TRAINED_COLOUR, markersize=4)
        top = max(top, counts[-1])
    if data.start <= data.today <= data.end:
        today = date2num(data.today)
        axes.axvline(today, color=TODAY_COLOUR, linewidth=1.2, label=labels.today)
        if panel.target:
            # Where the plan expects the group to be today, as /status says it.
            expected = panel.target * elapsed_share(data.start, data.end, data.today)
            axes.plot([today], [expected], "o", color=PLAN_COLOUR, markersize=5)
            axes.annotate(
                f"{round(expected)}",
                (today, expected),
                textcoords="offset points",
                xytext=(-6, 4),
                ha="right",
                fontsize="small",
                color=PLAN_COLOUR,
            )
    axes.set_xlim(start, end)
    axes.set_ylim(0, max(1, top) * 1.15)
    axes.set_title(panel.title, fontsize="medium", loc="left", parse_math=False)
    axes.grid(True, alpha=0.3)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    axes.xaxis.set_major_locator(AutoDateLocator(minticks=3, maxticks=5))  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: day_label(num2date(value))))
    axes.tick_params(labelsize="small")


def _empty(data: ChartData, labels: Labels) -> bytes:
    """A picture that says there is nothing to draw yet, and what to do about it."""
    figure = Figure(figsize=(8, 3.2), dpi=100)
    FigureCanvasAgg(figure)
    figure.text(0.5, 0.8, data.title, ha="center", fontsize="x-large", fontweight="bold", parse_math=False)
    figure.text(
        0.5, 0.5, labels.no_data, ha="center", fontsize="xx-large", color=PLAN_COLOUR, parse_math=False
    )
    if labels.hint:
        figure.text(0.5, 0.25, labels.hint, ha="center", fontsize="medium", wrap=True, parse_math=False)
    return _png(figure)


def _png(figure: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
