"""Programmes: /programme (manager), its links, and /visit (supervisors)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.access import Action, Where
from bot.dates import DateFormatError, parse_date
from bot.db import stored_id, utcnow
from bot.i18n import N_, format_day
from bot.markup import html, join, plain
from bot.models import Partner, Partnership, Programme, ProgrammeLinkKind, Task, VisitKind
from bot.notifier import Button
from bot.services import programmes, visits
from bot.services.programmes import LINK_PREFIX, ProgrammeError
from bot.timing import SendingRules
from handlers.common import Context, Request, command, reply
from handlers.gate import Opened, Pressed, Scoped, anyone, open_update, requires, requires_press
from handlers.menus import give_supervisor_menu

ERRORS: dict[str, str] = {
    "name_length": N_("A programme's name needs 2 to 120 characters."),
    "link_unknown": N_("I don't know this programme link. Ask the programme manager for a new one."),
    "link_used": N_("This programme link has already been used. Ask the programme manager for a new one."),
    "link_expired": N_("This programme link has expired. Ask the programme manager for a new one."),
    "not_coordinator": N_("Only the partnership's coordinator can bring it into a programme."),
    "already_member": N_("That partnership is already in a programme. Nothing was changed."),
    "no_such_supervisor": N_("There is no supervisor with that number. Type /programme to see the list."),
    "no_such_partnership": N_("There is no partnership with that number. Type /programme to see the list."),
    "visit_future": N_("A visit cannot be in the future. Nothing was saved."),
    "notes_long": N_("That is too long: at most 1000 characters."),
    "every_range": N_("Type a number of days from 7 to 365, e.g. /visit every 60."),
    "not_in_programme": N_("This partnership is in no programme. Nothing was changed."),
    "no_leader": N_(
        "Next steps become tasks of the leading partner, and this partnership has none. Nothing was saved."
    ),
    "practice_length": N_("A practice needs 10 to 1000 characters. Nothing was shared."),
}
KIND_LABELS = {
    VisitKind.VISIT: N_("visit"),
    VisitKind.MODERATED_MEETING: N_("moderated meeting"),
    VisitKind.PHONE: N_("phone consultation"),
}
JOIN_BUTTON = "pj:"


def error(req: Request, exc: ProgrammeError) -> str:
    """Why a programme change was refused."""
    return req._(ERRORS[exc.code])


def link(req: Request, token: str) -> str:
    """A deep link to the bot carrying a programme's token."""
    return f"https://t.me/{req.services.bot_username}?start={LINK_PREFIX}{token}"


# --------------------------------------------------------------------------- /programme


@anyone()
async def programme_command(call: Opened) -> None:
    """/programme new <name> | link | supervisor | assign <n> <n...>, or the programme's list."""
    req = call.req
    if req.where is not Where.PRIVATE:
        await reply(req, req._("Please use /programme in a private chat with me."))
        return
    word, _sep, rest = call.args.strip().partition(" ")
    if word.casefold() == "new":
        await _new(call, rest)
        return
    async with req.services.db.transaction() as session:
        managed = await programmes.managed_by(session, user_id=user_of(call))
    if not managed:
        await reply(req, req._("You manage no programme. Create one with /programme new &lt;name&gt;."))
        return
    programme = managed[-1]  # the newest one the caller manages
    if word.casefold() in ("link", "supervisor"):
        await _link(call, programme, word.casefold())
    elif word.casefold() == "assign":
        await _assign(call, programme, rest)
    else:
        await _show(call, programme)


def user_of(call: Opened) -> int:
    """The caller's id (every command has a person)."""
    assert call.person is not None
    return call.person.user_id


async def _new(call: Opened, name: str) -> None:
    """Create a programme managed by the caller."""
    req = call.req
    assert call.person is not None
    try:
        async with req.services.db.transaction() as session:
            programme = await programmes.create(
                session, name=name, manager_user_id=call.person.user_id, manager_name=call.person.display_name
            )
    except ProgrammeError as exc:
        await reply(req, error(req, exc) + "\n" + req._("For example: /programme new e-Mocni"))
        return
    if req.bot is not None:  # the manager's private menu: /overview, /visit, /export
        await give_supervisor_menu(
            req.bot, user_id=call.person.user_id, default_locale=req.services.settings.default_locale
        )
    await reply(
        req,
        html(
            req._(
                "Programme “{name}” created; you manage it. /programme link gives a single-use link for one "
                "partnership's coordinator, /programme supervisor a link for a supervisor."
            ),
            name=programme.name,
        ),
    )


async def _link(call: Opened, programme: Programme, word: str) -> None:
    """A single-use link for a partnership or a supervisor."""
    req = call.req
    kind = ProgrammeLinkKind.SUPERVISOR if word == "supervisor" else ProgrammeLinkKind.PARTNERSHIP
    async with req.services.db.transaction() as session:
        made = await programmes.create_link(session, programme=programme, kind=kind, by_user_id=user_of(call))
    text = (
        req._("Send this link to one supervisor of “{name}” (single use, valid {days} days):")
        if kind is ProgrammeLinkKind.SUPERVISOR
        else req._(
            "Send this link to one partnership's coordinator to join “{name}” "
            "(single use, valid {days} days):"
        )
    )
    await reply(
        req,
        join("\n", [html(text, name=programme.name, days=programmes.LINK_DAYS), link(req, made.token)]),
    )


async def _assign(call: Opened, programme: Programme, rest: str) -> None:
    """/programme assign <supervisor number> <partnership numbers...>."""
    req = call.req
    numbers = [int(n) for n in rest.replace(",", " ").split() if n.isascii() and n.isdigit()]
    if len(numbers) < 1 or len(numbers) != len(rest.replace(",", " ").split()):
        await reply(
            req,
            req._(
                "Type /programme assign followed by a supervisor's number and partnerships' numbers, "
                "e.g. /programme assign 1 2 5"
            ),
        )
        return
    try:
        async with req.services.db.transaction() as session:
            supervisor, chosen = await programmes.assign(
                session, programme=programme, supervisor_no=numbers[0], partnership_nos=numbers[1:]
            )
    except ProgrammeError as exc:
        await reply(req, error(req, exc))
        return
    names = join(", ", (p.name for p in chosen)) or html(req._("none"))
    await reply(
        req,
        html(req._("{supervisor} now supervises: {names}."), supervisor=supervisor.name, names=names),
    )


async def _show(call: Opened, programme: Programme) -> None:
    """The programme's numbered partnerships and supervisors, with what each supervises."""
    req = call.req
    async with req.services.db.transaction() as session:
        seen = await programmes.view(session, programme=programme)
    number = {stored_id(p): i for i, p in enumerate(seen.partnerships, 1)}
    lines: list[str] = [
        html(req._("<b>Programme “{name}”</b>"), name=programme.name),
        "",
        html(req._("<b>Partnerships</b>")),
    ]
    lines += [html("{i}. {name}", i=i, name=p.name) for i, p in enumerate(seen.partnerships, 1)] or [
        html(req._("None yet: /programme link"))
    ]
    lines += ["", html(req._("<b>Supervisors</b>"))]
    for i, (supervisor, assigned) in enumerate(seen.supervisors, 1):
        nos = join(
            ", ", (str(number[a]) for a in sorted(assigned, key=lambda a: number.get(a, 0)) if a in number)
        )
        lines.append(
            html("{i}. {name}: {nos}", i=i, name=supervisor.name, nos=nos or html(req._("no partnerships")))
        )
    if not seen.supervisors:
        lines.append(html(req._("None yet: /programme supervisor")))
    assign = req._(
        "Assign: /programme assign &lt;supervisor&gt; &lt;partnerships&gt;, e.g. /programme assign 1 2 3"
    )
    lines += ["", html(assign)]
    await reply(req, join("\n", lines))


# --------------------------------------------------------------------------- links


async def redeem(update: Update, context: Context, token: str) -> None:
    """/start pg_<token>: a supervisor joins at once; a coordinator picks the partnership to bring."""
    call = await open_update(update, context, coordinator=True)
    req = call.req
    if call.person is None:
        return
    try:
        async with req.services.db.transaction() as session:
            made, programme = await programmes.open_link(session, token=token)
            if made.kind is ProgrammeLinkKind.SUPERVISOR:
                await programmes.join_as_supervisor(
                    session, token=token, user_id=call.person.user_id, name=call.person.display_name
                )
    except ProgrammeError as exc:
        await reply(req, error(req, exc))
        return
    if made.kind is ProgrammeLinkKind.SUPERVISOR:
        if req.bot is not None:  # the private menu gains /overview, /visit and /export
            await give_supervisor_menu(
                req.bot, user_id=call.person.user_id, default_locale=req.services.settings.default_locale
            )
        await reply(
            req,
            html(
                req._(
                    "Welcome! You are now a supervisor in the programme “{name}”. "
                    "The manager assigns your partnerships; then type /overview."
                ),
                name=programme.name,
            ),
        )
        return
    if not call.coordinated:
        await reply(req, error(req, ProgrammeError("not_coordinator")))
        return
    buttons = [
        [Button(plain(req._("Join with “{name}”"), name=p.name[:40]), f"{JOIN_BUTTON}{token}:{stored_id(p)}")]
        for p in call.coordinated
    ]
    await reply(
        req,
        html(
            req._(
                "Bring your partnership into the programme “{name}”? Its manager and assigned supervisors "
                "will see its status."
            ),
            name=programme.name,
        ),
        buttons=buttons,
    )


def _join_target(data: str) -> tuple[str, int] | None:
    """pj:<token>:<partnership id>."""
    token, _sep, pid = data.removeprefix(JOIN_BUTTON).rpartition(":")
    return (token, int(pid)) if data.startswith(JOIN_BUTTON) and token and pid.isdigit() else None


@requires_press(Action.MANAGE_REGISTRY, _join_target, partnership_of=lambda t: t[1])
async def join_press(call: Pressed[tuple[str, int]]) -> None:
    """The coordinator accepts: the partnership joins the programme (the link is used up)."""
    req = call.req
    await call.query.answer()
    try:
        async with req.services.db.transaction() as session:
            programme = await programmes.join_partnership(
                session, token=call.target[0], partnership=call.partnership, user_id=call.person.user_id
            )
    except ProgrammeError as exc:
        await reply(req, error(req, exc))
        return
    await reply(
        req,
        html(
            req._(
                "“{partnership}” is now in the programme “{name}”. Coordinators share practices with /share."
            ),
            partnership=call.partnership.name,
            name=programme.name,
        ),
    )


# --------------------------------------------------------------------------- /visit


@requires(Action.RECORD_VISIT)
async def visit_command(call: Scoped) -> None:
    """/visit <kind> <date> <notes>, /visit every <days>, or the latest contacts."""
    req, partnership = call.req, call.partnership
    word, _sep, rest = call.args.strip().partition(" ")
    try:
        if word.casefold() == "every" or word.casefold() == "co":
            await _every(call, rest.strip())
        elif word.casefold() in visits.KIND_WORDS:
            await _record(call, visits.KIND_WORDS[word.casefold()], rest.strip())
        else:
            await _recent(req, partnership)
    except ProgrammeError as exc:
        await reply(req, error(req, exc))


async def _every(call: Scoped, days: str) -> None:
    """How often the partnership should be visited."""
    req = call.req
    if not (days.isascii() and days.isdigit()):
        raise ProgrammeError("every_range")
    async with req.services.db.transaction() as session:
        await visits.set_every(session, partnership_id=call.partnership_id, days=int(days))
    await reply(
        req,
        html(
            req.ngettext(
                "“{name}” should be visited every {n} day.",
                "“{name}” should be visited every {n} days.",
                int(days),
            ),
            name=call.partnership.name,
            n=int(days),
        ),
    )


async def _record(call: Scoped, kind: VisitKind, rest: str) -> None:
    """Record a contact: the date first, then the notes."""
    req = call.req
    today = utcnow().astimezone(ZoneInfo(call.partnership.timezone)).date()
    day_text, _sep, notes = rest.partition(" ")
    try:
        held_on = parse_date(day_text, today=today)
    except DateFormatError:
        await reply(
            req,
            html(
                req._(
                    "Type the date after the kind, e.g. /visit visit {day} talked with the mayor "
                    "about recruitment next: posters in the library; ask the school"
                ),
                day=format_day(today, locale="pl"),
            ),
        )
        return
    steps = visits.next_steps(notes)
    async with req.services.db.transaction() as session:
        await visits.record(
            session,
            partnership_id=call.partnership_id,
            kind=kind,
            held_on=held_on,
            notes=notes,
            by_user_id=call.person.user_id,
            by_name=call.person.display_name,
            today=today,
        )
        made = None
        if steps:
            made = await visits.add_next_steps(
                session,
                partnership=call.partnership,
                steps=steps,
                by_user_id=call.person.user_id,
                now=utcnow(),
                rules=SendingRules(),
            )
    recorded = html(
        req._("Recorded: {kind} with “{name}” on {day}."),
        kind=req._(KIND_LABELS[kind]),
        name=call.partnership.name,
        day=format_day(held_on, locale=req.locale),
    )
    await reply(req, join("\n", [recorded, *_task_lines(req, made)]))


def _task_lines(req: Request, made: tuple[Partner, list[Task]] | None) -> list[str]:
    """The next steps saved as tasks: for whom, by when, each one."""
    if made is None:
        return []
    leader, tasks = made
    head = html(
        req.ngettext(
            "{n} next step saved as a task for “{partner}”, due {day}:",
            "{n} next steps saved as tasks for “{partner}”, due {day}:",
            len(tasks),
        ),
        n=len(tasks),
        partner=leader.name,
        day=format_day(tasks[0].due_on, locale=req.locale),
    )
    return [head, *(html("• {text}", text=t.text) for t in tasks)]


async def _recent(req: Request, partnership: Partnership) -> None:
    """The latest contacts and how to record one."""
    async with req.services.db.transaction() as session:
        latest = await visits.recent(session, partnership_id=stored_id(partnership))
    lines: list[str] = [html(req._("<b>Supervisor contacts with “{name}”</b>"), name=partnership.name)]
    lines += [
        html(
            "• {day} {kind}: {notes}",
            day=format_day(v.held_on, locale=req.locale),
            kind=req._(KIND_LABELS[v.kind]),
            notes=v.notes,
        )
        for v in latest
    ] or [html(req._("None recorded yet."))]
    lines += [
        "",
        html(
            req._(
                "Record one: /visit visit|meeting|phone &lt;date&gt; &lt;notes&gt; "
                "[next: &lt;step&gt;; &lt;step&gt;]; "
                "set the rhythm: /visit every &lt;days&gt;"
            )
        ),
    ]
    await reply(req, join("\n", lines))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """/programme, /visit and the join button."""
    return [
        command("programme", programme_command),
        command("visit", visit_command),
        CallbackQueryHandler(join_press, pattern=r"^pj:"),
    ]
