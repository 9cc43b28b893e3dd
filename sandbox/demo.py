"""`--demo`: the partnership of Czarne, as the e-Mocni report tells it, ready to look at.

The group is made the way a coordinator makes it: the bot is added and `/setup` is typed, over
the local Bot API. The registry, the plan and the schedule are then written through the bot's
own services (bot/services) on the sandbox's database, and a month of group talk is sent as
messages with their past dates, so the communication log, /status, /chart and /export have
something to show at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import clock
from bot.models import (
    AppointedRole,
    Channel,
    Partner,
    PartnerKind,
    Partnership,
    PartnerStatus,
    ResourceKind,
    Stage,
)
from bot.runtime import services_of
from bot.services import log, partnerships, plan, registry, scheduling
from bot.services.people import PersonInfo
from bot.timing import Recurrence, RecurrenceSpec, SendingRules
from sandbox.world import GROUP_ID, Person

if TYPE_CHECKING:
    from sandbox.run import Sandbox

WARSAW = ZoneInfo("Europe/Warsaw")
NAME = "Partnerstwo Czarne"
SET_UP_AGO = timedelta(days=35)
# (name, kind, status, representative's role index in the cast or None, resources)
PARTNERS: list[
    tuple[str, PartnerKind, PartnerStatus, int | None, list[tuple[ResourceKind, str, int | None]]]
] = [
    (
        "Centrum Kultury w Czarnem",
        PartnerKind.CULTURE_CENTRE,
        PartnerStatus.ACTIVE,
        0,
        [
            (ResourceKind.ROOM, "Świetlice wiejskie (9 wsi)", 12),
            (ResourceKind.TRAINER, "Dwie trenerki", None),
        ],
    ),
    (
        "Biblioteka Publiczna w Czarnem",
        PartnerKind.LIBRARY,
        PartnerStatus.ACTIVE,
        1,
        [(ResourceKind.COMPUTER_LAB, "Pracownia komputerowa", 10)],
    ),
    (
        "GOPS w Czarnem",
        PartnerKind.SOCIAL_WELFARE,
        PartnerStatus.ACTIVE,
        2,
        [(ResourceKind.NOTICE_BOARD, "Tablica ogłoszeń w ośrodku", None)],
    ),
    (
        "Stowarzyszenie „Razem dla Czarnego”",
        PartnerKind.NGO,
        PartnerStatus.JOINED,
        3,
        [(ResourceKind.FACEBOOK, "Profil stowarzyszenia", None)],
    ),
    (
        "Parafia pw. św. Józefa",
        PartnerKind.PARISH,
        PartnerStatus.JOINED,
        None,
        [(ResourceKind.PARISH_ANNOUNCEMENTS, "Ogłoszenia parafialne", None)],
    ),
    ("Bank Żywności – punkt w Czarnem", PartnerKind.OTHER, PartnerStatus.INVITED, None, []),
]
# Contacts outside the group that the coordinator recorded with /log: (days ago, channel, what).
CONTACTS: list[tuple[int, Channel, str]] = [
    (25, Channel.PHONE, "Rozmowa z proboszczem: ogłoszenie o kursie w niedzielę."),
    (18, Channel.MEETING, "Spotkanie z sołtysami: świetlice w 9 wsiach dostępne we wtorki."),
    (8, Channel.EMAIL, "Bank Żywności: prośba o wyłożenie ulotek przy wydawaniu paczek."),
]
# A month of the group's talk: (days ago, who in the cast, text).
TALK: list[tuple[int, int, str]] = [
    (30, 0, "Dzień dobry! Ruszamy z nowym cyklem szkoleń dla seniorów. Zapisy do piątku."),
    (30, 1, "Biblioteka udostępni pracownię we wtorki i czwartki od 10:00."),
    (29, 2, "W GOPS wywiesimy plakat, rozdamy też ulotki przy wypłatach świadczeń."),
    (27, 3, "We'll post about it on our Facebook page this evening."),
    (26, 0, "Dziękuję! Na razie 7 zapisanych osób, potrzebujemy jeszcze 5."),
    (24, 1, "Dwie panie zapisały się u nas w bibliotece."),
    (22, 0, "Przypominam: w sobotę Dni Seniora – będziemy mieli stoisko z zapisami."),
    (21, 2, "Będę na stoisku od 11 do 13."),
    (20, 0, "Po Dniach Seniora mamy komplet: 12 osób. Świetnie!"),
    (17, 3, "Could someone share the photos from Senior Days? I'd like to post them."),
    (16, 0, "Zdjęcia wysłane mailem. Pierwsze zajęcia w świetlicy w Wyczechach poszły bardzo dobrze."),
    (13, 1, "W czwartek w pracowni zabrakło jednego laptopa, już naprawione."),
    (10, 0, "Kolejna grupa: rodzice i e-dziennik. Prośba o promocję w szkołach i parafii."),
    (9, 2, "Rozmawiałam z pedagogiem szkolnym – przekaże informację rodzicom."),
    (
        6,
        0,
        "Mamy 9 zapisanych rodziców. Spotkanie partnerstwa w przyszłym miesiącu – jakie terminy?",
    ),
    (5, 1, "Biblioteka pasuje każdy wtorek po 15:00."),
    (3, 3, "Tuesday works for us too."),
    (1, 0, "Dziękuję wszystkim! W poniedziałek bot zapyta, jak idzie rekrutacja."),
]


async def seed(box: Sandbox) -> None:
    """Preload the Czarne partnership into a freshly started sandbox."""
    cast = [p for p in box.world.people.values() if p.role in ("coordinator", "representative")]
    coordinator = cast[0]
    assert box.app is not None
    db = services_of(box.app.bot_data).db
    box.clock.offset -= SET_UP_AGO  # the group was set up, and its partners joined, a while ago
    try:
        await _group_with_bot(box, coordinator)
        async with db.transaction() as session:
            partnership = await partnerships.by_chat(session, chat_id=GROUP_ID)
            assert partnership is not None
            partners = await _registry(session, partnership, cast, box.world.people)
    finally:
        box.clock.offset += SET_UP_AGO
    async with db.transaction() as session:
        partnership = await session.get(Partnership, partnership.id)
        assert partnership is not None
        await _plan(session, partnership, partners, coordinator)
        for days_ago, channel, text in CONTACTS:
            await log.record_contact(
                session,
                partnership_id=partnership.id,  # type: ignore[arg-type]
                contact=log.ContactCommand(channel=channel, text=text),
                author_user_id=coordinator.id,
                author_name=coordinator.name,
                at=clock.now() - timedelta(days=days_ago),
            )
        await scheduling.add_schedule(
            session,
            partnership=partnership,
            spec=RecurrenceSpec(kind=Recurrence.WEEKLY, at=time(9, 0), weekday=0),
            question="Jak idzie rekrutacja w tym tygodniu? Czego potrzebujecie?",
            by_user_id=coordinator.id,
            now=clock.now(),
            rules=SendingRules(),
        )
    await _talk(box, cast)


async def _group_with_bot(box: Sandbox, coordinator: Person) -> None:
    """Add the bot as an administrator and register the group with /setup, as a coordinator would."""
    world = box.world
    await box.telegram.await_confirmed(world.bot_membership(coordinator.id, "administrator"), timeout=30)
    await box.telegram.await_confirmed(world.say(coordinator.id, GROUP_ID, f"/setup {NAME}"), timeout=30)
    await box.telegram.await_for(
        "sendMessage", lambda c: c.chat_id == GROUP_ID and NAME in str(c.params.get("text")), timeout=30
    )


async def _registry(
    session: AsyncSession, partnership: Partnership, cast: list[Person], people: dict[int, Person]
) -> list[Partner]:
    """Partners with their representatives and resources, the leader, the stage, the supervisor."""
    partners = []
    for name, kind, status, rep, resources in PARTNERS:
        partner = await registry.add_partner(
            session, partnership=partnership, name=name, kind=kind, status=status, by_user_id=cast[0].id
        )
        if rep is not None and rep < len(cast):
            who = cast[rep]
            await registry.add_representative(
                session, partner=partner, person=PersonInfo(who.id, who.first_name, who.last_name)
            )
        for resource_kind, description, seats in resources:
            await registry.add_resource(
                session, partner=partner, kind=resource_kind, description=description, seats=seats
            )
        partners.append(partner)
    await registry.set_leader(session, partnership=partnership, partner=partners[0])
    await registry.set_stage(session, partnership=partnership, stage=Stage.OPERATING)
    for person in people.values():
        if person.role == "supervisor":
            info = PersonInfo(person.id, person.first_name, person.last_name)
            await registry.appoint(
                session, partnership=partnership, person=info, role=AppointedRole.SUPERVISOR
            )
    return partners


async def _plan(
    session: AsyncSession, partnership: Partnership, partners: list[Partner], who: Person
) -> None:
    """Three plan years with targets, past sessions with their outcomes, and two to come."""
    assert partnership.id is not None
    now = clock.now()
    groups = {g.key: g for g in await plan.target_groups(session, partnership_id=partnership.id)}
    seniors, parents, unemployed = groups["seniors"], groups["parents"], groups["unemployed"]
    start = (now - timedelta(days=120)).astimezone(WARSAW).date()
    for year in range(3):
        first = start.replace(year=start.year + year)
        period = await plan.add_period(
            session,
            partnership_id=partnership.id,
            name=f"Rok {year + 1}",
            starts_on=first,
            ends_on=first.replace(year=first.year + 1) - timedelta(days=1),
        )
        for group, count in ((seniors, 60), (parents, 30), (unemployed, 20)):
            await plan.set_target(
                session, period=period, group=group, count=count + 10 * year, by_user_id=who.id
            )
    resources = {
        r.kind: r for r, _partner in await registry.resources_of(session, partnership_id=partnership.id)
    }
    lab, hall = resources.get(ResourceKind.COMPUTER_LAB), resources.get(ResourceKind.ROOM)
    for days_ago, key, room, (registered, trained, disabled, sources) in _SESSIONS:
        starts = _at(now - timedelta(days=days_ago), 10)
        training = await plan.add_session(
            session,
            partnership_id=partnership.id,
            starts_at=starts,
            topic=_TOPICS[key],
            group=groups[key],
            seats=10,
            resource=lab if room == "lab" else hall,
            trainer="Katarzyna Lis",
            local_day=starts.astimezone(WARSAW).date(),
        )
        if days_ago > 0:
            by_partner = {partners[i].id: n for i, n in sources.items()}
            trained_by_group = {int(groups[key].id or 0): trained}
            outcome = plan.Outcome(registered, trained_by_group, disabled, by_partner)
            await plan.record_outcome(session, training=training, outcome=outcome)


def _at(moment: datetime, hour: int) -> datetime:
    """That day at `hour` o'clock in Warsaw, in UTC."""
    local = moment.astimezone(WARSAW).replace(hour=hour, minute=0, second=0, microsecond=0)
    return local.astimezone(UTC)


_TOPICS = {
    "seniors": "Smartfon na co dzień: zdrowie i e-recepta",
    "parents": "E-dziennik bez tajemnic",
    "unemployed": "Szukanie pracy w internecie",
}
# days ago (negative: to come), group, room, (registered, trained, with disability, {partner: recruited})
_SESSIONS: list[tuple[int, str, str, tuple[int, int, int, dict[int, int]]]] = [
    (56, "seniors", "hall", (11, 10, 1, {0: 5, 4: 3, 2: 2})),
    (42, "seniors", "lab", (10, 9, 0, {1: 6, 0: 3})),
    (28, "unemployed", "lab", (8, 6, 0, {2: 6, 1: 1})),
    (14, "seniors", "hall", (12, 10, 2, {0: 6, 4: 4, 3: 2})),
    (7, "parents", "lab", (9, 8, 0, {1: 3, 3: 4, 2: 1})),
    (-7, "parents", "lab", (0, 0, 0, {})),
    (-21, "seniors", "hall", (0, 0, 0, {})),
]


async def _talk(box: Sandbox, cast: list[Person]) -> None:
    """A month of the group's messages, sent with their past dates (the bot logs each)."""
    now = clock.now()
    last = 0
    for days_ago, who, text in TALK:
        if who >= len(cast):
            continue
        moment = _at(now - timedelta(days=days_ago), 9 + who * 2)
        last = box.world.say(cast[who].id, GROUP_ID, text, date=int(moment.timestamp()))
    if last:
        await box.telegram.await_confirmed(last, timeout=60)
