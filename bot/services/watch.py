"""The weekly digest and the daily watch: silent partners, periods ending behind plan, and a
coordinator who has gone quiet (the supervisor is told)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import as_utc
from bot.models import (
    AppointedRole,
    Appointment,
    CheckinAnswer,
    CheckinRound,
    DeliveryKind,
    EntryKind,
    LogEntry,
    Partner,
    Partnership,
    PartnerStatus,
    Task,
    TrainingSession,
)
from bot.progress import Pace
from bot.services import ambassador, plan, programme_scope, programme_watch, registry
from bot.services.scheduling import delivery_row, enqueue
from bot.timing import SendingRules

SILENT_AFTER_DAYS = 21
COORDINATOR_IDLE_DAYS = 14
PERIOD_WARNINGS = (21, 7, 1)
DIGEST_AT = time(8, 0)
WATCH_AT = time(9, 0)


@dataclass(frozen=True)
class Digest:
    """The week in one message."""

    messages: int
    contacts: int
    checkin_answers: int
    sessions_held: int
    trained: int
    quiet: list[str]
    tasks_due: list[tuple[str, date, str]]  # partner, due date, text
    sessions_coming: list[tuple[datetime, str]]


async def start_routines(
    session: AsyncSession, *, partnership: Partnership, now: datetime, rules: SendingRules
) -> None:
    """Queue the first weekly digest and daily watch of a partnership (each re-queues itself)."""
    await queue_digest(session, partnership=partnership, after=now, rules=rules)
    await queue_watch(session, partnership=partnership, after=now, rules=rules)


async def queue_digest(
    session: AsyncSession, *, partnership: Partnership, after: datetime, rules: SendingRules
) -> None:
    """The next Monday morning's digest."""
    assert partnership.id is not None
    zone = ZoneInfo(partnership.timezone)
    day = after.astimezone(zone).date()
    monday = day + timedelta(days=(7 - day.weekday()) % 7 or 7)
    at = rules.next_allowed(datetime.combine(monday, DIGEST_AT, tzinfo=zone), zone)
    await enqueue(
        session,
        [
            delivery_row(
                partnership_id=partnership.id,
                kind=DeliveryKind.DIGEST,
                due_at=at,
                key=f"dg:{partnership.id}:{monday.isoformat()}",
            )
        ],
    )


async def queue_watch(
    session: AsyncSession, *, partnership: Partnership, after: datetime, rules: SendingRules
) -> None:
    """Tomorrow's watch (any day: silence and deadlines do not wait for Monday)."""
    assert partnership.id is not None
    zone = ZoneInfo(partnership.timezone)
    day = after.astimezone(zone).date() + timedelta(days=1)
    at = datetime.combine(day, WATCH_AT, tzinfo=zone)
    await enqueue(
        session,
        [
            delivery_row(
                partnership_id=partnership.id,
                kind=DeliveryKind.WATCH,
                due_at=at,
                key=f"wt:{partnership.id}:{day.isoformat()}",
            )
        ],
    )


async def digest(session: AsyncSession, *, partnership: Partnership, now: datetime) -> Digest:
    """What happened in the last seven days, who is quiet, and what is due in the next seven."""
    assert partnership.id is not None
    zone = ZoneInfo(partnership.timezone)
    week_ago, week_ahead = now - timedelta(days=7), now + timedelta(days=7)
    counts = await session.exec(
        select(LogEntry.kind, func.count())
        .where(LogEntry.partnership_id == partnership.id, col(LogEntry.occurred_at) >= week_ago)
        .group_by(col(LogEntry.kind))
    )
    by_kind = {kind: int(n) for kind, n in counts}
    held = list(
        await session.exec(
            select(TrainingSession).where(
                TrainingSession.partnership_id == partnership.id,
                col(TrainingSession.starts_at) >= week_ago,
                col(TrainingSession.starts_at) < now,
            )
        )
    )
    trained = await plan.trained_between(session, partnership_id=partnership.id, start=week_ago, end=now)
    summaries = await registry.overview(session, partnership_id=partnership.id)
    quiet = [
        s.partner.name
        for s in await registry.gone_quiet(
            session, summaries=summaries, now=now, after=timedelta(days=SILENT_AFTER_DAYS)
        )
    ]
    today = now.astimezone(zone).date()
    tasks = await session.exec(
        select(Task, Partner)
        .join(Partner, col(Partner.id) == col(Task.partner_id))
        .where(
            Task.partnership_id == partnership.id,
            col(Task.done_at).is_(None),
            col(Task.due_on) <= today + timedelta(days=7),
        )
        .order_by(col(Task.due_on))
    )
    coming = await session.exec(
        select(TrainingSession)
        .where(
            TrainingSession.partnership_id == partnership.id,
            col(TrainingSession.starts_at) >= now,
            col(TrainingSession.starts_at) < week_ahead,
        )
        .order_by(col(TrainingSession.starts_at))
    )
    return Digest(
        messages=by_kind.get(EntryKind.MESSAGE.value, 0),
        contacts=by_kind.get(EntryKind.CONTACT.value, 0),
        checkin_answers=await _answers_since(session, partnership_id=partnership.id, since=week_ago),
        sessions_held=len(held),
        trained=sum(trained.values()),
        quiet=quiet,
        tasks_due=[(p.name, t.due_on, t.text) for t, p in tasks],
        sessions_coming=[(s.starts_at, s.topic) for s in coming],
    )


async def _answers_since(session: AsyncSession, *, partnership_id: int, since: datetime) -> int:
    """Check-in answers given since a moment: one per person and round, however many comments."""
    found = await session.exec(
        select(func.count())
        .select_from(CheckinAnswer)
        .join(CheckinRound, col(CheckinRound.id) == col(CheckinAnswer.round_id))
        .where(
            CheckinRound.partnership_id == partnership_id,
            CheckinAnswer.answer != "none",
            col(CheckinAnswer.answered_at) >= since,
        )
    )
    return int(found.one())


async def watch(
    session: AsyncSession, *, partnership: Partnership, now: datetime, rules: SendingRules
) -> int:
    """Queue alerts for what the watch finds (each at most once); returns how many are new.

    The watch looks every day, but its alerts go out by the sending rules: what it finds on a
    Saturday night is sent on Monday morning.
    """
    send_at = rules.next_allowed(now, ZoneInfo(partnership.timezone))
    rows = [
        *await _silent_partners(session, partnership=partnership, now=now, send_at=send_at),
        *await _period_ending(session, partnership=partnership, now=now, send_at=send_at),
        *await _idle_coordinator(session, partnership=partnership, now=now, send_at=send_at),
        *await programme_watch.visits_due(session, partnership=partnership, now=now, send_at=send_at),
        *await programme_watch.weekly_digests(session, partnership=partnership, now=now, send_at=send_at),
        *await programme_watch.monthly_digest(session, partnership=partnership, now=now, send_at=send_at),
        *await ambassador.monthly_notes(session, partnership=partnership, now=now, send_at=send_at),
    ]
    return await enqueue(session, rows)


async def _silent_partners(
    session: AsyncSession, *, partnership: Partnership, now: datetime, send_at: datetime
) -> list[dict[str, object]]:
    """An alert to the coordinator for each joined or active partner silent for too long."""
    assert partnership.id is not None
    rows = []
    summaries = await registry.overview(session, partnership_id=partnership.id)
    ids = [s.partner.id for s in summaries if s.partner.id]
    joined = await registry.member_since(session, partner_ids=ids)
    for summary in summaries:
        partner = summary.partner
        if partner.status not in (PartnerStatus.JOINED, PartnerStatus.ACTIVE):
            continue
        # Silent since the last word, or since joining: a candidate's months before do not count.
        since = summary.last_activity_at or joined.get(partner.id or 0) or partner.created_at
        silent_days = (now - since).days
        if silent_days >= SILENT_AFTER_DAYS:
            rows.append(
                _alert(
                    partnership,
                    partnership.coordinator_user_id,
                    send_at,
                    f"sil:{partnership.id}:{partner.id}:{since.date().isoformat()}",
                    {"alert": "silent_partner", "partner": partner.name, "days": silent_days},
                )
            )
    return rows


async def _period_ending(
    session: AsyncSession, *, partnership: Partnership, now: datetime, send_at: datetime
) -> list[dict[str, object]]:
    """An alert to the coordinator when the current period ends soon with groups behind."""
    assert partnership.id is not None
    zone = ZoneInfo(partnership.timezone)
    report = await plan.report(session, partnership_id=partnership.id, now=now, zone=zone)
    if report.period is None:
        return []
    days_left = (report.period.ends_on - now.astimezone(zone).date()).days
    behind = [g for g in report.groups if g.period is not None and g.period.pace is Pace.BEHIND]
    if days_left not in PERIOD_WARNINGS or not behind:
        return []
    return [
        _alert(
            partnership,
            partnership.coordinator_user_id,
            send_at,
            f"pe:{partnership.id}:{report.period.id}:{days_left}",
            {
                "alert": "period_end",
                "period": report.period.name,
                "days": days_left,
                "ends_on": report.period.ends_on.isoformat(),
                "groups": [g.group.id for g in behind],
            },
        )
    ]


async def _idle_coordinator(
    session: AsyncSession, *, partnership: Partnership, now: datetime, send_at: datetime
) -> list[dict[str, object]]:
    """An alert to each supervisor when the coordinator has written nothing for too long."""
    last_own = (
        await session.exec(
            select(func.max(LogEntry.occurred_at)).where(
                LogEntry.partnership_id == partnership.id,
                LogEntry.author_user_id == partnership.coordinator_user_id,
            )
        )
    ).first()
    since = as_utc(last_own) if last_own else partnership.created_at
    idle = (now - since).days
    if idle < COORDINATOR_IDLE_DAYS:
        return []
    supervisors = await session.exec(
        select(Appointment.user_id).where(
            Appointment.partnership_id == partnership.id,
            Appointment.role == AppointedRole.SUPERVISOR.value,
        )
    )
    # The programme's supervisors assigned to this partnership are told too (issue 15).
    notified = dict.fromkeys(
        [*supervisors, *await programme_scope.supervisors_of(session, partnership_id=partnership.id or 0)]
    )
    return [
        _alert(
            partnership,
            user_id,
            send_at,
            f"ci:{partnership.id}:{user_id}:{since.date().isoformat()}",
            {"alert": "coordinator_idle", "days": idle, "coordinator": partnership.coordinator_name},
        )
        for user_id in notified
    ]


def _alert(
    partnership: Partnership, recipient: int, send_at: datetime, key: str, payload: dict[str, object]
) -> dict[str, object]:
    """An alert delivery to one person, due at the first allowed moment."""
    return delivery_row(
        partnership_id=partnership.id or 0,
        kind=DeliveryKind.ALERT,
        due_at=send_at,
        key=key,
        payload={**payload, "to": recipient},
    )
