"""A recruitment nudge: a lagging target group, the numbers, free seats, who can spread the word."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from bot.i18n import format_local, format_number
from bot.markup import html, join, mention
from bot.models import Partnership
from bot.presenters.common import Message, Translations, group_name
from bot.services.nudges import Nudge


def _numbers(tr: Translations, nudge: Nudge, locale: str) -> str:
    """How far behind the group is."""
    p = nudge.progress.period
    assert p is not None
    return html(
        tr.gettext("Trained {trained} of {expected} expected by now (target {target}); {short} short."),
        trained=format_number(p.trained, locale=locale),
        expected=format_number(round(p.expected_now), locale=locale),
        target=format_number(p.target, locale=locale),
        short=format_number(p.shortfall, locale=locale),
    )


def _seat_lines(tr: Translations, nudge: Nudge, partnership: Partnership, locale: str) -> list[str]:
    """Upcoming sessions for the group that still have free seats."""
    if not nudge.sessions:
        return []
    zone = ZoneInfo(partnership.timezone)
    return [tr.gettext("Sessions with free seats:")] + [
        html(
            "• {when}: {topic} ({free})",
            when=format_local(s.starts_at, locale=locale, zone=zone),
            topic=s.topic,
            free=html(tr.ngettext("{n} free seat", "{n} free seats", free), n=free),
        )
        for s, free in nudge.sessions
    ]


def _practice_lines(tr: Translations, nudge: Nudge) -> list[str]:
    """The programme's practices for the group, newest first, and where to find more."""
    if not nudge.practices:
        return []
    return [
        tr.gettext("What worked in your programme for this group:"),
        *(
            html(
                "• {text} ({author}, {place})",
                text=_short(f.practice.text),
                author=f.practice.author_name,
                place=f.partnership_name,
            )
            for f in nudge.practices
        ),
        tr.gettext("More of them, and yours to share: /practices, /share"),
    ]


def _short(text: str, limit: int = 120) -> str:
    """A practice's text cut to one short line."""
    one = re.sub(r"\s+", " ", text).strip()
    return one if len(one) <= limit else one[: limit - 1].rstrip() + "…"


def nudge_text(tr: Translations, nudge: Nudge, partnership: Partnership, locale: str) -> str:
    """The words of a recruitment nudge."""
    lines = [
        html(
            tr.gettext("📣 <b>Recruitment: {group}</b> is behind the plan."),
            group=group_name(tr, nudge.group),
        ),
        _numbers(tr, nudge, locale),
        *_seat_lines(tr, nudge, partnership, locale),
        tr.gettext("Please spread the word through your channels:"),
    ]
    for partner, channels in nudge.partners:
        mentions = join(", ", (mention(uid, name) for uid, name in nudge.people.get(partner.id, [])))
        names = join(", ", (r.description for r in channels)) or tr.gettext("word of mouth")
        lines.append(
            html(
                "• {partner}{people}: {channels}",
                partner=partner.name,
                people=html(" ({mentions})", mentions=mentions) if mentions else "",
                channels=names,
            )
        )
    lines += _practice_lines(tr, nudge)
    return join("\n", lines)


def nudge(tr: Translations, nudge: Nudge, partnership: Partnership, locale: str) -> Message:
    """The nudge as a message."""
    return Message(nudge_text(tr, nudge, partnership, locale))
