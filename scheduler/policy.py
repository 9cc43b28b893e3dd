"""What the runner does when a send fails: per kind after a timeout, and how long to wait to retry."""

from __future__ import annotations

from datetime import timedelta

from bot.models import DeliveryKind
from bot.services.scheduling import MAX_ATTEMPTS

# A send that timed out may or may not have reached the chat. For these kinds a loss is worse
# than a possible double (the group would never be asked, a task or meeting never announced),
# so they are tried again; a double check-in shows the same round's buttons. Every other kind
# (reminders, nudges, digests, alerts, closing summaries) is recorded as sent and not repeated.
RETRY_AFTER_TIMEOUT = frozenset(
    {DeliveryKind.CHECKIN, DeliveryKind.TASK_ASSIGNED, DeliveryKind.MEETING_INVITE}
)


def repeat_after_timeout(kind: str) -> bool:
    """Whether a send of this kind that timed out is tried again (else recorded as sent)."""
    return kind in RETRY_AFTER_TIMEOUT


def may_retry(attempts: int) -> bool:
    """Whether a delivery that failed on its `attempts`-th try gets another one."""
    return attempts < MAX_ATTEMPTS


def retry_delay(attempts: int) -> timedelta:
    """How long to wait before the next try: 30 s, then doubling."""
    return timedelta(seconds=30 * 2 ** (attempts - 1))


def exempt_from_grace(kind: str) -> bool:
    """The note about missed messages is itself never recorded as missed."""
    return kind == DeliveryKind.MISSED_NOTE
