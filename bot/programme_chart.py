"""The programme's chart: one horizontal bar per partnership, sorted, readable at 40 and more.

Each bar is the share of the current period's targets (all groups together) trained so far; a
tick marks the pro-rata share expected by today, so a bar short of its tick is behind plan.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg  # headless: draws to memory
from matplotlib.figure import Figure

from bot.chart import PLAN_COLOUR, TARGET_COLOUR, TRAINED_COLOUR

ROW_HEIGHT, MARGIN_TOP, MARGIN_BOTTOM, WIDTH = 0.32, 0.9, 0.8, 10.0


@dataclass(frozen=True)
class Bar:
    """One partnership's totals in its current period."""

    name: str
    trained: int
    expected: float
    target: int

    @property
    def share(self) -> float:
        """Trained as a share of the target (0 without a target)."""
        return self.trained / self.target if self.target else 0.0


@dataclass(frozen=True)
class ProgrammeLabels:
    """The chart's words, in the reader's language."""

    title: str
    axis: str
    expected: str
    no_plan: str


def render(bars: list[Bar], labels: ProgrammeLabels) -> bytes:
    """A PNG: the partnerships with a plan, furthest behind on top; those without one listed apart."""
    planned = sorted((b for b in bars if b.target), key=lambda b: (b.share - b.expected / b.target, b.name))
    unplanned = [b.name for b in bars if not b.target]
    rows = max(1, len(planned))
    height = MARGIN_TOP + MARGIN_BOTTOM + ROW_HEIGHT * rows + (0.4 if unplanned else 0)
    figure = Figure(figsize=(WIDTH, height), dpi=100)
    FigureCanvasAgg(figure)
    figure.suptitle(labels.title, fontsize="large", fontweight="bold", parse_math=False)
    axes = figure.add_axes(
        (
            3.0 / WIDTH,
            (MARGIN_BOTTOM + (0.4 if unplanned else 0)) / height,
            6.3 / WIDTH,
            ROW_HEIGHT * rows / height,
        )
    )
    positions = list(range(len(planned)))[::-1]  # the first (worst) on top
    shares = [min(b.share, 1.5) * 100 for b in planned]
    axes.barh(positions, shares, color=TRAINED_COLOUR, height=0.7)
    axes.scatter(
        [b.expected / b.target * 100 for b in planned],
        positions,
        marker="|",
        s=250,
        color=TARGET_COLOUR,
        label=labels.expected,
        zorder=3,
    )
    axes.set_yticks(positions, [b.name[:40] for b in planned], fontsize="small")
    for label in axes.get_yticklabels():
        label.set_parse_math(False)
    for y, b, share in zip(positions, planned, shares, strict=True):
        axes.text(share + 1, y, f"{b.trained}/{b.target}", va="center", fontsize="x-small", color=PLAN_COLOUR)
    axes.set_xlim(0, max([110.0, *(s + 15 for s in shares)]))
    axes.set_ylim(-0.6, rows - 0.4)
    axes.axvline(100, color=PLAN_COLOUR, linewidth=0.8, linestyle="--")
    axes.set_xlabel(labels.axis)
    if planned:
        axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)
    if unplanned:
        text = labels.no_plan + ", ".join(unplanned)
        figure.text(0.02, 0.15 / height, text[:300], fontsize="small", color=PLAN_COLOUR, parse_math=False)
    return _png(figure)


def _png(figure: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
