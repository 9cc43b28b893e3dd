"""The flow engine: steps with pickers or free text, a summary to confirm, and the draft they fill.

Nothing here knows Telegram. A flow's answers live in a draft (a row, its answers as JSON) until
the user confirms; then the flow's own save receives them as its typed draft. Cancelling or
abandoning a flow saves nothing. Flows are declared in the module of their domain and added here
with `register`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import Action
from bot.db import stored_id, utcnow
from bot.i18n import N_
from bot.models import Draft, Partnership, TargetGroup
from bot.services.people import PersonInfo
from bot.services.registry import RegistryError
from bot.text import without_controls

Data = dict[str, Any]


class Mark(StrEnum):
    """Values of the form's own buttons, apart from any step's options."""

    DONE = "=done"  # a multiple choice is complete
    SAVE = "=save"
    CANCEL = "=cancel"


# The old names, still used by callers.
DONE, SAVE, CANCEL = Mark.DONE, Mark.SAVE, Mark.CANCEL


class Key(StrEnum):
    """Draft entries that are not answers: what the pickers need, and the form's bookkeeping."""

    MESSAGE = "_msg"  # the id of the form's message, edited as the form advances
    PICKED = "_picked"  # the options ticked so far in a multiple choice
    SHOWN = "_shown"  # how each typed answer is shown in the summary
    PARTNERS = "_partners"  # [[id, name, status], ...]
    PEOPLE = "_people"  # [[user id, name], ...] who could take over as coordinator
    TODAY = "_today"  # the partnership's local date when the flow started
    ZONE = "_zone"  # the partnership's time zone
    DATE_EXAMPLE = "_date_example"
    PERIODS = "_periods"  # [[id, name], ...]
    PERIOD_SPANS = "_period_spans"  # [[name, first day, last day], ...]
    GROUP_NAMES = "_group_names"  # [[id, name in the user's language], ...]
    PLACES = "_places"  # [[resource id, description (partner)], ...]: rooms and labs
    PLACE_SEATS = "_place_seats"  # {resource id: seats}
    SESSIONS = "_sessions"  # [[id, "day time topic"], ...]: past sessions
    SESSION_SEATS = "_session_seats"  # {session id: seats}
    SESSION_GROUPS = "_session_groups"  # {session id: target group id}
    PARTNERS_NAMED = "_partners_named"  # [[id, name], ...]
    EXAMPLE = "_example"  # trained per group, e.g. "seniors 8, parents 8"
    SOURCES_EXAMPLE = "_sources_example"  # where they heard of it, e.g. "Library 5"


class FlowName(StrEnum):
    """Every flow, by the name its drafts are stored under."""

    PARTNER = "partner"
    STATUS = "status"
    RESOURCE = "resource"
    DETAILS = "details"
    LEADER = "leader"
    STAGE = "stage"
    COMMPLAN = "commplan"
    INVITE = "invite"
    JOIN = "join"
    HANDOVER = "handover"
    PERIOD = "period"
    TARGET = "target"
    SESSION = "session"
    TRAINED = "trained"
    SCHEDULE = "schedule"
    TASK = "task"
    MEETING = "meeting"


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
    """One question of a flow; `show` turns a typed answer into how the summary shows it."""

    name: str
    question: str
    options: Callable[[Data], list[Option]] | None = None
    parse: Callable[[str, Data], Any] | None = None
    when: Callable[[Data], bool] = lambda data: True
    multi: bool = False
    show: Callable[[Any], str] | None = None


class FlowDraft(BaseModel):
    """A flow's answers, typed; parsed from the stored JSON (bookkeeping entries are ignored)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


@dataclass
class Applied:
    """What a confirmed flow saved, as a message for the user (msgid and its values)."""

    message: str
    values: dict[str, Any] = field(default_factory=dict)
    invitation_token: str | None = None
    join_request_id: int | None = None
    new_coordinator: PersonInfo | None = None
    first_run_at: datetime | None = None
    asked_run_at: datetime | None = None  # the time asked for, when quiet hours moved the first run
    task_id: int | None = None
    meeting_id: int | None = None


@dataclass(frozen=True)
class Saving:
    """Who confirms a flow, for which partnership (attached to the saving session)."""

    partnership: Partnership
    person: PersonInfo

    @property
    def partnership_id(self) -> int:
        """The partnership's id (it is stored, so it has one)."""
        return stored_id(self.partnership)

    @property
    def by(self) -> int:
        """The user id of the person confirming."""
        return self.person.user_id


@dataclass(frozen=True)
class Preparing:
    """What loading a flow's pickers needs; labels come translated from the caller."""

    partnership: Partnership
    now: datetime
    group_label: Callable[[TargetGroup], str]

    @property
    def partnership_id(self) -> int:
        """The partnership's id (it is stored, so it has one)."""
        return stored_id(self.partnership)


D = TypeVar("D", bound=FlowDraft)
Loader = Callable[[AsyncSession, Preparing], Awaitable[Data]]


@dataclass(frozen=True)
class Flow(Generic[D]):
    """A named sequence of steps ending in a confirmation, and what confirming it saves."""

    name: FlowName
    title: str
    steps: list[Step]
    draft: type[D]
    save: Callable[[AsyncSession, D, Saving], Awaitable[Applied]]
    action: Action = Action.MANAGE_REGISTRY
    loaders: tuple[Loader, ...] = ()
    nothing_to_choose: str = N_(
        "There is nothing to choose from yet. Type /addpartner to add a partner first."
    )

    def step(self, name: str) -> Step:
        """A step by name."""
        return next(s for s in self.steps if s.name == name)


FLOWS: dict[str, Flow[Any]] = {}


def register(*flows: Flow[Any]) -> None:
    """Make flows known by their names."""
    FLOWS.update({flow.name: flow for flow in flows})


# --------------------------------------------------------------------------- answering


def current_step(flow: Flow[Any], data: Data) -> Step | None:
    """The first unanswered step that applies, or None when only confirmation is left."""
    return next((s for s in flow.steps if s.name not in data and s.when(data)), None)


def options_for(step: Step, data: Data) -> list[Option]:
    """The step's options for this draft."""
    return step.options(data) if step.options else []


def choose(flow: Flow[Any], data: Data, value: str) -> Data:
    """Apply a button press to the current step; a stale or foreign value is refused."""
    step = current_step(flow, data)
    if step is None or step.options is None:
        raise FlowInputError(N_("That button is out of date."))
    if step.multi:
        picked = list(data.get(Key.PICKED, []))
        if value == Mark.DONE:
            if not picked:
                raise FlowInputError(N_("Choose at least one, then Done."))
            return {**{k: v for k, v in data.items() if k != Key.PICKED}, step.name: picked}
        if value not in {o.value for o in options_for(step, data)}:
            raise FlowInputError(N_("That button is out of date."))
        picked = [v for v in picked if v != value] if value in picked else [*picked, value]
        return {**data, Key.PICKED: picked}
    if value not in {o.value for o in options_for(step, data)}:
        raise FlowInputError(N_("That button is out of date."))
    return {**data, step.name: value}


def type_in(flow: Flow[Any], data: Data, text: str) -> Data:
    """Apply typed text to the current step."""
    step = current_step(flow, data)
    if step is None:
        raise FlowInputError(N_("Use the buttons: Save or Cancel."))
    if step.parse is None:
        raise FlowInputError(N_("Please choose one of the buttons."))
    return {**data, step.name: step.parse(text, data)}


def answer_typed(flow: Flow[Any], data: Data, text: str) -> Data:
    """Apply a typed answer and remember how to show it (as typed; dates as people write them)."""
    step = current_step(flow, data)
    updated = type_in(flow, data, text)
    if step is not None:
        shown = {**updated.get(Key.SHOWN, {}), step.name: shown_value(step, updated[step.name], text)}
        updated = {**updated, Key.SHOWN: shown}
    return updated


def without_answer(data: Data, step: str) -> Data:
    """The draft with one answer (and how it was shown) taken back, to ask that step again."""
    kept = {k: v for k, v in data.items() if k != step}
    kept[Key.SHOWN] = {k: v for k, v in data.get(Key.SHOWN, {}).items() if k != step}
    return kept


def public_answers(flow: Flow[Any], data: Data) -> list[tuple[Step, Any]]:
    """The answered steps, in order, for the confirmation summary."""
    return [(s, data[s.name]) for s in flow.steps if s.name in data and s.when(data)]


def shown_value(step: Step, value: Any, typed: str) -> str:
    """How a typed answer is shown in the summary: dates as people write them, the rest as typed."""
    if step.show is not None:
        return step.show(value)
    return " ".join(without_controls(typed).split())


class Hints(dict[str, str]):
    """Values for placeholders in questions, taken from the draft ('{example}' -> data['_example'])."""

    def __init__(self, data: Data) -> None:
        super().__init__()
        self.data = data

    def __missing__(self, key: str) -> str:
        """Look the placeholder up in the draft, or leave it empty."""
        return str(self.data.get("_" + key, ""))


# --------------------------------------------------------------------------- drafts and saving


async def prepare(session: AsyncSession, flow: Flow[Any], preparing: Preparing) -> Data:
    """What the flow's pickers and parsers need, as the draft's first entries."""
    data: Data = {}
    for load in flow.loaders:
        data.update(await load(session, preparing))
    return data


async def apply(
    session: AsyncSession, *, flow: Flow[Any], data: Data, partnership: Partnership, person: PersonInfo
) -> Applied:
    """Save what a confirmed flow collected, in the caller's transaction."""
    attached = await session.get(Partnership, partnership.id)
    if attached is None:
        raise RegistryError("flow_unknown")
    try:
        draft = flow.draft.model_validate(data)
    except ValidationError:
        raise RegistryError("flow_unknown") from None
    return await flow.save(session, draft, Saving(attached, person))


async def get(session: AsyncSession, *, user_id: int, chat_id: int) -> tuple[Draft, Data] | None:
    """The person's flow in progress in this chat, with its answers."""
    draft = await session.get(Draft, (user_id, chat_id))
    if draft is None:
        return None
    return draft, json.loads(draft.data)


async def start(
    session: AsyncSession, *, user_id: int, chat_id: int, partnership_id: int, flow: str, data: Data
) -> Draft:
    """Begin a flow, replacing any unfinished one in this chat."""
    await drop(session, user_id=user_id, chat_id=chat_id)
    draft = Draft(
        user_id=user_id,
        chat_id=chat_id,
        partnership_id=partnership_id,
        flow=flow,
        step="",
        data=json.dumps(data),
        updated_at=utcnow(),
    )
    session.add(draft)
    await session.flush()
    return draft


async def store(session: AsyncSession, *, draft: Draft, data: Data) -> None:
    """Keep the answers given so far (the draft may come from an earlier session)."""
    current = await session.get(Draft, (draft.user_id, draft.chat_id))
    if current is None:
        return  # cancelled meanwhile
    current.data = json.dumps(data)
    current.updated_at = utcnow()
    await session.flush()


async def drop(session: AsyncSession, *, user_id: int, chat_id: int) -> bool:
    """Forget a flow in progress; True if there was one."""
    existing = await session.get(Draft, (user_id, chat_id))
    if existing is None:
        return False
    await session.delete(existing)
    await session.flush()
    return True
