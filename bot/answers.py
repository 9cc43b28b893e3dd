"""Answers to an update whose effects are committed are not lost when the process dies.

bot.once stores an update's handled-mark with its effects, so a redelivery after a crash stops
with `AlreadyHandled` and changes nothing. Without more, what the handler would have answered
after that commit (the `/log` confirmation) was lost when the process died before sending it.

So `AnsweringNotifier`, the Notifier handlers get (`Services.notifier`), keeps every message
and edit sent once the handling has written: a `pending_answer` row with what to send, then
the send, then the row is deleted, or, if the send timed out or failed, kept with that state
and not repeated (the README's policy: a reply whose outcome is unknown is not sent blindly
again). The first answer's row is inserted into the transaction of the effects themselves,
whose commit bot.once postpones until then (`handling(..., defer=True)`): effects, handled-mark
and first answer are stored together or not at all. Later answers are kept in one short
transaction each. Per answer: one INSERT and one DELETE (or UPDATE); nothing for a handling
that wrote nothing.

When the update comes again and stops with `AlreadyHandled` (`handle`, used by the poller and
the webhook inbox), its rows still pending are sent then, in order, through the same path.

What is not kept: answers of a handling that wrote nothing (its redelivery answers anyway),
answers sent before the effects were written (a crash before the commit repeats the whole
handling), the scheduler's sends (they have their own claims and do not come through here),
files (`send_file`: no bytes in the database), and an answer sent from inside another open
transaction of the handling (sent as before). The windows left: a second answer is lost if the
process dies after the first was sent and before the second is kept; and an answer Telegram
accepted is sent once more if the process dies before its row is deleted (per chat at most
the one answer in flight).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.ext import Application

from bot import once
from bot.db import Database
from bot.models import AnswerState, PendingAnswer
from bot.notifier import Button, Keyboard, Notifier, SendTimedOut, Sent
from bot.runtime import services_of
from bot.services import answers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    """A message (or, with `message_id`, an edit) as the Notifier is asked for it."""

    chat_id: int
    text: str
    buttons: Keyboard | None = None
    force_reply: bool = False
    message_id: int | None = None

    async def through(self, notifier: Notifier) -> Sent | None:
        """Send (or edit) it; what a send returns, None for an edit."""
        if self.message_id is not None:
            await notifier.edit(self.chat_id, self.message_id, self.text, buttons=self.buttons)
            return None
        return await notifier.send(
            self.chat_id, self.text, buttons=self.buttons, force_reply=self.force_reply
        )

    def row(self) -> dict[str, Any]:
        """The columns of its `pending_answer` row (the inline keyboard as rows of [text, data])."""
        buttons = [[[b.text, b.data] for b in row] for row in self.buttons or []]
        return {
            "chat_id": self.chat_id,
            "text": self.text,
            "buttons": json.dumps(buttons, ensure_ascii=False) if buttons else None,
            "force_reply": self.force_reply,
            "message_id": self.message_id,
        }

    @classmethod
    def of(cls, row: PendingAnswer) -> Answer:
        """The answer a kept row describes."""
        rows = json.loads(row.buttons) if row.buttons else []
        buttons = [[Button(text, data) for text, data in r] for r in rows] or None
        return cls(row.chat_id, row.text, buttons, row.force_reply, row.message_id)


class AnsweringNotifier:
    """The Notifier for handlers: answers made after the effects were committed are kept until sent."""

    def __init__(self, inner: Notifier, db: Database) -> None:
        self.inner = inner
        self.db = db
        self._unrecorded: set[int] = set()  # sent, but the database missed its DELETE

    async def send(
        self, chat_id: int, text: str, *, buttons: Keyboard | None = None, force_reply: bool = False
    ) -> Sent:
        """Send a message, kept first if the handling's effects are committed."""
        sent = await self._answer(Answer(chat_id, text, buttons, force_reply))
        assert sent is not None
        return sent

    async def edit(
        self, chat_id: int, message_id: int, text: str, *, buttons: Keyboard | None = None
    ) -> None:
        """Edit a message, kept first like a send (an edit shown twice changes nothing)."""
        await self._answer(Answer(chat_id, text, buttons, message_id=message_id))

    async def send_file(
        self, chat_id: int, content: bytes, *, filename: str, caption: str = "", photo: bool = False
    ) -> Sent:
        """Files are not kept: sent as they are."""
        return await self.inner.send_file(chat_id, content, filename=filename, caption=caption, photo=photo)

    async def _answer(self, answer: Answer) -> Sent | None:
        """Keep, send and settle, or just send when there is nothing to keep."""
        answer_id = await self._keep(answer)
        if answer_id is None:
            return await answer.through(self.inner)
        return await self._deliver(answer_id, answer)

    async def _keep(self, answer: Answer) -> int | None:
        """The kept row's id, or None: nothing committed yet, inside a transaction, no database.

        The first answer after the effects goes into their own transaction, committed now (its
        errors go to the caller: the effects are not stored, so the update is handled again);
        later ones into one short transaction of their own.
        """
        state = once.current()
        if state is not None and state.deferred is not None:
            session = state.deferred.session
            try:
                answer_id = await answers.record(session, update_id=state.update_id, **answer.row())
            except BaseException:
                await once.commit_deferred(state, commit=False)  # all or nothing
                raise
            await once.commit_deferred(state)
            return answer_id
        if state is None or not state.marked or state.open_transactions:
            return None
        try:
            async with self.db.transaction(mark=False) as session:
                return await answers.record(session, update_id=state.update_id, **answer.row())
        except SQLAlchemyError as exc:  # the answer matters more than its safety net
            log.warning("could not keep an answer (%s); sending it unkept", type(exc).__name__)
            return None

    async def _deliver(self, answer_id: int, answer: Answer) -> Sent | None:
        """Send a kept answer and record how it went; errors go on to the caller."""
        try:
            result = await answer.through(self.inner)
        except SendTimedOut:
            await self._settle(answer_id, AnswerState.UNCERTAIN)
            raise
        except Exception:
            await self._settle(answer_id, AnswerState.FAILED)
            raise
        await self._settle(answer_id, None)
        return result

    async def _settle(self, answer_id: int, state: AnswerState | None) -> None:
        """Delete a sent answer's row, or keep it with its failure; never raise after a send."""
        try:
            async with self.db.transaction(mark=False) as session:
                if state is None:
                    await answers.sent(session, answer_id=answer_id)
                else:
                    await answers.settle(session, answer_id=answer_id, state=state)
        except SQLAlchemyError as exc:
            # A redelivery in this process must not send it again (the database was away).
            self._unrecorded.add(answer_id)
            log.warning("could not record answer %s as sent (%s)", answer_id, type(exc).__name__)
        else:
            self._unrecorded.discard(answer_id)

    async def send_kept(self, update_id: int) -> int:
        """Send, in order, the answers of a handled update a crash kept back; how many were sent."""
        async with self.db.transaction(mark=False) as session:
            rows = await answers.unsent(session, update_id=update_id)
        done = 0
        for row in rows:
            assert row.id is not None
            if row.id in self._unrecorded:  # sent by this process already
                await self._settle(row.id, None)
                continue
            try:
                await self._deliver(row.id, Answer.of(row))
                done += 1
            except Exception as exc:  # recorded as uncertain or failed: the next one still goes
                log.warning("a kept answer of update %s was not sent (%s)", update_id, type(exc).__name__)
        if rows:
            log.info("update %s came again: %s kept answer(s) sent", update_id, done)
        return done


async def handle(app: Application, update: Update) -> once.Handling:  # type: ignore[type-arg]
    """Hand one update to the Application as its handling; if it was handled before (a
    redelivery after a crash), send the answers that handling kept back."""
    with once.handling(update.update_id, defer=True) as state:
        try:
            await app.process_update(update)
        except BaseException:  # cut short (stopping): nothing of it is stored, it runs again
            await once.commit_deferred(state, commit=False)
            raise
        try:
            await once.commit_deferred(state)  # a handler that wrote and did not answer
        except SQLAlchemyError as exc:  # nothing it wrote is stored: handle it again
            log.warning("an update's effects could not be committed (%s)", type(exc).__name__)
            state.database_failed = True
        if state.already_handled:
            notifier = services_of(app.bot_data).notifier
            if isinstance(notifier, AnsweringNotifier):
                try:
                    await notifier.send_kept(update.update_id)
                except SQLAlchemyError as exc:  # handle it again once the database is back
                    log.warning("kept answers could not be read (%s)", type(exc).__name__)
                    state.database_failed = True
    return state
