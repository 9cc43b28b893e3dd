"""Collecting the whole partnership into tables for the XLSX and CSV export.

The tables hold values, not words: kinds and statuses stay stable keys (`Word`), target groups
stay rows; the presenter (`bot.presenters.export`) names the sheets and columns and puts the
keys into words in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.export import ExportCell, Sheet, Table, TableKey, Vocabulary, Word
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
from bot.presenters.export import present
from bot.services import log, plan, registry

Translate = Callable[[str], str]
LOG_ROWS_MAX = 100_000
ERASED_AUTHOR = Word("author", Vocabulary.ERASED)  # the presenter says "a former member"
ERASED_TEXT = Word("text", Vocabulary.ERASED)


class _Reader:
    """One partnership's export, read in one session."""

    def __init__(self, session: AsyncSession, partnership: Partnership) -> None:
        assert partnership.id is not None
        self.session = session
        self.pid = partnership.id
        self.zone = ZoneInfo(partnership.timezone)
        self.leader_id = partnership.leader_partner_id

    def local(self, moment: object) -> datetime | None:
        """A moment as a local date-and-time cell (spreadsheets have no time zones), to the minute."""
        if not isinstance(moment, datetime):
            return None
        return moment.astimezone(self.zone).replace(tzinfo=None, second=0, microsecond=0)

    async def partners(self) -> tuple[Table, dict[int | None, str]]:
        """Partners, with representatives and what they said about themselves; their names by id."""
        partners = await registry.partners_of(self.session, partnership_id=self.pid)
        people = await registry.representatives_by_partner(
            self.session, partner_ids=[p.id for p in partners if p.id]
        )
        table = Table(TableKey.PARTNERS)
        for p in partners:
            table.rows.append(
                [
                    p.name,
                    Word(p.kind, Vocabulary.PARTNER_KIND),
                    Word(p.status, Vocabulary.PARTNER_STATUS),
                    Word(p.join_form or "", Vocabulary.JOIN_FORM),
                    ", ".join(people.get(p.id or 0, [])),
                    p.target_groups,
                    p.gains,
                    p.obstacles,
                    "✔" if self.leader_id == p.id else "",
                ]
            )
        return table, {p.id: p.name for p in partners}

    async def resources(self) -> Table:
        """What partners lend: rooms, labs, channels..."""
        table = Table(TableKey.RESOURCES)
        for resource, partner in await registry.resources_of(self.session, partnership_id=self.pid):
            table.rows.append(
                [
                    partner.name,
                    Word(resource.kind, Vocabulary.RESOURCE_KIND),
                    resource.description,
                    resource.seats,
                    resource.availability,
                ]
            )
        return table

    async def _trained_by_period(self) -> dict[tuple[int, int], int]:
        """Residents trained per (period, target group)."""
        trained: dict[tuple[int, int], int] = {}
        for period in await plan.periods(self.session, partnership_id=self.pid):
            counts = await plan.trained_between(
                self.session,
                partnership_id=self.pid,
                start=plan.day_start(period.starts_on, self.zone),
                end=plan.day_start(period.ends_on + timedelta(days=1), self.zone),
            )
            for gid, n in counts.items():
                trained[(period.id or 0, gid)] = n
        return trained

    async def plan(self, groups: dict[int | None, TargetGroup]) -> Table:
        """Targets per period and group, with the residents trained."""
        trained = await self._trained_by_period()
        targets = await self.session.exec(
            select(Target, PlanPeriod)
            .join(PlanPeriod)
            .where(PlanPeriod.partnership_id == self.pid)
            .order_by(col(PlanPeriod.starts_on), col(Target.target_group_id))
        )
        table = Table(TableKey.PLAN)
        for target, period in targets:
            table.rows.append(
                [
                    period.name,
                    period.starts_on,
                    period.ends_on,
                    groups[target.target_group_id],
                    target.count,
                    trained.get((period.id or 0, target.target_group_id), 0),
                ]
            )
        return table

    async def target_changes(self, groups: dict[int | None, TargetGroup]) -> Table:
        """Every change of a target: when, by whom, from what to what, and why."""
        revision_rows = await self.session.exec(
            select(TargetRevision, Target, PlanPeriod, Person)
            .join(Target, col(Target.id) == col(TargetRevision.target_id))
            .join(PlanPeriod, col(PlanPeriod.id) == col(Target.period_id))
            .join(Person, col(Person.user_id) == col(TargetRevision.changed_by_user_id), isouter=True)
            .where(PlanPeriod.partnership_id == self.pid)
            .order_by(col(TargetRevision.changed_at), col(TargetRevision.id))
        )
        table = Table(TableKey.TARGET_CHANGES)
        for revision, target, period, person in revision_rows:
            who = (
                " ".join(x for x in (person.first_name, person.last_name) if x)
                if person
                else str(revision.changed_by_user_id)
            )
            table.rows.append(
                [
                    self.local(revision.changed_at),
                    period.name,
                    groups[target.target_group_id],
                    revision.old_count,
                    revision.new_count,
                    who,
                    revision.reason,
                ]
            )
        return table

    async def _trained_per_session(self) -> dict[int, list[TrainedCount]]:
        """The outcome rows of each session (one per target group)."""
        trained_rows = await self.session.exec(
            select(TrainedCount).join(TrainingSession).where(TrainingSession.partnership_id == self.pid)
        )
        per_session: dict[int, list[TrainedCount]] = {}
        for row in trained_rows:
            per_session.setdefault(row.session_id, []).append(row)
        return per_session

    async def sessions(self, groups: dict[int | None, TargetGroup]) -> tuple[Table, Table]:
        """Training sessions, and the residents each trained per target group."""
        places = {r.id: (r, p) for r, p in await registry.resources_of(self.session, partnership_id=self.pid)}
        per_session = await self._trained_per_session()
        sessions_table, groups_table = Table(TableKey.SESSIONS), Table(TableKey.TRAINED_PER_GROUP)
        for s in await plan.sessions_of(self.session, partnership_id=self.pid):
            place = places.get(s.resource_id)
            counts = per_session.get(s.id or 0, [])
            sessions_table.rows.append(
                [
                    self.local(s.starts_at),
                    s.topic,
                    groups[s.target_group_id],
                    f"{place[0].description} ({place[1].name})" if place else "",
                    s.trainer,
                    s.seats,
                    s.registered,
                    sum(c.trained for c in counts) if counts else None,
                    sum(c.with_disability for c in counts) if counts else None,
                ]
            )
            for count in sorted(counts, key=lambda c: c.target_group_id):
                group = groups.get(count.target_group_id)
                groups_table.rows.append(
                    [self.local(s.starts_at), s.topic, group or "", count.trained, count.with_disability]
                )
        return sessions_table, groups_table

    async def recruitment(self, names: dict[int | None, str]) -> Table:
        """Where the participants of each session heard of it."""
        sources = await self.session.exec(
            select(RecruitmentSource, TrainingSession)
            .join(TrainingSession)
            .where(TrainingSession.partnership_id == self.pid)
            .order_by(col(TrainingSession.starts_at))
        )
        table = Table(TableKey.RECRUITMENT)
        for source, s in sources:
            heard: ExportCell = (
                names[source.partner_id] if source.partner_id in names else Word("other", Vocabulary.SOURCE)
            )
            table.rows.append([self.local(s.starts_at), s.topic, heard, source.count])
        return table

    async def log(self, names: dict[int | None, str]) -> Table:
        """The communication log (the newest entries when it is too long)."""
        # When the log is longer than a sheet should be, the newest entries are kept (shown oldest first).
        newest = list(
            await self.session.exec(
                select(LogEntry)
                .where(LogEntry.partnership_id == self.pid)
                .order_by(col(LogEntry.occurred_at).desc(), col(LogEntry.id).desc())
                .limit(LOG_ROWS_MAX)
            )
        )
        table = Table(TableKey.LOG)
        if len(newest) >= LOG_ROWS_MAX:
            table.omitted = await log.count_entries(self.session, partnership_id=self.pid) - len(newest)
        for e in reversed(newest):
            table.rows.append(
                [
                    self.local(e.occurred_at),
                    e.kind,
                    ERASED_AUTHOR if e.erased or not e.author_name else e.author_name,
                    names.get(e.partner_id, ""),
                    e.channel or e.media_kind or "",
                    ERASED_TEXT if e.erased else e.text or "",
                ]
            )
        return table


async def tables(session: AsyncSession, *, partnership: Partnership) -> list[Table]:
    """Partners, resources, plan, target changes, sessions, trained per group, recruitment and the log."""
    reader = _Reader(session, partnership)
    partners, names = await reader.partners()
    groups: dict[int | None, TargetGroup] = {
        g.id: g for g in await plan.target_groups(session, partnership_id=reader.pid)
    }
    sessions, per_group = await reader.sessions(groups)
    return [
        partners,
        await reader.resources(),
        await reader.plan(groups),
        await reader.target_changes(groups),
        sessions,
        per_group,
        await reader.recruitment(names),
        await reader.log(names),
    ]


async def sheets(
    session: AsyncSession,
    *,
    partnership: Partnership,
    _: Translate,
    group_label: Callable[[TargetGroup], str],
) -> list[Sheet]:
    """The export as sheets in the reader's language (the words come from the presenter)."""
    return present(await tables(session, partnership=partnership), _=_, group_label=group_label)
