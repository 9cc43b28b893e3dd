"""One sender per kind of delivery: load what it says (bot.services), word it (bot.presenters), send it.

A new kind of scheduled message is a DeliveryKind, a presenter, a sender and a line in SENDERS.
"""

from __future__ import annotations

from bot.models import DeliveryKind
from scheduler.senders import ambassador, checkins, closing, credit, duties, notes, outreach, programme
from scheduler.senders.base import Outbox, Record, Sender

__all__ = ["SENDERS", "Outbox", "Record", "Sender"]

SENDERS: dict[str, Sender] = {
    DeliveryKind.CHECKIN: checkins.ask,
    DeliveryKind.CHECKIN_REMINDER: checkins.remind,
    DeliveryKind.CHECKIN_CLOSE: checkins.close,
    DeliveryKind.TASK_ASSIGNED: duties.task,
    DeliveryKind.TASK_REMINDER: duties.task,
    DeliveryKind.MEETING_INVITE: duties.meeting,
    DeliveryKind.MEETING_REMINDER: duties.meeting,
    DeliveryKind.NUDGE_CHECK: outreach.nudge_check,
    DeliveryKind.NUDGE: outreach.nudge,
    DeliveryKind.DIGEST: outreach.digest,
    DeliveryKind.WATCH: outreach.look_out,
    DeliveryKind.ALERT: outreach.alert,
    DeliveryKind.MISSED_NOTE: notes.missed_during_downtime,
    DeliveryKind.RECOMMEND_ASK: closing.ask,
    DeliveryKind.RECOMMEND_REMINDER: closing.remind,
    DeliveryKind.RECOMMEND_CLOSE: closing.close,
    DeliveryKind.PERIOD_CARD: credit.period_card,
    DeliveryKind.VISIT_DUE: programme.visit_due,
    DeliveryKind.SUPERVISOR_DIGEST: programme.supervisor_digest,
    DeliveryKind.COORDINATORS_DIGEST: programme.coordinators_digest,
    DeliveryKind.AMBASSADOR_NOTE: ambassador.note,
}
