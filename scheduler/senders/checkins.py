"""Check-in rounds: the question in the group, the reminder, the coordinator's summary."""

from __future__ import annotations

import functools
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.notifier import ChatUnreachable
from bot.presenters import checkin, reminder, summary
from bot.services import checkins, deliveries
from bot.services.scheduling import Due
from scheduler.senders.base import Outbox, Record


async def ask(out: Outbox, due: Due, now: datetime) -> Record:
    """Ask the group the question, with answer buttons; remember where it was posted (with the outcome)."""
    async with out.db.transaction() as session:
        partnership = await deliveries.partnership(session, partnership_id=due.partnership_id)
        if partnership is None or not partnership.is_active:
            raise ChatUnreachable(partnership.chat_id if partnership else 0, "inactive")
        round_ = await deliveries.round_to_ask(
            session, due=due, partnership=partnership, now=now, rules=out.rules
        )
        locale = await deliveries.coordinator_locale(
            session, partnership=partnership, default=out.default_locale
        )
    message = checkin.question(out.tr(locale), locale, round_=round_, zone=ZoneInfo(partnership.timezone))
    sent = await out.send(partnership.chat_id, message)
    return functools.partial(
        deliveries.remember_question, round_id=round_.id, chat_id=sent.chat_id, message_id=sent.message_id
    )


async def remind(out: Outbox, due: Due, now: datetime) -> None:
    """One reminder to those who have not answered: in the group, and privately where possible."""
    async with out.db.transaction() as session:
        round_ = await deliveries.checkin_round(session, round_id=due.ref_id)
        partnership = await deliveries.partnership(session, partnership_id=due.partnership_id)
        if round_ is None or partnership is None or round_.closed_at is not None:
            return
        zone = ZoneInfo(partnership.timezone)
        waiting = await checkins.waiting_for(session, round_=round_, today=now.astimezone(zone).date())
        locale = await deliveries.coordinator_locale(
            session, partnership=partnership, default=out.default_locale
        )
    if not waiting:
        return
    tr = out.tr(locale)
    await out.send(
        partnership.chat_id, reminder.in_group(tr, locale, round_=round_, waiting=waiting, zone=zone)
    )
    # Without a private chat with the bot, the group mention must do.
    await out.send_each(
        [m.user_id for m in waiting],
        reminder.in_private(tr, partnership_name=partnership.name, round_=round_),
    )


async def close(out: Outbox, due: Due, now: datetime) -> None:
    """Close the round and tell the coordinator, privately, who answered what.

    Non-responders are never named in the group: if the coordinator has no private chat
    with the bot, the group is asked (once) to have them open one.
    """
    async with out.db.transaction() as session:
        closed = await checkins.close_round(session, round_id=due.ref_id or 0, now=now)
        partnership = await deliveries.partnership(session, partnership_id=due.partnership_id)
        locale = await deliveries.coordinator_locale(
            session, partnership=partnership, default=out.default_locale
        )
        if closed is None or partnership is None:
            return
        day = now.astimezone(ZoneInfo(partnership.timezone)).date()
        report = await checkins.round_report(session, summary=closed, day=day)
    tr = out.tr(locale)
    try:
        await out.send(partnership.coordinator_user_id, summary.summary(tr, partnership, report))
    except ChatUnreachable:
        async with out.db.transaction() as session:
            first_time = await deliveries.first_private_chat_request(
                session, partnership=partnership, now=now
            )
        if first_time:
            await out.send(partnership.chat_id, summary.open_private_chat(tr, partnership))
