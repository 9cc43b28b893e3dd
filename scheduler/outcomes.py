"""What follows a delivery that did not go out: missed during downtime, or a group gone."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.db import Database
from bot.notifier import ChatUnreachable
from bot.presenters.unreachable import group_unreachable
from bot.services import deliveries, missed
from bot.services.scheduling import Due
from scheduler.senders import Outbox

log = logging.getLogger(__name__)


async def record_missed(out: Outbox, due: Due, now: datetime) -> None:
    """A round still closes (silently) and the coordinator's note is queued (before it is marked missed)."""
    async with out.db.transaction() as session:
        await missed.record_effects(session, due=due, now=now, rules=out.rules)


async def keep_routine_going(out: Outbox, due: Due, now: datetime) -> None:
    """A missed digest, watch or nudge check still queues its next run (after it is marked missed)."""
    async with out.db.transaction() as session:
        await missed.keep_routine_going(session, due=due, now=now, rules=out.rules)


async def group_gone(out: Outbox, due: Due, exc: ChatUnreachable) -> None:
    """The group is gone or the bot was removed: pause the schedules and tell the coordinator."""
    async with out.db.transaction() as session:
        partnership = await deliveries.group_gone(
            session, partnership_id=due.partnership_id, chat_id=exc.chat_id
        )
        if partnership is None:
            return
        locale = await deliveries.coordinator_locale(
            session, partnership=partnership, default=out.default_locale
        )
    try:
        await out.send(
            partnership.coordinator_user_id,
            group_unreachable(out.tr(locale), partnership_name=partnership.name),
        )
    except ChatUnreachable:
        log.warning("coordinator of partnership %s unreachable too", partnership.id)


async def bot_removed(db: Database, chat_id: int) -> None:
    """Mark the partnership inactive and pause its schedules (used by the notifier's hook)."""
    async with db.transaction() as session:
        await deliveries.bot_left_group(session, chat_id=chat_id)
