"""An alert of the daily watch to one person: a silent partner, a period ending behind plan, an
inactive coordinator."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.markup import html
from bot.presenters.common import Message, Translations


def _period_end(tr: Translations, p: dict[str, Any], name: str, today: date) -> str:
    """A period ends soon with groups behind."""
    if "ends_on" in p:  # the alert may have waited for a working day: count from today
        p = {**p, "days": max(0, (date.fromisoformat(str(p["ends_on"])) - today).days)}
    return html(
        tr.ngettext(
            "The period “{period}” of “{name}” ends in {days} day and some target groups are "
            "behind. Type /status to see which.",
            "The period “{period}” of “{name}” ends in {days} days and some target groups are "
            "behind. Type /status to see which.",
            int(p["days"]),
        ),
        period=str(p["period"]),
        name=name,
        days=p["days"],
    )


def alert(tr: Translations, *, partnership_name: str, payload: dict[str, Any], today: date) -> Message:
    """The alert a watch payload describes (its "alert" names the kind)."""
    kind, p = payload.get("alert"), payload
    name = partnership_name
    if kind == "silent_partner":
        text: str = html(
            tr.gettext("“{partner}” has been silent for {days} days in “{name}”. A call may help."),
            partner=str(p["partner"]),
            days=p["days"],
            name=name,
        )
    elif kind == "period_end":
        text = _period_end(tr, p, name, today)
    else:
        text = html(
            tr.gettext(
                "The coordinator of “{name}” ({coordinator}) has not been active for {days} days. "
                "Maybe they need support."
            ),
            name=name,
            coordinator=str(p.get("coordinator", "")),
            days=p["days"],
        )
    return Message(text)
