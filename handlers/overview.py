"""The supervisor's overview: /overview (lights), /overview xlsx, /overview chart, and its buttons."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import cast

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import export, programme_chart
from bot.access import Action, ProgrammeAction, ProgrammeRole, Where, may
from bot.db import utcnow
from bot.presenters import programme as words
from bot.services import programme_overview, programme_scope, registry
from handlers import status as status_handlers
from handlers.common import Request, command, reply
from handlers.gate import Opened, Pressed, Scoped, anyone, requires_press
from handlers.partners import brief_text
from handlers.programme import user_of


async def overseer(req: Request, user_id: int) -> bool:
    """Whether a person may see a programme overview; if not, they are told."""
    async with req.services.db.transaction() as session:
        found = await programme_scope.roles(session, user_id=user_id)
    held: set[ProgrammeRole] = set().union(*found.values())
    if may(ProgrammeAction.OVERVIEW, held):
        return True
    await reply(req, req._("/overview is for a programme's manager and supervisors."))
    return False


@anyone()
async def overview_command(call: Opened) -> None:
    """/overview: a line per overseen partnership, worst first, with buttons."""
    req = call.req
    if req.where is not Where.PRIVATE:
        await reply(req, req._("Please use /overview in a private chat with me."))
        return
    if not await overseer(req, user_of(call)):
        return
    async with req.services.db.transaction() as session:
        seen = await programme_scope.overseen(session, user_id=user_of(call))
        lines = await programme_overview.overview(session, partnerships=seen, now=utcnow(), zone=req.zone)
    word = call.args.strip().casefold()
    if word in ("xlsx", "export"):
        await _send_workbook(req, lines)
    elif word in ("chart", "wykres"):
        await _send_chart(req, lines)
    else:
        shown = words.overview(req.tr, lines, locale=req.locale)
        await reply(req, shown.text, buttons=shown.buttons)


async def _send_workbook(req: Request, lines: list[programme_overview.Line]) -> None:
    """The overview as XLSX: a row per partnership, a sheet per partnership's targets."""
    content = await asyncio.to_thread(export.workbook, words.export_sheets(req.tr, lines))
    day = utcnow().astimezone(req.zone).date().isoformat()
    caption = req._("The overview of your partnerships, with each one's targets against trained.")
    await req.services.notifier.send_file(
        req.chat_id, content, filename=f"overview-{day}.xlsx", caption=caption
    )


async def _send_chart(req: Request, lines: list[programme_overview.Line]) -> None:
    """The programme's chart: trained against target per partnership, furthest behind on top."""
    picture = await asyncio.to_thread(
        programme_chart.render, words.chart_bars(lines), words.chart_labels(req.tr)
    )
    day = utcnow().astimezone(req.zone).date().isoformat()
    await req.services.notifier.send_file(req.chat_id, picture, filename=f"programme-{day}.png", photo=True)


def _pressed_id(prefix: str) -> Callable[[str], int | None]:
    """A parser of <prefix><partnership id>."""

    def parse(data: str) -> int | None:
        rest = data.removeprefix(prefix)
        return int(rest) if data.startswith(prefix) and rest.isdigit() else None

    return parse


# /status's own handler, unwrapped: the press was already judged for this partnership.
_show_status = cast(Callable[[Scoped], Awaitable[None]], vars(status_handlers.status)["__wrapped__"])


@requires_press(Action.VIEW_STATUS, _pressed_id(words.STATUS_BUTTON), partnership_of=lambda pid: pid)
async def status_press(call: Pressed[int]) -> None:
    """A partnership's /status, from the overview."""
    await call.query.answer()
    await _show_status(call)


@requires_press(Action.VIEW_STATUS, _pressed_id(words.BRIEF_BUTTON), partnership_of=lambda pid: pid)
async def brief_press(call: Pressed[int]) -> None:
    """A partnership's brief, from the overview."""
    await call.query.answer()
    async with call.req.services.db.transaction() as session:
        brief = await registry.brief(session, partnership=call.partnership)
    await reply(call.req, brief_text(call.req, brief))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """/overview and its buttons."""
    return [
        command("overview", overview_command),
        CallbackQueryHandler(status_press, pattern=r"^pv:s:"),
        CallbackQueryHandler(brief_press, pattern=r"^pv:b:"),
    ]
