"""The partnership card as a PNG, sized to be read on a phone (1080 px wide)."""

from __future__ import annotations

import io
import textwrap

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from bot.render.blocks import Card

WIDTH_IN, DPI = 7.2, 150  # 1080 px
INK, MUTED, ACCENT, PAPER, BAND = "#1d2a3a", "#5b6675", "#1f5fa8", "#ffffff", "#eaf1fa"
WRAP_NAME, WRAP_LINE = 40, 58


def _kept_together(line: str) -> list[str]:
    """A contribution wrapped between its parts ("9 participants recruited · 1 room lent"), not inside one."""
    parts = line.split(" · ")
    glued = " · ".join(part.replace(" ", "\u00a0") for part in parts) if len(parts) > 1 else line
    return [
        row.replace("\u00a0", " ") for row in textwrap.wrap(glued, WRAP_LINE, break_long_words=False)
    ] or [""]


def _partner_lines(card: Card) -> list[tuple[list[str], list[str]]]:
    """Each partner's name and contribution, wrapped to the card's width."""
    return [(textwrap.wrap(name, WRAP_NAME) or [""], _kept_together(line)) for name, line in card.partners]


def render_card(card: Card) -> bytes:
    """Draw the card; its height grows with the number of partners."""
    wrapped = _partner_lines(card)
    title = textwrap.wrap(card.title, 30) or [""]
    header = 1.0 + 0.45 * len(title) + 1.5
    body = sum(0.34 * len(n) + 0.3 * len(c) + 0.25 for n, c in wrapped)
    height = header + 0.6 + body + 0.7
    figure = Figure(figsize=(WIDTH_IN, height), dpi=DPI, facecolor=PAPER)
    FigureCanvasAgg(figure)

    def put(
        x: float,
        y_in: float,
        text: str,
        size: float,
        colour: str,
        *,
        bold: bool = False,
        centre: bool = False,
    ) -> None:
        """One line of text, `y_in` inches from the top."""
        weight, align = ("bold" if bold else "normal"), ("center" if centre else "left")
        figure.text(
            x,
            1 - y_in / height,
            text,
            va="top",
            ha=align,
            fontsize=size,
            color=colour,
            fontweight=weight,
            parse_math=False,  # a "$" in a partner's name is text, not a formula
        )

    y = 0.55
    for line in title:
        put(0.5, y, line, 24, ACCENT, centre=True, bold=True)
        y += 0.45
    put(0.5, y + 0.05, card.subtitle, 14, MUTED, centre=True)
    y += 0.55
    _stats(figure, card, 1 - y / height, 1 - (y + 1.2) / height)
    y += 1.45
    put(0.07, y, card.heading, 16, INK, bold=True)
    y += 0.5
    for names, lines in wrapped:
        for line in names:
            put(0.07, y, line, 15, INK, bold=True)
            y += 0.34
        for line in lines:
            put(0.09, y, line, 12.5, MUTED)
            y += 0.3
        y += 0.25
    put(0.5, height - 0.5, card.footer, 11, MUTED, centre=True)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor=PAPER)
    return buffer.getvalue()


def _stats(figure: Figure, card: Card, top: float, bottom: float) -> None:
    """The headline numbers in a band across the card."""
    figure.patches.append(
        FancyBboxPatch(
            (0.05, bottom),
            0.9,
            top - bottom,
            boxstyle="round,pad=0.0,rounding_size=0.02",
            transform=figure.transFigure,
            facecolor=BAND,
            edgecolor="none",
        )
    )
    count = max(len(card.stats), 1)
    for i, (number, label) in enumerate(card.stats):
        x = 0.05 + 0.9 * (i + 0.5) / count
        figure.text(
            x,
            top - (top - bottom) * 0.2,
            number,
            ha="center",
            va="top",
            fontsize=30,
            fontweight="bold",
            color=ACCENT,
            parse_math=False,
        )
        for j, line in enumerate(textwrap.wrap(label, 18)[:2]):
            figure.text(
                x,
                bottom + (top - bottom) * (0.3 - 0.17 * j),
                line,
                ha="center",
                va="center",
                fontsize=12,
                color=INK,
                parse_math=False,
            )
