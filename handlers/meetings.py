"""Meetings: /meeting (a guided flow) and the RSVP buttons under an invitation."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.access import Action
from bot.db import utcnow
from bot.services import duties
from bot.services.registry import RegistryError
from handlers.common import button_target, command
from handlers.forms import _flow_command
from handlers.gate import Pressed, requires_press

meeting_command = _flow_command("meeting")


@requires_press(Action.ANSWER_CHECKIN, button_target)
async def rsvp_button(press: Pressed[tuple[int, str]]) -> None:
    """An RSVP button under a meeting invitation."""
    meeting_id, answer = press.target
    try:
        async with press.req.services.db.transaction() as session:
            await duties.reply_to_meeting(
                session,
                meeting_id=meeting_id,
                partnership_id=press.partnership_id,
                person=press.person,
                answer=answer,
                now=utcnow(),
            )
    except RegistryError:
        await press.query.answer()
        return
    await press.query.answer(press.req._("Thank you, noted."))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """/meeting (coordinator) and the RSVP buttons."""
    return [
        command("meeting", meeting_command),
        CallbackQueryHandler(rsvp_button, pattern=r"^rsvp:"),
    ]
