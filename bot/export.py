"""Spreadsheets a coordinator hands to the municipality or the funder instead of forms.

Every text is written as text: control characters (which XML forbids) are removed, and a text
that a spreadsheet would read as a formula (=, +, -, @) is kept as a plain string in XLSX and
prefixed with an apostrophe in CSV. Dates and times are real date cells.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bot.models import TargetGroup
from bot.text import without_controls

Cell = str | int | float | date | datetime | None
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT, MOMENT_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"


class TableKey(StrEnum):
    """The tables of the export, in the order of the workbook."""

    PARTNERS = "partners"
    RESOURCES = "resources"
    PLAN = "plan"
    TARGET_CHANGES = "target_changes"
    SESSIONS = "sessions"
    TRAINED_PER_GROUP = "trained_per_group"
    RECRUITMENT = "recruitment"
    LOG = "log"


class Vocabulary(StrEnum):
    """What kind of stable key a `Word` cell holds."""

    PARTNER_KIND = "partner_kind"
    PARTNER_STATUS = "partner_status"
    JOIN_FORM = "join_form"
    RESOURCE_KIND = "resource_kind"
    SOURCE = "source"  # where participants heard of a session: "other" when not from a partner
    ERASED = "erased"  # an author or text erased on request or by retention (see bot.erased)


@dataclass(frozen=True)
class Word:
    """A stable key (a kind, a status) the presenter puts into words."""

    key: str
    vocabulary: Vocabulary


ExportCell = Cell | Word | TargetGroup  # kinds and target groups are put into words by the presenter


@dataclass
class Table:
    """One table of the export, before it is put into words."""

    key: TableKey
    rows: list[list[ExportCell]] = field(default_factory=list)
    omitted: int = 0  # the oldest rows left out to keep the sheet a workable size


@dataclass
class Sheet:
    """One table of the export."""

    name: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


def clean(text: str) -> str:
    """A user's text without the control characters XML (and so XLSX) cannot hold."""
    return without_controls(text).replace("\r", "")


def _shown(value: Cell) -> str:
    """A cell as text, for measuring column widths and for CSV."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _put(cell: SheetCell, value: Cell) -> None:
    """Write one cell: texts always as strings (never formulas), dates with a date format."""
    if isinstance(value, str):
        cell.value = clean(value)
        cell.data_type = "s"  # openpyxl would otherwise take '=...' for a formula
        return
    cell.value = value
    if isinstance(value, datetime):
        cell.number_format = MOMENT_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT


def workbook(sheets: list[Sheet]) -> bytes:
    """An XLSX workbook, one worksheet per table, headers bold and columns sized to fit."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for sheet in sheets:
        ws = book.create_sheet(title=clean(sheet.name)[:31])
        for column, header in enumerate(sheet.headers, start=1):
            cell = ws.cell(row=1, column=column)
            _put(cell, header)
            cell.font = Font(bold=True)
        for row_number, row in enumerate(sheet.rows, start=2):
            for column, value in enumerate(row, start=1):
                _put(ws.cell(row=row_number, column=column), value)
        for index, header in enumerate(sheet.headers, start=1):
            longest = max([len(str(header))] + [len(_shown(r[index - 1])) for r in sheet.rows[:500]])
            ws.column_dimensions[get_column_letter(index)].width = min(60, longest + 2)
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_value(value: Cell) -> str | int | float:
    """A cell for CSV: a text that would start a formula gets a leading apostrophe."""
    if isinstance(value, str):
        text = clean(value)
        return "'" + text if text.startswith(FORMULA_START) else text
    if value is None or isinstance(value, (date, datetime)):
        return _shown(value)
    return value


def csv_archive(sheets: list[Sheet]) -> bytes:
    """A ZIP of CSV files, one per table (UTF-8 with BOM so spreadsheets read Polish letters)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for sheet in sheets:
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow([csv_value(h) for h in sheet.headers])
            writer.writerows([csv_value(c) for c in row] for row in sheet.rows)
            name = clean(sheet.name).replace("/", "-")
            archive.writestr(f"{name}.csv", "\ufeff" + text.getvalue())
    return buffer.getvalue()
