"""Spreadsheets a coordinator hands to the municipality or the funder instead of forms."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

Cell = str | int | float | None


@dataclass
class Sheet:
    """One table of the export."""

    name: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


def workbook(sheets: list[Sheet]) -> bytes:
    """An XLSX workbook, one worksheet per table, headers bold and columns sized to fit."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for sheet in sheets:
        ws = book.create_sheet(title=sheet.name[:31])
        ws.append(sheet.headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            ws.append(row)
        for index, header in enumerate(sheet.headers, start=1):
            longest = max([len(str(header))] + [len(str(r[index - 1] or "")) for r in sheet.rows[:500]])
            ws.column_dimensions[get_column_letter(index)].width = min(60, longest + 2)
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_archive(sheets: list[Sheet]) -> bytes:
    """A ZIP of CSV files, one per table (UTF-8 with BOM so spreadsheets read Polish letters)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for sheet in sheets:
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(sheet.headers)
            writer.writerows(["" if c is None else c for c in row] for row in sheet.rows)
            archive.writestr(f"{sheet.name}.csv", "\ufeff" + text.getvalue())
    return buffer.getvalue()
