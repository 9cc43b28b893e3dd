"""The one narrow interface through which services and handlers send messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.text import split_html

TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64


class ChatUnreachable(Exception):
    """Telegram refused to deliver to this chat (bot removed, blocked, chat gone)."""

    def __init__(self, chat_id: int, reason: str) -> None:
        super().__init__(f"chat {chat_id}: {reason}")
        self.chat_id = chat_id
        self.reason = reason


class SendFailed(Exception):
    """The message was not delivered for a reason that may pass (a network fault, a refused request)."""


class SendTimedOut(SendFailed):
    """No answer in time: the message may or may not have arrived."""


@dataclass(frozen=True)
class Button:
    """An inline button carrying callback data (Telegram allows at most 64 bytes)."""

    text: str
    data: str

    def __post_init__(self) -> None:
        """Refuse callback data Telegram would reject."""
        size = len(self.data.encode("utf-8"))
        if not 1 <= size <= CALLBACK_DATA_LIMIT:
            raise ValueError(f"callback data must be 1-64 bytes, got {size}: {self.data!r}")


Keyboard = Sequence[Sequence[Button]]


@dataclass(frozen=True)
class Sent:
    """Where a delivered message ended up."""

    chat_id: int
    message_id: int


class Notifier(Protocol):
    """Sends and edits messages.

    Raises ChatUnreachable when a chat cannot be reached, SendTimedOut when a send got no answer
    in time, and SendFailed for any other failure worth trying again later.
    """

    async def send(
        self, chat_id: int, text: str, *, buttons: Keyboard | None = None, force_reply: bool = False
    ) -> Sent:
        """Send an HTML text, split if too long; force_reply asks the client to answer it."""
        ...

    async def edit(
        self, chat_id: int, message_id: int, text: str, *, buttons: Keyboard | None = None
    ) -> None:
        """Replace the text and buttons of a message the bot sent."""
        ...

    async def send_file(
        self, chat_id: int, content: bytes, *, filename: str, caption: str = "", photo: bool = False
    ) -> Sent:
        """Send a document (or a picture as a photo) with an HTML caption."""
        ...


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut a long HTML text into pieces Telegram accepts, only at safe points (see bot.text)."""
    return split_html(text, limit)
