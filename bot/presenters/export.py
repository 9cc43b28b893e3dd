"""The export's words: sheet names, column headers and kinds and statuses in the reader's language."""

from __future__ import annotations

from collections.abc import Callable

from bot import labels as flows  # the words of kinds and statuses
from bot.erased import ERASED_TEXT, FORMER_MEMBER
from bot.export import Cell, ExportCell, Sheet, Table, TableKey, Vocabulary, Word
from bot.i18n import N_
from bot.markup import plain
from bot.models import TargetGroup

Translate = Callable[[str], str]

# Each table's sheet name and column headers.
HEADERS: dict[TableKey, tuple[str, tuple[str, ...]]] = {
    TableKey.PARTNERS: (
        N_("Partners"),
        (
            N_("Name"),
            N_("Kind"),
            N_("Status"),
            N_("How it joined"),
            N_("Representatives"),
            N_("Target groups"),
            N_("Gains"),
            N_("May hold it back"),
            N_("Leader"),
        ),
    ),
    TableKey.RESOURCES: (
        N_("Resources"),
        (N_("Partner"), N_("Kind"), N_("Description"), N_("Seats"), N_("Availability")),
    ),
    TableKey.PLAN: (
        N_("Plan"),
        (N_("Period"), N_("Start"), N_("End"), N_("Target group"), N_("Target"), N_("Trained")),
    ),
    TableKey.TARGET_CHANGES: (
        N_("Target changes"),
        (
            N_("Time"),
            N_("Period"),
            N_("Target group"),
            N_("Before"),
            N_("After"),
            N_("Changed by"),
            N_("Why"),
        ),
    ),
    TableKey.SESSIONS: (
        N_("Sessions"),
        (
            N_("Date"),
            N_("Topic"),
            N_("Target group"),
            N_("Place"),
            N_("Trainer"),
            N_("Seats"),
            N_("Registered"),
            N_("Trained"),
            N_("With a disability"),
        ),
    ),
    TableKey.TRAINED_PER_GROUP: (
        N_("Trained per group"),
        (N_("Date"), N_("Topic"), N_("Target group"), N_("Trained"), N_("With a disability")),
    ),
    TableKey.RECRUITMENT: (
        N_("Recruitment"),
        (N_("Date"), N_("Topic"), N_("Heard of it from"), N_("Participants")),
    ),
    TableKey.LOG: (
        N_("Log"),
        (N_("Time"), N_("Kind"), N_("Author"), N_("Partner"), N_("Channel"), N_("Text")),
    ),
}

VOCABULARIES: dict[Vocabulary, dict[str, str]] = {
    Vocabulary.PARTNER_KIND: flows.PARTNER_KIND_LABELS,
    Vocabulary.PARTNER_STATUS: flows.STATUS_LABELS,
    Vocabulary.JOIN_FORM: flows.JOIN_FORM_LABELS,
    Vocabulary.RESOURCE_KIND: flows.RESOURCE_LABELS,
    Vocabulary.SOURCE: {"other": N_("other channels")},
    Vocabulary.ERASED: {"author": FORMER_MEMBER, "text": ERASED_TEXT},
}


def word(_: Translate, cell: Word) -> str:
    """A stable key in words; an unknown join form is left blank, other unknown keys shown as they are."""
    label = VOCABULARIES[cell.vocabulary].get(cell.key)
    if label is not None:
        return _(label)
    return "" if cell.vocabulary is Vocabulary.JOIN_FORM else _(cell.key)


def headers(_: Translate, table: Table) -> list[str]:
    """A table's column headers; a log cut short says how many older entries were left out."""
    names = [_(h) for h in HEADERS[table.key][1]]
    if table.key is TableKey.LOG and table.omitted:
        names[5] = plain(_("Text (older entries left out: {count})"), count=table.omitted)
    return names


def present(tables: list[Table], *, _: Translate, group_label: Callable[[TargetGroup], str]) -> list[Sheet]:
    """The tables as sheets in the reader's language."""

    def cell(value: ExportCell) -> Cell:
        """One value as a spreadsheet cell."""
        if isinstance(value, Word):
            return word(_, value)
        if isinstance(value, TargetGroup):
            return group_label(value)
        return value

    return [
        Sheet(_(HEADERS[t.key][0]), headers(_, t), [[cell(v) for v in row] for row in t.rows]) for t in tables
    ]
