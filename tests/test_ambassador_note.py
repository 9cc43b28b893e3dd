"""The ambassador's monthly note: on the 1st, privately, in their language, once a month."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.db import Database
from bot.models import (
    AppointedRole,
    Delivery,
    DeliveryKind,
    PartnerKind,
    Partnership,
    PartnerStatus,
    Person,
    RecruitmentSource,
    ResourceKind,
    TrainedCount,
    TrainingSession,
)
from bot.services import partnerships, plan, registry, watch
from bot.services.people import PersonInfo
from bot.timing import SendingRules
from scheduler.runner import Dispatcher
from tests.clocks import SetClock
from tests.recording import RecordingNotifier

pytestmark = pytest.mark.calendar

FIRST = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday 1 December, 10:00 in Warsaw
AMBASSADOR = 88


async def _partnership(db: Database, *, chat_id: int, name: str) -> Partnership:
    """A partnership with a 2026 plan period and nothing else."""
    async with db.transaction() as session:
        p = (
            await partnerships.register(
                session, chat_id=chat_id, name=name, coordinator_user_id=1, coordinator_name="Anna",
                timezone="Europe/Warsaw",
            )
        ).partnership  # fmt: skip
        await plan.add_period(
            session,
            partnership_id=p.id or 0,
            name="2026",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
        )
    return p


async def _with_ambassador(db: Database) -> Partnership:
    """Library (room, trainer), fire brigade (recruits), KGW (nothing yet), a withdrawn club; three
    sessions held (one in October, two in November), one planned; a Polish-speaking ambassador."""
    p = await _partnership(db, chat_id=-901, name="Partnerstwo Radlin")
    async with db.transaction() as session:
        made = {
            name: await registry.add_partner(
                session, partnership=p, name=name, kind=kind, status=status, by_user_id=1
            )
            for name, kind, status in [
                ("Biblioteka", PartnerKind.LIBRARY, PartnerStatus.ACTIVE),
                ("OSP Radlin", PartnerKind.FIRE_BRIGADE, PartnerStatus.ACTIVE),
                ("KGW Radlin", PartnerKind.RURAL_WOMENS_CIRCLE, PartnerStatus.JOINED),
                ("Klub Sportowy", PartnerKind.NGO, PartnerStatus.WITHDRAWN),
            ]
        }
        room = await registry.add_resource(
            session, partner=made["Biblioteka"], kind=ResourceKind.ROOM, description="sala", seats=20
        )
        await registry.add_resource(
            session, partner=made["Biblioteka"], kind=ResourceKind.TRAINER, description="pani Ewa"
        )
        group = next(iter(await plan.target_groups(session, partnership_id=p.id or 0)))
        for when, trained, recruited in [
            (datetime(2026, 10, 15, 15, tzinfo=UTC), 7, 0),
            (datetime(2026, 11, 10, 15, tzinfo=UTC), 5, 3),
            (datetime(2026, 11, 20, 15, tzinfo=UTC), 4, 0),
            (datetime(2026, 12, 3, 15, tzinfo=UTC), 9, 0),  # planned, not held yet
        ]:
            training = TrainingSession(
                partnership_id=p.id or 0, starts_at=when, topic="E-usługi", target_group_id=group.id or 0,
                seats=20, registered=trained, resource_id=room.id,
            )  # fmt: skip
            session.add(training)
            await session.flush()
            assert training.id is not None
            session.add(TrainedCount(session_id=training.id, target_group_id=group.id or 0, trained=trained))
            if recruited:
                session.add(
                    RecruitmentSource(
                        session_id=training.id, partner_id=made["OSP Radlin"].id, count=recruited
                    )
                )
        await registry.appoint(
            session, partnership=p, person=PersonInfo(AMBASSADOR, "Wójt"), role=AppointedRole.AMBASSADOR
        )
        person = await session.get(Person, AMBASSADOR) or Person(user_id=AMBASSADOR, first_name="Wójt")
        person.locale = "pl"
        session.add(person)
    return p


async def _run(db: Database, partnerships_: list[Partnership], now: datetime) -> RecordingNotifier:
    """The daily watch of every partnership at `now`, then one dispatcher tick."""
    SetClock(now)
    async with db.transaction() as session:
        for p in partnerships_:
            await watch.watch(session, partnership=p, now=now, rules=SendingRules())
    notifier = RecordingNotifier()
    await Dispatcher(db, notifier, default_locale="en", clock=SetClock(now)).tick()
    return notifier


async def test_ambassador_gets_the_note_on_the_first_in_their_language_once(database: Database) -> None:
    """On 1 December the ambassador privately gets November's and the period's numbers in Polish,
    every active partner by name with its share, and a sentence to say; a second look that day and
    the next days send nothing more; the next month's 1st brings a new note."""
    p = await _with_ambassador(database)
    before = await _run(database, [p], FIRST - timedelta(days=1))
    assert not [m for m in before.messages if m.chat_id == AMBASSADOR]
    first = await _run(database, [p], FIRST)
    (note,) = [m.text for m in first.messages if m.chat_id == AMBASSADOR]
    assert "<b>Partnerstwo Radlin</b>: notatka dla ambasadora" in note
    assert "W ubiegłym miesiącu (od 1.11.2026): przeszkoleni mieszkańcy: 9, szkolenia: 2." in note
    assert "Łącznie (2026: " in note and "przeszkoleni mieszkańcy: 16, szkolenia: 3." in note
    assert "• Biblioteka: 1 użyczona sala · 3 szkolenia u siebie · 1 trener" in note
    assert "• KGW Radlin: partner partnerstwa – dziękujemy za udział" in note
    assert "• OSP Radlin: 3 zrekrutowanych uczestników" in note
    assert "Klub Sportowy" not in note
    assert (
        "<b>Możesz powiedzieć:</b> Dzięki współpracy 3 lokalnych organizacji 16 mieszkańców naszej gminy "
        "nauczyło się umiejętności cyfrowych w partnerstwie „Partnerstwo Radlin”." in note
    )
    again = await _run(database, [p], FIRST + timedelta(hours=2))
    later = await _run(database, [p], FIRST + timedelta(days=1))
    assert not [m for m in [*again.messages, *later.messages] if m.chat_id == AMBASSADOR]
    february = await _run(database, [p], datetime(2027, 2, 1, 9, 0, tzinfo=UTC))  # a Monday
    (next_note,) = [m.text for m in february.messages if m.chat_id == AMBASSADOR]
    assert "W ubiegłym miesiącu (od 1.01.2027): przeszkoleni mieszkańcy: 0, szkolenia: 0." in next_note
    assert "przeszkoleni mieszkańcy: 25, szkolenia: 4." in next_note  # December's session, now held
    async with database.transaction() as session:
        rows = await session.exec(select(Delivery).where(Delivery.kind == DeliveryKind.AMBASSADOR_NOTE))
        assert len(list(rows)) == 2


async def test_partnership_without_an_ambassador_gets_no_note(database: Database) -> None:
    """A partnership with no ambassador queues and sends no note on the 1st."""
    with_one = await _with_ambassador(database)
    without = await _partnership(database, chat_id=-902, name="Partnerstwo Bez Ambasadora")
    sent = await _run(database, [with_one, without], FIRST)
    assert [m.chat_id for m in sent.messages if "notatka dla ambasadora" in m.text] == [AMBASSADOR]
    async with database.transaction() as session:
        rows = await session.exec(
            select(Delivery).where(
                Delivery.kind == DeliveryKind.AMBASSADOR_NOTE, col(Delivery.partnership_id) == without.id
            )
        )
        assert list(rows) == []
