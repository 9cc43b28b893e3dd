"""Programmes of partnerships: creating one, invitation links, supervisors and their partnerships."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import ProgrammeRole
from bot.db import as_utc, stored_id, utcnow
from bot.models import (
    Partnership,
    Programme,
    ProgrammeInvitation,
    ProgrammeLinkKind,
    ProgrammeMember,
    ProgrammeSupervisor,
    SupervisorAssignment,
)
from bot.services import programme_scope
from bot.text import visible_text, without_controls

LINK_PREFIX = "pg_"  # /start pg_<token>: a programme's link, not a partnership's invitation
LINK_DAYS = 30
NAME_MIN, NAME_MAX = 2, 120


class ProgrammeError(Exception):
    """A programme change refused; `code` says why (the handler words it)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class ProgrammeView:
    """A programme with its partnerships and supervisors (with what each supervises)."""

    programme: Programme
    partnerships: list[Partnership]
    supervisors: list[tuple[ProgrammeSupervisor, list[int]]]


def clean_name(text: str) -> str:
    """A programme's name as typed, checked."""
    name = visible_text(without_controls(text)).strip()
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise ProgrammeError("name_length")
    return name


async def create(session: AsyncSession, *, name: str, manager_user_id: int, manager_name: str) -> Programme:
    """A new programme run by the person who asked for it."""
    programme = Programme(name=clean_name(name), manager_user_id=manager_user_id, manager_name=manager_name)
    session.add(programme)
    await session.flush()
    return programme


async def managed_by(session: AsyncSession, *, user_id: int) -> list[Programme]:
    """The programmes a person manages, oldest first."""
    result = await session.exec(
        select(Programme).where(Programme.manager_user_id == user_id).order_by(col(Programme.id))
    )
    return list(result)


async def with_role(session: AsyncSession, *, user_id: int, role: ProgrammeRole) -> list[Programme]:
    """The programmes where a person holds a role."""
    ids = [
        pid for pid, held in (await programme_scope.roles(session, user_id=user_id)).items() if role in held
    ]
    if not ids:
        return []
    return list(
        await session.exec(select(Programme).where(col(Programme.id).in_(ids)).order_by(col(Programme.id)))
    )


async def create_link(
    session: AsyncSession, *, programme: Programme, kind: ProgrammeLinkKind, by_user_id: int
) -> ProgrammeInvitation:
    """A single-use link for a partnership to join, or for a supervisor to come in."""
    link = ProgrammeInvitation(
        token=secrets.token_urlsafe(18),
        programme_id=stored_id(programme),
        kind=kind,
        created_by_user_id=by_user_id,
        expires_at=utcnow() + timedelta(days=LINK_DAYS),
    )
    session.add(link)
    await session.flush()
    return link


async def open_link(session: AsyncSession, *, token: str) -> tuple[ProgrammeInvitation, Programme]:
    """A link that can still be used, with its programme; else ProgrammeError."""
    link = (await session.exec(select(ProgrammeInvitation).where(ProgrammeInvitation.token == token))).first()
    if link is None:
        raise ProgrammeError("link_unknown")
    if link.used_at is not None:
        raise ProgrammeError("link_used")
    if as_utc(link.expires_at) <= utcnow():
        raise ProgrammeError("link_expired")
    programme = await session.get(Programme, link.programme_id)
    if programme is None:
        raise ProgrammeError("link_unknown")
    return link, programme


async def join_as_supervisor(session: AsyncSession, *, token: str, user_id: int, name: str) -> Programme:
    """Use a supervisor link: the opener becomes a supervisor of the programme."""
    link, programme = await open_link(session, token=token)
    if link.kind is not ProgrammeLinkKind.SUPERVISOR:
        raise ProgrammeError("link_unknown")
    existing = (
        await session.exec(
            select(ProgrammeSupervisor).where(
                ProgrammeSupervisor.programme_id == link.programme_id, ProgrammeSupervisor.user_id == user_id
            )
        )
    ).first()
    if existing is None:
        session.add(ProgrammeSupervisor(programme_id=link.programme_id, user_id=user_id, name=name))
    _use(link, user_id)
    await session.flush()
    return programme


async def join_partnership(
    session: AsyncSession, *, token: str, partnership: Partnership, user_id: int
) -> Programme:
    """Use a partnership link: the coordinator brings their partnership into the programme."""
    link, programme = await open_link(session, token=token)
    if link.kind is not ProgrammeLinkKind.PARTNERSHIP:
        raise ProgrammeError("link_unknown")
    if partnership.coordinator_user_id != user_id:
        raise ProgrammeError("not_coordinator")
    if await session.get(ProgrammeMember, stored_id(partnership)) is not None:
        raise ProgrammeError("already_member")
    session.add(ProgrammeMember(partnership_id=stored_id(partnership), programme_id=link.programme_id))
    _use(link, user_id)
    await session.flush()
    return programme


def _use(link: ProgrammeInvitation, user_id: int) -> None:
    """Mark a link used (single use)."""
    link.used_at = utcnow()
    link.used_by_user_id = user_id


async def view(session: AsyncSession, *, programme: Programme) -> ProgrammeView:
    """The programme's partnerships (by name) and supervisors (by joining), with assignments."""
    pid = stored_id(programme)
    members = await session.exec(
        select(Partnership)
        .join(ProgrammeMember, col(ProgrammeMember.partnership_id) == col(Partnership.id))
        .where(ProgrammeMember.programme_id == pid, col(Partnership.deleted_at).is_(None))
        .order_by(col(Partnership.name), col(Partnership.id))
    )
    supervisors = list(
        await session.exec(
            select(ProgrammeSupervisor)
            .where(ProgrammeSupervisor.programme_id == pid)
            .order_by(col(ProgrammeSupervisor.id))
        )
    )
    assigned: dict[int, list[int]] = {stored_id(s): [] for s in supervisors}
    if supervisors:
        rows = await session.exec(
            select(SupervisorAssignment).where(col(SupervisorAssignment.supervisor_id).in_(list(assigned)))
        )
        for row in rows:
            assigned[row.supervisor_id].append(row.partnership_id)
    return ProgrammeView(programme, list(members), [(s, assigned[stored_id(s)]) for s in supervisors])


async def assign(
    session: AsyncSession, *, programme: Programme, supervisor_no: int, partnership_nos: list[int]
) -> tuple[ProgrammeSupervisor, list[Partnership]]:
    """Set which partnerships a supervisor looks after, by their numbers in the programme's list."""
    current = await view(session, programme=programme)
    if not 1 <= supervisor_no <= len(current.supervisors):
        raise ProgrammeError("no_such_supervisor")
    if any(not 1 <= n <= len(current.partnerships) for n in partnership_nos):
        raise ProgrammeError("no_such_partnership")
    supervisor = current.supervisors[supervisor_no - 1][0]
    chosen = [current.partnerships[n - 1] for n in dict.fromkeys(partnership_nos)]
    await session.exec(
        delete(SupervisorAssignment).where(col(SupervisorAssignment.supervisor_id) == stored_id(supervisor))
    )
    for partnership in chosen:
        session.add(
            SupervisorAssignment(supervisor_id=stored_id(supervisor), partnership_id=stored_id(partnership))
        )
    await session.flush()
    return supervisor, chosen
