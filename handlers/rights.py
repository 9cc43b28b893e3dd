"""People's data rights: /privacy, /mydata, /forgetme, /retention and /deletepartnership."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import clock
from bot.access import Action, Where
from bot.i18n import format_day
from bot.markup import html, join, plain
from bot.models import Partnership, Stage
from bot.notifier import Button, ChatUnreachable
from bot.services import partnerships, people, registry, retention, rights
from handlers.common import (
    Context,
    Request,
    button_target,
    command,
    command_args,
    reply,
)
from handlers.gate import Opened, Pressed, Scoped, anyone, requires, requires_press
from handlers.general import privacy_text

log = logging.getLogger(__name__)
FORGET_BUTTON = "forget:0:yes"


def notice_text(req: Request, partnership: Partnership | None) -> str:
    """The privacy notice: what, why, for how long, who sees it, who is responsible, your rights."""
    _ = req._
    years = partnership.retention_years if partnership else retention.DEFAULT_YEARS
    lines = [privacy_text(req), ""]
    if partnership is not None:
        lines.append(html(_("<b>Partnership “{name}”</b>"), name=partnership.name))
        controller = partnership.privacy_notice or html(
            _(
                "Responsible for this data (the controller): the partnership's coordinator, {name}, "
                "on behalf of their organisation. Ask them about anything here."
            ),
            name=partnership.coordinator_name,
        )
        lines.append(controller)  # the notice is the coordinator's own text: escaped by join
    lines += [
        html(
            req.ngettext(
                "How long: while the partnership works and {n} year after it closes; then the texts "
                "and names are erased and only counts stay.",
                "How long: while the partnership works and {n} years after it closes; then the texts "
                "and names are erased and only counts stay.",
                years,
            ),
            n=years,
        ),
        _("Reminders already sent and unfinished forms are deleted after 90 days."),
        _(
            "Who sees what: everyone in the group sees /history and /status; the coordinator and "
            "supervisors can export everything; nothing goes to another partnership."
        ),
        _(
            "Your rights: /mydata sends you a copy of everything about you (JSON and a spreadsheet); "
            "/forgetme erases your name and your texts. You may also complain to the data protection "
            "authority (in Poland: UODO)."
        ),
    ]
    return join("\n", lines)


async def _partnership_here(req: Request) -> Partnership | None:
    """The partnership the notice is about: this group's, or the caller's (current) one."""
    if req.person is None:
        return None
    async with req.services.db.transaction() as session:
        if req.where is Where.GROUP:
            return await partnerships.by_chat(session, chat_id=req.chat_id)
        mine = await registry.partnerships_of(session, user_id=req.person.user_id)
        mine = partnerships.pick_current(
            mine, await people.current_partnership_id(session, user_id=req.person.user_id)
        )
    return mine[0] if len(mine) == 1 else None


async def privacy(update: Update, context: Context) -> None:
    """/privacy: the notice; `/privacy set <text>`: the coordinator states the controller."""
    word, _space, _text = command_args(update).strip().partition(" ")
    if word.lower() == "set":
        await _set_notice(update, context)
        return
    await _show_notice(update, context)


@anyone()
async def _show_notice(call: Opened) -> None:
    """/privacy: the notice, for anyone."""
    req = call.req
    await reply(req, notice_text(req, await _partnership_here(req)))


@requires(Action.MANAGE_PRIVACY)
async def _set_notice(call: Scoped) -> None:
    """Store the controller's statement (empty: back to the default)."""
    req, scope, text = call.req, call.scope, call.args.strip().partition(" ")[2].strip()
    async with req.services.db.transaction() as session:
        partnership = await session.get(Partnership, scope.partnership.id)
        assert partnership is not None
        partnership.privacy_notice = text[:2000]
        session.add(partnership)
    await reply(req, req._("Privacy notice saved.") + "\n\n" + notice_text(req, partnership))


async def _private_only(req: Request) -> bool:
    """Personal data goes only to a private chat; in a group, say so."""
    if req.where is Where.PRIVATE and req.person is not None:
        return True
    await reply(req, req._("Type this in a private chat with me: it is about you alone."))
    return False


@anyone()
async def mydata(call: Opened) -> None:
    """/mydata: a ZIP with everything about the caller (JSON, XLSX, CSV)."""
    req = call.req
    if not await _private_only(req):
        return
    assert req.person is not None
    async with req.services.db.transaction() as session:
        sheets = await rights.personal_sheets(session, user_id=req.person.user_id)
    # Writing the workbook takes seconds for a long log: off the event loop, so other chats go on.
    content = await asyncio.to_thread(rights.archive, sheets)
    log.info("personal data export: %d tables, %d bytes", len(sheets), len(content))
    stamp = clock.now().strftime("%Y-%m-%d")
    try:
        await req.services.notifier.send_file(
            req.chat_id,
            content,
            filename=f"my-data-{stamp}.zip",
            caption=req._(
                "Everything I store about you: data.json (for machines), data.xlsx and CSV files "
                "(for people). Type /forgetme to erase it."
            ),
        )
    except ChatUnreachable:
        return


@anyone()
async def forgetme(call: Opened) -> None:
    """/forgetme: a coordinator hands over first; everyone else confirms with a button."""
    req = call.req
    if not await _private_only(req):
        return
    assert req.person is not None
    async with req.services.db.transaction() as session:
        coordinated = await rights.coordinates(session, user_id=req.person.user_id)
    if coordinated:
        await reply(
            req,
            html(
                req._(
                    "You coordinate “{name}”. Hand the role over first (/handover), so the partnership keeps "
                    "a coordinator; then type /forgetme again."
                ),
                name=coordinated[0].name,
            ),
        )
        return
    await reply(
        req,
        html(
            req._(
                "<b>Erase my data?</b>\nYour name, username, language and unfinished forms are deleted; your "
                "roles end; your messages and check-in comments in every partnership are replaced by "
                "“[erased]”. This cannot be undone. Type /mydata first if you want a copy."
            )
        ),
        buttons=[[Button(req._("Erase my data"), FORGET_BUTTON)]],
    )


@anyone()
async def forget_confirmed(call: Opened) -> None:
    """The confirmation button: erase, then say what was erased and what was kept, and why."""
    query, req = call.update.callback_query, call.req
    assert query is not None
    await query.answer()
    if req.person is None or req.where is not Where.PRIVATE:
        return
    async with req.services.db.transaction() as session:
        if await rights.coordinates(session, user_id=req.person.user_id):
            await reply(req, req._("You coordinate a partnership: hand the role over first (/handover)."))
            return
    await rights.request_erasure(req.services.db, user_id=req.person.user_id)
    done = await rights.erase_person(req.services.db, user_id=req.person.user_id)
    await reply(req, erased_text(req, done))


def erased_text(req: Request, done: rights.Erased) -> str:
    """What the erasure did and what it kept, and why."""
    _ = req._
    return join(
        "\n",
        [
            html(_("<b>Your data is erased.</b>")),
            _("Erased: your name, username and language, your roles and unfinished forms."),
            html(
                req.ngettext(
                    "{n} text of yours in the logs is now “[erased]”.",
                    "{n} texts of yours in the logs are now “[erased]”.",
                    done.messages,
                ),
                n=done.messages,
            ),
            html(
                req.ngettext("{n} check-in comment erased.", "{n} check-in comments erased.", done.answers),
                n=done.answers,
            ),
            _(
                "Kept, without your name or words: that a message was written on a day for a partner, "
                "your check-in answers (done, in progress, help) and meeting replies, so the "
                "partnership's reports still add up. Others see “a former member”."
            ),
            _("If you write in a partnership's group again, new messages are recorded as before."),
        ],
    )


@requires(Action.MANAGE_PRIVACY)
async def retention_command(call: Scoped) -> None:
    """/retention: show how long texts are kept after closing; /retention <years> sets it."""
    req, scope = call.req, call.scope
    _ = req._
    wanted = call.args.strip()
    if wanted:
        if not wanted.isdigit() or not retention.MIN_YEARS <= int(wanted) <= retention.MAX_YEARS:
            await reply(
                req,
                html(
                    _("Give a number of years from {low} to {high}, for example: /retention 5"),
                    low=retention.MIN_YEARS,
                    high=retention.MAX_YEARS,
                ),
            )
            return
        async with req.services.db.transaction() as session:
            fresh = await session.get(Partnership, scope.partnership.id)
            assert fresh is not None
            retention.set_years(fresh, int(wanted))
            session.add(fresh)
        scope.partnership = fresh
    await reply(req, retention_text(req, scope.partnership))


def retention_text(req: Request, partnership: Partnership) -> str:
    """The partnership's retention: the period, the allowed range and, once closed, the date."""
    _ = req._
    years = partnership.retention_years
    lines = [
        html(_("<b>Retention: {name}</b>"), name=partnership.name),
        html(
            req.ngettext(
                "Message texts and names are kept {n} year after the partnership closes.",
                "Message texts and names are kept {n} years after the partnership closes.",
                years,
            ),
            n=years,
        ),
        html(
            _("Allowed: {low} to {high} years (default {default}). Change it with /retention &lt;years&gt;."),
            low=retention.MIN_YEARS,
            high=retention.MAX_YEARS,
            default=retention.DEFAULT_YEARS,
        ),
    ]
    expiry = retention.expires_at(partnership)
    if expiry is not None:
        lines.append(
            html(_("They will be erased on {date}."), date=format_day(expiry.date(), locale=req.locale))
        )
    return join("\n", lines)


@requires(Action.DELETE_PARTNERSHIP)
async def delete_partnership_command(call: Scoped) -> None:
    """/deletepartnership: only a closed partnership, after a confirmation naming it."""
    req = call.req
    _ = req._
    p = call.partnership
    if p.stage != Stage.CLOSED.value:
        await reply(
            req, _("Only a closed partnership can be deleted. Set its stage to closed first (/stage).")
        )
        return
    await reply(
        req,
        html(
            _(
                "<b>Delete “{name}” for good?</b>\nEvery message text, name, role, invitation and schedule "
                "is removed; only anonymous totals stay (messages per day, trained residents). The group "
                "is no longer registered. This cannot be undone."
            ),
            name=p.name,
        ),
        buttons=[[Button(plain(_("Delete “{name}”"), name=p.name[:40]), f"delp:{p.id}:yes")]],
    )


@requires_press(Action.DELETE_PARTNERSHIP, button_target)
async def delete_partnership_confirmed(press: Pressed[tuple[int, str]]) -> None:
    """The confirmation button of /deletepartnership."""
    req, p, query = press.req, press.partnership, press.query
    assert p.id is not None
    await query.answer()
    if press.target[0] != p.id or p.stage != Stage.CLOSED.value:
        await reply(req, req._("This button no longer works."))
        return
    await retention.delete_partnership(req.services.db, partnership_id=p.id)
    await reply(
        req,
        html(
            req._("“{name}” is deleted: only anonymous totals are kept. You can remove me from the group."),
            name=p.name,
        ),
    )


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """People's data rights: the notice, a copy, erasure, retention, deleting a closed partnership."""
    return [
        command("privacy", privacy),
        command("mydata", mydata),
        command("forgetme", forgetme),
        CallbackQueryHandler(forget_confirmed, pattern=r"^forget:"),
        command("retention", retention_command),
        command("deletepartnership", delete_partnership_command),
        CallbackQueryHandler(delete_partnership_confirmed, pattern=r"^delp:"),
    ]
