"""The coordinators' monthly digest: new practices in the programme, and who is ahead where
the reader's partnership lags (so they know whom to ask)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import stored_id
from bot.models import Partnership, Practice, ProgrammeMember, TargetGroup
from bot.progress import Pace
from bot.services import practices
from bot.services.programme_overview import overview

MONTH = timedelta(days=30)
AHEAD = (Pace.AHEAD, Pace.DONE)


@dataclass
class Network:
    """What one coordinator learns from the rest of the programme this month."""

    new_practices: int = 0
    newest: list[practices.Found] = field(default_factory=list)
    # (their group that lags, another partnership's name, whether it reached its target)
    ahead: list[tuple[TargetGroup, str, bool]] = field(default_factory=list)


async def network(session: AsyncSession, *, partnership: Partnership, now: datetime) -> Network | None:
    """The digest for a partnership's coordinator; None outside a programme."""
    member = await session.get(ProgrammeMember, stored_id(partnership))
    if member is None:
        return None
    result = Network()
    result.new_practices = int(
        (
            await session.exec(
                select(func.count())
                .select_from(Practice)
                .where(Practice.programme_id == member.programme_id, col(Practice.created_at) >= now - MONTH)
            )
        ).one()
    )
    if result.new_practices:
        result.newest = (await practices.search(session, programme_ids=[member.programme_id]))[:3]
    others = list(
        await session.exec(
            select(Partnership)
            .join(ProgrammeMember, col(ProgrammeMember.partnership_id) == col(Partnership.id))
            .where(ProgrammeMember.programme_id == member.programme_id, col(Partnership.deleted_at).is_(None))
        )
    )
    lines = {
        line.id: line
        for line in await overview(session, partnerships=others, now=now, zone=ZoneInfo(partnership.timezone))
    }
    mine = lines.get(stored_id(partnership))
    lagging = [g for g, p in (mine.groups if mine else []) if p.pace is Pace.BEHIND]
    for group in lagging:
        for pid, line in lines.items():
            if pid == stored_id(partnership):
                continue
            for theirs, prog in line.groups:
                if theirs.key == group.key and prog.pace in AHEAD:
                    result.ahead.append((group, line.partnership.name, prog.pace is Pace.DONE))
    return result
