"""Practices coordinators share with their programme: sharing, searching, thanking."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import stored_id
from bot.models import Partnership, Practice, PracticeThanks, ProgrammeMember, TargetGroupKey
from bot.services.programmes import ProgrammeError
from bot.text import fold, visible_text, without_controls

TEXT_MIN, TEXT_MAX = 10, 1000
SHOWN = 10
TAG = re.compile(r"#(\w+)")
# Words people use for the built-in target groups, folded, in Polish and English.
GROUP_WORDS: dict[str, TargetGroupKey] = {
    **dict.fromkeys(("senior", "seniors", "seniorzy", "seniorow", "seniorki"), TargetGroupKey.SENIORS),
    **dict.fromkeys(("unemployed", "bezrobotni", "bezrobotnych"), TargetGroupKey.UNEMPLOYED),
    **dict.fromkeys(("parents", "rodzice", "rodzicow"), TargetGroupKey.PARENTS),
    **dict.fromkeys(("disabled", "niepelnosprawni", "niepelnosprawnych"), TargetGroupKey.DISABLED),
    **dict.fromkeys(("farmers", "rolnicy", "rolnikow"), TargetGroupKey.FARMERS),
    **dict.fromkeys(("youth", "mlodziez", "mlodzi"), TargetGroupKey.YOUTH),
}


@dataclass(frozen=True)
class Found:
    """A practice and the partnership (municipality) it comes from."""

    practice: Practice
    partnership_name: str
    thanks: int


def tags_of(text: str) -> list[str]:
    """The #tags of a text, folded; a target group's word also gives the group's key."""
    tags: list[str] = []
    for raw in TAG.findall(text):
        tag = fold(raw)
        tags.append(tag)
        if tag in GROUP_WORDS:
            tags.append(GROUP_WORDS[tag].value)
    return list(dict.fromkeys(tags))


def _terms(query: str) -> list[str]:
    """Search words, folded; a target group's word searches for the group's key."""
    words = [w for w in re.split(r"[\s#,]+", fold(query)) if w]
    return [GROUP_WORDS[w].value if w in GROUP_WORDS else w for w in words]


async def programme_ids_of(session: AsyncSession, *, partnership_ids: list[int]) -> list[int]:
    """The programmes the given partnerships belong to."""
    if not partnership_ids:
        return []
    result = await session.exec(
        select(ProgrammeMember.programme_id).where(col(ProgrammeMember.partnership_id).in_(partnership_ids))
    )
    return sorted(set(result))


async def share(
    session: AsyncSession,
    *,
    partnership: Partnership,
    author_user_id: int,
    author_name: str,
    text: str,
    file_id: str | None = None,
    file_kind: str | None = None,
) -> Practice:
    """Publish a practice from a partnership of a programme to the whole programme."""
    member = await session.get(ProgrammeMember, stored_id(partnership))
    if member is None:
        raise ProgrammeError("not_in_programme")
    clean = visible_text(without_controls(text)).strip()
    if not TEXT_MIN <= len(clean) <= TEXT_MAX:
        raise ProgrammeError("practice_length")
    tags = tags_of(clean)
    practice = Practice(
        programme_id=member.programme_id,
        partnership_id=stored_id(partnership),
        author_user_id=author_user_id,
        author_name=author_name,
        text=clean,
        tags=" ".join(tags),
        folded=" ".join([fold(clean), *tags]),
        file_id=file_id,
        file_kind=file_kind,
    )
    session.add(practice)
    await session.flush()
    return practice


async def search(session: AsyncSession, *, programme_ids: list[int], query: str = "") -> list[Found]:
    """The programmes' practices matching every word (diacritics ignored), newest first."""
    if not programme_ids:
        return []
    sql = (
        select(Practice, Partnership.name)
        .join(Partnership, col(Partnership.id) == col(Practice.partnership_id))
        .where(col(Practice.programme_id).in_(programme_ids))
    )
    for term in _terms(query):
        sql = sql.where(col(Practice.folded).contains(term, autoescape=True))
    rows = list(
        await session.exec(
            sql.order_by(col(Practice.created_at).desc(), col(Practice.id).desc()).limit(SHOWN)
        )
    )
    counts = await _thanks(session, [stored_id(p) for p, _name in rows])
    return [Found(p, name, counts.get(stored_id(p), 0)) for p, name in rows]


async def for_group(
    session: AsyncSession, *, partnership_id: int, group_key: str, group_name: str, limit: int = 3
) -> list[Found]:
    """The newest practices of a partnership's programme tagged with a target group (none outside one)."""
    programme_ids = await programme_ids_of(session, partnership_ids=[partnership_id])
    # A built-in group is tagged by its key (#seniorzy gives "seniors"); a custom one by its name.
    tag = group_key if group_key in {k.value for k in GROUP_WORDS.values()} else fold(group_name)
    if not programme_ids or not tag or " " in tag:
        return []
    found = await search(session, programme_ids=programme_ids, query=tag)
    return [f for f in found if tag in f.practice.tags.split()][:limit]


async def _thanks(session: AsyncSession, ids: list[int]) -> dict[int, int]:
    """How many people thanked each practice."""
    counts: dict[int, int] = {}
    if ids:
        for row in await session.exec(
            select(PracticeThanks.practice_id).where(col(PracticeThanks.practice_id).in_(ids))
        ):
            counts[row] = counts.get(row, 0) + 1
    return counts


async def practice_in(
    session: AsyncSession, *, practice_id: int, programme_ids: list[int]
) -> Practice | None:
    """A practice of one of these programmes (never another programme's)."""
    practice = await session.get(Practice, practice_id)
    return practice if practice is not None and practice.programme_id in programme_ids else None


async def thank(session: AsyncSession, *, practice: Practice, user_id: int) -> bool:
    """Record one person's thanks; False when they had thanked already (or it is their own)."""
    if practice.author_user_id == user_id:
        return False
    if await session.get(PracticeThanks, (stored_id(practice), user_id)) is not None:
        return False
    # Presses by one person come through their chat's lane one at a time: no race to guard.
    session.add(PracticeThanks(practice_id=stored_id(practice), user_id=user_id))
    await session.flush()
    return True
