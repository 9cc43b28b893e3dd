"""Credit for every partner and the closing stage: /thanks, /certificate, /closing, /recommend,
/recommendations, /conclusions and /decide."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.access import Action, Where
from bot.db import utcnow
from bot.i18n import N_, format_day, translations
from bot.markup import html, join, plain_join
from bot.notifier import ChatUnreachable
from bot.presenters import credit as words
from bot.presenters.common import Translations, group_name
from bot.render import card as card_render
from bot.render import pages, word
from bot.render.results import bars
from bot.services import closing, credit
from bot.timing import SendingRules
from handlers.common import Request, button_target, command, reply
from handlers.gate import Opened, Pressed, Scoped, anyone, requires, requires_press

CLOSING_ERRORS = {
    "question": N_("Start with the question's number, 1, 2 or 3, e.g. /recommend 1 seniors in villages"),
    "empty": N_("Type your answer after the number, e.g. /recommend 2 classes in the library"),
    "no_round": N_("There is no recommendations round open for a partner you represent."),
}


def _language(args: str, default: str = "pl") -> tuple[str, str]:
    """`en` (or `pl`) first in the arguments picks the document's language; the rest is returned."""
    first, _space, rest = args.strip().partition(" ")
    if first.lower() in ("en", "pl"):
        return first.lower(), rest.strip()
    return default, args.strip()


async def _send_file(
    req: Request, chat_id: int, content: bytes, filename: str, caption: str, *, photo: bool = False
) -> bool:
    """Send a file; False when the chat cannot be reached."""
    try:
        await req.services.notifier.send_file(
            chat_id, content, filename=filename, caption=caption, photo=photo
        )
    except ChatUnreachable:
        return False
    return True


@requires(Action.GIVE_CREDIT)
async def thanks(call: Scoped) -> None:
    """/thanks [en] [period]: the partnership card (PNG) and a text ready to post."""
    req = call.req
    locale, wanted = _language(call.args)
    async with req.services.db.transaction() as session:
        found = await credit.credit(session, partnership=call.partnership, now=utcnow(), wanted=wanted)
    if found is None:
        await reply(req, html(req._("There is no plan period called “{name}”."), name=wanted))
        return
    tr = translations(locale)
    picture = await asyncio.to_thread(card_render.render_card, words.card(tr, locale, found))
    name = "karta-partnerstwa.png" if locale == "pl" else "partnership-card.png"
    await _send_file(req, req.chat_id, picture, name, html("{name}", name=call.partnership.name), photo=True)
    await reply(req, words.card_caption(tr, locale, found).text)


@requires(Action.GIVE_CREDIT)
async def certificate(call: Scoped) -> None:
    """/certificate [en] [partner]: a PDF certificate per partner, privately to its representatives."""
    req = call.req
    locale, wanted = _language(call.args)
    async with req.services.db.transaction() as session:
        found = await credit.credit(session, partnership=call.partnership, now=utcnow())
    assert found is not None  # no period named: the current or latest one, or the whole life
    shares = found.partners
    if wanted:
        one = credit.find_member(found, wanted)
        shares = [one] if one is not None else []
    if not shares:
        await reply(req, html(req._("No active partner called “{name}”."), name=wanted))
        return
    await reply(req, await _send_certificates(req, found, shares, locale, call.person.user_id))


async def _send_certificates(
    req: Request, found: credit.Credit, shares: list[credit.PartnerCredit], locale: str, coordinator: int
) -> str:
    """Each partner's certificate to its representatives (else to the coordinator); the report."""
    async with req.services.db.transaction() as session:
        people = {s.partner.id: await credit.people_of(session, partner_id=s.partner.id or 0) for s in shares}
    tr = translations(locale)
    today = utcnow().astimezone(ZoneInfo(found.partnership.timezone)).date()
    lines: list[str] = [req._("Certificates of cooperation:")]
    for share in shares:
        document = words.certificate(tr, locale, found, share, today)
        content = await asyncio.to_thread(pages.render_pdf, document)
        filename = _filename(tr, share.partner.name)
        sent_to = [
            n for uid, n in people[share.partner.id] if await _send_file(req, uid, content, filename, "")
        ]
        if sent_to:
            names = plain_join(", ", sent_to)
            line = html(req._("• {partner}: sent to {names}"), partner=share.partner.name, names=names)
        else:
            await _send_file(req, coordinator, content, filename, html("{name}", name=share.partner.name))
            line = html(
                req._("• {partner}: no representative can be reached; sent to you to pass on"),
                partner=share.partner.name,
            )
        lines.append(line)
    return join("\n", lines)


def _filename(tr: Translations, name: str) -> str:
    """A safe file name for a partner's certificate."""
    safe = plain_join("", (ch if ch.isalnum() else "-" for ch in name)).strip("-")[:60] or "partner"
    return tr.gettext("certificate") + f"-{safe}.pdf"


@requires(Action.CLOSE_PARTNERSHIP)
async def closing_command(call: Scoped) -> None:
    """/closing: the closing stage starts, with the recommendations round."""
    req = call.req
    async with req.services.db.transaction() as session:
        partnership = await session.get(type(call.partnership), call.partnership_id)
        assert partnership is not None
        round_, new = await closing.start(
            session,
            partnership=partnership,
            by_user_id=call.person.user_id,
            now=utcnow(),
            rules=SendingRules(),
        )
    day = format_day(
        round_.closes_at.astimezone(ZoneInfo(call.partnership.timezone)).date(), locale=req.locale
    )
    if new:
        text = html(
            req._(
                "The partnership is now closing. I am asking each partner's representatives privately "
                "which groups still need support, which methods worked and what the municipality should "
                "do next; answers until {day}. /recommendations shows them."
            ),
            day=day,
        )
    else:
        text = html(
            req._(
                "The recommendations round is already open (answers until {day}). "
                "/recommendations shows them."
            ),
            day=day,
        )
    await reply(req, text)
    req.services.wake_scheduler()  # the questions go out now, from the scheduler


@anyone()
async def recommend(call: Opened) -> None:
    """/recommend <1-3> <answer>: a representative answers one of the closing questions."""
    req = call.req
    if req.person is None:
        return
    if req.where is not Where.PRIVATE:
        await reply(req, req._("Please answer privately, in a chat with me."))
        return
    number, _space, text = call.args.strip().partition(" ")
    try:
        async with req.services.db.transaction() as session:
            partner, _partnership = await closing.answer(
                session,
                user_id=req.person.user_id,
                name=req.person.display_name,
                question=int(number) if number.isdigit() else 0,
                text=text,
                now=utcnow(),
            )
    except closing.ClosingError as exc:
        await reply(req, req._(CLOSING_ERRORS[exc.code]))
        return
    await reply(
        req,
        html(req._("Thank you! Recorded answer {n} for {partner}."), n=number, partner=partner.name),
    )


@requires(Action.CLOSE_PARTNERSHIP)
async def recommendations(call: Scoped) -> None:
    """/recommendations: the answers so far; `/recommendations doc [en]`: the document (DOCX and PDF)."""
    req = call.req
    first, _space, rest = call.args.strip().partition(" ")
    async with req.services.db.transaction() as session:
        found = await closing.summary(session, partnership_id=call.partnership_id)
        if found is not None and first.lower() in ("doc", "document", "dokument"):
            whole = await credit.credit(session, partnership=call.partnership, now=utcnow(), whole=True)
            rows = await credit.results(session, partnership=call.partnership)
    if found is None:
        await reply(req, req._("No recommendations round yet: /closing starts one."))
        return
    if first.lower() not in ("doc", "document", "dokument"):
        await reply(req, words.summary(req.tr, found).text)
        return
    assert whole is not None
    locale, _rest = _language(rest)
    tr = translations(locale)
    chart = await asyncio.to_thread(_chart, tr, locale, rows)
    document = words.recommendations(tr, locale, whole, found, rows, chart)
    docx, pdf = await asyncio.to_thread(lambda: (word.render_docx(document), pages.render_pdf(document)))
    base = tr.gettext("recommendations")
    await _send_file(req, req.chat_id, docx, f"{base}.docx", html("{name}", name=call.partnership.name))
    await _send_file(req, req.chat_id, pdf, f"{base}.pdf", "")


def _chart(tr: Translations, locale: str, rows: list[credit.Result]) -> bytes | None:
    """Targets against results as bars per group and period; None with nothing to draw."""
    if not rows:
        return None
    labels = [f"{group_name(tr, r.group)} · {r.period.name}" for r in rows]
    return bars(
        labels,
        [r.target or 0 for r in rows],
        [r.trained for r in rows],
        target=tr.gettext("Target"),
        trained_word=tr.gettext("Trained"),
    )


@requires(Action.CLOSE_PARTNERSHIP)
async def conclusions(call: Scoped) -> None:
    """/conclusions <text> replaces the coordinator's conclusions; /conclusions + <text> adds to them."""
    req = call.req
    text = call.args.strip()
    append = text.startswith("+")
    if not text.lstrip("+").strip():
        await reply(
            req, req._("Type your conclusions after the command, e.g. /conclusions keep the library classes")
        )
        return
    try:
        async with req.services.db.transaction() as session:
            await closing.set_conclusions(
                session, partnership_id=call.partnership_id, text=text.lstrip("+").strip(), append=append
            )
    except closing.ClosingError:
        await reply(req, req._("No recommendations round yet: /closing starts one."))
        return
    await reply(req, req._("Conclusions saved. /recommendations shows everything."))


@requires(Action.CLOSE_PARTNERSHIP)
async def decide(call: Scoped) -> None:
    """/decide close|continue <reasons>: end the closing stage, recorded with the date and reasons."""
    req = call.req
    choice, _space, reasons = call.args.strip().partition(" ")
    if choice.lower() not in ("close", "continue", "zamknij", "kontynuuj") or not reasons.strip():
        await reply(
            req, req._("Say what you decide and why: /decide close <reasons> or /decide continue <reasons>")
        )
        return
    close = choice.lower() in ("close", "zamknij")
    try:
        async with req.services.db.transaction() as session:
            partnership = await session.get(type(call.partnership), call.partnership_id)
            assert partnership is not None
            period = await closing.decide(
                session, partnership=partnership, close=close, reasons=reasons, now=utcnow()
            )
    except closing.ClosingError:
        await reply(req, req._("No recommendations round is open: /closing starts the closing stage."))
        return
    if period is None:
        await reply(req, req._("The partnership is closed. Schedules are stopped; thank you all!"))
        return
    await reply(
        req,
        html(
            req._(
                "The partnership continues with a new plan period “{name}”: {start} – {end}. "
                "Set its targets with /target."
            ),
            name=period.name,
            start=format_day(period.starts_on, locale=req.locale),
            end=format_day(period.ends_on, locale=req.locale),
        ),
    )


@requires_press(Action.GIVE_CREDIT, button_target)
async def period_button(press: Pressed[tuple[int, str]]) -> None:
    """Under a period's card: 📣 post it in the group, or 📜 send the partners their certificates."""
    req = press.req
    period_id, locale = press.target
    async with req.services.db.transaction() as session:
        found = await credit.period_credit(session, period_id=period_id, now=utcnow())
    if found is None or found.partnership.id != press.partnership_id or locale not in ("pl", "en"):
        await press.query.answer(req._("That card is not from this partnership."))
        return
    if (press.query.data or "").startswith("cert:"):
        await press.query.answer()
        await reply(req, await _send_certificates(req, found, found.partners, locale, press.person.user_id))
        return
    tr = translations(locale)
    picture = await asyncio.to_thread(card_render.render_card, words.card(tr, locale, found))
    chat = found.partnership.chat_id
    posted = await _send_file(req, chat, picture, "karta-partnerstwa.png", "", photo=True)
    if posted:
        await reply_to(req, chat, html("{post}", post=words.post(tr, locale, found)))
    await press.query.answer(
        req._("Posted in the group.") if posted else req._("I cannot write to the group.")
    )


async def reply_to(req: Request, chat_id: int, text: str) -> None:
    """Send a text to a chat; an unreachable chat is let go."""
    try:
        await req.services.notifier.send(chat_id, text)
    except ChatUnreachable:
        return


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's commands."""
    return [
        command("thanks", thanks),
        command("certificate", certificate),
        command("closing", closing_command),
        command("recommend", recommend),
        command("recommendations", recommendations),
        command("conclusions", conclusions),
        command("decide", decide),
        CallbackQueryHandler(period_button, pattern=r"^(card|cert):"),
    ]
