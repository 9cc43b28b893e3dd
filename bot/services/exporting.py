"""Collecting the whole partnership into tables for the XLSX and CSV export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import labels
from bot.erased import author_shown, text_shown
from bot.export import Sheet
from bot.i18n import N_
from bot.models import (
    LogEntry,
    Partnership,
    Person,
    PlanPeriod,
    RecruitmentSource,
    Target,
    TargetGroup,
    TargetRevision,
    TrainedCount,
    TrainingSession,
)
from bot.services import plan, registry

Translate = Callable[[str], str]
LOG_ROWS_MAX = 100_000


async def sheets(
    session: AsyncSession,
    *,
    partnership: Partnership,
    _: Translate,
    group_label: Callable[[TargetGroup], str],
) -> list[Sheet]:
    """Partners, resources, plan, sessions, recruitment and the log, with translated headers."""
    assert partnership.id is not None
    zone = ZoneInfo(partnership.timezone)
    pid = partnership.id

    def local(moment: object) -> datetime | None:
        """A moment as a local date-and-time cell (spreadsheets have no time zones), to the minute."""
        if not isinstance(moment, datetime):
            return None
        return moment.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)

    partners = await registry.partners_of(session, partnership_id=pid)
    names = {p.id: p.name for p in partners}
    people = await registry.representatives_by_partner(session, partner_ids=[p.id for p in partners if p.id])
    partner_sheet = Sheet(
        _(N_("Partners")),
        [
            _(N_("Name")),
            _(N_("Kind")),
            _(N_("Status")),
            _(N_("How it joined")),
            _(N_("Representatives")),
            _(N_("Target groups")),
            _(N_("Gains")),
            _(N_("May hold it back")),
            _(N_("Leader")),
        ],
    )
    for p in partners:
        partner_sheet.rows.append(
            [
                p.name,
                _(labels.PARTNER_KIND_LABELS.get(p.kind, p.kind)),
                _(labels.STATUS_LABELS.get(p.status, p.status)),
                _(labels.JOIN_FORM_LABELS[p.join_form]) if p.join_form in labels.JOIN_FORM_LABELS else "",
                ", ".join(people.get(p.id or 0, [])),
                p.target_groups,
                p.gains,
                p.obstacles,
                "✔" if partnership.leader_partner_id == p.id else "",
            ]
        )

    resource_sheet = Sheet(
        _(N_("Resources")),
        [_(N_("Partner")), _(N_("Kind")), _(N_("Description")), _(N_("Seats")), _(N_("Availability"))],
    )
    for resource, partner in await registry.resources_of(session, partnership_id=pid):
        resource_sheet.rows.append(
            [
                partner.name,
                _(labels.RESOURCE_LABELS.get(resource.kind, resource.kind)),
                resource.description,
                resource.seats,
                resource.availability,
            ]
        )

    groups = {g.id: g for g in await plan.target_groups(session, partnership_id=pid)}
    trained_by_period: dict[tuple[int, int], int] = {}
    periods = await plan.periods(session, partnership_id=pid)
    for period in periods:
        counts = await plan.trained_between(
            session,
            partnership_id=pid,
            start=plan.day_start(period.starts_on, zone),
            end=plan.day_start(period.ends_on + timedelta(days=1), zone),
        )
        for gid, n in counts.items():
            trained_by_period[(period.id or 0, gid)] = n
    plan_sheet = Sheet(
        _(N_("Plan")),
        [
            _(N_("Period")),
            _(N_("Start")),
            _(N_("End")),
            _(N_("Target group")),
            _(N_("Target")),
            _(N_("Trained")),
        ],
    )
    targets = await session.exec(
        select(Target, PlanPeriod)
        .join(PlanPeriod)
        .where(PlanPeriod.partnership_id == pid)
        .order_by(col(PlanPeriod.starts_on), col(Target.target_group_id))
    )
    for target, period in targets:
        plan_sheet.rows.append(
            [
                period.name,
                period.starts_on,
                period.ends_on,
                group_label(groups[target.target_group_id]),
                target.count,
                trained_by_period.get((period.id or 0, target.target_group_id), 0),
            ]
        )

    changes = Sheet(
        _(N_("Target changes")),
        [
            _(N_("Time")),
            _(N_("Period")),
            _(N_("Target group")),
            _(N_("Before")),
            _(N_("After")),
            _(N_("Changed by")),
            _(N_("Why")),
        ],
    )
    revision_rows = await session.exec(
        select(TargetRevision, Target, PlanPeriod, Person)
        .join(Target, col(Target.id) == col(TargetRevision.target_id))
        .join(PlanPeriod, col(PlanPeriod.id) == col(Target.period_id))
        .join(Person, col(Person.user_id) == col(TargetRevision.changed_by_user_id), isouter=True)
        .where(PlanPeriod.partnership_id == pid)
        .order_by(col(TargetRevision.changed_at), col(TargetRevision.id))
    )
    for revision, target, period, person in revision_rows:
        who = (
            " ".join(x for x in (person.first_name, person.last_name) if x)
            if person
            else str(revision.changed_by_user_id)
        )
        changes.rows.append(
            [
                local(revision.changed_at),
                period.name,
                group_label(groups[target.target_group_id]),
                revision.old_count,
                revision.new_count,
                who,
                revision.reason,
            ]
        )

    places = {r.id: (r, p) for r, p in await registry.resources_of(session, partnership_id=pid)}
    session_sheet = Sheet(
        _(N_("Sessions")),
        [
            _(N_("Date")),
            _(N_("Topic")),
            _(N_("Target group")),
            _(N_("Place")),
            _(N_("Trainer")),
            _(N_("Seats")),
            _(N_("Registered")),
            _(N_("Trained")),
            _(N_("With a disability")),
        ],
    )
    sessions = await plan.sessions_of(session, partnership_id=pid)
    trained_rows = await session.exec(
        select(TrainedCount).join(TrainingSession).where(TrainingSession.partnership_id == pid)
    )
    trained: dict[int, tuple[int, int]] = {}
    per_group: dict[int, list[TrainedCount]] = {}
    for row in trained_rows:
        before = trained.get(row.session_id, (0, 0))
        trained[row.session_id] = (before[0] + row.trained, before[1] + row.with_disability)
        per_group.setdefault(row.session_id, []).append(row)
    group_sheet = Sheet(
        _(N_("Trained per group")),
        [_(N_("Date")), _(N_("Topic")), _(N_("Target group")), _(N_("Trained")), _(N_("With a disability"))],
    )
    for s in sessions:
        place = places.get(s.resource_id)
        done = trained.get(s.id or 0)
        session_sheet.rows.append(
            [
                local(s.starts_at),
                s.topic,
                group_label(groups[s.target_group_id]),
                f"{place[0].description} ({place[1].name})" if place else "",
                s.trainer,
                s.seats,
                s.registered,
                done[0] if done else None,
                done[1] if done else None,
            ]
        )
        for count in sorted(per_group.get(s.id or 0, []), key=lambda c: c.target_group_id):
            group = groups.get(count.target_group_id)
            group_sheet.rows.append(
                [
                    local(s.starts_at),
                    s.topic,
                    group_label(group) if group else "",
                    count.trained,
                    count.with_disability,
                ]
            )

    recruitment_sheet = Sheet(
        _(N_("Recruitment")),
        [_(N_("Date")), _(N_("Topic")), _(N_("Heard of it from")), _(N_("Participants"))],
    )
    sources = await session.exec(
        select(RecruitmentSource, TrainingSession)
        .join(TrainingSession)
        .where(TrainingSession.partnership_id == pid)
        .order_by(col(TrainingSession.starts_at))
    )
    for source, s in sources:
        recruitment_sheet.rows.append(
            [local(s.starts_at), s.topic, names.get(source.partner_id, _(N_("other channels"))), source.count]
        )

    log_sheet = Sheet(
        _(N_("Log")),
        [_(N_("Time")), _(N_("Kind")), _(N_("Author")), _(N_("Partner")), _(N_("Channel")), _(N_("Text"))],
    )
    # When the log is longer than a sheet should be, the newest entries are kept (shown oldest first).
    newest = await session.exec(
        select(LogEntry)
        .where(LogEntry.partnership_id == pid)
        .order_by(col(LogEntry.occurred_at).desc(), col(LogEntry.id).desc())
        .limit(LOG_ROWS_MAX)
    )
    for e in reversed(list(newest)):
        log_sheet.rows.append(
            [
                local(e.occurred_at),
                e.kind,
                author_shown(_, e),
                names.get(e.partner_id, ""),
                e.channel or e.media_kind or "",
                text_shown(_, e),
            ]
        )
    return [
        partner_sheet,
        resource_sheet,
        plan_sheet,
        changes,
        session_sheet,
        group_sheet,
        recruitment_sheet,
        log_sheet,
    ]
