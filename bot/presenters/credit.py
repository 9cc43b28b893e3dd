"""Credit and closing in words: the card, the post, the certificate, the questions, the recommendations."""

from __future__ import annotations

from datetime import date

from bot.i18n import N_, format_day
from bot.markup import html, join, plain, plain_join
from bot.notifier import Button
from bot.presenters.common import Message, Translations, group_name
from bot.render.blocks import Block, Card, Document, Image, Style, Table, Text
from bot.services.closing import RoundSummary
from bot.services.credit import Credit, PartnerCredit, Result

QUESTIONS = {
    1: N_("Which groups of residents still need support with digital skills?"),
    2: N_("Which methods of reaching and training residents worked best?"),
    3: N_("What should the municipality do next to support digital education?"),
}


def contribution(tr: Translations, share: PartnerCredit) -> str:
    """A partner's contribution in words; a partner with none is thanked for taking part."""
    parts = []
    if share.recruited:
        parts.append(tr.ngettext("{n} participant recruited", "{n} participants recruited", share.recruited))
    if share.rooms_lent:
        parts.append(tr.ngettext("{n} room lent", "{n} rooms lent", share.rooms_lent))
    if share.sessions_hosted:
        parts.append(tr.ngettext("{n} session hosted", "{n} sessions hosted", share.sessions_hosted))
    if share.trainers:
        parts.append(tr.ngettext("{n} trainer", "{n} trainers", share.trainers))
    counts = (share.recruited, share.rooms_lent, share.sessions_hosted, share.trainers)
    words = [plain(p, n=n) for p, n in zip(parts, [c for c in counts if c], strict=True)]
    if not words:
        return tr.gettext("a partner of the partnership: thank you for taking part")
    return plain_join(" · ", words)


def period_words(tr: Translations, locale: str, credit: Credit) -> str:
    """The period the numbers cover."""
    if credit.period is None or credit.start is None or credit.end is None:
        return tr.gettext("since the partnership began")
    return plain(
        tr.gettext("{period}: {start} – {end}"),
        period=credit.period.name,
        start=format_day(credit.start, locale=locale),
        end=format_day(credit.end, locale=locale),
    )


def _name(tr: Translations, share: PartnerCredit) -> str:
    """A partner's name, marked when it leads the partnership."""
    return share.partner.name + (" " + tr.gettext("(leader)") if share.is_leader else "")


def card(tr: Translations, locale: str, credit: Credit) -> Card:
    """The partnership card: every active partner named with its own contribution."""
    return Card(
        title=credit.partnership.name,
        subtitle=period_words(tr, locale, credit),
        stats=[
            (
                str(credit.residents_trained),
                tr.ngettext("resident trained", "residents trained", credit.residents_trained),
            ),
            (str(credit.sessions), tr.ngettext("session", "sessions", credit.sessions)),
            (str(len(credit.partners)), tr.ngettext("partner", "partners", len(credit.partners))),
        ],
        heading=tr.gettext("Together, thanks to every partner"),
        partners=[(_name(tr, s), contribution(tr, s)) for s in credit.partners],
        footer=tr.gettext("A local partnership for digital skills"),
    )


def post(tr: Translations, locale: str, credit: Credit) -> str:
    """A short text ready to post on a website or Facebook (plain text)."""
    lines = [
        plain(
            tr.gettext(
                "{name} ({period}): residents trained: {trained}, sessions: {sessions}. "
                "A joint effort of every partner ({count}):"
            ),
            name=credit.partnership.name,
            period=period_words(tr, locale, credit),
            trained=credit.residents_trained,
            sessions=credit.sessions,
            count=len(credit.partners),
        )
    ]
    lines += [f"• {_name(tr, s)}: {contribution(tr, s)}" for s in credit.partners]
    lines.append(tr.gettext("Thank you to every organisation and every trainer! #DigitalSkills"))
    return plain_join("\n", lines)


def card_caption(tr: Translations, locale: str, credit: Credit) -> Message:
    """The HTML message that goes with the card: the ready-to-post text to copy."""
    heading = html(tr.gettext("<b>Ready to post</b> (copy the text below):"))
    return Message(html("{heading}\n\n{post}", heading=heading, post=post(tr, locale, credit)))


def certificate(tr: Translations, locale: str, credit: Credit, share: PartnerCredit, today: date) -> Document:
    """A one-page certificate of cooperation for one partner."""
    partnership = credit.partnership
    title = tr.gettext("Certificate of cooperation")
    signers = [partnership.coordinator_name or "—", tr.gettext("coordinator of the partnership")]
    blocks: list[Block] = [
        Text(title, Style.TITLE, centred=True),
        Text(partnership.name, Style.SUBTITLE, centred=True),
        Text(tr.gettext("This certifies that"), centred=True),
        Text(share.partner.name, Style.HEADING, centred=True),
        Text(
            plain(
                tr.gettext(
                    "took part in the partnership “{name}” ({period}) and contributed to training "
                    "residents in digital skills:"
                ),
                name=partnership.name,
                period=period_words(tr, locale, credit),
            ),
            centred=True,
        ),
        Text(contribution(tr, share), Style.SUBHEADING, centred=True),
        Text(
            plain(
                tr.gettext("Together the partnership trained {trained} residents in {sessions} sessions."),
                trained=credit.residents_trained,
                sessions=credit.sessions,
            ),
            centred=True,
        ),
        Text(tr.gettext("Thank you for your cooperation."), centred=True),
        Text(signers[0] + ", " + signers[1], Style.SIGNATURE),
    ]
    if credit.leader:
        blocks.append(Text(plain(tr.gettext("{leader}, leader of the partnership"), leader=credit.leader)))
    blocks.append(Text(format_day(today, locale=locale, fmt="long"), Style.NOTE))
    return Document(title, blocks)


def questions(tr: Translations, *, partnership_name: str, partner_name: str) -> Message:
    """The round's three questions, privately to a partner's representative."""
    lines: list[str] = [
        html(
            tr.gettext(
                "The partnership “{name}” is closing and prepares recommendations for the municipality. "
                "Please answer three questions for {partner}:"
            ),
            name=partnership_name,
            partner=partner_name,
        ),
        "",
    ]
    lines += [f"{n}. {tr.gettext(q)}" for n, q in QUESTIONS.items()]
    lines += [
        "",
        tr.gettext("Answer each with /recommend and its number, e.g. /recommend 1 seniors in villages"),
    ]
    return Message(join("\n", lines))


def reminder(tr: Translations, *, partnership_name: str, partner_name: str) -> Message:
    """A reminder to a partner that has not answered yet."""
    text = html(
        tr.gettext(
            "A reminder: the partnership “{name}” is waiting for the recommendations of {partner}. "
            "Answer with /recommend 1, /recommend 2 and /recommend 3 followed by your answer."
        ),
        name=partnership_name,
        partner=partner_name,
    )
    return Message(text)


def summary(tr: Translations, found: RoundSummary) -> Message:
    """The coordinator's review: answers by question and partner, who has not answered, conclusions."""
    lines: list[str] = [html(tr.gettext("<b>Recommendations: {name}</b>"), name=found.partnership.name)]
    for n, q in QUESTIONS.items():
        lines += ["", html("<b>{n}. {question}</b>", n=n, question=tr.gettext(q))]
        given = found.under(n)
        lines += [html("• {partner}: {text}", partner=a.partner, text=a.text) for a in given] or ["—"]
    if found.silent:
        lines += ["", html(tr.gettext("Not answered: {names}"), names=plain_join(", ", found.silent))]
    conclusions = found.round_.conclusions or "—"
    lines += ["", html(tr.gettext("<b>Your conclusions:</b> {text}"), text=conclusions)]
    lines += [
        "",
        tr.gettext(
            "Add conclusions with /conclusions (replace) or /conclusions + (add); /recommendations doc "
            "makes the document; then /decide close or /decide continue, with your reasons."
        ),
    ]
    return Message(join("\n", lines))


def _results_table(tr: Translations, rows: list[Result]) -> Table:
    """Targets against results per period and group."""
    header = [tr.gettext("Period"), tr.gettext("Target group"), tr.gettext("Target"), tr.gettext("Trained")]
    body = [
        [
            r.period.name,
            group_name(tr, r.group),
            str(r.target) if r.target is not None else "—",
            str(r.trained),
        ]
        for r in rows
    ]
    return Table([header, *body])


def recommendations(
    tr: Translations,
    locale: str,
    credit: Credit,
    found: RoundSummary,
    rows: list[Result],
    chart: bytes | None,
) -> Document:
    """The recommendations document for the municipal authorities."""
    title = tr.gettext("Recommendations for the municipality")
    blocks: list[Block] = [
        Text(title, Style.TITLE),
        Text(credit.partnership.name, Style.SUBTITLE),
        Text(tr.gettext("The partnership and its partners"), Style.HEADING),
        Text(
            plain(
                tr.gettext("Coordinator: {name}. Residents trained: {trained}, in {sessions} sessions."),
                name=credit.partnership.coordinator_name or "—",
                trained=credit.residents_trained,
                sessions=credit.sessions,
            )
        ),
        *[Text(f"{_name(tr, s)}: {contribution(tr, s)}", Style.BULLET) for s in credit.partners],
        Text(tr.gettext("Targets and results"), Style.HEADING),
    ]
    blocks.append(_results_table(tr, rows) if rows else Text(tr.gettext("No targets or results recorded.")))
    if chart is not None:
        blocks.append(Image(chart))
    blocks.append(Text(tr.gettext("What the partners recommend"), Style.HEADING))
    for n, q in QUESTIONS.items():
        blocks.append(Text(f"{n}. {tr.gettext(q)}", Style.SUBHEADING))
        given = found.under(n)
        blocks += [Text(f"{a.partner}: {a.text}", Style.BULLET) for a in given] or [Text("—")]
    if found.silent:
        blocks.append(
            Text(plain(tr.gettext("Not answered: {names}"), names=plain_join(", ", found.silent)), Style.NOTE)
        )
    blocks.append(Text(tr.gettext("The coordinator's conclusions"), Style.HEADING))
    blocks.append(Text(found.round_.conclusions or "—"))
    return Document(title, blocks)


def card_offer(tr: Translations, card_tr: Translations, card_locale: str, credit: Credit) -> Message:
    """After a period ends: the ready-to-post text, and a button to post the card in the group.

    `tr` is the coordinator's language; the card and its text are in `card_locale` (Polish).
    """
    assert credit.period is not None
    ended = html(
        tr.gettext("The period “{period}” has ended. Here is the partnership card; post it in the group?"),
        period=credit.period.name,
    )
    text = html("{ended}\n\n{caption}", ended=ended, caption=card_caption(card_tr, card_locale, credit).text)
    post_it = Button(tr.gettext("📣 Post in the group"), f"card:{credit.period.id}:{card_locale}")
    certificates = Button(tr.gettext("📜 Send the certificates"), f"cert:{credit.period.id}:{card_locale}")
    return Message(text, ((post_it,), (certificates,)))
