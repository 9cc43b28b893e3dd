"""The SQL of bot.answers: answers to handled updates, kept until they are sent.

One row per answer (a message or an edit) that a handler sent after its update's effects were
committed. It is inserted just before the send and deleted once Telegram accepted it; a send
that failed or timed out keeps its row with that state (and is not repeated). A row still
pending when its update is delivered again belongs to a handling that was cut short (the
process died): that answer is sent then.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import clock
from bot.models import AnswerState, PendingAnswer


async def record(
    session: AsyncSession,
    *,
    update_id: int,
    chat_id: int,
    text: str,
    buttons: str | None = None,
    force_reply: bool = False,
    message_id: int | None = None,
) -> int:
    """Keep an answer about to be sent (one INSERT); its id orders the answers of an update."""
    row = PendingAnswer(
        update_id=update_id,
        chat_id=chat_id,
        message_id=message_id,
        text=text,
        buttons=buttons,
        force_reply=force_reply,
        state=AnswerState.PENDING,
        created_at=clock.now(),
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    return row.id


async def sent(session: AsyncSession, *, answer_id: int) -> None:
    """Telegram accepted it: nothing is left to do (one DELETE)."""
    await (await session.connection()).execute(
        delete(PendingAnswer).where(col(PendingAnswer.id) == answer_id)
    )


async def settle(session: AsyncSession, *, answer_id: int, state: AnswerState) -> None:
    """The send failed or timed out: keep the row with that state, never to be sent again."""
    await (await session.connection()).execute(
        update(PendingAnswer).where(col(PendingAnswer.id) == answer_id).values(state=state)
    )


async def unsent(session: AsyncSession, *, update_id: int) -> list[PendingAnswer]:
    """The answers of an update not known to be sent, in the order they were made."""
    rows = await session.exec(
        select(PendingAnswer)
        .where(col(PendingAnswer.update_id) == update_id, col(PendingAnswer.state) == AnswerState.PENDING)
        .order_by(col(PendingAnswer.id))
    )
    return list(rows)


async def forget(session: AsyncSession, *, before: datetime) -> int:
    """Drop answers made before `before` (with the handled-marks of their updates)."""
    result = await (await session.connection()).execute(
        delete(PendingAnswer).where(col(PendingAnswer.created_at) < before)
    )
    return int(result.rowcount or 0)
