"""What was missed during downtime: recorded as missed, and told to the coordinator once, briefly."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Delivery, DeliveryKind, DeliveryStatus, Partnership
from bot.services import checkins, nudges, watch
from bot.services.scheduling import Due, delivery_row, enqueue
from bot.timing import SendingRules

MISSED = "missed during downtime"
REPORTED = "missed during downtime; coordinator told"
# Gathered for a few minutes, so one catch-up gives one note however many ticks it takes.
NOTE_DELAY = timedelta(minutes=5)

# What people would have seen (the presenter names them); the internal checks are left out.
TOLD_KINDS: tuple[str, ...] = tuple(
    k.value
    for k in (
        DeliveryKind.CHECKIN,
        DeliveryKind.CHECKIN_REMINDER,
        DeliveryKind.CHECKIN_CLOSE,
        DeliveryKind.TASK_ASSIGNED,
        DeliveryKind.TASK_REMINDER,
        DeliveryKind.MEETING_INVITE,
        DeliveryKind.MEETING_REMINDER,
        DeliveryKind.NUDGE,
        DeliveryKind.DIGEST,
        DeliveryKind.ALERT,
    )
)


def worth_telling(kind: str) -> bool:
    """Whether a missed delivery of this kind is something people would have seen."""
    return kind in TOLD_KINDS


def note_row(*, partnership_id: int, now: datetime, zone: ZoneInfo, rules: SendingRules) -> dict[str, object]:
    """The coordinator's note about what was missed: one per partnership per catch-up, in allowed time."""
    at = rules.next_allowed(now + NOTE_DELAY, zone)
    return delivery_row(
        partnership_id=partnership_id,
        kind=DeliveryKind.MISSED_NOTE,
        due_at=at,
        key=f"mn:{partnership_id}:{at.astimezone(zone):%Y-%m-%dT%H}",
    )


async def queue_note(
    session: AsyncSession, *, partnership_id: int, now: datetime, zone: ZoneInfo, rules: SendingRules
) -> None:
    """Queue the note unless this catch-up's note is queued already."""
    await enqueue(session, [note_row(partnership_id=partnership_id, now=now, zone=zone, rules=rules)])


async def take_unreported(session: AsyncSession, *, partnership_id: int) -> Counter[str]:
    """Missed deliveries not yet told to the coordinator, by kind; marks them told (exactly once)."""
    result = await (await session.connection()).execute(
        update(Delivery)
        .where(
            col(Delivery.partnership_id) == partnership_id,
            col(Delivery.status) == DeliveryStatus.MISSED.value,
            col(Delivery.last_error) == MISSED,
            col(Delivery.kind).in_(list(TOLD_KINDS)),
        )
        .values(last_error=REPORTED)
        .returning(col(Delivery.kind))
    )
    return Counter(kind for (kind,) in result)


async def record_effects(session: AsyncSession, *, due: Due, now: datetime, rules: SendingRules) -> None:
    """A missed close still closes its round (silently); what people would have seen queues the note."""
    if due.kind == DeliveryKind.CHECKIN_CLOSE:
        await checkins.close_round(session, round_id=due.ref_id or 0, now=now)
    if not worth_telling(due.kind):
        return
    partnership = await session.get(Partnership, due.partnership_id)
    if partnership is not None and partnership.is_active:
        await queue_note(
            session,
            partnership_id=due.partnership_id,
            now=now,
            zone=ZoneInfo(partnership.timezone),
            rules=rules,
        )


ROUTINES = (DeliveryKind.DIGEST, DeliveryKind.WATCH, DeliveryKind.NUDGE_CHECK)


async def keep_routine_going(session: AsyncSession, *, due: Due, now: datetime, rules: SendingRules) -> None:
    """A missed digest, watch or nudge check still queues its next run, or the routine would stop."""
    if due.kind not in ROUTINES:
        return
    partnership = await session.get(Partnership, due.partnership_id)
    if partnership is None or not partnership.is_active:
        return
    if due.kind == DeliveryKind.DIGEST:
        await watch.queue_digest(session, partnership=partnership, after=now, rules=rules)
    elif due.kind == DeliveryKind.WATCH:
        await watch.queue_watch(session, partnership=partnership, after=now, rules=rules)
    else:
        await nudges.queue_next_check(session, partnership=partnership, after=now, rules=rules)
