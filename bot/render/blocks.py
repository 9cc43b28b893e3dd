"""The pieces a document is made of, shared by the PDF and the DOCX writers."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Style(StrEnum):
    """How a text block looks."""

    TITLE = "title"
    SUBTITLE = "subtitle"
    HEADING = "heading"
    SUBHEADING = "subheading"
    PARAGRAPH = "paragraph"
    BULLET = "bullet"
    NOTE = "note"
    SIGNATURE = "signature"


@dataclass(frozen=True)
class Text:
    """A paragraph of plain text (never markup) in a style."""

    text: str
    style: Style = Style.PARAGRAPH
    centred: bool = False


@dataclass(frozen=True)
class Table:
    """A table: the first row is the header."""

    rows: list[list[str]]


@dataclass(frozen=True)
class Image:
    """A PNG picture, as wide as the text."""

    png: bytes


Block = Text | Table | Image


@dataclass(frozen=True)
class Document:
    """A titled sequence of blocks."""

    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class Card:
    """The partnership card: a title, the period, headline numbers and every partner's share."""

    title: str
    subtitle: str
    stats: list[tuple[str, str]]  # (number, what it counts)
    heading: str
    partners: list[tuple[str, str]]  # (partner name, its contribution in words)
    footer: str
