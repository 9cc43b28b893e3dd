"""What the page shows of a Bot API call: sanitised HTML, buttons, photos and files.

Pure functions: a recorded call in, a plain dict for the page out. The bot's text is HTML in
Telegram's dialect; only the tags Telegram itself accepts survive, every attribute but a safe
link target is dropped, and everything else is escaped.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser
from typing import Any

# Telegram's HTML parse mode: these tags and no others (https://core.telegram.org/bots/api#html-style).
ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-spoiler",
    }
)
SAFE_SCHEMES = ("http://", "https://", "tg://", "mailto:")
MESSAGE_METHODS = frozenset(
    {"sendmessage", "sendphoto", "senddocument", "sendvideo", "sendaudio", "sendvoice", "sendanimation"}
)
EDIT_METHODS = frozenset({"editmessagetext", "editmessagecaption", "editmessagereplymarkup"})


class _Sanitiser(HTMLParser):
    """Rebuilds HTML keeping Telegram's tags only."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Keep an allowed tag; a span of class tg-spoiler is a spoiler."""
        values = dict(attrs)
        if tag == "span" and values.get("class") == "tg-spoiler":
            tag = "tg-spoiler"
        if tag not in ALLOWED_TAGS:
            return
        if tag == "a":
            href = values.get("href") or ""
            if not href.lower().startswith(SAFE_SCHEMES):
                href = "#"
            self.out.append(f'<a href="{html.escape(href, quote=True)}" target="_blank" rel="noopener">')
        elif tag == "tg-spoiler":
            self.out.append('<span class="spoiler">')
        else:
            self.out.append(f"<{tag}>")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        """Close the innermost open tag of that name (and any left open inside it)."""
        if tag == "span" and "tg-spoiler" in self.open:
            tag = "tg-spoiler"
        if tag not in self.open:
            return
        while self.open:
            inner = self.open.pop()
            self.out.append("</span>" if inner == "tg-spoiler" else f"</{inner}>")
            if inner == tag:
                return

    def handle_data(self, data: str) -> None:
        """Text is always escaped."""
        self.out.append(html.escape(data, quote=False))

    def result(self) -> str:
        """The sanitised HTML, every tag closed."""
        while self.open:
            self.handle_endtag(self.open[-1])
        return "".join(self.out)


def sanitise(text: str) -> str:
    """Telegram-HTML from the bot made safe to put into the page."""
    parser = _Sanitiser()
    parser.feed(text)
    parser.close()
    return parser.result()


def to_html(text: str | None, parse_mode: Any) -> str:
    """A message text as page HTML, whatever its parse mode (plain text is escaped)."""
    if not text:
        return ""
    if isinstance(parse_mode, str) and parse_mode.upper() == "HTML":
        return sanitise(text)
    return html.escape(text, quote=False)


def buttons(markup: Any) -> list[list[dict[str, str]]]:
    """Rows of inline buttons: label with callback data or a link."""
    if not isinstance(markup, dict):
        return []
    rows = []
    for row in markup.get("inline_keyboard") or []:
        shown = []
        for button in row:
            item = {"text": str(button.get("text", ""))}
            for key in ("callback_data", "url"):
                if isinstance(button.get(key), str):
                    item[key] = button[key]
            shown.append(item)
        rows.append(shown)
    return rows


def prompt(markup: Any) -> dict[str, Any] | None:
    """A force_reply request: the page answers it as a reply, with the placeholder shown."""
    if isinstance(markup, dict) and markup.get("force_reply"):
        return {
            "placeholder": str(markup.get("input_field_placeholder") or ""),
            "selective": bool(markup.get("selective")),
        }
    return None


def attachment(result: dict[str, Any]) -> dict[str, Any] | None:
    """The photo (largest size) or document of a sent message, as a link to /file/."""
    photos = result.get("photo")
    if isinstance(photos, list) and photos:
        best = max(photos, key=lambda p: int(p.get("width", 0)) * int(p.get("height", 0)))
        return {"kind": "photo", "file_id": best["file_id"]}
    for kind in ("document", "video", "audio", "voice", "animation"):
        item = result.get(kind)
        if isinstance(item, dict) and "file_id" in item:
            name = str(item.get("file_name") or f"{kind}.bin")
            return {"kind": "document", "file_id": item["file_id"], "file_name": name}
    return None


def bot_message(method: str, params: dict[str, Any], result: dict[str, Any], at: float) -> dict[str, Any]:
    """A message the bot sent, as the page draws it."""
    text = params.get("text") if method == "sendmessage" else params.get("caption")
    reply = result.get("reply_to_message")
    return {
        "chat": int(result["chat"]["id"]),
        "id": int(result["message_id"]),
        "from": "bot",
        "html": to_html(text if isinstance(text, str) else None, params.get("parse_mode")),
        "buttons": buttons(params.get("reply_markup")),
        "prompt": prompt(params.get("reply_markup")),
        "file": attachment(result),
        "reply_to": int(reply["message_id"]) if isinstance(reply, dict) else None,
        "at": at,
        "edited": False,
    }


def edited(method: str, params: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    """A stored page message after editMessageText/Caption/ReplyMarkup."""
    after = dict(before, edited=True, buttons=buttons(params.get("reply_markup")))
    if method == "editmessagetext":
        after["html"] = to_html(params.get("text"), params.get("parse_mode"))
    elif method == "editmessagecaption" and "caption" in params:
        after["html"] = to_html(params.get("caption"), params.get("parse_mode"))
    return after


def user_message(msg: dict[str, Any], at: float) -> dict[str, Any]:
    """A message a person typed, as the page draws it (plain text, escaped)."""
    reply = msg.get("reply_to_message")
    return {
        "chat": int(msg["chat"]["id"]),
        "id": int(msg["message_id"]),
        "from": int(msg["from"]["id"]),
        "html": html.escape(str(msg.get("text", "")), quote=False),
        "buttons": [],
        "prompt": None,
        "file": None,
        "reply_to": int(reply["message_id"]) if isinstance(reply, dict) else None,
        "at": at,
        "edited": False,
    }


def service_message(chat_id: int, key: str, at: float, **names: str) -> dict[str, Any]:
    """A grey line in the chat (someone added the bot, ...): the page words it in its language."""
    return {"chat": chat_id, "id": None, "from": "service", "service": key, "names": names, "at": at}
