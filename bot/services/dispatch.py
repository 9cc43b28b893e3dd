"""The scheduler's one repeating job: materialise due occurrences, claim them, send them."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.support import NullTranslations
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.error import NetworkError, TimedOut

from bot import flows, once
from bot.db import Database, utcnow
from bot.erased import FORMER_MEMBER
from bot.i18n import N_, format_day, format_local, format_number, resolve_locale, translations
from bot.ics import meeting_ics
from bot.models import (
    CheckinRound,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Meeting,
    Partner,
    Partnership,
    Person,
    Schedule,
    TargetGroup,
    Task,
)
from bot.notifier import Button, ChatUnreachable, Notifier
from bot.outage import DATABASE_DOWN
from bot.services import checkins, duties, missed, nudges, partnerships, plan, registry, scheduling, watch
from bot.services.scheduling import Due
from bot.timing import Fate, SendingRules, fate

log = logging.getLogger(__name__)

ANSWER_LABELS = {"done": N_("✅ Done"), "progress": N_("⏳ In progress"), "help": N_("🆘 Need help")}
ANSWER_WORDS = {
    "done": N_("done"),
    "progress": N_("in progress"),
    "help": N_("needs help"),
    "none": N_("no answer"),
}


# A send that timed out may or may not have reached the chat. For these kinds a loss is worse
# than a possible double (the group would never be asked, a task or meeting never announced),
# so they are tried again; a double check-in shows the same round's buttons. Every other kind
# (reminders, nudges, digests, alerts, closing summaries) is recorded as sent and not repeated.
RETRY_AFTER_TIMEOUT = frozenset(
    {DeliveryKind.CHECKIN, DeliveryKind.TASK_ASSIGNED, DeliveryKind.MEETING_INVITE}
)


@dataclass
class TickResult:
    """What one run of the job did."""

    materialised: int = 0
    sent: int = 0
    missed: int = 0
    failed: int = 0
    retried: int = 0
    lost: int = 0  # claims taken over before the send: left to their new owner
    uncertain: int = 0  # timed out and, by policy, not repeated
    exhausted: bool = False  # the time budget ran out with work possibly left: run again at once
    kinds: list[str] = field(default_factory=list)


class Dispatcher:
    """Sends what is due through the Notifier; safe to run in several processes at once."""

    def __init__(
        self,
        db: Database,
        notifier: Notifier,
        *,
        default_locale: str,
        rules: SendingRules | None = None,
        clock: Callable[[], datetime] = utcnow,
        worker: str | None = None,
        grace: timedelta = scheduling.GRACE,
        lease: timedelta = scheduling.LEASE,
        batch: int = 50,
    ) -> None:
        self.db = db
        self.notifier = notifier
        self.default_locale = default_locale
        self.rules = rules or SendingRules()
        self.clock = clock
        self.worker = worker or f"w-{uuid.uuid4().hex[:12]}"
        self.grace = grace
        self.lease = lease
        self.batch = batch
        # Enough deliveries at a time that, while each waits for its slot in the pacer, the
        # others' database work keeps the pacer fed (28 messages/s); on SQLite the transactions
        # themselves still run one at a time (bot.db).
        self.concurrency = asyncio.Semaphore(16)
        self._held: set[int] = set()  # deliveries this worker is sending now; their leases are renewed
        self._lost: set[int] = set()
        self._claimed_at: dict[int, datetime] = {}
        self._forgot_at: datetime | None = None

    async def tick(self, *, budget: timedelta = timedelta(seconds=25)) -> TickResult:
        """One run: everything due now is sent once, or recorded as missed.

        Batches are claimed until nothing is due or the time budget is spent; each batch is
        sent concurrently so that python-telegram-bot's rate limiter can pace a large fan-out.
        """
        now = self.clock()
        result = TickResult()
        started = time.monotonic()  # the budget is real elapsed time, whatever the bot's clock says
        try:
            while True:  # a large backlog of due schedules is materialised in several batches
                async with self.db.transaction() as session:
                    made = await scheduling.materialise(
                        session, now=now, rules=self.rules, limit=scheduling.MATERIALISE_BATCH
                    )
                result.materialised += made
                if made < scheduling.MATERIALISE_BATCH or time.monotonic() - started > budget.total_seconds():
                    break
        except SQLAlchemyError as exc:
            DATABASE_DOWN("scheduler: the database is unreachable (%s); retrying", type(exc).__name__)
            return result
        DATABASE_DOWN.reset()
        await self._forget_old_handled(now)
        while time.monotonic() - started < budget.total_seconds():
            try:
                claimed_at = self.clock()  # a long tick must not hand out leases that already ran out
                async with self.db.transaction() as session:
                    claimed = await scheduling.claim(
                        session, now=claimed_at, worker=self.worker, lease=self.lease, limit=self.batch
                    )
            except SQLAlchemyError as exc:
                DATABASE_DOWN("scheduler could not claim (%s); next tick tries again", type(exc).__name__)
                break
            if not claimed:
                break
            # Sending may make more due now (a check that queues a nudge): loop until none is left.
            self._held.update(due.id for due in claimed)
            self._claimed_at.update((due.id, claimed_at) for due in claimed)
            renewer = asyncio.create_task(self._renew_leases())
            try:
                await asyncio.gather(*(self._guarded(due, now, result) for due in claimed))
            finally:
                renewer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewer
                self._held.difference_update(due.id for due in claimed)
                for due in claimed:
                    self._claimed_at.pop(due.id, None)
        else:
            result.exhausted = True
        return result

    async def _forget_old_handled(self, now: datetime) -> None:
        """Once an hour, drop handled-update marks older than a week (they only guard redeliveries)."""
        if self._forgot_at is not None and now - self._forgot_at < timedelta(hours=1):
            return
        self._forgot_at = now
        with contextlib.suppress(SQLAlchemyError):
            async with self.db.transaction() as session:
                await once.forget_handled(session, before=now - once.KEEP_HANDLED)

    async def _renew_leases(self) -> None:
        """While sends wait (pacing, flood waits), keep extending their leases (every third of one)."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            held = sorted(self._held - self._lost)
            if not held:
                continue
            try:
                async with self.db.transaction() as session:
                    kept = await scheduling.renew(
                        session, ids=held, worker=self.worker, until=self.clock() + self.lease
                    )
            except SQLAlchemyError:
                log.warning("could not renew %d leases; retrying", len(held))
                continue
            self._lost.update(set(held) - kept)

    def _surely_mine(self, due: Due) -> bool:
        """Within the first half of the lease taken at claim time nobody else can hold it."""
        claimed_at = self._claimed_at.get(due.id)
        if due.id in self._lost or claimed_at is None:
            return False
        return self.clock() < claimed_at + self.lease / 2

    async def _still_mine(self, due: Due) -> bool:
        """Whether this worker still holds the delivery (checked right before sending)."""
        if due.id in self._lost:
            return False
        async with self.db.transaction() as session:
            return await scheduling.holds(session, delivery_id=due.id, worker=self.worker, now=self.clock())

    async def _guarded(self, due: Due, now: datetime, result: TickResult) -> None:
        """Process one delivery; a database failure leaves it claimed, so it is retried after its lease."""
        async with self.concurrency:
            try:
                await self._process(due, now, result)
            except SQLAlchemyError as exc:
                DATABASE_DOWN(
                    "delivery %s could not be recorded (%s); it is retried when its lease expires",
                    due.id,
                    type(exc).__name__,
                )
                result.retried += 1
            except Exception as exc:
                log.exception("delivery %s failed for good; it is not retried", due.id)
                try:
                    await self._finish(due, DeliveryStatus.FAILED, now, f"{type(exc).__name__}: {exc}"[:300])
                except SQLAlchemyError:
                    log.exception("delivery %s could not be marked failed", due.id)
                result.failed += 1

    async def _process(self, due: Due, now: datetime, result: TickResult) -> None:
        """Send one claimed delivery and record how it went."""
        if due.kind != DeliveryKind.MISSED_NOTE and fate(due.due_at, now, self.grace) is Fate.MISSED:
            await self._missed(due, now)
            result.missed += 1
            return
        if not self._surely_mine(due) and not await self._still_mine(due):
            log.warning("delivery %s was taken over by another process; not sending it", due.id)
            result.lost += 1
            return
        try:
            await self._send(due, now)
        except ChatUnreachable as exc:
            await self._finish(due, DeliveryStatus.FAILED, now, exc.reason)
            await self._unreachable(due, exc)
            result.failed += 1
            return
        except TimedOut as exc:
            if due.kind not in RETRY_AFTER_TIMEOUT:
                await self._finish(due, DeliveryStatus.SENT, now, f"timed out, not repeated: {exc}")
                result.uncertain += 1
                return
            await self._retry_later(due, now, str(exc), result)
            return
        except NetworkError as exc:
            await self._retry_later(due, now, str(exc), result)
            return
        if not await self._finish(due, DeliveryStatus.SENT, now):
            log.warning("delivery %s was sent after its claim was taken over", due.id)
        result.sent += 1
        result.kinds.append(due.kind)

    async def _missed(self, due: Due, now: datetime) -> None:
        """Record a delivery as missed (a round still closes, silently) and queue the coordinator's note."""
        async with self.db.transaction() as session:
            if due.kind == DeliveryKind.CHECKIN_CLOSE:
                await checkins.close_round(session, round_id=due.ref_id or 0, now=now)
            if missed.worth_telling(due.kind):
                partnership = await session.get(Partnership, due.partnership_id)
                if partnership is not None and partnership.is_active:
                    await missed.queue_note(
                        session,
                        partnership_id=due.partnership_id,
                        now=now,
                        zone=ZoneInfo(partnership.timezone),
                        rules=self.rules,
                    )
        await self._finish(due, DeliveryStatus.MISSED, now, missed.MISSED)
        await self._keep_routine_going(due, now)

    async def _missed_note(self, due: Due, now: datetime) -> None:
        """One short private note to the coordinator of what could not go out on time."""
        async with self.db.transaction() as session:
            partnership = await session.get(Partnership, due.partnership_id)
            counts = await missed.take_unreported(session, partnership_id=due.partnership_id)
            locale = await self._locale(session, partnership)
        if partnership is None or not counts:
            return
        tr = translations(locale)
        lines = [
            tr.ngettext(
                "While I was not running, {count} scheduled message of “{name}” could not go out on "
                "time; it is recorded as missed and was not sent late:",
                "While I was not running, {count} scheduled messages of “{name}” could not go out on "
                "time; they are recorded as missed and were not sent late:",
                sum(counts.values()),
            ).format(count=sum(counts.values()), name=html.escape(partnership.name)),
            *(
                f"• {tr.gettext(label)}: {counts[kind]}"
                for kind, label in missed.LABELS.items()
                if counts.get(kind)
            ),
        ]
        try:
            await self.notifier.send(partnership.coordinator_user_id, "\n".join(lines))
        except ChatUnreachable:
            await self.notifier.send(partnership.chat_id, "\n".join(lines))

    async def _retry_later(self, due: Due, now: datetime, error: str, result: TickResult) -> None:
        """Put a delivery back in the queue with a growing delay, or give up after enough tries."""
        if due.attempts >= scheduling.MAX_ATTEMPTS:
            await self._finish(due, DeliveryStatus.FAILED, now, error)
            result.failed += 1
        else:
            retry = now + timedelta(seconds=30 * 2 ** (due.attempts - 1))
            await self._finish(due, DeliveryStatus.PENDING, now, error, retry_at=retry)
            result.retried += 1

    async def _keep_routine_going(self, due: Due, now: datetime) -> None:
        """A missed digest, watch or nudge check still queues its next run, or the routine would stop."""
        if due.kind not in (DeliveryKind.DIGEST, DeliveryKind.WATCH, DeliveryKind.NUDGE_CHECK):
            return
        async with self.db.transaction() as session:
            partnership = await session.get(Partnership, due.partnership_id)
            if partnership is None or not partnership.is_active:
                return
            if due.kind == DeliveryKind.DIGEST:
                await watch.queue_digest(session, partnership=partnership, after=now, rules=self.rules)
            elif due.kind == DeliveryKind.WATCH:
                await watch.queue_watch(session, partnership=partnership, after=now, rules=self.rules)
            else:
                await nudges.queue_next_check(session, partnership=partnership, after=now, rules=self.rules)

    async def _finish(
        self,
        due: Due,
        status: DeliveryStatus,
        now: datetime,
        error: str = "",
        retry_at: datetime | None = None,
    ) -> bool:
        """Record the outcome while this worker still holds the claim; False if it does not."""
        async with self.db.transaction() as session:
            return await scheduling.finish(
                session,
                delivery_id=due.id,
                worker=self.worker,
                status=status,
                now=now,
                error=error,
                retry_at=retry_at,
            )

    async def _unreachable(self, due: Due, exc: ChatUnreachable) -> None:
        """The group is gone or the bot was removed: pause the schedules and tell the coordinator."""
        async with self.db.transaction() as session:
            partnership = await session.get(Partnership, due.partnership_id)
            if partnership is None or exc.chat_id != partnership.chat_id:
                return  # one person's private chat (a digest, an alert): the group is fine
            await scheduling.pause_partnership(
                session, partnership_id=due.partnership_id, reason="bot_removed"
            )
            locale = await self._locale(session, partnership)
        tr = translations(locale)
        text = tr.gettext(
            "I could not write to the group of “{name}” (I was probably removed), so I stopped "
            "everything I send there: check-ins, task and meeting announcements and reminders, "
            "recruitment nudges, and your weekly digest. Add me back to the group and type "
            "/schedule to resume the check-ins."
        )
        try:
            await self.notifier.send(
                partnership.coordinator_user_id, text.format(name=html.escape(partnership.name))
            )
        except ChatUnreachable:
            log.warning("coordinator of partnership %s unreachable too", partnership.id)

    async def _locale(self, session: AsyncSession, partnership: Partnership | None) -> str:
        """The coordinator's language for messages to the partnership."""
        person = await session.get(Person, partnership.coordinator_user_id) if partnership else None
        return resolve_locale(
            person.locale if person else None, person.language_code if person else None, self.default_locale
        )

    async def _send(self, due: Due, now: datetime) -> None:
        """What each kind of delivery sends."""
        if due.kind == DeliveryKind.CHECKIN:
            await self._open_checkin(due, now)
        elif due.kind == DeliveryKind.CHECKIN_REMINDER:
            await self._remind(due, now)
        elif due.kind == DeliveryKind.CHECKIN_CLOSE:
            await self._close(due, now)
        elif due.kind in (DeliveryKind.TASK_ASSIGNED, DeliveryKind.TASK_REMINDER):
            await self._task(due, now)
        elif due.kind in (DeliveryKind.MEETING_INVITE, DeliveryKind.MEETING_REMINDER):
            await self._meeting(due, now)
        elif due.kind == DeliveryKind.NUDGE_CHECK:
            await self._nudge_check(due, now)
        elif due.kind == DeliveryKind.NUDGE:
            await self._nudge(due, now)
        elif due.kind == DeliveryKind.DIGEST:
            await self._digest(due, now)
        elif due.kind == DeliveryKind.WATCH:
            await self._watch(due, now)
        elif due.kind == DeliveryKind.ALERT:
            await self._alert(due, now)
        elif due.kind == DeliveryKind.MISSED_NOTE:
            await self._missed_note(due, now)
        else:
            log.error("unknown delivery kind %s", due.kind)

    async def _open_checkin(self, due: Due, now: datetime) -> None:
        """Ask the group the question, with answer buttons."""
        async with self.db.transaction() as session:
            partnership = await session.get(Partnership, due.partnership_id)
            if partnership is None or not partnership.is_active:
                raise ChatUnreachable(partnership.chat_id if partnership else 0, "inactive")
            round_ = await session.get(CheckinRound, due.ref_id) if due.ref_id else None
            if round_ is None:  # first attempt: open the round, remember it on the delivery for retries
                schedule = await session.get(Schedule, due.schedule_id) if due.schedule_id else None
                question = schedule.question if schedule else str(due.payload.get("question", ""))
                round_ = await checkins.open_round(
                    session,
                    partnership=partnership,
                    question=question,
                    now=now,
                    rules=self.rules,
                    schedule=schedule,
                )
                await (await session.connection()).execute(
                    update(Delivery).where(col(Delivery.id) == due.id).values(ref_id=round_.id)
                )
            locale = await self._locale(session, partnership)
        tr = translations(locale)
        closes = format_local(
            round_.closes_at, locale=locale, zone=ZoneInfo(partnership.timezone), fmt="weekday"
        )
        text = "<b>{title}</b>\n{question}\n\n{hint}\n{until}".format(
            title=tr.gettext("Check-in"),
            question=html.escape(round_.question),
            hint=tr.gettext("Tap an answer; reply to this message to add a comment."),
            until=tr.gettext("Answers until: {when}.").format(when=closes),
        )
        buttons = [
            [Button(tr.gettext(label), f"ci:{round_.id}:{key}") for key, label in ANSWER_LABELS.items()]
        ]
        sent = await self.notifier.send(partnership.chat_id, text, buttons=buttons)
        async with self.db.transaction() as session:
            stored = await session.get(CheckinRound, round_.id)
            if stored is not None:
                stored.chat_id, stored.message_id = sent.chat_id, sent.message_id

    async def _remind(self, due: Due, now: datetime) -> None:
        """One reminder to those who have not answered: in the group, and privately where possible."""
        async with self.db.transaction() as session:
            round_ = await session.get(CheckinRound, due.ref_id or 0)
            partnership = await session.get(Partnership, due.partnership_id)
            if round_ is None or partnership is None or round_.closed_at is not None:
                return
            today = now.astimezone(ZoneInfo(partnership.timezone)).date()
            waiting = await checkins.waiting_for(session, round_=round_, today=today)
            locale = await self._locale(session, partnership)
        if not waiting:
            return
        tr = translations(locale)
        mentions = ", ".join(mention(m.user_id, m.name) for m in waiting)
        zone = ZoneInfo(partnership.timezone)
        closes = format_local(round_.closes_at, locale=locale, zone=zone, fmt="weekday")
        await self.notifier.send(
            partnership.chat_id,
            tr.gettext("Reminder: {people}, please answer the check-in: “{question}”").format(
                people=mentions, question=html.escape(round_.question)
            )
            + "\n"
            + tr.gettext("Answers until: {when}.").format(when=closes),
        )
        for member in waiting:
            try:
                await self.notifier.send(
                    member.user_id,
                    tr.gettext(
                        "Reminder from “{name}”: please answer the check-in in the group: “{question}”"
                    ).format(name=html.escape(partnership.name), question=html.escape(round_.question)),
                )
            except ChatUnreachable:
                continue  # they never opened a private chat with the bot: the group mention must do

    async def _close(self, due: Due, now: datetime) -> None:
        """Close the round and tell the coordinator, privately, who answered what.

        Non-responders are never named in the group: if the coordinator has no private chat
        with the bot, the group is asked (once) to have them open one.
        """
        async with self.db.transaction() as session:
            summary = await checkins.close_round(session, round_id=due.ref_id or 0, now=now)
            partnership = await session.get(Partnership, due.partnership_id)
            locale = await self._locale(session, partnership)
            if summary is None or partnership is None:
                return
            day = now.astimezone(ZoneInfo(partnership.timezone)).date()
            report = await checkins.round_report(session, summary=summary, day=day)
        tr = translations(locale)
        try:
            await self.notifier.send(
                partnership.coordinator_user_id, round_summary_text(tr, partnership, report)
            )
        except ChatUnreachable:
            await self._ask_for_private_chat(partnership, now)

    async def _ask_for_private_chat(self, partnership: Partnership, now: datetime) -> None:
        """Once per coordinator: in the group, ask them to open a private chat (naming nobody else)."""
        assert partnership.id is not None
        async with self.db.transaction() as session:
            locale = await self._locale(session, partnership)
            row = scheduling.delivery_row(
                partnership_id=partnership.id,
                kind=DeliveryKind.ALERT,
                due_at=now,
                key=f"pm:{partnership.id}:{partnership.coordinator_user_id}",
                payload={"alert": "open_private_chat"},
            )
            # Recorded as already sent: the row only remembers that the group was asked.
            row.update(status=DeliveryStatus.SENT.value, sent_at=now)
            first_time = await scheduling.enqueue(session, [row])
        if not first_time:
            return
        tr = translations(locale)
        await self.notifier.send(
            partnership.chat_id,
            tr.gettext(
                "{coordinator}, I cannot write to you privately, so I could not send you the "
                "check-in summary (who answered what). Open a private chat with me and press Start; "
                "the next summaries will come to you there."
            ).format(coordinator=mention(partnership.coordinator_user_id, partnership.coordinator_name)),
        )

    async def _task(self, due: Due, now: datetime) -> None:
        """Announce a task to its partner, or remind them the day before (unless it is done)."""
        async with self.db.transaction() as session:
            task = await session.get(Task, due.ref_id or 0)
            partnership = await session.get(Partnership, due.partnership_id)
            if (
                task is None
                or partnership is None
                or (task.done_at is not None and due.kind != "task_assigned")
            ):
                return
            partner = await session.get(Partner, task.partner_id)
            people = await registry.representatives_of(session, partner_id=task.partner_id)
            locale = await self._locale(session, partnership)
        tr = translations(locale)
        mentions = ", ".join(mention(uid, name) for uid, name in people)
        template = (
            tr.gettext("New task for “{partner}”{people}: {text}. Due: {due}.")
            if due.kind == DeliveryKind.TASK_ASSIGNED
            else tr.gettext("Reminder for “{partner}”{people}: {text} is due {due}.")
        )
        text = template.format(
            partner=html.escape(partner.name if partner else "?"),
            people=f" ({mentions})" if mentions else "",
            text=html.escape(task.text),
            due=format_day(task.due_on, locale=locale),
        )
        await self.notifier.send(
            partnership.chat_id, text, buttons=[[Button(tr.gettext("✔ Done"), f"task:{task.id}")]]
        )
        if due.kind == DeliveryKind.TASK_REMINDER:
            for uid, _name in people:
                try:
                    await self.notifier.send(uid, text)
                except ChatUnreachable:
                    continue

    async def _meeting(self, due: Due, now: datetime) -> None:
        """The invitation (with RSVP buttons and an .ics file) or a reminder with the replies so far."""
        async with self.db.transaction() as session:
            meeting = await session.get(Meeting, due.ref_id or 0)
            partnership = await session.get(Partnership, due.partnership_id)
            if meeting is None or partnership is None:
                return
            answers = await duties.replies(session, meeting_id=meeting.id or 0)
            locale = await self._locale(session, partnership)
        tr = translations(locale)
        when = format_local(meeting.starts_at, locale=locale, zone=ZoneInfo(partnership.timezone), fmt="long")
        head = (
            tr.gettext("<b>Partnership meeting</b>")
            if due.kind == DeliveryKind.MEETING_INVITE
            else tr.gettext("<b>Reminder: partnership meeting</b>")
        )
        lines = [
            head,
            tr.gettext("When: {when}").format(when=when),
            tr.gettext("Where: {place}").format(place=html.escape(meeting.place)),
            tr.gettext("Agenda: {agenda}").format(agenda=html.escape(meeting.agenda)),
        ]
        if due.kind == DeliveryKind.MEETING_REMINDER:
            lines.append(
                tr.gettext("Coming: {yes}; not coming: {no}; maybe: {maybe}").format(
                    yes=len(answers["yes"]), no=len(answers["no"]), maybe=len(answers["maybe"])
                )
            )
        buttons = [
            [
                Button(tr.gettext("✅ I'll come"), f"rsvp:{meeting.id}:yes"),
                Button(tr.gettext("❌ Can't come"), f"rsvp:{meeting.id}:no"),
                Button(tr.gettext("🤔 Maybe"), f"rsvp:{meeting.id}:maybe"),
            ]
        ]
        await self.notifier.send(partnership.chat_id, "\n".join(lines), buttons=buttons)
        if due.kind == DeliveryKind.MEETING_INVITE:
            calendar = meeting_ics(
                uid=f"meeting-{meeting.id}@partnerbot",
                starts_at=meeting.starts_at,
                title=partnership.name,
                place=meeting.place,
                agenda=meeting.agenda,
                stamp=now,
            )
            await self.notifier.send_file(
                partnership.chat_id,
                calendar,
                filename="meeting.ics",
                caption=tr.gettext("Add it to your calendar."),
            )

    async def _nudge_check(self, due: Due, now: datetime) -> None:
        """Daily: queue nudges for lagging groups, then the next day's check while a plan runs."""
        async with self.db.transaction() as session:
            partnership = await session.get(Partnership, due.partnership_id)
            if partnership is None or not partnership.is_active or partnership.id is None:
                return
            await nudges.due_nudges(session, partnership=partnership, now=now)
            periods = await plan.periods(session, partnership_id=partnership.id)
            today = now.astimezone(ZoneInfo(partnership.timezone)).date()
            if any(p.ends_on >= today for p in periods):
                await nudges.queue_next_check(session, partnership=partnership, after=now, rules=self.rules)

    async def _nudge(self, due: Due, now: datetime) -> None:
        """Ask the partners who reach a lagging group to push promotion (with fresh numbers)."""
        async with self.db.transaction() as session:
            partnership = await session.get(Partnership, due.partnership_id)
            if partnership is None or partnership.id is None:
                return
            locale = await self._locale(session, partnership)
            found = await nudges.prepare(
                session, partnership=partnership, now=now, group_id=int(due.payload.get("group_id", 0))
            )
        if not found:
            return  # caught up meanwhile: nothing to ask for
        (nudge,) = found
        text = nudge_text(translations(locale), nudge, partnership, locale)
        await self.notifier.send(partnership.chat_id, text)
        for reps in nudge.people.values():
            for uid, _name in reps:
                try:
                    await self.notifier.send(uid, text)
                except ChatUnreachable:
                    continue

    async def _digest(self, due: Due, now: datetime) -> None:
        """The weekly digest to the coordinator, privately; then next week's."""
        async with self.db.transaction() as session:
            partnership = await session.get(Partnership, due.partnership_id)
            if partnership is None or not partnership.is_active:
                return
            summary = await watch.digest(session, partnership=partnership, now=now)
            locale = await self._locale(session, partnership)
            await watch.queue_digest(session, partnership=partnership, after=now, rules=self.rules)
        tr = translations(locale)
        zone = ZoneInfo(partnership.timezone)
        lines = [
            tr.gettext("<b>Your week: {name}</b>").format(name=html.escape(partnership.name)),
            tr.gettext(
                "Messages: {messages}; recorded contacts: {contacts}; check-in answers: {answers}"
            ).format(messages=summary.messages, contacts=summary.contacts, answers=summary.checkin_answers),
            tr.gettext("Sessions held: {sessions}; residents trained: {trained}").format(
                sessions=summary.sessions_held, trained=summary.trained
            ),
        ]
        if summary.quiet:
            lines.append(
                tr.gettext("Quiet for {days} days or more: {names}").format(
                    days=watch.SILENT_AFTER_DAYS, names=", ".join(html.escape(n) for n in summary.quiet)
                )
            )
        if summary.tasks_due:
            today = now.astimezone(zone).date()
            lines.append(tr.gettext("Tasks due:"))
            for p, d, t in summary.tasks_due:
                due_text = format_day(d, locale=locale, fmt="day")
                if d < today:
                    due_text = tr.gettext("⚠️ overdue since {date}").format(date=due_text)
                lines.append(f"• {html.escape(p)}: {html.escape(t)} ({due_text})")
        if summary.sessions_coming:
            lines.append(tr.gettext("Sessions this week:"))
            lines += [
                f"• {format_local(at, locale=locale, zone=zone)} {html.escape(topic)}"
                for at, topic in summary.sessions_coming
            ]
        await self.notifier.send(partnership.coordinator_user_id, "\n".join(lines))

    async def _watch(self, due: Due, now: datetime) -> None:
        """The daily look-out: queue alerts, then tomorrow's watch."""
        async with self.db.transaction() as session:
            partnership = await session.get(Partnership, due.partnership_id)
            if partnership is None or not partnership.is_active:
                return
            await watch.watch(session, partnership=partnership, now=now, rules=self.rules)
            await watch.queue_watch(session, partnership=partnership, after=now, rules=self.rules)

    async def _alert(self, due: Due, now: datetime) -> None:
        """One alert to one person, in their language."""
        async with self.db.transaction() as session:
            partnership = await session.get(Partnership, due.partnership_id)
            recipient = await session.get(Person, int(due.payload.get("to", 0)))
        if partnership is None:
            return
        locale = resolve_locale(
            recipient.locale if recipient else None,
            recipient.language_code if recipient else None,
            self.default_locale,
        )
        tr = translations(locale)
        kind, p = due.payload.get("alert"), due.payload
        name = html.escape(partnership.name)
        if kind == "silent_partner":
            text = tr.gettext(
                "“{partner}” has been silent for {days} days in “{name}”. A call may help."
            ).format(partner=html.escape(str(p["partner"])), days=p["days"], name=name)
        elif kind == "period_end":
            if "ends_on" in p:  # the alert may have waited for a working day: count from today
                today = now.astimezone(ZoneInfo(partnership.timezone)).date()
                p = {**p, "days": max(0, (date.fromisoformat(str(p["ends_on"])) - today).days)}
            text = tr.ngettext(
                "The period “{period}” of “{name}” ends in {days} day and some target groups are "
                "behind. Type /status to see which.",
                "The period “{period}” of “{name}” ends in {days} days and some target groups are "
                "behind. Type /status to see which.",
                int(p["days"]),
            ).format(period=html.escape(str(p["period"])), name=name, days=p["days"])
        else:
            text = tr.gettext(
                "The coordinator of “{name}” ({coordinator}) has not been active for {days} days. "
                "Maybe they need support."
            ).format(name=name, coordinator=html.escape(str(p.get("coordinator", ""))), days=p["days"])
        await self.notifier.send(int(p["to"]), text)


def mention(user_id: int, name: str) -> str:
    """A clickable mention of a person (HTML)."""
    return f'<a href="tg://user?id={user_id}">{html.escape(name)}</a>'


def group_name(tr: NullTranslations, group: TargetGroup) -> str:
    """A target group's name in a catalog's language."""
    label = flows.TARGET_GROUP_LABELS.get(group.key)
    return tr.gettext(label) if label else group.name


def round_summary_text(tr: NullTranslations, partnership: Partnership, report: checkins.RoundReport) -> str:
    """The coordinator's private summary of a closed check-in round."""

    def who(line: checkins.ReportLine) -> str:
        name = html.escape(line.name or tr.gettext(FORMER_MEMBER))  # erased: no name, a marker
        return f"{name} ({html.escape(line.organisation)})" if line.organisation else name

    lines = [
        tr.gettext("<b>Check-in closed: {name}</b>").format(name=html.escape(partnership.name)),
        tr.gettext("“{question}”").format(question=html.escape(report.round.question)),
        "",
    ]
    for a in report.answered:
        line = "{mark} {who}: {answer}".format(
            mark="🆘" if a.answer == "help" else "•", who=who(a), answer=tr.gettext(ANSWER_WORDS[a.answer])
        )
        if a.text:
            line += " — " + html.escape(a.text)
        lines.append(line)
    if report.need_help:
        lines += [
            "",
            tr.gettext("🆘 Needs your follow-up: {people}").format(
                people=", ".join(who(a) for a in report.need_help)
            ),
        ]
    if report.on_leave:
        lines.append(
            tr.gettext("On leave (reminders paused): {people}").format(
                people=", ".join(who(a) for a in report.on_leave)
            )
        )
    if report.silent:
        lines.append(
            tr.gettext("Did not answer: {people}").format(people=", ".join(who(a) for a in report.silent))
        )
    if not report.answered and not report.on_leave and not report.silent:
        lines.append(tr.gettext("Nobody was expected to answer: the partnership has no representatives yet."))
    else:
        lines.append(tr.gettext("Answers that come after the close are sent to you as they arrive."))
    return "\n".join(lines)


def nudge_text(tr: NullTranslations, nudge: nudges.Nudge, partnership: Partnership, locale: str) -> str:
    """The words of a recruitment nudge."""
    p = nudge.progress.period
    assert p is not None
    lines = [
        tr.gettext("📣 <b>Recruitment: {group}</b> is behind the plan.").format(
            group=html.escape(group_name(tr, nudge.group))
        ),
        tr.gettext(
            "Trained {trained} of {expected} expected by now (target {target}); {short} short."
        ).format(
            trained=format_number(p.trained, locale=locale),
            expected=format_number(round(p.expected_now), locale=locale),
            target=format_number(p.target, locale=locale),
            short=format_number(p.shortfall, locale=locale),
        ),
    ]
    zone = ZoneInfo(partnership.timezone)
    if nudge.sessions:
        lines.append(tr.gettext("Sessions with free seats:"))
        lines += [
            "• {when}: {topic} ({free})".format(
                when=format_local(s.starts_at, locale=locale, zone=zone),
                topic=html.escape(s.topic),
                free=tr.ngettext("{n} free seat", "{n} free seats", free).format(n=free),
            )
            for s, free in nudge.sessions
        ]
    lines.append(tr.gettext("Please spread the word through your channels:"))
    for partner, channels in nudge.partners:
        mentions = ", ".join(mention(uid, name) for uid, name in nudge.people.get(partner.id, []))
        names = ", ".join(html.escape(r.description) for r in channels) or tr.gettext("word of mouth")
        lines.append(
            "• {partner}{people}: {channels}".format(
                partner=html.escape(partner.name), people=f" ({mentions})" if mentions else "", channels=names
            )
        )
    return "\n".join(lines)


async def bot_removed(db: Database, chat_id: int) -> None:
    """Mark the partnership inactive and pause its schedules (used by the notifier's hook)."""
    async with db.transaction() as session:
        partnership = await partnerships.bot_left(session, chat_id=chat_id)
        if partnership is not None and partnership.id is not None:
            await scheduling.pause_partnership(session, partnership_id=partnership.id, reason="bot_removed")
