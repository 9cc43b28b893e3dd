"""What goes beyond the group's routine: nudges, the weekly digest, the daily watch and its alerts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.presenters import alert as alert_presenter
from bot.presenters import digest as digest_presenter
from bot.presenters import nudge as nudge_presenter
from bot.services import credit, deliveries, nudges, watch
from bot.services.scheduling import Due
from scheduler.senders.base import Outbox


async def nudge_check(out: Outbox, due: Due, now: datetime) -> None:
    """Daily: queue nudges for lagging groups, then the next day's check while a plan runs."""
    async with out.db.transaction() as session:
        partnership = await deliveries.partnership(session, partnership_id=due.partnership_id)
        if partnership is None or not partnership.is_active or partnership.id is None:
            return
        await nudges.daily_check(session, partnership=partnership, now=now, rules=out.rules)


async def nudge(out: Outbox, due: Due, now: datetime) -> None:
    """Ask the partners who reach a lagging group to push promotion (with fresh numbers)."""
    async with out.db.transaction() as session:
        partnership = await deliveries.partnership(session, partnership_id=due.partnership_id)
        if partnership is None or partnership.id is None:
            return
        locale = await deliveries.coordinator_locale(
            session, partnership=partnership, default=out.default_locale
        )
        found = await nudges.prepare(
            session, partnership=partnership, now=now, group_id=int(due.payload.get("group_id", 0))
        )
    if not found:
        return  # caught up meanwhile: nothing to ask for
    (one,) = found
    message = nudge_presenter.nudge(out.tr(locale), one, partnership, locale)
    await out.send(partnership.chat_id, message)
    for reps in one.people.values():
        await out.send_each([uid for uid, _name in reps], message)


async def digest(out: Outbox, due: Due, now: datetime) -> None:
    """The weekly digest to the coordinator, privately; then next week's."""
    async with out.db.transaction() as session:
        partnership = await deliveries.partnership(session, partnership_id=due.partnership_id)
        if partnership is None or not partnership.is_active:
            return
        summary = await watch.digest(session, partnership=partnership, now=now)
        locale = await deliveries.coordinator_locale(
            session, partnership=partnership, default=out.default_locale
        )
        await watch.queue_digest(session, partnership=partnership, after=now, rules=out.rules)
    zone = ZoneInfo(partnership.timezone)
    message = digest_presenter.digest(
        out.tr(locale),
        locale,
        name=partnership.name,
        summary=summary,
        today=now.astimezone(zone).date(),
        zone=zone,
    )
    await out.send(partnership.coordinator_user_id, message)


async def look_out(out: Outbox, due: Due, now: datetime) -> None:
    """The daily watch: queue alerts, then tomorrow's watch."""
    async with out.db.transaction() as session:
        partnership = await deliveries.partnership(session, partnership_id=due.partnership_id)
        if partnership is None or not partnership.is_active:
            return
        await watch.watch(session, partnership=partnership, now=now, rules=out.rules)
        await watch.queue_watch(session, partnership=partnership, after=now, rules=out.rules)
        await credit.queue_period_cards(session, partnership=partnership, now=now, rules=out.rules)


async def alert(out: Outbox, due: Due, now: datetime) -> None:
    """One alert to one person, in their language."""
    async with out.db.transaction() as session:
        partnership = await deliveries.partnership(session, partnership_id=due.partnership_id)
        locale = await deliveries.person_locale(
            session, user_id=int(due.payload.get("to", 0)), default=out.default_locale
        )
    if partnership is None:
        return
    today = now.astimezone(ZoneInfo(partnership.timezone)).date()
    message = alert_presenter.alert(
        out.tr(locale), partnership_name=partnership.name, payload=due.payload, today=today
    )
    await out.send(int(due.payload["to"]), message)
