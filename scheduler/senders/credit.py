"""The partnership card at the end of a plan period: to the coordinator first, who confirms posting it."""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.presenters import credit as words
from bot.render.card import render_card
from bot.services import credit, deliveries
from bot.services.scheduling import Due
from scheduler.senders.base import Outbox

CARD_LOCALE = "pl"  # the card is for the public: Polish, whatever the coordinator reads


async def period_card(out: Outbox, due: Due, now: datetime) -> None:
    """The card and the ready-to-post text, privately to the coordinator, with a button to post it."""
    async with out.db.transaction() as session:
        found = await credit.period_credit(session, period_id=due.ref_id, now=now)
        locale = await deliveries.coordinator_locale(
            session, partnership=found.partnership if found else None, default=out.default_locale
        )
    if found is None or found.period is None:
        return
    tr = out.tr(CARD_LOCALE)
    picture = await asyncio.to_thread(render_card, words.card(tr, CARD_LOCALE, found))
    coordinator = found.partnership.coordinator_user_id
    await out.notifier.send_file(coordinator, picture, filename="karta-partnerstwa.png", photo=True)
    await out.send(coordinator, words.card_offer(out.tr(locale), tr, CARD_LOCALE, found))
