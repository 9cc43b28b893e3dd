"""Telegram HTML built safely: templates are trusted, every value put into one is escaped.

`html(_("Partners of “{name}”"), name=partnership.name)` escapes the name; a value that is already
`Markup` (made by these helpers) is kept as it is, so pieces nest without double escaping.
Telegram's HTML needs only `<`, `>` and `&` escaped in text, so quotes stay as they are.
"""

from __future__ import annotations

import html as _html
from collections.abc import Iterable, Mapping
from typing import Any, Self

import markupsafe

__all__ = [
    "Markup",
    "bold",
    "code",
    "esc",
    "html",
    "html_map",
    "italic",
    "join",
    "link",
    "mention",
    "plain",
    "plain_join",
]


class Markup(markupsafe.Markup):
    """Safe Telegram HTML; text added, joined or formatted into it is escaped (quotes kept)."""

    __slots__ = ()

    @classmethod
    def escape(cls, s: Any, /) -> Self:
        """Escape `<`, `>` and `&` of anything not already markup."""
        if hasattr(s, "__html__"):
            return cls(s.__html__())
        return cls(_html.escape(str(s), quote=False))


def html(template: str, /, *args: Any, **values: Any) -> Markup:
    """The trusted template filled with the values, each escaped unless it is Markup already."""
    return Markup(template).format(*args, **values)


def html_map(template: str, values: Mapping[str, Any], /) -> Markup:
    """Like `html`, with the values in a mapping (which may supply defaults for missing keys)."""
    return Markup(template).format_map(values)


def plain(template: str, /, **values: Any) -> str:
    """A plain-text template (a button label, an alert: not HTML) filled with the values as they are."""
    return template.format(**values)


def plain_join(separator: str, parts: Iterable[str], /) -> str:
    """Plain-text parts (a document, a post to copy: not HTML) joined as they are."""
    return separator.join(parts)


def esc(text: Any) -> Markup:
    """Plain text as markup: escaped, shown exactly as written."""
    return Markup.escape(text)


def join(separator: str, parts: Iterable[Any]) -> Markup:
    """The parts joined by the trusted separator; a part that is not Markup is escaped."""
    return Markup(separator).join(parts)


def bold(text: Any) -> Markup:
    """Text in bold."""
    return html("<b>{}</b>", text)


def italic(text: Any) -> Markup:
    """Text in italics."""
    return html("<i>{}</i>", text)


def code(text: Any) -> Markup:
    """Text in a monospace font."""
    return html("<code>{}</code>", text)


def link(url: str, text: Any) -> Markup:
    """A link to url showing text."""
    return html('<a href="{}">{}</a>', Markup(_html.escape(url, quote=True)), text)


def mention(user_id: int, name: Any) -> Markup:
    """A clickable mention of a person."""
    return html('<a href="tg://user?id={id}">{name}</a>', id=int(user_id), name=name)
