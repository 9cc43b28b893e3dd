"""The coordinator's note about scheduled messages that could not go out while the bot was down."""

from __future__ import annotations

from collections import Counter

from bot.i18n import N_
from bot.markup import html, join
from bot.models import DeliveryKind
from bot.presenters.common import Message, Translations

# What people would have seen, in the order the note lists it.
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


def missed_note(tr: Translations, *, partnership_name: str, counts: Counter[str]) -> Message:
    """How many messages of each kind were missed, counted and not sent late."""
    total = sum(counts.values())
    lines = [
        html(
            tr.ngettext(
                "While I was not running, {count} scheduled message of “{name}” could not go out on "
                "time; it is recorded as missed and was not sent late:",
                "While I was not running, {count} scheduled messages of “{name}” could not go out on "
                "time; they are recorded as missed and were not sent late:",
                total,
            ),
            count=total,
            name=partnership_name,
        ),
        *(
            html("• {label}: {n}", label=tr.gettext(label), n=counts[kind])
            for kind, label in LABELS.items()
            if counts.get(kind)
        ),
    ]
    return Message(join("\n", lines))
