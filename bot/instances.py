"""What several instances on one database share: the inbox of updates, chat claims, send slots.

Times here are seconds since the epoch *by the database's clock*, so instances on machines
whose clocks differ still agree on when a claim runs out or a send slot comes.

- `inbound_update`: every update a webhook received, stored before anything else happens;
  `handled` is set once it was handled (by whichever instance claimed its chat).
- `lane_claim`: which instance handles a chat (a *lane*) now, until `expires`; the holder
  renews it while it works, so a killed instance's chats are free again after one lease.
- `send_slot`: one row per chat and one for the whole bot, the next free moment to send
  (a generic cell rate algorithm: a reservation moves it on by one interval).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

KEEP_HANDLED = 7 * 24 * 3600.0  # Telegram keeps an unconfirmed update for 24 hours
KEEP_SLOTS = 3600.0  # a chat's slot an hour in the past limits nothing any more


def _now(dialect: str) -> str:
    """SQL for the database clock in epoch seconds."""
    if dialect == "postgresql":
        return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)"
    return "((julianday('now') - 2440587.5) * 86400.0)"


def _greatest(dialect: str) -> str:
    """The SQL name of the two-argument maximum."""
    return "GREATEST" if dialect == "postgresql" else "MAX"


async def _conn(session: AsyncSession) -> AsyncConnection:
    """The session's connection (these statements are plain SQL)."""
    return await session.connection()


async def store(session: AsyncSession, *, update_id: int, lane: int, payload: str) -> bool:
    """Store a received update; False when it was stored before (Telegram sent it again)."""
    conn = await _conn(session)
    now = _now(conn.dialect.name)
    result = await conn.execute(
        text(
            "INSERT INTO inbound_update (update_id, lane, payload, received) "
            f"VALUES (:update_id, :lane, :payload, {now}) ON CONFLICT (update_id) DO NOTHING"
        ),
        {"update_id": update_id, "lane": lane, "payload": payload},
    )
    return bool(result.rowcount)


async def claim(session: AsyncSession, *, lane: int, owner: str, lease: float) -> bool:
    """Take (or keep) a chat for `lease` seconds, unless another live instance holds it."""
    conn = await _conn(session)
    now = _now(conn.dialect.name)
    result = await conn.execute(
        text(
            "INSERT INTO lane_claim (lane, owner, expires) "
            f"VALUES (:lane, :owner, {now} + :lease) ON CONFLICT (lane) DO UPDATE "
            "SET owner = excluded.owner, expires = excluded.expires "
            f"WHERE lane_claim.expires < {now} OR lane_claim.owner = excluded.owner RETURNING owner"
        ),
        {"lane": lane, "owner": owner, "lease": lease},
    )
    return result.first() is not None


async def release(session: AsyncSession, *, owner: str, lanes: Sequence[int] | None = None) -> None:
    """Give chats back (all of this instance's when `lanes` is None)."""
    conn = await _conn(session)
    if lanes is None:
        await conn.execute(text("DELETE FROM lane_claim WHERE owner = :owner"), {"owner": owner})
        return
    await conn.execute(
        text("DELETE FROM lane_claim WHERE owner = :owner AND lane IN :lanes").bindparams(
            bindparam("lanes", expanding=True)
        ),
        {"owner": owner, "lanes": list(lanes)},
    )


async def renew(session: AsyncSession, *, owner: str, lanes: Sequence[int], lease: float) -> int:
    """Extend this instance's claims on chats it is still handling; returns how many it kept."""
    if not lanes:
        return 0
    conn = await _conn(session)
    result = await conn.execute(
        text(
            f"UPDATE lane_claim SET expires = {_now(conn.dialect.name)} + :lease "
            "WHERE owner = :owner AND lane IN :lanes"
        ).bindparams(bindparam("lanes", expanding=True)),
        {"owner": owner, "lanes": list(lanes), "lease": lease},
    )
    return int(result.rowcount or 0)


async def pending(session: AsyncSession, *, lane: int, limit: int) -> list[tuple[int, str]]:
    """A chat's stored updates not handled yet, oldest first."""
    conn = await _conn(session)
    rows = await conn.execute(
        text(
            "SELECT update_id, payload FROM inbound_update WHERE lane = :lane AND handled IS NULL "
            "ORDER BY update_id LIMIT :limit"
        ),
        {"lane": lane, "limit": limit},
    )
    return [(int(r[0]), str(r[1])) for r in rows]


async def mark_handled(session: AsyncSession, *, update_ids: Sequence[int]) -> None:
    """The updates are handled: nobody handles them again."""
    conn = await _conn(session)
    await conn.execute(
        text(
            f"UPDATE inbound_update SET handled = {_now(conn.dialect.name)} WHERE update_id IN :ids"
        ).bindparams(bindparam("ids", expanding=True)),
        {"ids": list(update_ids)},
    )


async def orphaned_lanes(session: AsyncSession, *, older_than: float, limit: int = 50) -> list[int]:
    """Chats with updates waiting longer than `older_than` seconds that no live instance holds."""
    conn = await _conn(session)
    now = _now(conn.dialect.name)
    rows = await conn.execute(
        text(
            "SELECT DISTINCT u.lane FROM inbound_update u LEFT JOIN lane_claim c ON c.lane = u.lane "
            f"AND c.expires >= {now} WHERE u.handled IS NULL AND u.received < {now} - :age "
            "AND c.lane IS NULL LIMIT :limit"
        ),
        {"age": older_than, "limit": limit},
    )
    return [int(r[0]) for r in rows]


async def forget(session: AsyncSession) -> int:
    """Drop handled updates Telegram can no longer send again, and long-past send slots."""
    conn = await _conn(session)
    now = _now(conn.dialect.name)
    gone = await conn.execute(
        text(f"DELETE FROM inbound_update WHERE handled IS NOT NULL AND handled < {now} - :keep"),
        {"keep": KEEP_HANDLED},
    )
    await conn.execute(text(f"DELETE FROM send_slot WHERE tat < {now} - :keep"), {"keep": KEEP_SLOTS})
    return int(gone.rowcount or 0)


async def reserve(
    conn: AsyncConnection, *, key: str, interval: float, burst: int, after: float = 0.0
) -> tuple[float, float]:
    """Reserve the next send slot of `key` not before `after`; returns (slot, now), database clock.

    A generic cell rate algorithm: the row keeps the theoretical arrival time `tat`; a
    reservation starts at the later of now (or `after`) and `tat` less the burst tolerance,
    and moves `tat` on by one interval. In any span of W seconds at most burst + W/interval
    slots are handed out, across every instance that shares the row.
    """
    dialect = conn.dialect.name
    now, greatest = _now(dialect), _greatest(dialect)
    earliest = f"{greatest}({now}, :after)"
    row = (
        await conn.execute(
            text(
                f"INSERT INTO send_slot (key, tat) VALUES (:key, {earliest} + :interval) "
                f"ON CONFLICT (key) DO UPDATE SET tat = {greatest}(send_slot.tat, {earliest}) + :interval "
                f"RETURNING tat, {now}"
            ),
            {"key": key, "interval": interval, "after": after},
        )
    ).one()
    tat, current = float(row[0]), float(row[1])
    tolerance = (burst - 1) * interval
    return max(current, after, tat - interval - tolerance), current
