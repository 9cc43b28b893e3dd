"""Targets against results as a bar chart (PNG), for the recommendations document."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

TARGET_COLOUR, TRAINED_COLOUR = "#c9d3df", "#1f5fa8"


def bars(
    labels: list[str], targets: list[int], trained: list[int], *, target: str, trained_word: str
) -> bytes:
    """Horizontal bars, one pair per group and period: the target behind, the trained in front."""
    height = 1.2 + 0.45 * len(labels)
    figure = Figure(figsize=(8, height), dpi=120)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    rows = list(range(len(labels)))[::-1]
    axes.barh(rows, targets, color=TARGET_COLOUR, label=target, height=0.7)
    axes.barh(rows, trained, color=TRAINED_COLOUR, label=trained_word, height=0.4)
    axes.set_yticks(rows, labels)
    for tick in axes.get_yticklabels():
        tick.set_parse_math(False)  # a "$" in a group's or period's name is text
    for y, n in zip(rows, trained, strict=True):
        axes.text(n, y, f" {n}", va="center", fontsize=9)
    axes.legend(loc="lower right", fontsize=9)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
