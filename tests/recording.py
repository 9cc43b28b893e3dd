"""A Notifier for unit tests and benchmarks: it remembers everything and sends nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.notifier import Button, ChatUnreachable, Keyboard, Sent, split_text


@dataclass
class RecordedMessage:
    """A message the recording notifier was asked to send or edit."""

    chat_id: int
    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    edited_message_id: int | None = None


class RecordingNotifier:
    """A Notifier for unit tests: remembers everything, sends nothing."""

    def __init__(self, unreachable: Sequence[int] = ()) -> None:
        self.messages: list[RecordedMessage] = []
        self.unreachable = set(unreachable)
        self._next_id = 1

    async def send(
        self, chat_id: int, text: str, *, buttons: Keyboard | None = None, force_reply: bool = False
    ) -> Sent:
        """Record a message, or refuse like Telegram would for an unreachable chat."""
        if chat_id in self.unreachable:
            raise ChatUnreachable(chat_id, "forbidden")
        for piece in split_text(text):
            self.messages.append(RecordedMessage(chat_id, piece, [list(r) for r in buttons or []]))
        self._next_id += 1
        return Sent(chat_id, self._next_id)

    async def edit(
        self, chat_id: int, message_id: int, text: str, *, buttons: Keyboard | None = None
    ) -> None:
        """Record an edit."""
        self.messages.append(RecordedMessage(chat_id, text, [list(r) for r in buttons or []], message_id))

    async def send_file(
        self, chat_id: int, content: bytes, *, filename: str, caption: str = "", photo: bool = False
    ) -> Sent:
        """Record a file as a message whose text is its name and caption."""
        if chat_id in self.unreachable:
            raise ChatUnreachable(chat_id, "forbidden")
        self.messages.append(RecordedMessage(chat_id, f"[{filename}] {caption}"))
        self._next_id += 1
        return Sent(chat_id, self._next_id)

    def texts(self, chat_id: int | None = None) -> list[str]:
        """Texts sent so far, optionally to one chat."""
        return [m.text for m in self.messages if chat_id is None or m.chat_id == chat_id]
