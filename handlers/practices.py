"""The coordinators' network: /share a practice, /practices to find one, and the thank button."""

from __future__ import annotations

import contextlib

from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.access import ProgrammeAction, may
from bot.db import stored_id
from bot.i18n import translations
from bot.notifier import ChatUnreachable
from bot.presenters import programme as words
from bot.services import people, practices, programme_scope
from bot.services.programmes import ProgrammeError
from handlers.common import command, reply
from handlers.gate import Opened, anyone
from handlers.programme import error


@anyone(coordinator=True)
async def share_command(call: Opened) -> None:
    """/share <text> #tags (or as a photo's or document's caption): publish to the programme."""
    req = call.req
    assert call.person is not None
    message = call.update.effective_message
    file_id, kind = None, None
    if message is not None and message.photo:
        file_id, kind = message.photo[-1].file_id, "photo"
    elif message is not None and message.document:
        file_id, kind = message.document.file_id, "document"
    if not call.args.strip():
        await reply(
            req,
            req._(
                "Type /share followed by what worked, with #tags for the target group and topic, e.g. "
                "/share Seniors came when the parish announced the course after Sunday mass #seniors #parish"
            ),
        )
        return
    async with req.services.db.transaction() as session:
        ids = await practices.programme_ids_of(
            session, partnership_ids=[stored_id(p) for p in call.coordinated]
        )
    if not ids:
        await reply(req, req._("Only coordinators of a programme's partnerships can share practices."))
        return
    try:
        async with req.services.db.transaction() as session:
            held = [
                p
                for p in call.coordinated
                if await programme_scope.programme_of(session, partnership_id=stored_id(p))
            ]
            await practices.share(
                session,
                partnership=held[0],
                author_user_id=call.person.user_id,
                author_name=call.person.display_name,
                text=call.args,
                file_id=file_id,
                file_kind=kind,
            )
    except ProgrammeError as exc:
        await reply(req, error(req, exc))
        return
    await reply(
        req, req._("Shared with every partnership of the programme. Thank you! /practices lists them.")
    )


async def _visible_programmes(call: Opened) -> list[int]:
    """The programmes whose practices the caller may read (any programme role)."""
    assert call.person is not None
    async with call.req.services.db.transaction() as session:
        held = await programme_scope.roles(session, user_id=call.person.user_id)
    return sorted(pid for pid, roles in held.items() if may(ProgrammeAction.VIEW_PRACTICES, roles))


@anyone()
async def practices_command(call: Opened) -> None:
    """/practices [tag or words]: the programme's practices, newest first."""
    req = call.req
    if call.person is None:
        return
    ids = await _visible_programmes(call)
    if not ids:
        await reply(req, req._("Practices are shared within a programme; your partnership is in none."))
        return
    query = call.args.strip()
    async with req.services.db.transaction() as session:
        found = await practices.search(session, programme_ids=ids, query=query)
    shown = words.practices(req.tr, found, query=query, locale=req.locale)
    await reply(req, shown.text, buttons=shown.buttons)


@anyone()
async def thank_press(call: Opened) -> None:
    """The thank button: recorded once per person, and the author is told in their language."""
    req, query = call.req, call.update.callback_query
    assert query is not None and call.person is not None
    raw = (query.data or "").removeprefix(words.THANK_BUTTON)
    ids = await _visible_programmes(call)
    async with req.services.db.transaction() as session:
        practice = (
            await practices.practice_in(session, practice_id=int(raw), programme_ids=ids)
            if raw.isdigit()
            else None
        )
        new = practice is not None and await practices.thank(
            session, practice=practice, user_id=call.person.user_id
        )
        locale = (
            await people.locale_of(
                session, user_id=practice.author_user_id, default=req.services.settings.default_locale
            )
            if practice
            else req.locale
        )
    if practice is None:
        await query.answer(req._("This button no longer works."))
        return
    await query.answer(req._("Thank you sent.") if new else req._("Already thanked."))
    if new:
        note = words.thanked(translations(locale), who=call.person.display_name, text=practice.text)
        # An author who never opened a private chat is not told; the count still shows in /practices.
        with contextlib.suppress(ChatUnreachable):
            await req.services.notifier.send(practice.author_user_id, note.text)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """/share (also as a caption), /practices and the thank button."""
    return [
        command("share", share_command),
        MessageHandler(
            filters.UpdateType.MESSAGE
            & filters.CaptionRegex(r"^/share(@\w+)?(\s|$)")
            & (filters.PHOTO | filters.Document.ALL),
            share_command,
        ),
        command("practices", practices_command),
        CallbackQueryHandler(thank_press, pattern=r"^pt:"),
    ]
