"""The recommendations round of the closing stage: the questions, one reminder, the summary."""

from __future__ import annotations

from datetime import datetime

from bot.notifier import ChatUnreachable
from bot.presenters import credit as words
from bot.services import closing, deliveries
from bot.services.scheduling import Due
from scheduler.senders.base import Outbox


async def _each_person(out: Outbox, due: Due, *, remind: bool) -> None:
    """Privately to every representative of each partner asked (or, reminding, still silent)."""
    async with out.db.transaction() as session:
        partnership = await deliveries.partnership(session, partnership_id=due.partnership_id)
        round_ = await closing.open_round(session, partnership_id=due.partnership_id)
        if partnership is None or round_ is None or round_.id != due.ref_id:
            return  # decided already: nothing more to ask
        chosen = closing.waiting if remind else closing.asked
        partners = await chosen(session, round_id=due.ref_id)
        people = [
            (
                uid,
                partner.name,
                await deliveries.person_locale(session, user_id=uid, default=out.default_locale),
            )
            for partner, reps in partners
            for uid, _name in reps
        ]
    for uid, partner_name, locale in people:
        tr = out.tr(locale)
        present = words.reminder if remind else words.questions
        message = present(tr, partnership_name=partnership.name, partner_name=partner_name)
        await out.send_each([uid], message)


async def ask(out: Outbox, due: Due, now: datetime) -> None:
    """Ask each partner's representatives the three questions."""
    await _each_person(out, due, remind=False)


async def remind(out: Outbox, due: Due, now: datetime) -> None:
    """Remind the representatives of partners that have not answered."""
    await _each_person(out, due, remind=True)


async def close(out: Outbox, due: Due, now: datetime) -> None:
    """The answering time is over: the coordinator gets the summary to review."""
    async with out.db.transaction() as session:
        found = await closing.summary(session, partnership_id=due.partnership_id)
        if found is None or found.round_.id != due.ref_id or found.round_.decision:
            return
        locale = await deliveries.coordinator_locale(
            session, partnership=found.partnership, default=out.default_locale
        )
    try:
        await out.send(found.partnership.coordinator_user_id, words.summary(out.tr(locale), found))
    except ChatUnreachable:
        return  # no private chat with the coordinator: /recommendations shows the same
