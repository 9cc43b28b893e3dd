"""The monthly note to a partnership's ambassador: privately, in the ambassador's language."""

from __future__ import annotations

from datetime import datetime

from bot.presenters import ambassador as words
from bot.services import ambassador, deliveries
from bot.services.scheduling import Due
from scheduler.senders.base import Outbox


async def note(out: Outbox, due: Due, now: datetime) -> None:
    """What the partnership achieved last month and in its period, and a sentence to say publicly."""
    to = int(due.payload.get("to", 0))
    async with out.db.transaction() as session:
        partnership = await deliveries.partnership(session, partnership_id=due.partnership_id)
        if partnership is None or not partnership.is_active:
            return
        if to not in await ambassador.ambassadors_of(session, partnership_id=due.partnership_id):
            return
        locale = await deliveries.person_locale(session, user_id=to, default=out.default_locale)
        found = await ambassador.note(session, partnership=partnership, now=now)
    if found is not None:
        await out.send(to, words.note(out.tr(locale), locale, found))
