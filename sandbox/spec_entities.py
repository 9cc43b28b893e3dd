"""Entity parsing as Telegram does it: the visible text of HTML, MarkdownV2 and Markdown messages."""

from __future__ import annotations

import html
import re

# Tags accepted by Telegram's HTML parse mode (https://core.telegram.org/bots/api#html-style).
HTML_TAGS = frozenset(
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
        "span",
        "tg-spoiler",
        "a",
        "tg-emoji",
        "tg-time",
        "code",
        "pre",
        "blockquote",
    }
)
MARKDOWN_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")


def _html_visible(text: str) -> tuple[str, str | None]:
    """Strip Telegram HTML markup; return (visible text, parse error or None)."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    tag_re = _HTML_TAG_RE
    while True:
        lt = text.find("<", pos)
        if lt < 0:
            out.append(text[pos:])
            break
        out.append(text[pos:lt])
        match = tag_re.match(text, lt)
        if match is None:
            return "", f"unescaped '<' at character {lt} (use &lt;)"
        closing, name = match[1] == "/", match[2].lower()
        if name not in HTML_TAGS:
            return "", f"unsupported {'end' if closing else 'start'} tag <{match[1]}{name}>"
        if closing:
            if not stack or stack[-1] != name:
                return "", f"can't find start tag for </{name}>"
            stack.pop()
        else:
            stack.append(name)
        pos = match.end()
    if stack:
        return "", f"can't find end tag for <{stack[-1]}>"
    return html.unescape("".join(out)), None


_HTML_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^<>]*)?>")


def _markdown_v2_visible(text: str) -> tuple[str, str | None]:
    """Strip MarkdownV2 markup; report unescaped reserved characters like Telegram does."""
    out: list[str] = []
    i, n = 0, len(text)
    code: str | None = None
    in_url = False
    line_start = True
    while i < n:
        c = text[i]
        if c == "\\":
            if i + 1 < n and not in_url:
                out.append(text[i + 1])
            i, line_start = i + 2, False
            continue
        if code is not None:
            if text.startswith(code, i):
                i += len(code)
                code = None
            else:
                out.append(c)
                i += 1
            continue
        if in_url:
            in_url = c != ")"
            i += 1
            continue
        start_of_line, line_start = line_start, c == "\n"
        if text.startswith("```", i):
            code, i = "```", i + 3
        elif c == "`":
            code, i = "`", i + 1
        elif c == "]" and text.startswith("(", i + 1):
            in_url, i = True, i + 2
        elif start_of_line and text.startswith("**>", i):
            i += 3
        elif c in "*_~|[]" or (c == ">" and start_of_line) or (c == "!" and text[i + 1 : i + 2] == "["):
            i += 1
        elif c in MARKDOWN_V2_RESERVED:
            return "", f"character '{c}' is reserved and must be escaped with the preceding '\\'"
        else:
            out.append(c)
            i += 1
    if code is not None:
        return "", "can't find end of code entity"
    return "".join(out), None


def _markdown_visible(text: str) -> tuple[str, str | None]:
    """Strip legacy Markdown markup (lenient)."""
    text = re.sub(r"\]\([^)]*\)", "", text)
    text = re.sub(r"\\([_*`\[])|[_*`\[]", lambda m: m[1] or "", text)
    return text, None


def visible_text(text: str, parse_mode: str | None) -> tuple[str, str | None]:
    """Text as Telegram would display it after entity parsing, plus a parse error if any."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _html_visible(text)
    if mode == "markdownv2":
        return _markdown_v2_visible(text)
    if mode == "markdown":
        return _markdown_visible(text)
    return text, None
