"""Text helpers shared by services: folding for comparison, and 'did you mean'."""

from __future__ import annotations

import difflib
import re
import unicodedata


def fold(text: str) -> str:
    """Lower-case, strip diacritics and collapse spaces: 'Ośrodek ' matches 'osrodek'."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return re.sub(r"\s+", " ", plain).strip()


def suggestions(query: str, names: list[str], *, limit: int = 3) -> list[str]:
    """Names close to the query (by folded spelling, or containing it)."""
    wanted = fold(query)
    by_key = {fold(name): name for name in names}
    close = difflib.get_close_matches(wanted, list(by_key), n=limit, cutoff=0.5)
    containing = [key for key in by_key if wanted and wanted in key and key not in close]
    return [by_key[key] for key in (close + containing)[:limit]]


# --------------------------------------------------------------------------- input hygiene

ID_MAX = 2**63 - 1  # Telegram ids and database keys are signed 64-bit
_ASCII_NUMBER = re.compile(r"[0-9]{1,19}", re.ASCII)
# C0 and C1 controls except tab and line breaks; they are invisible and break XML and PostgreSQL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Zero-width and direction marks: a name made only of them looks empty.
_INVISIBLE = re.compile(r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def parse_id(text: str) -> int | None:
    """A positive id typed or carried by a button: ASCII digits only, within 64 bits; else None."""
    if not _ASCII_NUMBER.fullmatch(text):
        return None
    value = int(text)
    return value if 0 < value <= ID_MAX else None


def parse_count(text: str, *, maximum: int) -> int | None:
    """A whole number 0..maximum in ASCII digits (no '²', no Arabic-Indic digits); else None."""
    raw = text.strip()
    if not _ASCII_NUMBER.fullmatch(raw):
        return None
    value = int(raw)
    return value if value <= maximum else None


def without_controls(text: str) -> str:
    """The text with control characters (NUL included) removed; tabs and line breaks kept."""
    return _CONTROL.sub("", text)


def visible_text(text: str) -> str:
    """The text without controls and zero-width characters, spaces collapsed: what a reader sees."""
    return re.sub(r"\s+", " ", _INVISIBLE.sub("", without_controls(text))).strip()


# --------------------------------------------------------------------------- splitting HTML messages

_TOKEN = re.compile(r"<[^<>]*>|&#?\w+;|\n|[^<&\n]+|[<&]")
_TAG = re.compile(r"<(/?)([a-zA-Z0-9-]+)[^>]*>")
_WORD = re.compile(r"\S+\s*|\s+")
CHUNK = 200


def _tokens(text: str) -> list[str]:
    """Tags, entities, line breaks and short runs of text: the units a message may be cut between."""
    tokens: list[str] = []
    for token in _TOKEN.findall(text):
        if token.startswith(("<", "&")) or token == "\n" or len(token) <= CHUNK:
            tokens.append(token)
            continue
        for word in _WORD.findall(token):
            tokens.extend(word[i : i + CHUNK] for i in range(0, len(word), CHUNK))
    return tokens


def _after(stack: list[tuple[str, str]], token: str) -> list[tuple[str, str]]:
    """The open tags after a token."""
    match = _TAG.fullmatch(token)
    if match is None:
        return stack
    closing, name = match.group(1), match.group(2).lower()
    if not closing:
        return [*stack, (name, token)]
    for index in range(len(stack) - 1, -1, -1):
        if stack[index][0] == name:
            return stack[:index] + stack[index + 1 :]
    return stack


def _closing(stack: list[tuple[str, str]]) -> str:
    """Closing tags for what is open, innermost first."""
    return "".join(f"</{name}>" for name, _tag in reversed(stack))


def _has_content(piece: str) -> bool:
    """Whether a piece shows anything once tags are removed."""
    return bool(re.sub(r"<[^>]*>", "", piece).strip())


def split_html(text: str, limit: int = 4096) -> list[str]:
    """Cut an HTML message into pieces of at most `limit` characters, only between lines (or,
    for an over-long line, between words or entities), never inside a tag or an entity; tags
    open at a cut are closed and opened again in the next piece."""
    if len(text) <= limit:
        return [text]
    tokens = _tokens(text)  # mutated: an over-long text token is cut where a piece ends
    pieces: list[str] = []
    stack: list[tuple[str, str]] = []
    start = 0
    while start < len(tokens):
        prefix = "".join(tag for _name, tag in stack)
        body, size, open_tags, index = [prefix], len(prefix), list(stack), start
        line_cut: tuple[int, list[tuple[str, str]], int] | None = None
        while index < len(tokens):
            token = tokens[index]
            after = _after(open_tags, token)
            if size + len(token) + len(_closing(after)) > limit:
                room = limit - size - len(_closing(open_tags))
                if index == start and room > 0 and not token.startswith(("<", "&")):
                    # Text that cannot fit even alone: keep what fits, the rest starts the next piece.
                    body.append(token[:room])
                    tokens[index] = token[room:]
                    line_cut = None
                    break
                if index > start:
                    break
            body.append(token)
            size += len(token)
            open_tags = after
            index += 1
            if token == "\n":
                line_cut = (index, list(open_tags), len(body) - 1)
        if index < len(tokens) and line_cut is not None and line_cut[2] * 2 > len(body):
            index, open_tags, kept = line_cut
            body = body[:kept]
        piece = "".join(body) + _closing(open_tags)
        if _has_content(piece):
            pieces.append(piece.strip("\n"))
        stack, start = open_tags, index
    return pieces or [text[:limit]]
