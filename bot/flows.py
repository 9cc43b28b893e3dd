"""Guided flows as data: steps with pickers or free text, then a summary to confirm.

Nothing here knows Telegram or the database. A flow's answers live in a draft (a row) until
the user confirms; cancelling or abandoning the flow saves nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import clock
from bot.dates import (
    YEAR_MAX,
    YEAR_MIN,
    DateFormatError,
    DateOutOfRange,
    NoSuchDay,
    example_date,
    local_today,
    parse_date,
    parse_moment,
    parse_time,
)
from bot.i18n import N_
from bot.models import (
    JoinForm,
    PartnerKind,
    PartnerStatus,
    ResourceKind,
    Stage,
)
from bot.services.registry import RegistryError, clean_partner_name, clean_text, parse_seats
from bot.text import fold, parse_count, visible_text, without_controls
from bot.timing import InvalidRecurrence, cron_trigger

Data = dict[str, Any]

DONE, SAVE, CANCEL = "=done", "=save", "=cancel"


class FlowInputError(ValueError):
    """Input a step cannot accept; `message` is a msgid to show with `details`."""

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


@dataclass(frozen=True)
class Option:
    """A button: the stored value and its label (a msgid, or a name shown as is)."""

    value: str
    label: str
    translate: bool = True


@dataclass(frozen=True)
class Step:
    """One question of a flow."""

    name: str
    question: str
    options: Callable[[Data], list[Option]] | None = None
    parse: Callable[[str, Data], Any] | None = None
    when: Callable[[Data], bool] = lambda data: True
    multi: bool = False


@dataclass(frozen=True)
class Flow:
    """A named sequence of steps ending in a confirmation."""

    name: str
    title: str
    steps: list[Step] = field(default_factory=list)

    def step(self, name: str) -> Step:
        """A step by name."""
        return next(s for s in self.steps if s.name == name)


PARTNER_KIND_LABELS: dict[str, str] = {
    PartnerKind.LIBRARY: N_("library"),
    PartnerKind.CULTURE_CENTRE: N_("culture centre"),
    PartnerKind.SCHOOL: N_("school"),
    PartnerKind.SOCIAL_WELFARE: N_("social welfare centre"),
    PartnerKind.MUNICIPAL_OFFICE: N_("municipal office"),
    PartnerKind.JOB_CENTRE: N_("job centre"),
    PartnerKind.SENIOR_CLUB: N_("senior club"),
    PartnerKind.UNIVERSITY_THIRD_AGE: N_("university of the third age"),
    PartnerKind.RURAL_WOMENS_CIRCLE: N_("rural women's circle"),
    PartnerKind.FIRE_BRIGADE: N_("volunteer fire brigade"),
    PartnerKind.PARISH: N_("parish"),
    PartnerKind.NGO: N_("NGO"),
    PartnerKind.HEALTH_CENTRE: N_("health centre"),
    PartnerKind.VILLAGE_COUNCIL: N_("village council"),
    PartnerKind.OTHER: N_("other"),
}
STATUS_LABELS: dict[str, str] = {
    PartnerStatus.CANDIDATE: N_("candidate"),
    PartnerStatus.INVITED: N_("invited"),
    PartnerStatus.JOINED: N_("joined"),
    PartnerStatus.ACTIVE: N_("active"),
    PartnerStatus.WITHDRAWN: N_("withdrawn"),
}
JOIN_FORM_LABELS: dict[str, str] = {
    JoinForm.SIGNED_AGREEMENT: N_("signed agreement"),
    JoinForm.DECLARATION: N_("declaration of cooperation"),
    JoinForm.ORAL: N_("oral agreement"),
}
RESOURCE_LABELS: dict[str, str] = {
    ResourceKind.ROOM: N_("room"),
    ResourceKind.COMPUTER_LAB: N_("computer lab"),
    ResourceKind.EQUIPMENT: N_("equipment"),
    ResourceKind.TRAINER: N_("trainer"),
    ResourceKind.VOLUNTEERS: N_("volunteers"),
    ResourceKind.NOTICE_BOARD: N_("notice board"),
    ResourceKind.WEBSITE: N_("website"),
    ResourceKind.FACEBOOK: N_("Facebook page"),
    ResourceKind.PARISH_ANNOUNCEMENTS: N_("parish announcements"),
    ResourceKind.LOCAL_EVENTS: N_("local events"),
}
STAGE_LABELS: dict[str, str] = {
    Stage.FORMING: N_("forming"),
    Stage.OPERATING: N_("operating"),
    Stage.CLOSING: N_("closing"),
    Stage.CLOSED: N_("closed"),
}
PLAN_CHANNEL_LABELS: dict[str, str] = {
    "chat": N_("this group chat"),
    "email": N_("e-mail"),
    "phone": N_("phone"),
    "meetings": N_("meetings"),
    "online": N_("online meetings"),
    "sms": N_("SMS"),
}
FREQUENCY_LABELS: dict[str, str] = {
    "monthly": N_("monthly"),
    "quarterly": N_("every three months"),
    "half_yearly": N_("twice a year"),
    "yearly": N_("once a year"),
}
DETAIL_FIELD_LABELS: dict[str, str] = {
    "kind": N_("kind"),
    "join_form": N_("how it joined"),
    "target_groups": N_("target groups it reaches"),
    "gains": N_("what it gains"),
    "obstacles": N_("what may hold it back"),
}
ROLE_TARGET_LABELS: dict[str, str] = {
    "=supervisor": N_("a supervisor (sees, does not change)"),
    "=ambassador": N_("an ambassador (local authority)"),
}


def _choices(labels: dict[str, str], *, exclude: set[str] | None = None) -> list[Option]:
    """Options from a label table."""
    return [Option(str(value), label) for value, label in labels.items() if value not in (exclude or set())]


def _partners(data: Data, *, statuses: set[str] | None = None) -> list[Option]:
    """The partnership's partners as options (names shown as typed)."""
    return [
        Option(str(pid), name, translate=False)
        for pid, name, status in data.get("_partners", [])
        if statuses is None or status in statuses
    ]


def _partner_name(text: str, data: Data) -> str:
    """A new partner's name: well-formed and not a duplicate of an existing one."""
    try:
        name = clean_partner_name(text)
    except RegistryError:
        raise FlowInputError(N_("A name needs 2 to 120 characters. Type the organisation's name.")) from None
    existing = {fold(n): n for _pid, n, _status in data.get("_partners", [])}
    if fold(name) in existing:
        raise FlowInputError(
            N_(
                "“{existing}” is already in the registry. Type /partner {existing} to see it, "
                "or type another name."
            ),
            existing=existing[fold(name)],
        )
    return name


TEXT_MAX = 1000  # free text: notes, reasons, agendas
SHORT_MAX = 120  # what becomes a title: a topic, a trainer's name
PERIOD_NAME_MAX = 80
CRON_MAX = 64


def _bounded_text(text: str, limit: int) -> str:
    """Free text up to `limit` characters ('-' for nothing), the limit said when it is exceeded."""
    try:
        return clean_text(text, limit=limit)
    except RegistryError:
        raise FlowInputError(
            N_("That is too long: at most {limit} characters (you typed {length}). Type it again, shorter."),
            limit=limit,
            length=len(text.strip()),
        ) from None


def _free_text(text: str, _data: Data) -> str:
    """Free text up to TEXT_MAX characters ('-' for nothing)."""
    return _bounded_text(text, TEXT_MAX)


def _required(limit: int, *, shortest: int = 1) -> Callable[[str, Data], str]:
    """A parser for text that may not be empty, up to `limit` characters."""

    def parse(text: str, _data: Data) -> str:
        """Non-empty text within the limit."""
        value = _bounded_text(text, limit)
        if len(visible_text(value)) < shortest:
            raise FlowInputError(N_("This cannot be empty. Type a few words."))
        return value

    return parse


_required_text = _required(TEXT_MAX)


def _seats(text: str, data: Data) -> int:
    """A seat count; for a session in a lab, at most the lab's seats."""
    try:
        seats = parse_seats(text)
    except RegistryError:
        raise FlowInputError(
            N_("Type the number of seats as a whole number from 1 to 500, e.g. 12.")
        ) from None
    room = data.get("_place_seats", {}).get(str(data.get("place")))
    if room and seats > int(room):
        raise FlowInputError(
            N_("That room has only {seats} seats. Type a number from 1 to {seats}."), seats=room
        )
    return seats


def _status_options(data: Data) -> list[Option]:
    """Every status but the partner's current one."""
    current = next((s for pid, _n, s in data.get("_partners", []) if str(pid) == data.get("partner")), None)
    return _choices(STATUS_LABELS, exclude={current} if current else None)


def _detail_value_options(data: Data) -> list[Option]:
    """Pickers for the fields that have fixed values."""
    return _choices(PARTNER_KIND_LABELS if data.get("field") == "kind" else JOIN_FORM_LABELS)


FLOWS: dict[str, Flow] = {
    flow.name: flow
    for flow in [
        Flow(
            "partner",
            N_("New partner"),
            [
                Step("name", N_("What is the organisation's name?"), parse=_partner_name),
                Step(
                    "kind",
                    N_("What kind of organisation is it?"),
                    options=lambda d: _choices(PARTNER_KIND_LABELS),
                ),
                Step(
                    "status",
                    N_("Where does it stand?"),
                    options=lambda d: _choices(STATUS_LABELS, exclude={PartnerStatus.WITHDRAWN.value}),
                ),
            ],
        ),
        Flow(
            "status",
            N_("Partner status"),
            [
                Step("partner", N_("Which partner?"), options=_partners),
                Step("status", N_("Move it to which status?"), options=_status_options),
                Step(
                    "reason",
                    N_("Why is it withdrawing? (a few words)"),
                    parse=_required_text,
                    when=lambda d: d.get("status") == PartnerStatus.WITHDRAWN.value,
                ),
            ],
        ),
        Flow(
            "resource",
            N_("Declared resource"),
            [
                Step(
                    "partner",
                    N_("Which partner contributes it?"),
                    options=lambda d: _partners(d, statuses={"candidate", "invited", "joined", "active"}),
                ),
                Step("kind", N_("What is it?"), options=lambda d: _choices(RESOURCE_LABELS)),
                Step(
                    "description",
                    N_("Describe it in a few words (e.g. “room in the Rudniki village hall”)."),
                    parse=_required_text,
                ),
                Step(
                    "seats",
                    N_("How many seats (computers) does the lab have?"),
                    parse=_seats,
                    when=lambda d: d.get("kind") == ResourceKind.COMPUTER_LAB.value,
                ),
                Step("availability", N_("When is it available? (type - to skip)"), parse=_free_text),
            ],
        ),
        Flow(
            "details",
            N_("Partner details"),
            [
                Step("partner", N_("Which partner?"), options=_partners),
                Step(
                    "field",
                    N_("What do you want to record?"),
                    options=lambda d: _choices(DETAIL_FIELD_LABELS),
                ),
                Step(
                    "choice",
                    N_("Choose:"),
                    options=_detail_value_options,
                    when=lambda d: d.get("field") in ("kind", "join_form"),
                ),
                Step(
                    "text",
                    N_("Type it (type - to clear):"),
                    parse=_free_text,
                    when=lambda d: d.get("field") in ("target_groups", "gains", "obstacles"),
                ),
            ],
        ),
        Flow(
            "leader",
            N_("Institutional leader"),
            [
                Step(
                    "partner",
                    N_("Which partner leads the partnership?"),
                    options=lambda d: _partners(d, statuses={"joined", "active"}),
                ),
            ],
        ),
        Flow(
            "stage",
            N_("Partnership stage"),
            [
                Step(
                    "stage",
                    N_("Which stage is the partnership in?"),
                    options=lambda d: _choices(STAGE_LABELS),
                ),
            ],
        ),
        Flow(
            "commplan",
            N_("Communication plan"),
            [
                Step(
                    "channels",
                    N_("Which channels do partners use? Tap to select, then Done."),
                    options=lambda d: _choices(PLAN_CHANNEL_LABELS),
                    multi=True,
                ),
                Step(
                    "frequency",
                    N_("How often do partners meet?"),
                    options=lambda d: _choices(FREQUENCY_LABELS),
                ),
                Step(
                    "reporting",
                    N_("Who reports what, and how often? (e.g. “schools report trained pupils monthly”)"),
                    parse=_required_text,
                ),
            ],
        ),
        Flow(
            "invite",
            N_("Invitation"),
            [
                Step(
                    "target",
                    N_("Whom is the invitation for?"),
                    options=lambda d: (
                        _partners(d, statuses={"candidate", "invited", "joined", "active"})
                        + _choices(ROLE_TARGET_LABELS)
                    ),
                ),
            ],
        ),
        Flow(
            "join",
            N_("Request to join"),
            [
                Step(
                    "partner",
                    N_("Which organisation do you represent?"),
                    options=lambda d: _partners(d, statuses={"candidate", "invited", "joined", "active"}),
                ),
            ],
        ),
        Flow(
            "handover",
            N_("Coordinator hand-over"),
            [
                Step(
                    "person",
                    N_("Who becomes the coordinator?"),
                    options=lambda d: [
                        Option(str(uid), name, translate=False) for uid, name in d.get("_people", [])
                    ],
                ),
            ],
        ),
    ]
}


def current_step(flow: Flow, data: Data) -> Step | None:
    """The first unanswered step that applies, or None when only confirmation is left."""
    return next((s for s in flow.steps if s.name not in data and s.when(data)), None)


def options_for(step: Step, data: Data) -> list[Option]:
    """The step's options for this draft."""
    return step.options(data) if step.options else []


def choose(flow: Flow, data: Data, value: str) -> Data:
    """Apply a button press to the current step; a stale or foreign value is refused."""
    step = current_step(flow, data)
    if step is None or step.options is None:
        raise FlowInputError(N_("That button is out of date."))
    if step.multi:
        picked = list(data.get("_picked", []))
        if value == DONE:
            if not picked:
                raise FlowInputError(N_("Choose at least one, then Done."))
            return {**{k: v for k, v in data.items() if k != "_picked"}, step.name: picked}
        if value not in {o.value for o in options_for(step, data)}:
            raise FlowInputError(N_("That button is out of date."))
        picked = [v for v in picked if v != value] if value in picked else [*picked, value]
        return {**data, "_picked": picked}
    if value not in {o.value for o in options_for(step, data)}:
        raise FlowInputError(N_("That button is out of date."))
    return {**data, step.name: value}


def type_in(flow: Flow, data: Data, text: str) -> Data:
    """Apply typed text to the current step."""
    step = current_step(flow, data)
    if step is None:
        raise FlowInputError(N_("Use the buttons: Save or Cancel."))
    if step.parse is None:
        raise FlowInputError(N_("Please choose one of the buttons."))
    return {**data, step.name: step.parse(text, data)}


def public_answers(flow: Flow, data: Data) -> list[tuple[Step, Any]]:
    """The answered steps, in order, for the confirmation summary."""
    return [(s, data[s.name]) for s in flow.steps if s.name in data and s.when(data)]


# --------------------------------------------------------------------------- the training plan

TARGET_GROUP_LABELS: dict[str, str] = {
    "seniors": N_("seniors"),
    "unemployed": N_("unemployed"),
    "parents": N_("parents using the school e-register"),
    "disabled": N_("people with disabilities"),
    "farmers": N_("farmers"),
    "youth": N_("young people"),
    "other": N_("other residents"),
}
NO_PLACE = "=none"


COUNT_MAX = 100_000
YEARS_AHEAD = 5  # tasks, meetings and sessions: no further ahead than this


def _today(data: Data) -> date:
    """The partnership's local date when the flow started (by the bot's clock if not recorded)."""
    if data.get("_today"):
        return date.fromisoformat(str(data["_today"]))
    return local_today(clock.now(), ZoneInfo(str(data.get("_zone", "Europe/Warsaw"))))


def _date_error(error: DateFormatError, text: str) -> FlowInputError:
    """Why a typed date is refused, in words."""
    if isinstance(error, NoSuchDay):
        return FlowInputError(
            N_("{text} does not exist in the calendar. Type a real date."), text=text.strip()
        )
    if isinstance(error, DateOutOfRange):
        return FlowInputError(
            N_("Dates from {first} to {last} only. Type a date in that range."), first=YEAR_MIN, last=YEAR_MAX
        )
    return FlowInputError(N_("I don't understand that date. Type e.g. {date_example}."))


def _a_date(text: str, data: Data) -> str:
    """A date in any accepted format, kept as ISO text."""
    try:
        return parse_date(text, today=_today(data)).isoformat()
    except DateFormatError as exc:
        raise _date_error(exc, text) from None


def _end_date(text: str, data: Data) -> str:
    """A period's last day, after its first and at most three years later."""
    value = _a_date(text, data)
    start = str(data.get("start", ""))
    if value <= start:
        raise FlowInputError(
            N_("The end must come after the start ({start}). Type the end date again."),
            start=_shown_date(start),
        )
    if date.fromisoformat(value) > date.fromisoformat(start) + timedelta(days=3 * 366):
        raise FlowInputError(N_("A period lasts at most three years. Type an earlier last day."))
    return value


def _within_years(day: date, data: Data) -> None:
    """Refuse a day more than YEARS_AHEAD years after today."""
    if day > _today(data) + timedelta(days=365 * YEARS_AHEAD):
        raise FlowInputError(
            N_("That is more than {years} years ahead. Type a nearer date."), years=YEARS_AHEAD
        )


def _a_moment(text: str, data: Data) -> str:
    """A local date and time, kept as ISO text with its offset."""
    try:
        moment = parse_moment(
            text, zone=ZoneInfo(str(data.get("_zone", "Europe/Warsaw"))), today=_today(data)
        )
    except (NoSuchDay, DateOutOfRange) as exc:
        raise _date_error(exc, text.strip().rsplit(maxsplit=1)[0]) from None
    except DateFormatError:
        raise FlowInputError(N_("Type the date and time, e.g. {date_example} 17:30.")) from None
    _within_years(moment.date(), data)
    return moment.isoformat()


def _future_moment(text: str, data: Data) -> str:
    """A meeting's time: not in the past."""
    value = _a_moment(text, data)
    if datetime.fromisoformat(value) <= clock.now():
        raise FlowInputError(N_("That time has passed. Type a later date and time."))
    return value


def _session_moment(text: str, data: Data) -> str:
    """A session's time: inside one of the plan periods."""
    value = _a_moment(text, data)
    day = datetime.fromisoformat(value).date().isoformat()
    spans = data.get("_period_spans", [])
    if not any(start <= day <= end for _name, start, end in spans):
        names = ", ".join(f"{name} ({_shown_date(start)}–{_shown_date(end)})" for name, start, end in spans)
        raise FlowInputError(
            N_(
                "{day} is outside every plan period: {periods}. "
                "Type a date inside one, or add a period with /period."
            ),
            day=_shown_date(day),
            periods=names or "—",
        )
    return value


def _a_count(text: str, _data: Data) -> int:
    """A whole number of residents."""
    value = parse_count(text, maximum=COUNT_MAX)
    if value is None:
        raise FlowInputError(N_("Type a whole number from 0 to {max}, e.g. 12."), max=COUNT_MAX)
    return value


def _registered(text: str, data: Data) -> int:
    """How many registered: not far above the session's seats."""
    value = _a_count(text, data)
    seats = data.get("_session_seats", {}).get(str(data.get("session")))
    if seats and value > registered_limit(int(seats)):
        raise FlowInputError(
            N_("The session has {seats} seats; type at most {max} registered."),
            seats=seats,
            max=registered_limit(int(seats)),
        )
    return value


def registered_limit(seats: int) -> int:
    """The most registrations that are plausible for a session (a waiting list, not a stadium)."""
    return max(seats * 2, seats + 20)


def _pairs(text: str, names: list[list[Any]], data: Data) -> dict[str, int]:
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
                example=data.get("_example", "")
                if names is data.get("_group_names")
                else data.get("_sources_example", ""),
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
        own = data.get("_session_groups", {}).get(str(data.get("session")), "")
        pairs = {str(own): _a_count(text, data)}
    else:
        pairs = _pairs(text, data.get("_group_names", []), data)
    if not pairs:
        raise FlowInputError(N_("Type a whole number, e.g. 12."))
    total = sum(pairs.values())
    if total > int(data.get("registered", COUNT_MAX)):
        raise FlowInputError(
            N_("More trained ({n}) than registered ({registered})? Type the number again."),
            n=total,
            registered=data.get("registered", 0),
        )
    seats = data.get("_session_seats", {}).get(str(data.get("session")))
    if seats and total > int(seats):
        raise FlowInputError(
            N_("More trained ({n}) than the {seats} seats? Type the number again."), n=total, seats=seats
        )
    return pairs


def _disabled(text: str, data: Data) -> int:
    """How many of the trained have a disability."""
    value = _a_count(text, data)
    if value > sum(data.get("trained", {}).values()):
        raise FlowInputError(N_("That is more than were trained. Type the number again."))
    return value


def _sources(text: str, data: Data) -> dict[str, int]:
    """Where participants heard of the session: partners by name, 'other' for the rest."""
    if text.strip() == "-":
        return {}
    names = [*data.get("_partners_named", []), *(["=other", word] for word in OTHER_WORDS)]
    found = _pairs(text, names, data)
    if sum(found.values()) > int(data.get("registered", COUNT_MAX)):
        raise FlowInputError(
            N_("That is more ({n}) than registered ({registered}). Type the numbers again."),
            n=sum(found.values()),
            registered=data.get("registered", 0),
        )
    return found


# Words for "everyone else" where participants heard of a session, in Polish and English.
OTHER_WORDS = ("inne", "inni", "inna", "inny", "pozostali", "pozostale", "other", "others", "else")


def _groups(data: Data) -> list[Option]:
    """Target groups as options (built-ins translated, custom shown as named)."""
    return [Option(str(gid), name, translate=False) for gid, name in data.get("_group_names", [])]


FLOWS.update(
    {
        flow.name: flow
        for flow in [
            Flow(
                "period",
                N_("Plan period"),
                [
                    Step(
                        "name",
                        N_("Name the period (e.g. “2026” or “Spring 2026”)."),
                        parse=_required(PERIOD_NAME_MAX),
                    ),
                    Step("start", N_("First day? (e.g. {date_example})"), parse=_a_date),
                    Step("end", N_("Last day?"), parse=_end_date),
                ],
            ),
            Flow(
                "target",
                N_("Target"),
                [
                    Step(
                        "period",
                        N_("For which period?"),
                        options=lambda d: [
                            Option(str(i), n, translate=False) for i, n in d.get("_periods", [])
                        ],
                    ),
                    Step("group", N_("For which target group?"), options=_groups),
                    Step("count", N_("How many residents should be trained?"), parse=_a_count),
                    Step(
                        "reason", N_("Why this number, or why the change? (type - to skip)"), parse=_free_text
                    ),
                ],
            ),
            Flow(
                "session",
                N_("Training session"),
                [
                    Step(
                        "when",
                        N_("When? Date and time, e.g. {date_example} 17:30."),
                        parse=_session_moment,
                    ),
                    Step(
                        "topic", N_("Topic? (e.g. “online banking”)"), parse=_required(SHORT_MAX, shortest=2)
                    ),
                    Step("group", N_("For which target group?"), options=_groups),
                    Step(
                        "place",
                        N_("Where? (a room or lab a partner declared)"),
                        options=lambda d: (
                            [Option(str(i), n, translate=False) for i, n in d.get("_places", [])]
                            + [Option(NO_PLACE, N_("somewhere else"))]
                        ),
                    ),
                    Step(
                        "trainer",
                        N_("Trainer? (type - to skip)"),
                        parse=lambda t, d: _bounded_text(t, SHORT_MAX),
                    ),
                    Step("seats", N_("How many seats?"), parse=_seats),
                ],
            ),
            Flow(
                "trained",
                N_("Session outcome"),
                [
                    Step(
                        "session",
                        N_("Which session?"),
                        options=lambda d: [
                            Option(str(i), n, translate=False) for i, n in d.get("_sessions", [])
                        ],
                    ),
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
            ),
        ]
    }
)


class Hints(dict[str, str]):
    """Values for placeholders in questions, taken from the draft ('{example}' -> data['_example'])."""

    def __init__(self, data: Data) -> None:
        super().__init__()
        self.data = data

    def __missing__(self, key: str) -> str:
        """Look the placeholder up in the draft, or leave it empty."""
        return str(self.data.get("_" + key, ""))


# --------------------------------------------------------------------------- schedules

RECURRENCE_LABELS: dict[str, str] = {
    "weekly": N_("every week"),
    "biweekly": N_("every two weeks"),
    "monthly": N_("every month"),
    "cron": N_("a cron expression"),
}
WEEKDAY_LABELS: dict[str, str] = {
    "0": N_("Monday"),
    "1": N_("Tuesday"),
    "2": N_("Wednesday"),
    "3": N_("Thursday"),
    "4": N_("Friday"),
    "5": N_("Saturday"),
    "6": N_("Sunday"),
}


def _clock(text: str, _data: Data) -> str:
    """A time of day as HH:MM."""
    try:
        return parse_time(text).strftime("%H:%M")
    except DateFormatError:
        raise FlowInputError(N_("Type a time like 9:00 or 17:30.")) from None


def _month_day(text: str, _data: Data) -> int:
    """A day of the month; 29-31 fire on the last day of the months that do not have them."""
    value = parse_count(text, maximum=31)
    if value is None or value < 1:
        raise FlowInputError(N_("Type a day of the month from 1 to 31."))
    return value


_CRON_CHARS = re.compile(r"[0-9A-Za-z*/,\- ]+", re.ASCII)


def _cron(text: str, data: Data) -> str:
    """A five-field cron expression that really fires (within a year), at most CRON_MAX characters."""
    expression = " ".join(text.split())
    if len(expression) > CRON_MAX:
        raise FlowInputError(N_("A cron expression has at most {limit} characters."), limit=CRON_MAX)
    example = N_("That is not a cron expression I can use. Example: 0 9 * * 1 (Mondays at 9:00).")
    if not _CRON_CHARS.fullmatch(expression):
        raise FlowInputError(example)
    zone = ZoneInfo(str(data.get("_zone", "Europe/Warsaw")))
    try:
        trigger = cron_trigger(expression, zone)
        now = clock.now().astimezone(zone)
        first = trigger.get_next_fire_time(None, now)
    except (InvalidRecurrence, KeyError, ValueError, OverflowError):
        raise FlowInputError(example) from None
    if first is None or first > now + timedelta(days=366):
        raise FlowInputError(
            N_("That cron expression never fires (or not within a year), e.g. 30 February. Type another one.")
        )
    return expression


FLOWS["schedule"] = Flow(
    "schedule",
    N_("Check-in schedule"),
    [
        Step("recurrence", N_("How often?"), options=lambda d: _choices(RECURRENCE_LABELS)),
        Step(
            "weekday",
            N_("On which day?"),
            options=lambda d: _choices(WEEKDAY_LABELS),
            when=lambda d: d.get("recurrence") in ("weekly", "biweekly"),
        ),
        Step(
            "day",
            N_("On which day of the month? (1-31; 29, 30 and 31 mean the last day of shorter months)"),
            parse=_month_day,
            when=lambda d: d.get("recurrence") == "monthly",
        ),
        Step(
            "time",
            N_("At what time? (e.g. 9:00)"),
            parse=_clock,
            when=lambda d: d.get("recurrence") != "cron",
        ),
        Step(
            "cron",
            N_("The cron expression? (e.g. 0 9 * * 1)"),
            parse=_cron,
            when=lambda d: d.get("recurrence") == "cron",
        ),
        Step(
            "question",
            N_("What should I ask the partners? (e.g. “How is the promotion going?”)"),
            parse=_required_text,
        ),
    ],
)


# --------------------------------------------------------------------------- tasks and meetings


def _future_date(text: str, data: Data) -> str:
    """A due date, today or later, within YEARS_AHEAD years."""
    value = _a_date(text, data)
    if value < _today(data).isoformat():
        raise FlowInputError(N_("That date has passed. Type a date from today on."))
    _within_years(date.fromisoformat(value), data)
    return value


def _shown_date(value: str) -> str:
    """An ISO date as people write it (5.03.2026)."""
    try:
        return example_date(date.fromisoformat(value))
    except ValueError:
        return value


FLOWS["task"] = Flow(
    "task",
    N_("Task for a partner"),
    [
        Step(
            "partner",
            N_("Which partner is it for?"),
            options=lambda d: _partners(d, statuses={"joined", "active"}),
        ),
        Step("text", N_("What should they do? (e.g. “posters at the health centre”)"), parse=_required_text),
        Step("due", N_("By when? (e.g. {date_example})"), parse=_future_date),
    ],
)
FLOWS["meeting"] = Flow(
    "meeting",
    N_("Partnership meeting"),
    [
        Step("when", N_("When? Date and time, e.g. {date_example} 17:30."), parse=_future_moment),
        Step("place", N_("Where? A place, or the link to the online meeting."), parse=_required_text),
        Step("agenda", N_("What is on the agenda?"), parse=_required_text),
    ],
)


def shown_value(step: Step, value: Any, typed: str) -> str:
    """How a typed answer is shown in the summary: dates as people write them, the rest as typed."""
    if step.parse in (_a_date, _end_date, _future_date):
        return _shown_date(str(value))
    if step.parse in (_a_moment, _session_moment, _future_moment):
        moment = datetime.fromisoformat(str(value))
        return f"{example_date(moment.date())} {moment:%H:%M}"
    return " ".join(without_controls(typed).split())
