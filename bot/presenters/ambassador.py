"""The ambassador's monthly note in words: results, every partner's share, one sentence to say publicly."""

from __future__ import annotations

from bot.i18n import format_day
from bot.markup import html, join, plain
from bot.presenters.common import Message, Translations
from bot.presenters.credit import contribution, period_words
from bot.services.ambassador import AmbassadorNote


def _results(tr: Translations, trained: int, sessions: int) -> str:
    """The residents trained and the sessions held, in words."""
    return plain(
        tr.gettext("residents trained: {trained}, sessions: {sessions}"), trained=trained, sessions=sessions
    )


def public_sentence(tr: Translations, found: AmbassadorNote) -> str:
    """One sentence the ambassador could say in public (plain text)."""
    credit = found.credit
    return plain(
        tr.ngettext(
            "Thanks to {count} local organisations working together, {n} resident of our municipality "
            "has learned digital skills in the partnership “{name}”.",
            "Thanks to {count} local organisations working together, {n} residents of our municipality "
            "have learned digital skills in the partnership “{name}”.",
            credit.residents_trained,
        ),
        count=len(credit.partners),
        n=credit.residents_trained,
        name=credit.partnership.name,
    )


def note(tr: Translations, locale: str, found: AmbassadorNote) -> Message:
    """The private monthly note to an ambassador."""
    credit = found.credit
    lines: list[str] = [
        html(tr.gettext("<b>{name}</b>: a note for the ambassador"), name=credit.partnership.name),
        "",
        html(
            tr.gettext("Last month (since {day}): {results}."),
            day=format_day(found.month, locale=locale),
            results=_results(tr, found.month_trained, found.month_sessions),
        ),
        html(
            tr.gettext("In total ({period}): {results}."),
            period=period_words(tr, locale, credit),
            results=_results(tr, credit.residents_trained, credit.sessions),
        ),
        "",
        html(tr.gettext("<b>Every partner's contribution</b>")),
    ]
    lines += [
        html("• {name}: {text}", name=s.partner.name, text=contribution(tr, s)) for s in credit.partners
    ]
    lines += [
        "",
        html(tr.gettext("<b>You could say:</b> {sentence}"), sentence=public_sentence(tr, found)),
    ]
    return Message(join("\n", lines))
