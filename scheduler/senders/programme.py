"""Programme messages to supervisors: a visit is due, and the weekly digest."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.presenters import programme as programme_presenter
from bot.services import deliveries, network, programme_watch
from bot.services.scheduling import Due
from scheduler.senders.base import Outbox


async def visit_due(out: Outbox, due: Due, now: datetime) -> None:
    """Remind one supervisor, in their language, that a partnership is due a visit."""
    to = int(due.payload.get("to", 0))
    async with out.db.transaction() as session:
        partnership = await deliveries.partnership(session, partnership_id=due.partnership_id)
        locale = await deliveries.person_locale(session, user_id=to, default=out.default_locale)
    if partnership is None:
        return
    message = programme_presenter.visit_due(
        out.tr(locale),
        partnership_name=partnership.name,
        days=int(due.payload.get("days", 0)),
        every=int(due.payload.get("every", 0)),
    )
    await out.send(to, message)


async def supervisor_digest(out: Outbox, due: Due, now: datetime) -> None:
    """Monday: a supervisor's partnerships that turned amber or red this week (nothing if none)."""
    to = int(due.payload.get("to", 0))
    async with out.db.transaction() as session:
        partnership = await deliveries.partnership(session, partnership_id=due.partnership_id)
        locale = await deliveries.person_locale(session, user_id=to, default=out.default_locale)
        zone = ZoneInfo(partnership.timezone if partnership else "Europe/Warsaw")
        lines = await programme_watch.turned(session, user_id=to, now=now, zone=zone)
    if lines:
        await out.send(to, programme_presenter.supervisor_digest(out.tr(locale), lines, locale=locale))


async def coordinators_digest(out: Outbox, due: Due, now: datetime) -> None:
    """Monthly, to the coordinator: the programme's new practices and who is ahead where they lag."""
    async with out.db.transaction() as session:
        partnership = await deliveries.partnership(session, partnership_id=due.partnership_id)
        if partnership is None or not partnership.is_active:
            return
        locale = await deliveries.coordinator_locale(
            session, partnership=partnership, default=out.default_locale
        )
        found = await network.network(session, partnership=partnership, now=now)
    if found is not None and (found.new_practices or found.ahead):
        message = programme_presenter.coordinators_digest(out.tr(locale), found, locale=locale)
        await out.send(partnership.coordinator_user_id, message)
