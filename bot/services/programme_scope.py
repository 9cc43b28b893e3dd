"""What a person may see through a programme: the one place that resolves programme scope.

A programme's manager sees every partnership in it, a supervisor only the partnerships assigned
to them, a coordinator only their own (through the partnership's ordinary roles). Partnership
commands treat programme visibility as the supervisor role (see `bot.services.partners`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, union
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import ProgrammeRole
from bot.models import Partnership, Programme, ProgrammeMember, ProgrammeSupervisor, SupervisorAssignment


def visible_ids(user_id: int) -> Select[Any]:
    """A query of the partnership ids a person sees as manager or supervisor of a programme."""
    managed = (
        select(ProgrammeMember.partnership_id)
        .join(Programme, col(Programme.id) == col(ProgrammeMember.programme_id))
        .where(Programme.manager_user_id == user_id)
    )
    assigned = (
        select(SupervisorAssignment.partnership_id)
        .join(ProgrammeSupervisor, col(ProgrammeSupervisor.id) == col(SupervisorAssignment.supervisor_id))
        .where(ProgrammeSupervisor.user_id == user_id)
    )
    return select(union(managed, assigned).subquery().c[0])


async def sees(session: AsyncSession, *, user_id: int, partnership_id: int) -> bool:
    """Whether a person oversees a partnership through a programme."""
    found = await session.exec(
        select(Partnership.id).where(
            Partnership.id == partnership_id, col(Partnership.id).in_(visible_ids(user_id))
        )
    )
    return found.first() is not None


async def overseen(session: AsyncSession, *, user_id: int) -> list[Partnership]:
    """The partnerships a person oversees (manager or supervisor), by name."""
    result = await session.exec(
        select(Partnership)
        .where(col(Partnership.id).in_(visible_ids(user_id)), col(Partnership.deleted_at).is_(None))
        .order_by(col(Partnership.name), col(Partnership.id))
    )
    return list(result)


async def supervisors_of(session: AsyncSession, *, partnership_id: int) -> list[int]:
    """The user ids of the supervisors assigned to a partnership in its programme."""
    result = await session.exec(
        select(ProgrammeSupervisor.user_id)
        .join(SupervisorAssignment, col(SupervisorAssignment.supervisor_id) == col(ProgrammeSupervisor.id))
        .where(SupervisorAssignment.partnership_id == partnership_id)
    )
    return list(result)


async def programme_of(session: AsyncSession, *, partnership_id: int) -> Programme | None:
    """The programme a partnership belongs to, if any."""
    member = await session.get(ProgrammeMember, partnership_id)
    return None if member is None else await session.get(Programme, member.programme_id)


async def roles(session: AsyncSession, *, user_id: int) -> dict[int, set[ProgrammeRole]]:
    """A person's roles in each programme they take part in, by programme id."""
    found: dict[int, set[ProgrammeRole]] = {}
    for pid in await session.exec(select(Programme.id).where(Programme.manager_user_id == user_id)):
        found.setdefault(int(pid or 0), set()).add(ProgrammeRole.MANAGER)
    for pid in await session.exec(
        select(ProgrammeSupervisor.programme_id).where(ProgrammeSupervisor.user_id == user_id)
    ):
        found.setdefault(pid, set()).add(ProgrammeRole.SUPERVISOR)
    coordinated = await session.exec(
        select(ProgrammeMember.programme_id)
        .join(Partnership, col(Partnership.id) == col(ProgrammeMember.partnership_id))
        .where(Partnership.coordinator_user_id == user_id, col(Partnership.deleted_at).is_(None))
    )
    for pid in coordinated:
        found.setdefault(pid, set()).add(ProgrammeRole.COORDINATOR)
    return found
