"""The training plan's flows: periods, targets, sessions and what a session achieved."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import Action
from bot.dates import example_date
from bot.db import utcnow
from bot.flows.engine import (
    Applied,
    Data,
    Flow,
    FlowDraft,
    FlowInputError,
    FlowName,
    Key,
    Option,
    Preparing,
    Saving,
    Step,
    register,
)
from bot.flows.parsing import (
    COUNT_MAX,
    SHORT_MAX,
    a_count,
    a_date,
    a_moment,
    bounded_text,
    free_text,
    named_options,
    required,
    show_date,
    shown_date,
    shown_moment,
)
from bot.flows.registry import load_partners, seats
from bot.i18n import N_
from bot.models import ResourceKind, TrainingSession
from bot.services import nudges, plan, registry
from bot.services.registry import RegistryError
from bot.text import fold, parse_count
from bot.timing import SendingRules

PERIOD_NAME_MAX = 80
NO_PLACE = "=none"  # a session somewhere no partner declared
OTHER = "=other"  # participants who heard of a session elsewhere than from a partner
# Words for "everyone else" where participants heard of a session, in Polish and English.
OTHER_WORDS = ("inne", "inni", "inna", "inny", "pozostali", "pozostale", "other", "others", "else")
PAST_SESSIONS = 12  # how many past sessions the outcome flow offers


async def load_plan(session: AsyncSession, preparing: Preparing) -> Data:
    """What the plan flows' pickers and parsers need; group names come translated from the caller."""
    partnership, now = preparing.partnership, preparing.now
    pid = preparing.partnership_id
    zone = ZoneInfo(partnership.timezone)
    groups = await plan.target_groups(session, partnership_id=pid)
    periods = await plan.periods(session, partnership_id=pid)
    places = await registry.resources_of(session, partnership_id=pid)
    sessions = await plan.sessions_of(session, partnership_id=pid)
    partners = await registry.partners_of(session, partnership_id=pid)
    past = [s for s in sessions if s.starts_at <= now][-PAST_SESSIONS:]
    names = {g.id: preparing.group_label(g) for g in groups}
    today = now.astimezone(zone).date()
    return {
        Key.TODAY: today.isoformat(),
        Key.DATE_EXAMPLE: example_date(today + timedelta(days=7)),
        Key.PERIOD_SPANS: [[p.name, p.starts_on.isoformat(), p.ends_on.isoformat()] for p in periods],
        Key.PLACE_SEATS: {str(r.id): r.seats for r, _p in places if r.seats},
        Key.SESSION_SEATS: {str(s.id): s.seats for s in past},
        Key.ZONE: partnership.timezone,
        Key.PERIODS: [[p.id, p.name] for p in periods],
        Key.GROUP_NAMES: [[g.id, names[g.id]] for g in groups],
        Key.PLACES: [
            [r.id, f"{r.description} ({p.name})"[:60]]
            for r, p in places
            if r.kind in (ResourceKind.ROOM, ResourceKind.COMPUTER_LAB)
        ],
        Key.SESSIONS: [[s.id, f"{s.starts_at.astimezone(zone):%d.%m %H:%M} {s.topic}"[:60]] for s in past],
        Key.SESSION_GROUPS: {str(s.id): s.target_group_id for s in past},
        Key.PARTNERS_NAMED: [[p.id, p.name] for p in partners],
        Key.EXAMPLE: ", ".join(f"{n} 8" for n in list(names.values())[:2]),
        Key.SOURCES_EXAMPLE: ", ".join(f"{p.name} 5" for p in partners[:2]) or "…",
    }


PLAN_LOADERS = (load_partners, load_plan)


# --------------------------------------------------------------------------- steps


def _end_date(text: str, data: Data) -> str:
    """A period's last day, after its first and at most three years later."""
    value = a_date(text, data)
    start = str(data.get("start", ""))
    if value <= start:
        raise FlowInputError(
            N_("The end must come after the start ({start}). Type the end date again."),
            start=shown_date(start),
        )
    if date.fromisoformat(value) > date.fromisoformat(start) + timedelta(days=3 * 366):
        raise FlowInputError(N_("A period lasts at most three years. Type an earlier last day."))
    return value


def _session_moment(text: str, data: Data) -> str:
    """A session's time: inside one of the plan periods."""
    value = a_moment(text, data)
    day = datetime.fromisoformat(value).date().isoformat()
    spans = data.get(Key.PERIOD_SPANS, [])
    if not any(start <= day <= end for _name, start, end in spans):
        names = ", ".join(f"{name} ({shown_date(start)}–{shown_date(end)})" for name, start, end in spans)
        raise FlowInputError(
            N_(
                "{day} is outside every plan period: {periods}. "
                "Type a date inside one, or add a period with /period."
            ),
            day=shown_date(day),
            periods=names or "—",
        )
    return value


def _session_seats(data: Data) -> int | None:
    """The seats of the session the draft is about, if known."""
    found = data.get(Key.SESSION_SEATS, {}).get(str(data.get("session")))
    return int(found) if found else None


def _registered(text: str, data: Data) -> int:
    """How many registered: not far above the session's seats."""
    value = a_count(text, data)
    seats = _session_seats(data)
    if seats and value > registered_limit(seats):
        raise FlowInputError(
            N_("The session has {seats} seats; type at most {max} registered."),
            seats=seats,
            max=registered_limit(seats),
        )
    return value


def registered_limit(seats: int) -> int:
    """The most registrations that are plausible for a session (a waiting list, not a stadium)."""
    return max(seats * 2, seats + 20)


def _pairs(text: str, names: list[list[Any]], example: str) -> dict[str, int]:
    """'Biblioteka 5, parafia 3' -> {id: count}, matching names by their folded beginning."""
    result: dict[str, int] = {}
    for chunk in (c.strip() for c in text.replace(";", ",").split(",")):
        if not chunk:
            continue
        words = chunk.rsplit(maxsplit=1)
        number = parse_count(words[1], maximum=COUNT_MAX) if len(words) == 2 else None
        if number is None:
            raise FlowInputError(
                N_("Write each as a name and a number, separated by commas, e.g. “{example}”."),
                example=example,
            )
        wanted = _name_key(words[0])
        matches = sorted({str(i) for i, name in names if _name_key(str(name)).startswith(wanted)})
        if len(matches) != 1:
            raise FlowInputError(
                N_("I can't tell which one “{name}” is. Use more of the name."), name=words[0]
            )
        result[matches[0]] = result.get(matches[0], 0) + number
    return result


def _name_key(name: str) -> str:
    """A name for matching: folded, punctuation ignored ('Parafia św. Józefa' ~ 'parafia sw jozefa')."""
    return " ".join(re.sub(r"[^\w\s]", " ", fold(name)).split())


def _trained(text: str, data: Data) -> dict[str, int]:
    """Trained per group: a number for the session's group, or 'seniors 8, parents 3'; no more
    than registered, nor than the seats."""
    if parse_count(text, maximum=COUNT_MAX) is not None:
        own = data.get(Key.SESSION_GROUPS, {}).get(str(data.get("session")), "")
        pairs = {str(own): a_count(text, data)}
    else:
        pairs = _pairs(text, data.get(Key.GROUP_NAMES, []), str(data.get(Key.EXAMPLE, "")))
    if not pairs:
        raise FlowInputError(N_("Type a whole number, e.g. 12."))
    total = sum(pairs.values())
    if total > int(data.get("registered", COUNT_MAX)):
        raise FlowInputError(
            N_("More trained ({n}) than registered ({registered})? Type the number again."),
            n=total,
            registered=data.get("registered", 0),
        )
    seats = _session_seats(data)
    if seats and total > seats:
        raise FlowInputError(
            N_("More trained ({n}) than the {seats} seats? Type the number again."), n=total, seats=seats
        )
    return pairs


def _disabled(text: str, data: Data) -> int:
    """How many of the trained have a disability."""
    value = a_count(text, data)
    if value > sum(data.get("trained", {}).values()):
        raise FlowInputError(N_("That is more than were trained. Type the number again."))
    return value


def _sources(text: str, data: Data) -> dict[str, int]:
    """Where participants heard of the session: partners by name, 'other' for the rest."""
    if text.strip() == "-":
        return {}
    names = [*data.get(Key.PARTNERS_NAMED, []), *([OTHER, word] for word in OTHER_WORDS)]
    found = _pairs(text, names, str(data.get(Key.SOURCES_EXAMPLE, "")))
    if sum(found.values()) > int(data.get("registered", COUNT_MAX)):
        raise FlowInputError(
            N_("That is more ({n}) than registered ({registered}). Type the numbers again."),
            n=sum(found.values()),
            registered=data.get("registered", 0),
        )
    return found


def _places(data: Data) -> list[Option]:
    """Rooms and labs partners declared, and 'somewhere else'."""
    return [*named_options(Key.PLACES)(data), Option(NO_PLACE, N_("somewhere else"))]


_groups = named_options(Key.GROUP_NAMES)


# --------------------------------------------------------------------------- drafts and saves


class PeriodDraft(FlowDraft):
    """A plan period."""

    name: str
    start: date
    end: date


async def save_period(session: AsyncSession, draft: PeriodDraft, saving: Saving) -> Applied:
    """Add the period."""
    added = await plan.add_period(
        session,
        partnership_id=saving.partnership_id,
        name=draft.name,
        starts_on=draft.start,
        ends_on=draft.end,
    )
    return Applied(
        N_("Added the plan period “{name}”. Now set its targets with /target."), {"name": added.name}
    )


class TargetDraft(FlowDraft):
    """How many of a group a period should train, and why."""

    period: int
    group: int
    count: int
    reason: str = ""


async def save_target(session: AsyncSession, draft: TargetDraft, saving: Saving) -> Applied:
    """Set the target; with targets set, a daily check starts watching for lagging groups."""
    groups = {g.id: g for g in await plan.target_groups(session, partnership_id=saving.partnership_id)}
    periods = {p.id: p for p in await plan.periods(session, partnership_id=saving.partnership_id)}
    period, group = periods.get(draft.period), groups.get(draft.group)
    if period is None or group is None:
        raise RegistryError("flow_unknown")
    await plan.set_target(
        session, period=period, group=group, count=draft.count, by_user_id=saving.by, reason=draft.reason
    )
    # The check re-queues itself each day.
    await nudges.queue_next_check(
        session, partnership=saving.partnership, after=utcnow(), rules=SendingRules()
    )
    return Applied(
        N_("Saved the target for “{period}”: {count}."), {"period": period.name, "count": draft.count}
    )


class SessionDraft(FlowDraft):
    """A training session: when, what, for whom, where, by whom, for how many."""

    when: datetime
    topic: str
    group: int
    place: str
    trainer: str = ""
    seats: int


async def save_session(session: AsyncSession, draft: SessionDraft, saving: Saving) -> Applied:
    """Add the session (in a declared room or lab, or somewhere else)."""
    pid = saving.partnership_id
    groups = {g.id: g for g in await plan.target_groups(session, partnership_id=pid)}
    group = groups.get(draft.group)
    if group is None:
        raise RegistryError("flow_unknown")
    resource = None
    if draft.place != NO_PLACE:
        places = {str(r.id): r for r, _p in await registry.resources_of(session, partnership_id=pid)}
        resource = places.get(draft.place)
        if resource is None:
            raise RegistryError("partner_unknown")
    await plan.add_session(
        session,
        partnership_id=pid,
        starts_at=draft.when,
        topic=draft.topic,
        group=group,
        seats=draft.seats,
        resource=resource,
        trainer=draft.trainer,
        local_day=draft.when.date(),
    )
    return Applied(N_("Added the session “{topic}”."), {"topic": draft.topic})


class TrainedDraft(FlowDraft):
    """What a session achieved: registered, trained per group, with a disability, and sources."""

    session: int
    registered: int
    trained: dict[str, int]
    disabled: int
    sources: dict[str, int] = Field(default_factory=dict)


async def save_trained(session: AsyncSession, draft: TrainedDraft, saving: Saving) -> Applied:
    """Record the session's outcome."""
    training = await session.get(TrainingSession, draft.session)
    if training is None or training.partnership_id != saving.partnership_id:
        raise RegistryError("flow_unknown")
    groups = {str(g.id) for g in await plan.target_groups(session, partnership_id=saving.partnership_id)}
    sources: dict[int | None, int] = {}
    for key, count in draft.sources.items():
        partner_key = None if key == OTHER else int(key)
        sources[partner_key] = sources.get(partner_key, 0) + count
    outcome = plan.Outcome(
        registered=draft.registered,
        trained={int(k): v for k, v in draft.trained.items() if k in groups},
        with_disability=draft.disabled,
        sources=sources,
    )
    await plan.record_outcome(session, training=training, outcome=outcome)
    return Applied(N_("Recorded the outcome of “{topic}”."), {"topic": training.topic})


# --------------------------------------------------------------------------- the flows

register(
    Flow(
        FlowName.PERIOD,
        N_("Plan period"),
        [
            Step(
                "name",
                N_("Name the period (e.g. “2026” or “Spring 2026”)."),
                parse=required(PERIOD_NAME_MAX),
            ),
            Step("start", N_("First day? (e.g. {date_example})"), parse=a_date, show=show_date),
            Step("end", N_("Last day?"), parse=_end_date, show=show_date),
        ],
        PeriodDraft,
        save_period,
        action=Action.MANAGE_PLAN,
        loaders=PLAN_LOADERS,
    ),
    Flow(
        FlowName.TARGET,
        N_("Target"),
        [
            Step("period", N_("For which period?"), options=named_options(Key.PERIODS)),
            Step("group", N_("For which target group?"), options=_groups),
            Step("count", N_("How many residents should be trained?"), parse=a_count),
            Step("reason", N_("Why this number, or why the change? (type - to skip)"), parse=free_text),
        ],
        TargetDraft,
        save_target,
        action=Action.MANAGE_PLAN,
        loaders=PLAN_LOADERS,
    ),
    Flow(
        FlowName.SESSION,
        N_("Training session"),
        [
            Step(
                "when",
                N_("When? Date and time, e.g. {date_example} 17:30."),
                parse=_session_moment,
                show=shown_moment,
            ),
            Step("topic", N_("Topic? (e.g. “online banking”)"), parse=required(SHORT_MAX, shortest=2)),
            Step("group", N_("For which target group?"), options=_groups),
            Step("place", N_("Where? (a room or lab a partner declared)"), options=_places),
            Step(
                "trainer",
                N_("Trainer? (type - to skip)"),
                parse=lambda t, d: bounded_text(t, SHORT_MAX),
            ),
            Step("seats", N_("How many seats?"), parse=seats),
        ],
        SessionDraft,
        save_session,
        action=Action.MANAGE_PLAN,
        loaders=PLAN_LOADERS,
    ),
    Flow(
        FlowName.TRAINED,
        N_("Session outcome"),
        [
            Step("session", N_("Which session?"), options=named_options(Key.SESSIONS)),
            Step("registered", N_("How many registered?"), parse=_registered),
            Step(
                "trained",
                N_("How many were trained? A number, or per group: “{example}”."),
                parse=_trained,
            ),
            Step("disabled", N_("How many of them have a disability?"), parse=_disabled),
            Step(
                "sources",
                N_(
                    "Where did they hear of it? Partner and number, e.g. “{sources_example}” "
                    "(type - to skip)."
                ),
                parse=_sources,
            ),
        ],
        TrainedDraft,
        save_trained,
        action=Action.MANAGE_PLAN,
        loaders=PLAN_LOADERS,
    ),
)
