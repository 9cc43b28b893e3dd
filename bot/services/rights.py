"""A person's data rights: a copy of everything about them (art. 15, 20) and erasure (art. 17).

Erasure runs in bounded batches, one transaction each, and only touches rows not yet erased, so a
crash half-way leaves whole batches done and a rerun (the person again, or the daily retention
job, which finishes every unfinished request) completes it. Counts stay: a message, an answer or
an RSVP keeps its row with its partner, day and answer; only its words and names are gone.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, delete, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import export
from bot.db import Database, insert_ignoring_duplicates, utcnow
from bot.export import Cell, Sheet
from bot.models import (
    Appointment,
    CheckinAnswer,
    CheckinRound,
    Draft,
    EntryKind,
    ErasureRequest,
    Invitation,
    JoinRequest,
    LogEntry,
    LogEntryRevision,
    Meeting,
    MeetingReply,
    Partner,
    Partnership,
    Person,
    ReminderPause,
    Representative,
    Task,
)
from bot.services import registry

log = logging.getLogger(__name__)
BATCH = 500  # rows per transaction: short locks, and a crash loses at most one batch's work


async def _batch_done() -> None:
    """Called after each committed batch (tests inject a crash here)."""


after_batch: Callable[[], Awaitable[None]] = _batch_done


def _row(values: list[object]) -> list[Cell]:
    """Values as spreadsheet cells (anything else as text)."""
    return [v if v is None or isinstance(v, str | int | float | date | datetime) else str(v) for v in values]


def columns(*items: Any) -> Select[Any]:
    """A select of columns, for tables of mixed kinds."""
    return sa_select(*items)


async def _sheet(session: AsyncSession, name: str, headers: list[str], statement: Select[Any]) -> Sheet:
    """A sheet from a select statement whose columns match the headers."""
    connection = await session.connection()
    rows = await connection.execute(statement)
    return Sheet(name, headers, [_row(list(r)) for r in rows])


async def personal_sheets(session: AsyncSession, *, user_id: int) -> list[Sheet]:
    """Every record about a person, one table per kind, with the names needed to read them."""
    person = await session.get(Person, user_id)
    profile = Sheet(
        "profile",
        ["user_id", "first_name", "last_name", "username", "language_code", "locale", "updated_at"],
    )
    if person is not None:
        profile.rows.append(
            _row(
                [
                    person.user_id,
                    person.first_name,
                    person.last_name,
                    person.username,
                    person.language_code,
                    person.locale,
                    person.updated_at,
                ]
            )
        )
    roles = Sheet("roles", ["partnership", "role"])
    for partnership in await registry.partnerships_of(session, user_id=user_id):
        for role in sorted(await registry.roles_in(session, partnership=partnership, user_id=user_id)):
            roles.rows.append([partnership.name, role.value])
    return [profile, roles, *await _records(session, user_id=user_id)]


Query = tuple[str, list[str], Select[Any]]


def fields(names: str) -> list[str]:
    """Column headers written as one line of words."""
    return names.split()


async def _records(session: AsyncSession, *, user_id: int) -> list[Sheet]:
    """The person's records in every partnership, besides the profile and roles."""
    queries = [*_role_queries(user_id), *_log_queries(user_id), *_answer_queries(user_id)]
    queries += _other_queries(user_id)
    return [await _sheet(session, name, headers, statement) for name, headers, statement in queries]


def _role_queries(user_id: int) -> list[Query]:
    """The organisations the person represents and the roles they were appointed to."""
    p_name, o_name = col(Partnership.name), col(Partner.name)
    return [
        (
            "organisations",
            fields("partnership organisation name_given since"),
            columns(p_name, o_name, Representative.name, Representative.since)
            .join(Partner, col(Partner.id) == col(Representative.partner_id))
            .join(Partnership, col(Partnership.id) == col(Partner.partnership_id))
            .where(col(Representative.user_id) == user_id),
        ),
        (
            "appointments",
            fields("partnership role name_given since"),
            columns(p_name, Appointment.role, Appointment.name, Appointment.since)
            .join(Partnership, col(Partnership.id) == col(Appointment.partnership_id))
            .where(col(Appointment.user_id) == user_id),
        ),
    ]


def _log_queries(user_id: int) -> list[Query]:
    """The person's messages, contacts and events in every log, and the earlier texts of edits."""
    mine = col(LogEntry.author_user_id) == user_id
    return [
        (
            "log",
            fields(
                "id partnership kind occurred_at author_name organisation channel media text edited_at erased"
            ),
            columns(
                LogEntry.id,
                col(Partnership.name),
                LogEntry.kind,
                LogEntry.occurred_at,
                LogEntry.author_name,
                col(Partner.name),
                LogEntry.channel,
                LogEntry.media_kind,
                LogEntry.text,
                LogEntry.edited_at,
                LogEntry.erased,
            )
            .join(Partnership, col(Partnership.id) == col(LogEntry.partnership_id))
            .outerjoin(Partner, col(Partner.id) == col(LogEntry.partner_id))
            .where(mine)
            .order_by(col(LogEntry.occurred_at), col(LogEntry.id)),
        ),
        (
            "edits",
            fields("log_id earlier_text replaced_at"),
            columns(LogEntryRevision.entry_id, LogEntryRevision.text, LogEntryRevision.replaced_at)
            .join(LogEntry, col(LogEntry.id) == col(LogEntryRevision.entry_id))
            .where(mine)
            .order_by(col(LogEntryRevision.id)),
        ),
    ]


def _answer_queries(user_id: int) -> list[Query]:
    """Check-in answers and meeting replies."""
    p_name = col(Partnership.name)
    return [
        (
            "checkin_answers",
            fields("partnership question answer comment answered_at late"),
            columns(
                p_name,
                CheckinRound.question,
                CheckinAnswer.answer,
                CheckinAnswer.text,
                CheckinAnswer.answered_at,
                CheckinAnswer.late,
            )
            .join(CheckinRound, col(CheckinRound.id) == col(CheckinAnswer.round_id))
            .join(Partnership, col(Partnership.id) == col(CheckinRound.partnership_id))
            .where(col(CheckinAnswer.user_id) == user_id),
        ),
        (
            "rsvps",
            fields("partnership meeting_starts_at place answer answered_at"),
            columns(p_name, Meeting.starts_at, Meeting.place, MeetingReply.answer, MeetingReply.answered_at)
            .join(Meeting, col(Meeting.id) == col(MeetingReply.meeting_id))
            .join(Partnership, col(Partnership.id) == col(Meeting.partnership_id))
            .where(col(MeetingReply.user_id) == user_id),
        ),
    ]


def _other_queries(user_id: int) -> list[Query]:
    """Tasks they set or finished, join requests, invitations they used, paused reminders."""
    return [
        (
            "tasks",
            fields("partnership organisation task due_on created_by_you done_by_you done_at"),
            columns(
                col(Partnership.name),
                col(Partner.name),
                Task.text,
                Task.due_on,
                col(Task.created_by_user_id) == user_id,
                col(Task.done_by_user_id) == user_id,
                Task.done_at,
            )
            .join(Partner, col(Partner.id) == col(Task.partner_id))
            .join(Partnership, col(Partnership.id) == col(Task.partnership_id))
            .where((col(Task.created_by_user_id) == user_id) | (col(Task.done_by_user_id) == user_id)),
        ),
        (
            "join_requests",
            fields("organisation name_given status created_at decided_at"),
            columns(col(Partner.name), JoinRequest.name, JoinRequest.status, JoinRequest.created_at)
            .add_columns(col(JoinRequest.decided_at))
            .join(Partner, col(Partner.id) == col(JoinRequest.partner_id))
            .where(col(JoinRequest.user_id) == user_id),
        ),
        (
            "invitations_used",
            fields("partnership role used_at"),
            columns(col(Partnership.name), Invitation.role, Invitation.used_at)
            .join(Partnership, col(Partnership.id) == col(Invitation.partnership_id))
            .where(col(Invitation.used_by_user_id) == user_id),
        ),
        (
            "reminder_pause",
            ["until"],
            columns(ReminderPause.until).where(col(ReminderPause.user_id) == user_id),
        ),
    ]


def _json_value(value: Cell) -> object:
    """A cell as JSON: dates and times in ISO 8601."""
    return value.isoformat() if isinstance(value, date | datetime) else value


def _naive_utc(sheet: Sheet) -> Sheet:
    """A sheet whose times are UTC without a zone (spreadsheets have none)."""
    rows = [
        [v.astimezone(UTC).replace(tzinfo=None) if isinstance(v, datetime) and v.tzinfo else v for v in row]
        for row in sheet.rows
    ]
    return Sheet(sheet.name, sheet.headers, rows)


def archive(sheets: list[Sheet]) -> bytes:
    """A ZIP with data.json (machine-readable), data.xlsx and one CSV per table (readable)."""
    document = {
        s.name: [dict(zip(s.headers, map(_json_value, r), strict=True)) for r in s.rows] for s in sheets
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("data.json", json.dumps(document, ensure_ascii=False, indent=2))
        zipped.writestr("data.xlsx", export.workbook([_naive_utc(s) for s in sheets]))
        with zipfile.ZipFile(io.BytesIO(export.csv_archive(sheets))) as csvs:
            for name in csvs.namelist():
                zipped.writestr(f"csv/{name}", csvs.read(name))
    return buffer.getvalue()


async def coordinates(session: AsyncSession, *, user_id: int) -> list[Partnership]:
    """Partnerships (not deleted) the person coordinates: they must hand over before erasure."""
    rows = await session.exec(
        select(Partnership).where(
            Partnership.coordinator_user_id == user_id, col(Partnership.deleted_at).is_(None)
        )
    )
    return list(rows)


@dataclass
class Erased:
    """What an erasure changed, for the person's confirmation and the log line."""

    messages: int = 0
    answers: int = 0
    roles: int = 0


async def request_erasure(db: Database, *, user_id: int) -> None:
    """Record the request first, so an erasure cut short is finished later."""
    async with db.transaction() as session:
        connection = await session.connection()
        await connection.execute(
            insert_ignoring_duplicates(ErasureRequest, connection.dialect.name).values(
                user_id=user_id, requested_at=utcnow()
            )
        )
        await session.exec(
            update(ErasureRequest).where(col(ErasureRequest.user_id) == user_id).values(finished_at=None)
        )


async def erase_person(db: Database, *, user_id: int, batch: int = BATCH) -> Erased:
    """Erase a person's texts and names everywhere (idempotent, resumable), then their profile."""
    done = Erased()
    while n := await _erase_log_batch(db, user_id=user_id, batch=batch):
        done.messages += n
        await after_batch()
    while n := await _erase_answers_batch(db, user_id=user_id, batch=batch):
        done.answers += n
        await after_batch()
    done.roles = await _erase_the_rest(db, user_id=user_id)
    log.info(
        "erasure finished: %d log entries, %d answers, %d roles", done.messages, done.answers, done.roles
    )
    return done


async def _erase_log_batch(db: Database, *, user_id: int, batch: int) -> int:
    """Replace the words and name of one batch of the person's log entries by the erased flag."""
    async with db.transaction() as session:
        ids = list(
            await session.exec(
                select(LogEntry.id)
                .where(LogEntry.author_user_id == user_id, col(LogEntry.erased).is_(False))
                .limit(batch)
            )
        )
        if ids:
            await erase_entries(session, ids=[i for i in ids if i is not None])
        return len(ids)


async def erase_entries(session: AsyncSession, *, ids: list[int]) -> None:
    """Log entries lose their text, author name and earlier versions; they keep counting."""
    await session.exec(delete(LogEntryRevision).where(col(LogEntryRevision.entry_id).in_(ids)))
    await session.exec(
        update(LogEntry).where(col(LogEntry.id).in_(ids)).values(text=None, author_name="", erased=True)
    )


async def _erase_answers_batch(db: Database, *, user_id: int, batch: int) -> int:
    """One batch of the person's check-in answers loses its comment and name."""
    async with db.transaction() as session:
        ids = list(
            await session.exec(
                select(CheckinAnswer.id)
                .where(CheckinAnswer.user_id == user_id, col(CheckinAnswer.erased).is_(False))
                .limit(batch)
            )
        )
        if ids:
            await session.exec(
                update(CheckinAnswer)
                .where(col(CheckinAnswer.id).in_(ids))
                .values(text="", name="", erased=True)
            )
        return len(ids)


async def _erase_the_rest(db: Database, *, user_id: int) -> int:
    """Roles, requests, RSVP names, private-chat state and the profile, in one last transaction."""
    async with db.transaction() as session:
        roles = 0
        for table in (Representative, Appointment, JoinRequest):
            result = await session.exec(delete(table).where(col(table.user_id) == user_id))
            roles += int(result.rowcount or 0) if table is not JoinRequest else 0
        await _erase_mentions(session, user_id=user_id)
        await session.exec(update(MeetingReply).where(col(MeetingReply.user_id) == user_id).values(name=""))
        await session.exec(delete(ReminderPause).where(col(ReminderPause.user_id) == user_id))
        await session.exec(delete(Draft).where(col(Draft.user_id) == user_id))
        await session.exec(
            update(Person)
            .where(col(Person.user_id) == user_id)
            .values(
                first_name="",
                last_name=None,
                username=None,
                language_code=None,
                locale=None,
                current_partnership_id=None,
                updated_at=utcnow(),
            )
        )
        await session.exec(
            update(ErasureRequest).where(col(ErasureRequest.user_id) == user_id).values(finished_at=utcnow())
        )
        return roles


async def _erase_mentions(session: AsyncSession, *, user_id: int) -> None:
    """Events that name the person (a hand-over to them, a join) lose their text too."""
    person = await session.get(Person, user_id)
    name = " ".join(p for p in (person.first_name, person.last_name) if p) if person else ""
    if len(name) < 3:  # too short to tell a name from any word
        return
    ids = await session.exec(
        select(LogEntry.id).where(
            LogEntry.kind == EntryKind.EVENT.value,
            col(LogEntry.erased).is_(False),
            col(LogEntry.text).contains(name),
        )
    )
    found = [i for i in ids if i is not None]
    if found:
        await erase_entries(session, ids=found)


async def unfinished_erasures(db: Database) -> list[int]:
    """People whose erasure was cut short (a crash): the daily job finishes them."""
    async with db.transaction() as session:
        rows = await session.exec(
            select(ErasureRequest.user_id).where(col(ErasureRequest.finished_at).is_(None))
        )
        return list(rows)
