"""Keeping data no longer than needed (art. 5(1)(e)): the daily retention run and deleting a partnership.

Once a partnership has been closed for its retention period (3 years by default, 1 to 10), the
texts and names in its log, check-in answers and RSVPs are erased; the rows stay, so totals add
up. Finished deliveries and abandoned forms older than 90 days are deleted. Every step works in
bounded batches, one transaction each, and only on rows not yet done: a crash loses one batch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import clock
from bot.db import Database, insert_ignoring_duplicates
from bot.models import (
    Appointment,
    CheckinAnswer,
    CheckinRound,
    Delivery,
    DeliveryStatus,
    Draft,
    Invitation,
    JoinRequest,
    LogEntry,
    Meeting,
    MeetingReply,
    Partner,
    Partnership,
    PartnerStatusChange,
    Person,
    Representative,
    RetentionRun,
    Schedule,
    Stage,
)
from bot.services import rights

log = logging.getLogger(__name__)
DEFAULT_YEARS, MIN_YEARS, MAX_YEARS = 3, 1, 10
HOUSEKEEPING_DAYS = 90  # finished deliveries and abandoned forms are kept this long
FINISHED = [
    s.value
    for s in (DeliveryStatus.SENT, DeliveryStatus.MISSED, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED)
]
# A deleted partnership's chat id moves out of Telegram's range: the group is no longer registered.
DELETED_CHAT_BASE = -9 * 10**17


class RetentionError(ValueError):
    """A retention period outside the allowed range."""


@dataclass
class RetentionResult:
    """What one run did, as counts (never texts)."""

    anonymised: int = 0
    deliveries: int = 0
    drafts: int = 0
    erasures: int = 0


def set_years(partnership: Partnership, years: int) -> None:
    """Set how many years texts are kept after closing (1 to 10)."""
    if not MIN_YEARS <= years <= MAX_YEARS:
        raise RetentionError(years)
    partnership.retention_years = years


def expires_at(partnership: Partnership) -> datetime | None:
    """When the partnership's texts are erased: its closing plus the retention (None: not closed)."""
    if partnership.closed_at is None:
        return None
    return partnership.closed_at + timedelta(days=365 * partnership.retention_years)


async def run_daily(db: Database) -> RetentionResult | None:
    """Run once a day, whichever process gets there first (None: already run today)."""
    now = clock.now()
    async with db.transaction(mark=False) as session:
        connection = await session.connection()
        claimed = await connection.execute(
            insert_ignoring_duplicates(RetentionRun, connection.dialect.name).values(
                day=now.date(), started_at=now
            )
        )
    if not claimed.rowcount:
        return None
    result = await run(db)
    async with db.transaction(mark=False) as session:
        await session.exec(
            update(RetentionRun).where(col(RetentionRun.day) == now.date()).values(finished_at=clock.now())
        )
    return result


async def run(db: Database, *, batch: int = rights.BATCH) -> RetentionResult:
    """Erase what has outlived its retention, delete old housekeeping rows, finish erasures."""
    now = clock.now()
    result = RetentionResult()
    for partnership_id in await _note_closings(db, now=now):
        result.anonymised += await anonymise(db, partnership_id=partnership_id, batch=batch)
    cutoff = now - timedelta(days=HOUSEKEEPING_DAYS)
    while n := await _delete_batch(db, Delivery, cutoff=cutoff, batch=batch):
        result.deliveries += n
    while n := await _delete_batch(db, Draft, cutoff=cutoff, batch=batch):
        result.drafts += n
    for user_id in await rights.unfinished_erasures(db):
        await rights.erase_person(db, user_id=user_id, batch=batch)
        result.erasures += 1
    log.info(
        "retention: %d entries anonymised, %d deliveries and %d drafts deleted, %d erasures finished",
        result.anonymised,
        result.deliveries,
        result.drafts,
        result.erasures,
    )
    return result


async def _note_closings(db: Database, *, now: datetime) -> list[int]:
    """Date closings (the first run that sees a closed stage), and list those past retention."""
    async with db.transaction(mark=False) as session:
        closed = col(Partnership.stage) == Stage.CLOSED.value
        await session.exec(
            update(Partnership).where(closed, col(Partnership.closed_at).is_(None)).values(closed_at=now)
        )
        await session.exec(
            update(Partnership).where(~closed, col(Partnership.closed_at).is_not(None)).values(closed_at=None)
        )
        rows = await session.exec(select(Partnership).where(closed))
        return [p.id for p in rows if p.id is not None and (expiry := expires_at(p)) and expiry <= now]


async def _delete_batch(
    db: Database, table: type[Delivery] | type[Draft], *, cutoff: datetime, batch: int
) -> int:
    """Delete one batch of finished deliveries or abandoned drafts older than the cutoff."""
    async with db.transaction(mark=False) as session:
        if table is Delivery:
            keys = select(Delivery.id).where(col(Delivery.status).in_(FINISHED), Delivery.due_at < cutoff)
            ids = list(await session.exec(keys.limit(batch)))
            if ids:
                await session.exec(delete(Delivery).where(col(Delivery.id).in_(ids)))
            return len(ids)
        drafts = list(await session.exec(select(Draft).where(Draft.updated_at < cutoff).limit(batch)))
        for draft in drafts:
            await session.delete(draft)
        return len(drafts)


async def anonymise(db: Database, *, partnership_id: int, batch: int = rights.BATCH) -> int:
    """Erase every text and name in a partnership's log, answers and RSVPs, batch by batch."""
    total = 0
    while True:
        async with db.transaction(mark=False) as session:
            ids = [
                i
                for i in await session.exec(
                    select(LogEntry.id)
                    .where(LogEntry.partnership_id == partnership_id, col(LogEntry.erased).is_(False))
                    .limit(batch)
                )
                if i is not None
            ]
            if ids:
                await rights.erase_entries(session, ids=ids)
                await _erase_answers_and_replies(session, partnership_id=partnership_id)
        if not ids:
            break
        total += len(ids)
        await rights.after_batch()
    async with db.transaction(mark=False) as session:
        await _erase_answers_and_replies(session, partnership_id=partnership_id)
    return total


async def _erase_answers_and_replies(session: AsyncSession, *, partnership_id: int) -> None:
    """Check-in comments and names, and RSVP names, of one partnership."""
    rounds = select(CheckinRound.id).where(CheckinRound.partnership_id == partnership_id)
    await session.exec(
        update(CheckinAnswer)
        .where(col(CheckinAnswer.round_id).in_(rounds), col(CheckinAnswer.erased).is_(False))
        .values(text="", name="", erased=True)
    )
    meetings = select(Meeting.id).where(Meeting.partnership_id == partnership_id)
    await session.exec(update(MeetingReply).where(col(MeetingReply.meeting_id).in_(meetings)).values(name=""))


async def delete_partnership(db: Database, *, partnership_id: int) -> None:
    """Remove a closed partnership's personal data for good; only anonymous totals stay."""
    await anonymise(db, partnership_id=partnership_id)
    async with db.transaction() as session:
        partnership = await session.get(Partnership, partnership_id)
        if partnership is None or partnership.deleted_at is not None:
            return
        partners = select(Partner.id).where(Partner.partnership_id == partnership_id)
        for statement in (
            delete(Representative).where(col(Representative.partner_id).in_(partners)),
            delete(JoinRequest).where(col(JoinRequest.partner_id).in_(partners)),
            delete(Appointment).where(col(Appointment.partnership_id) == partnership_id),
            delete(Invitation).where(col(Invitation.partnership_id) == partnership_id),
            delete(Draft).where(col(Draft.partnership_id) == partnership_id),
            delete(Delivery).where(col(Delivery.partnership_id) == partnership_id),
            delete(Schedule).where(col(Schedule.partnership_id) == partnership_id),
            update(PartnerStatusChange)
            .where(col(PartnerStatusChange.partner_id).in_(partners))
            .values(reason=None, changed_by_user_id=None),
            update(Person)
            .where(col(Person.current_partnership_id) == partnership_id)
            .values(current_partnership_id=None),
        ):
            await session.exec(statement)
        await _forget_coordinator(session, partnership)


async def _forget_coordinator(session: AsyncSession, partnership: Partnership) -> None:
    """The partnership row keeps its name and totals, without people or a registered chat."""
    assert partnership.id is not None
    partnership.coordinator_name = ""
    partnership.coordinator_user_id = 0
    partnership.privacy_notice = ""
    partnership.is_active = False
    partnership.chat_id = DELETED_CHAT_BASE - partnership.id
    partnership.deleted_at = clock.now()
    session.add(partnership)
