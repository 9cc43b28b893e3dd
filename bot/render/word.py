"""Documents as DOCX (python-docx), from the same blocks as the PDF."""

from __future__ import annotations

import io

from docx import Document as new_docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Inches, Pt

from bot.render.blocks import Document, Image, Style, Table, Text

HEADINGS = {Style.TITLE: 0, Style.HEADING: 1, Style.SUBHEADING: 2}


def render_docx(document: Document) -> bytes:
    """The document as DOCX bytes."""
    doc = new_docx()
    doc.core_properties.title = document.title
    for block in document.blocks:
        if isinstance(block, Text):
            _text(doc, block)
        elif isinstance(block, Table):
            _table(doc, block)
        elif isinstance(block, Image):
            doc.add_picture(io.BytesIO(block.png), width=Inches(6.3))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _text(doc: object, block: Text) -> None:
    """A heading or a paragraph."""
    if block.style in HEADINGS:
        paragraph = doc.add_heading(block.text, level=HEADINGS[block.style])  # type: ignore[attr-defined]
    elif block.style is Style.BULLET:
        paragraph = doc.add_paragraph(block.text, style="List Bullet")  # type: ignore[attr-defined]
    else:
        paragraph = doc.add_paragraph(block.text)  # type: ignore[attr-defined]
        if block.style in (Style.NOTE, Style.SUBTITLE):
            for run in paragraph.runs:
                run.font.size = Pt(9.5 if block.style is Style.NOTE else 12)
    if block.centred:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _table(doc: object, block: Table) -> None:
    """A table with a bold header row."""
    if not block.rows:
        return
    table = doc.add_table(rows=0, cols=len(block.rows[0]))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for index, row in enumerate(block.rows):
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
            if index == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True
