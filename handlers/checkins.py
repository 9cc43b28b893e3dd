"""Check-ins in the chat: answer buttons and replies, /checkin now, /pausereminders."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram import Message
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.access import Action
from bot.dates import DateFormatError, NoSuchDay, example_date, local_today, parse_date
from bot.db import utcnow
from bot.i18n import N_, format_day, translations
from bot.models import CheckinAnswer, CheckinRound, DeliveryKind, Partnership
from bot.notifier import ChatUnreachable
from bot.presenters.summary import ANSWER_WORDS
from bot.services import checkins, people, scheduling
from bot.services.registry import RegistryError
from bot.text import without_controls
from bot.timing import SendingRules
from handlers.common import Request, button_target, command, esc, reply
from handlers.gate import Opened, Pressed, Scoped, anyone, requires, requires_press

QUESTION_MAX = 1000
NOT_IN_GROUP = N_(
    "I cannot write to the group of “{name}” (I was probably removed), so nobody was asked. "
    "Add me back to the group first."
)
DEFAULT_QUESTION = N_("How is it going? Anything the partnership should know or help with?")


@requires_press(Action.ANSWER_CHECKIN, button_target)
async def answer_button(press: Pressed[tuple[int, str]]) -> None:
    """An answer button under a check-in question."""
    query, req = press.query, press.req
    round_id, choice = press.target
    try:
        async with req.services.db.transaction() as session:
            _round, given = await checkins.answer(
                session,
                partnership_id=press.partnership_id,
                round_id=round_id,
                person=press.person,
                choice=choice,
                text=None,
                now=utcnow(),
            )
    except RegistryError:
        await query.answer(req._("That check-in is not from this partnership."))
        return
    note = req._("Thank you! Recorded: {answer}.").format(answer=req._(ANSWER_WORDS[given.answer]))
    if given.late:
        note += " " + req._("(after the round closed, but it still counts)")
    await query.answer(note)
    if given.late:
        await report_late(req, press.partnership, _round, given)


async def report_late(
    req: Request, partnership: Partnership, round_: CheckinRound, given: CheckinAnswer
) -> None:
    """An answer after the close goes to the coordinator privately (never to the group)."""
    async with req.services.db.transaction() as session:
        default = req.services.settings.default_locale
        locale = await people.locale_of(session, user_id=partnership.coordinator_user_id, default=default)
        organisation = await checkins.partner_name(session, partner_id=given.partner_id)
    tr = translations(locale)
    who = esc(given.name) + (f" ({esc(organisation)})" if organisation else "")
    text = tr.gettext("Late answer to the check-in “{question}”: {who}: {answer}").format(
        question=esc(round_.question), who=who, answer=tr.gettext(ANSWER_WORDS[given.answer])
    )
    if given.text:
        text += " — " + esc(given.text)
    try:
        await req.services.notifier.send(partnership.coordinator_user_id, text)
    except ChatUnreachable:
        return  # the coordinator has no private chat with the bot; the summary asked for one


async def reply_to_round(req: Request, message: Message) -> bool:
    """A text reply to a check-in question: stored as that person's comment. True if it was one."""
    replied = message.reply_to_message
    if replied is None or req.person is None or message.text is None:
        return False
    async with req.services.db.transaction() as session:
        round_ = await checkins.round_by_message(
            session, chat_id=message.chat.id, message_id=replied.message_id
        )
        if round_ is None or round_.id is None:
            return False
        _round, given = await checkins.answer(
            session,
            partnership_id=round_.partnership_id,
            round_id=round_.id,
            person=req.person,
            choice=None,
            text=without_controls(message.text)[:2000],
            now=utcnow(),
        )
        partnership = await session.get(Partnership, round_.partnership_id)
    if given.late and partnership is not None:
        await report_late(req, partnership, round_, given)
    return True


@requires(Action.MANAGE_SCHEDULES)
async def checkin_now(call: Scoped) -> None:
    """/checkin [question]: ask the group now (the coordinator)."""
    req, partnership = call.req, call.partnership
    question = call.args.strip() or req._(DEFAULT_QUESTION)
    if not partnership.is_active:
        await reply(req, req._(NOT_IN_GROUP).format(name=esc(partnership.name)))
        return
    if len(question) > QUESTION_MAX:
        await reply(
            req, req._("A check-in question may have at most {n} characters.").format(n=QUESTION_MAX)
        )
        return
    now = utcnow()
    row = scheduling.delivery_row(
        partnership_id=call.partnership_id,
        kind=DeliveryKind.CHECKIN,
        due_at=now,
        key=f"now:{call.partnership_id}:{now.isoformat()}",
        payload={"question": question},
    )
    async with req.services.db.transaction() as session:
        await scheduling.enqueue(session, [row])
    req.services.wake_scheduler()  # sent by the scheduler now, not inside this update
    if not SendingRules().allowed(now.astimezone(ZoneInfo(partnership.timezone))):
        # Quiet hours, a weekend or a holiday: the scheduler holds it until the next allowed time.
        await reply(
            req,
            req._(
                "The question to “{name}” waits for the next allowed time "
                "(I send nothing at night, on weekends or on holidays)."
            ).format(name=esc(partnership.name)),
        )
        return
    if req.where.value == "private":
        await reply(req, req._("Asked the group of “{name}”.").format(name=esc(partnership.name)))


@anyone()
async def pause_reminders_command(call: Opened) -> None:
    """/pausereminders <date>: no check-in reminders for me until then."""
    req = call.req
    if req.person is None:
        return
    raw = call.args.strip()
    today = local_today(utcnow(), req.zone)
    example = example_date(today + timedelta(days=14))
    try:
        until = parse_date(raw, today=today)
    except NoSuchDay:
        await reply(req, req._("There is no such day as “{text}”. Type a real date.").format(text=esc(raw)))
        return
    except DateFormatError:
        await reply(
            req,
            req._("Type the last day of your break, e.g. /pausereminders {example}.").format(example=example),
        )
        return
    if until < today:
        await reply(
            req,
            req._(
                "That day has passed. Type the last day of your break, e.g. /pausereminders {example}."
            ).format(example=example),
        )
        return
    async with req.services.db.transaction() as session:
        await checkins.pause_reminders(session, user_id=req.person.user_id, until=until)
    await reply(
        req,
        req._("No check-in reminders for you until {date}. Have a good rest!").format(
            date=format_day(until, locale=req.locale)
        ),
    )


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """/checkin, the answer buttons (everyone in the group), /pausereminders."""
    return [
        command("checkin", checkin_now),
        CallbackQueryHandler(answer_button, pattern=r"^ci:"),
        command("pausereminders", pause_reminders_command),
    ]
