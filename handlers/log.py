"""/log (record a contact) and /history (the log, paginated with buttons)."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.access import Action
from bot.erased import author_shown, text_shown
from bot.i18n import N_, format_local
from bot.models import Channel, EntryKind, EventKind, LogEntry
from bot.notifier import Button, ChatUnreachable, Keyboard
from bot.services import log as comm_log
from bot.services.log import ContactParseError, HistoryPage
from bot.text import parse_count, parse_id
from handlers.common import Request, command, esc, reply
from handlers.gate import Pressed, Scoped, requires, requires_press

ENTRY_TEXT_SHOWN = 300
FIRST_TEXT_SHOWN = 100  # an edited entry's first text, shorter: a page must stay one message
HISTORY_PAGES_MAX = 100_000

CHANNEL_LABELS: dict[str, str] = {
    Channel.PHONE: N_("phone"),
    Channel.EMAIL: N_("e-mail"),
    Channel.MEETING: N_("meeting"),
    Channel.IN_PERSON: N_("in person"),
    Channel.ONLINE_MEETING: N_("online meeting"),
    Channel.SMS: N_("SMS"),
}
EVENT_LABELS: dict[str, str] = {
    EventKind.REGISTERED: N_("Partnership registered: {detail}"),
    EventKind.BOT_REMOVED: N_("The bot was removed from the group; recording paused"),
    EventKind.BOT_RETURNED: N_("The bot was added back; recording continues"),
    EventKind.MIGRATED: N_("The group became a supergroup; the log followed it"),
    EventKind.PARTNER_ADDED: N_("Partner added: {detail}"),
    EventKind.PARTNER_STATUS: N_("Partner status changed: {detail}"),
    EventKind.PERSON_JOINED: N_("Joined through an invitation: {detail}"),
    EventKind.HANDOVER: N_("Coordinator role handed over: {detail}"),
}
MEDIA_LABELS: dict[str, str] = {
    "photo": N_("photo"),
    "video": N_("video"),
    "document": N_("document"),
    "audio": N_("audio"),
    "voice": N_("voice message"),
    "video_note": N_("video message"),
    "sticker": N_("sticker"),
    "animation": N_("GIF"),
    "location": N_("location"),
    "venue": N_("place"),
    "contact": N_("contact card"),
    "poll": N_("poll"),
    "dice": N_("dice"),
    "new_chat_members": N_("new members"),
    "left_chat_member": N_("member left"),
    "pinned_message": N_("pinned message"),
    "new_chat_title": N_("new group name"),
    "other": N_("other"),
}


def usage_text(req: Request) -> str:
    """How to type /log."""
    return req._(
        "Type: /log &lt;channel&gt; &lt;what happened&gt;, for example: "
        "/log phone Talked to the parish priest about announcing the course. "
        "Channels: phone, email, meeting, in_person, online, sms "
        "(or: telefon, email, spotkanie, osobiście, online, sms)."
    )


@requires(Action.RECORD_CONTACT)
async def log_contact(call: Scoped) -> None:
    """/log <channel> <what happened>: the coordinator records a contact outside the chat."""
    req = call.req
    _ = req._
    try:
        contact = comm_log.parse_contact_command(call.args)
    except ContactParseError as exc:
        if exc.reason == "channel":
            problem = _("I don't know the channel “{word}”.").format(word=esc(exc.word))
        elif exc.reason == "text":
            problem = _("Say what happened after the channel (at most 2000 characters).")
        else:
            problem = _("Tell me the channel and what happened.")
        await reply(req, problem + " " + usage_text(req))
        return
    async with req.services.db.transaction() as session:
        await comm_log.record_contact(
            session,
            partnership_id=call.partnership_id,
            contact=contact,
            author_user_id=call.person.user_id,
            author_name=call.person.display_name,
        )
    await reply(
        req,
        _("Recorded in the log of “{name}”: {channel}, “{text}”.").format(
            name=esc(call.partnership.name),
            channel=_(CHANNEL_LABELS[contact.channel]),
            text=esc(contact.text),
        ),
    )


def describe_entry(req: Request, entry: LogEntry, first_text: str | None = None) -> str:
    """One log entry as a line of /history; an edited one says what it said at first."""
    _ = req._
    when = format_local(entry.occurred_at, locale=req.locale, zone=req.zone)
    if entry.kind == EntryKind.EVENT:
        label = EVENT_LABELS.get(entry.channel or "", N_("Event"))
        return f"🔹 {when} · {esc(_(label).format(detail=text_shown(_, entry)))}"
    text = text_shown(_, entry)
    if len(text) > ENTRY_TEXT_SHOWN:
        text = text[:ENTRY_TEXT_SHOWN] + "…"
    parts = []
    if entry.media_kind:
        parts.append("[" + _(MEDIA_LABELS.get(entry.media_kind, MEDIA_LABELS["other"])) + "]")
    if text:
        parts.append(esc(text))
    if entry.edited_at is not None and first_text:
        if len(first_text) > FIRST_TEXT_SHOWN:
            first_text = first_text[:FIRST_TEXT_SHOWN] + "…"
        parts.append(_("(edited; at first: “{text}”)").format(text=esc(first_text)))
    elif entry.edited_at is not None:
        parts.append(_("(edited)"))
    body = " ".join(parts)
    if entry.kind == EntryKind.CONTACT:
        channel = _(CHANNEL_LABELS.get(entry.channel or "", N_("other")))
        return f"📞 {when} · <b>{esc(author_shown(_, entry))}</b> ({channel}): {body}"
    return f"💬 {when} · <b>{esc(author_shown(_, entry))}</b>: {body}"


def history_text(req: Request, name: str, page: HistoryPage) -> str:
    """A page of the log as one message."""
    _ = req._
    title = _("<b>Communication log: {name}</b> (page {page})").format(name=esc(name), page=page.page + 1)
    if not page.entries:
        return title + "\n" + _("Nothing recorded yet.")
    return title + "\n\n" + "\n".join(
        describe_entry(req, e, page.first_texts.get(e.id or 0)) for e in page.entries
    )


def history_keyboard(req: Request, partnership_id: int, page: HistoryPage) -> Keyboard:
    """Buttons to move to newer or older entries."""
    row = []
    if page.has_newer:
        row.append(Button(req._("« Newer"), f"hist:{partnership_id}:{page.page - 1}"))
    if page.has_older:
        row.append(Button(req._("Older »"), f"hist:{partnership_id}:{page.page + 1}"))
    return [row] if row else []


async def _load_page(req: Request, partnership_id: int, page_no: int) -> HistoryPage:
    """Read one page of the log."""
    async with req.services.db.transaction() as session:
        return await comm_log.history_page(session, partnership_id=partnership_id, page=page_no)


@requires(Action.VIEW_HISTORY)
async def history(call: Scoped) -> None:
    """/history: the newest log entries with paging buttons."""
    page = await _load_page(call.req, call.partnership_id, 0)
    await reply(
        call.req,
        history_text(call.req, call.partnership.name, page),
        buttons=history_keyboard(call.req, call.partnership_id, page),
    )


def page_target(data: str) -> tuple[int, int] | None:
    """'hist:<partnership id>:<page>' as (partnership id, page); None if it is malformed."""
    parts = data.split(":")
    partnership_id = parse_id(parts[1]) if len(parts) == 3 else None
    page_no = parse_count(parts[2], maximum=HISTORY_PAGES_MAX) if len(parts) == 3 else None
    if partnership_id is None or page_no is None:
        return None
    return partnership_id, page_no


# The permission check comes first; the page is read only for someone who may see it.
@requires_press(Action.VIEW_HISTORY, page_target, partnership_of=lambda target: target[0])
async def history_page(press: Pressed[tuple[int, int]]) -> None:
    """A paging button of /history: re-check access, then show the page in place."""
    query, req = press.query, press.req
    partnership_id, page_no = press.target
    await query.answer()
    if query.message is None:
        return
    page = await _load_page(req, partnership_id, page_no)
    try:
        await req.services.notifier.edit(
            query.message.chat.id,
            query.message.message_id,
            history_text(req, press.partnership.name, page),
            buttons=history_keyboard(req, partnership_id, page),
        )
    except ChatUnreachable:
        return


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """/log, /history and its paging buttons."""
    return [
        command("log", log_contact),
        command("history", history),
        CallbackQueryHandler(history_page, pattern=r"^hist:"),
    ]
