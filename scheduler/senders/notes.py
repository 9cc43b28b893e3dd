"""Notes to the coordinator about the scheduler itself: what was missed while the bot was down."""

from __future__ import annotations

from datetime import datetime

from bot.notifier import ChatUnreachable
from bot.presenters.missed import missed_note
from bot.services import deliveries, missed
from bot.services.scheduling import Due
from scheduler.senders.base import Outbox


async def missed_during_downtime(out: Outbox, due: Due, now: datetime) -> None:
    """One short private note to the coordinator of what could not go out on time."""
    async with out.db.transaction() as session:
        partnership = await deliveries.partnership(session, partnership_id=due.partnership_id)
        counts = await missed.take_unreported(session, partnership_id=due.partnership_id)
        locale = await deliveries.coordinator_locale(
            session, partnership=partnership, default=out.default_locale
        )
    if partnership is None or not counts:
        return
    message = missed_note(out.tr(locale), partnership_name=partnership.name, counts=counts)
    try:
        await out.send(partnership.coordinator_user_id, message)
    except ChatUnreachable:
        await out.send(partnership.chat_id, message)
