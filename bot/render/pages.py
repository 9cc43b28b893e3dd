"""Documents as PDF pages (A4), drawn with matplotlib; DejaVu Sans is embedded, so Polish letters render."""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass, field

import matplotlib.image as mpimg
from matplotlib import rc_context
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from bot.render.blocks import Block, Document, Image, Style, Table, Text

PAGE_W, PAGE_H, MARGIN = 8.27, 11.69, 0.85  # inches
TEXT_W = PAGE_W - 2 * MARGIN
# (font size, bold, space before, space after) per style, in points and inches.
LOOK = {
    Style.TITLE: (22, True, 0.0, 0.25),
    Style.SUBTITLE: (13, False, 0.0, 0.3),
    Style.HEADING: (15, True, 0.25, 0.12),
    Style.SUBHEADING: (12, True, 0.15, 0.08),
    Style.PARAGRAPH: (11, False, 0.0, 0.1),
    Style.BULLET: (11, False, 0.0, 0.05),
    Style.NOTE: (9.5, False, 0.0, 0.08),
    Style.SIGNATURE: (11, False, 0.5, 0.05),
}
COLOURS = {Style.TITLE: "#1f5fa8", Style.HEADING: "#1f5fa8", Style.NOTE: "#5b6675"}


@dataclass
class _Pages:
    """The pages drawn so far and where the next line goes."""

    pdf: PdfPages
    title: str
    figure: Figure | None = None
    y: float = MARGIN  # from the top, inches
    number: int = 0
    done: list[Figure] = field(default_factory=list)

    def page(self) -> Figure:
        """The current page (a new one when none is open)."""
        if self.figure is None:
            self.figure = Figure(figsize=(PAGE_W, PAGE_H))
            self.number += 1
            self.y = MARGIN
            self.figure.text(
                PAGE_W - MARGIN,
                0.5,
                str(self.number),
                transform=self.figure.dpi_scale_trans,
                ha="right",
                fontsize=8,
                color="#5b6675",
            )
        return self.figure

    def room(self, needed: float) -> Figure:
        """The page, turned first if `needed` inches do not fit."""
        if self.figure is not None and self.y + needed > PAGE_H - MARGIN:
            self.flush()
        return self.page()

    def flush(self) -> None:
        """Finish the current page."""
        if self.figure is not None:
            self.pdf.savefig(self.figure)  # type: ignore[no-untyped-call]
            self.figure = None

    def put(
        self,
        x: float,
        text: str,
        *,
        size: float,
        bold: bool = False,
        colour: str = "#1d2a3a",
        centred: bool = False,
    ) -> None:
        """One line of text at the cursor (x from the left edge, inches)."""
        figure = self.page()
        figure.text(
            PAGE_W / 2 if centred else x,
            PAGE_H - self.y,
            text,
            transform=figure.dpi_scale_trans,
            ha="center" if centred else "left",
            va="top",
            fontsize=size,
            fontweight="bold" if bold else "normal",
            color=colour,
            parse_math=False,
        )


def _chars(size: float, width: float, *, bold: bool = False) -> int:
    """How many characters of DejaVu Sans at `size` points fit in `width` inches (a safe estimate)."""
    return max(10, int(width * 72 / (size * (0.6 if bold else 0.52))))


def _text(pages: _Pages, block: Text) -> None:
    """A wrapped paragraph."""
    size, bold, before, after = LOOK[block.style]
    indent = 0.25 if block.style is Style.BULLET else 0.0
    line_h = size * 1.45 / 72
    for n, raw in enumerate(block.text.split("\n")):
        lines = textwrap.wrap(raw, _chars(size, TEXT_W - indent, bold=bold)) or [""]
        # A heading keeps at least two lines of what follows on its page.
        follow = (
            2 * LOOK[Style.PARAGRAPH][0] * 1.45 / 72
            if block.style in (Style.HEADING, Style.SUBHEADING)
            else 0
        )
        pages.room(line_h * min(len(lines), 3) + (before if n == 0 else 0) + follow)
        pages.y += before if n == 0 else 0
        for i, line in enumerate(lines):
            pages.room(line_h)
            if block.style is Style.BULLET and i == 0 and n == 0:
                pages.put(MARGIN + 0.08, "•", size=size)
            pages.put(
                MARGIN + indent,
                line,
                size=size,
                bold=bold,
                colour=COLOURS.get(block.style, "#1d2a3a"),
                centred=block.centred,
            )
            pages.y += line_h
    pages.y += after


def _table(pages: _Pages, block: Table) -> None:
    """A table with a bold header and thin rules; columns as wide as their longest cell allows."""
    if not block.rows:
        return
    size, line_h = 9.5, 9.5 * 1.5 / 72
    columns = len(block.rows[0])
    longest = [max(len(r[c]) for r in block.rows) + 2 for c in range(columns)]
    widths = [TEXT_W * n / sum(longest) for n in longest]
    for index, row in enumerate(block.rows):
        cells = [textwrap.wrap(cell, _chars(size, w)) or [""] for cell, w in zip(row, widths, strict=True)]
        height = line_h * max(len(c) for c in cells) + 0.06
        figure = pages.room(height)
        x = MARGIN
        for lines, width in zip(cells, widths, strict=True):
            for i, line in enumerate(lines):
                figure.text(
                    x + 0.04,
                    PAGE_H - pages.y - 0.03 - i * line_h,
                    line,
                    transform=figure.dpi_scale_trans,
                    va="top",
                    fontsize=size,
                    fontweight="bold" if index == 0 else "normal",
                    parse_math=False,
                )
            x += width
        pages.y += height
        rule = PAGE_H - pages.y
        figure.add_artist(_rule(figure, rule, heavy=index == 0))
    pages.y += 0.15


def _rule(figure: Figure, y: float, *, heavy: bool) -> Line2D:
    """A horizontal rule across the text width at height y (inches from the bottom)."""
    return Line2D(
        [MARGIN, PAGE_W - MARGIN],
        [y, y],
        transform=figure.dpi_scale_trans,
        linewidth=1.0 if heavy else 0.4,
        color="#5b6675",
    )


def _image(pages: _Pages, block: Image) -> None:
    """A picture scaled to the text width."""
    picture = mpimg.imread(io.BytesIO(block.png), format="png")
    height_px, width_px = picture.shape[0], picture.shape[1]
    height = min(TEXT_W * height_px / width_px, PAGE_H - 2 * MARGIN)
    width = height * width_px / height_px
    figure = pages.room(height + 0.1)
    axes = figure.add_axes(
        (MARGIN / PAGE_W, (PAGE_H - pages.y - height) / PAGE_H, width / PAGE_W, height / PAGE_H)
    )
    axes.imshow(picture)
    axes.set_axis_off()
    pages.y += height + 0.15


def render_pdf(document: Document) -> bytes:
    """The document as PDF bytes (fonts embedded as TrueType, so text can be copied and searched)."""
    buffer = io.BytesIO()
    looks = {"pdf.fonttype": 42, "font.family": "DejaVu Sans"}
    with (
        rc_context(looks),  # type: ignore[arg-type]
        PdfPages(buffer, metadata={"Title": document.title, "Creator": "partnerbot"}) as pdf,
    ):
        pages = _Pages(pdf, document.title)
        for block in document.blocks:
            _draw(pages, block)
        pages.page()
        pages.flush()
    return buffer.getvalue()


def _draw(pages: _Pages, block: Block) -> None:
    """Draw one block at the cursor."""
    if isinstance(block, Text):
        _text(pages, block)
    elif isinstance(block, Table):
        _table(pages, block)
    else:
        _image(pages, block)
