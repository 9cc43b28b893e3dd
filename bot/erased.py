"""How erased words and names are shown: a neutral marker in the reader's language, never the text.

An erased row keeps only a flag (see bot.services.rights), so every output that shows log entries
(history, the brief, the export, the digest) asks here what to print in place of the name and text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.i18n import N_

if TYPE_CHECKING:  # presenters use the markers without the tables
    from bot.models import LogEntry

FORMER_MEMBER = N_("a former member")
ERASED_TEXT = N_("[erased]")


def author_shown(gettext: Callable[[str], str], entry: LogEntry) -> str:
    """The author's name, or "a former member" once erased."""
    return gettext(FORMER_MEMBER) if entry.erased or not entry.author_name else entry.author_name


def text_shown(gettext: Callable[[str], str], entry: LogEntry) -> str:
    """The entry's text, or the erased marker."""
    return gettext(ERASED_TEXT) if entry.erased else entry.text or ""
