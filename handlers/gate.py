"""One way to declare what a handler needs, so its permission is visible where it is defined.

    @requires(Action.VIEW_STATUS)
    async def status(call: Scoped) -> None: ...

The decorator does the opening once, in one transaction: it remembers the person and their
language, finds the partnership the update is about and the caller's role in it, and asks
`bot.access.decide`. A refusal is told as always (a button refusal only to the presser, as an
alert) and the handler does not run; otherwise it gets a typed `Scoped` (or `Pressed`) call.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import CallbackQuery, Update

from bot.access import Action, Where
from bot.models import Partnership
from bot.services import partnerships
from bot.services.people import PersonInfo
from handlers.common import (
    STALE_BUTTON,
    Context,
    Found,
    Request,
    Scope,
    command_args,
    find_partnership,
    judge,
    remember,
)

T = TypeVar("T")
Callback = Callable[[Update, Context], Coroutine[Any, Any, None]]


@dataclass
class Opened:
    """An update from anyone, with their language; what they coordinate only if it was asked for."""

    update: Update
    context: Context
    req: Request
    person: PersonInfo | None
    coordinated: list[Partnership] = field(default_factory=list)  # here (a group) or anywhere

    @property
    def is_coordinator(self) -> bool:
        """Whether the caller coordinates this group's partnership (or any, privately)."""
        return bool(self.coordinated)

    @property
    def args(self) -> str:
        """The text after the command word."""
        return command_args(self.update)


@dataclass
class Scoped:
    """An update from someone allowed to do the action, in the partnership it is about."""

    update: Update
    context: Context
    req: Request
    scope: Scope
    person: PersonInfo

    @property
    def partnership(self) -> Partnership:
        """The partnership the update is about."""
        return self.scope.partnership

    @property
    def partnership_id(self) -> int:
        """Its id (a stored partnership always has one)."""
        assert self.scope.partnership.id is not None
        return self.scope.partnership.id

    @property
    def args(self) -> str:
        """The text after the command word."""
        return command_args(self.update)


@dataclass
class Pressed(Scoped, Generic[T]):
    """A button pressed by someone allowed to press it, with what its data names."""

    query: CallbackQuery
    target: T


async def _coordinated(session: AsyncSession, req: Request) -> list[Partnership]:
    """The partnerships the caller coordinates: this group's, or privately all of them."""
    if req.person is None:
        return []
    if req.where is Where.GROUP:
        found = await partnerships.by_chat(session, chat_id=req.chat_id)
        return [found] if found is not None and found.coordinator_user_id == req.person.user_id else []
    return await partnerships.coordinated_by(session, user_id=req.person.user_id)


async def open_update(update: Update, context: Context, *, coordinator: bool = False) -> Opened:
    """Remember the person and their language (and whether they coordinate) in one transaction."""
    async with context.services.db.transaction(mark=False) as session:
        req = await remember(session, update, context)
        coordinated = await _coordinated(session, req) if coordinator else []
    return Opened(update, context, req, req.person, coordinated)


async def open_scoped(
    update: Update,
    context: Context,
    action: Action,
    *,
    partnership_id: int | None = None,
    query: CallbackQuery | None = None,
) -> Scoped | None:
    """The whole opening in one transaction; None after a refusal was told (or with no person)."""
    async with context.services.db.transaction(mark=False) as session:  # reads, and a person row
        req = await remember(session, update, context)
        found = await find_partnership(session, req, partnership_id) if req.person else Found()
    if req.person is None:
        return None
    scope = await judge(req, action, found, query)
    if scope is None:
        return None
    return Scoped(update, context, req, scope, req.person)


async def authorise(
    req: Request,
    action: Action,
    *,
    partnership_id: int | None = None,
    query: CallbackQuery | None = None,
) -> Scope | None:
    """The gate for an action known only after the opening (a form's draft decides it, and
    which partnership): the scope, or None after the refusal was told."""
    if req.person is None:
        return None
    async with req.services.db.transaction() as session:
        found = await find_partnership(session, req, partnership_id)
    return await judge(req, action, found, query)


def anyone(
    *, coordinator: bool = False
) -> Callable[[Callable[[Opened], Awaitable[None]]], Callback]:
    """A handler anyone may use, needing no partnership (help, language, privacy ...)."""

    def decorate(handler: Callable[[Opened], Awaitable[None]]) -> Callback:
        @functools.wraps(handler)
        async def callback(update: Update, context: Context) -> None:
            await handler(await open_update(update, context, coordinator=coordinator))

        return callback

    return decorate


def requires(action: Action) -> Callable[[Callable[[Scoped], Awaitable[None]]], Callback]:
    """A command that needs a partnership and the permission for `action` in it."""

    def decorate(handler: Callable[[Scoped], Awaitable[None]]) -> Callback:
        @functools.wraps(handler)
        async def callback(update: Update, context: Context) -> None:
            call = await open_scoped(update, context, action)
            if call is not None:
                await handler(call)

        return callback

    return decorate


def requires_press(
    action: Action,
    parse: Callable[[str], T | None],
    *,
    partnership_of: Callable[[T], int] | None = None,
) -> Callable[[Callable[[Pressed[T]], Awaitable[None]]], Callback]:
    """A button that needs the permission for `action`: its data is parsed first (malformed:
    "this button no longer works"); `partnership_of` names the partnership the data is about."""

    def decorate(handler: Callable[[Pressed[T]], Awaitable[None]]) -> Callback:
        @functools.wraps(handler)
        async def callback(update: Update, context: Context) -> None:
            query = update.callback_query
            assert query is not None
            target = parse(query.data or "")
            if target is None:
                await answer_stale(update, context)
                return
            pid = partnership_of(target) if partnership_of is not None else None
            # A refusal answers the press itself, to the presser only.
            call = await open_scoped(update, context, action, partnership_id=pid, query=query)
            if call is not None:
                await handler(Pressed(update, context, call.req, call.scope, call.person, query, target))

        return callback

    return decorate


@anyone()
async def answer_stale(call: Opened) -> None:
    """A button whose data is malformed, forged or from an older version of the bot."""
    query = call.update.callback_query
    if query is not None:
        await query.answer(call.req._(STALE_BUTTON))
