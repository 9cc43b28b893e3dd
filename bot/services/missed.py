"""What was missed during downtime: recorded as missed, and told to the coordinator once, briefly."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_
from bot.models import Delivery, DeliveryKind, DeliveryStatus
from bot.services.scheduling import delivery_row, enqueue
from bot.timing import SendingRules

MISSED = "missed during downtime"
REPORTED = "missed during downtime; coordinator told"
# Gathered for a few minutes, so one catch-up gives one note however many ticks it takes.
NOTE_DELAY = timedelta(minutes=5)

# What people would have seen, in the order the note lists it; the internal checks are left out.
LABELS: dict[str, str] = {
    DeliveryKind.CHECKIN.value: N_("check-in questions"),
    DeliveryKind.CHECKIN_REMINDER.value: N_("check-in reminders"),
    DeliveryKind.CHECKIN_CLOSE.value: N_("check-in summaries"),
    DeliveryKind.TASK_ASSIGNED.value: N_("task announcements"),
    DeliveryKind.TASK_REMINDER.value: N_("task reminders"),
    DeliveryKind.MEETING_INVITE.value: N_("meeting invitations"),
    DeliveryKind.MEETING_REMINDER.value: N_("meeting reminders"),
    DeliveryKind.NUDGE.value: N_("recruitment nudges"),
    DeliveryKind.DIGEST.value: N_("weekly digests"),
    DeliveryKind.ALERT.value: N_("alerts"),
}


def worth_telling(kind: str) -> bool:
    """Whether a missed delivery of this kind is something people would have seen."""
    return kind in LABELS


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
            col(Delivery.kind).in_(list(LABELS)),
        )
        .values(last_error=REPORTED)
        .returning(col(Delivery.kind))
    )
    return Counter(kind for (kind,) in result)
