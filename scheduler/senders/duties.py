"""Tasks and meetings: announcements and reminders in the group."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.ics import meeting_ics
from bot.models import DeliveryKind
from bot.presenters import meeting as meeting_presenter
from bot.presenters import task as task_presenter
from bot.presenters.common import Message
from bot.services import deliveries
from bot.services.scheduling import Due
from scheduler.senders.base import Outbox


async def task(out: Outbox, due: Due, now: datetime) -> None:
    """Announce a task to its partner, or remind them the day before (unless it is done)."""
    assigned = due.kind == DeliveryKind.TASK_ASSIGNED
    async with out.db.transaction() as session:
        news = await deliveries.task_news(session, task_id=due.ref_id, assigned=assigned)
        partnership = await deliveries.partnership(session, partnership_id=due.partnership_id)
        if news is None or partnership is None:
            return
        locale = await deliveries.coordinator_locale(
            session, partnership=partnership, default=out.default_locale
        )
    message = task_presenter.task(
        out.tr(locale),
        locale,
        task=news.task,
        partner_name=news.partner_name,
        people=news.people,
        assigned=assigned,
    )
    await out.send(partnership.chat_id, message)
    if not assigned:  # the reminder also goes to each representative privately, without the button
        await out.send_each([uid for uid, _name in news.people], Message(message.text))


async def meeting(out: Outbox, due: Due, now: datetime) -> None:
    """The invitation (with RSVP buttons and an .ics file) or a reminder with the replies so far."""
    invite = due.kind == DeliveryKind.MEETING_INVITE
    async with out.db.transaction() as session:
        news = await deliveries.meeting_news(session, meeting_id=due.ref_id)
        partnership = await deliveries.partnership(session, partnership_id=due.partnership_id)
        if news is None or partnership is None:
            return
        locale = await deliveries.coordinator_locale(
            session, partnership=partnership, default=out.default_locale
        )
    tr = out.tr(locale)
    message = meeting_presenter.meeting(
        tr,
        locale,
        meeting=news.meeting,
        zone=ZoneInfo(partnership.timezone),
        invite=invite,
        answers=news.answers,
    )
    await out.send(partnership.chat_id, message)
    if invite:
        calendar = meeting_ics(
            uid=f"meeting-{news.meeting.id}@partnerbot",
            starts_at=news.meeting.starts_at,
            title=partnership.name,
            place=news.meeting.place,
            agenda=news.meeting.agenda,
            stamp=now,
        )
        await out.notifier.send_file(
            partnership.chat_id,
            calendar,
            filename="meeting.ics",
            caption=meeting_presenter.calendar_caption(tr),
        )
