"""Programmes without Telegram: the programme policy, scoping, visit reminders, the lights' rules."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image
from sqlmodel import col, select, update

from bot import programme_chart
from bot.access import PROGRAMME_POLICY, ProgrammeAction, ProgrammeRole, Role, may
from bot.db import Database
from bot.models import (
    Delivery,
    DeliveryKind,
    EntryKind,
    LogEntry,
    Partnership,
    PlanPeriod,
    ProgrammeLinkKind,
    Target,
    TargetGroup,
    TrainedCount,
    TrainingSession,
    VisitKind,
)
from bot.programme_chart import Bar, ProgrammeLabels
from bot.services import (
    partners,
    partnerships,
    practices,
    programme_scope,
    programme_watch,
    programmes,
    visits,
    watch,
)
from bot.services.programme_overview import Light, Line, judge
from bot.services.programmes import ProgrammeError
from bot.timing import SendingRules
from scheduler.runner import Dispatcher
from tests.clocks import SetClock
from tests.recording import RecordingNotifier

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Warsaw
MANAGER, SUP1, SUP2 = 100, 201, 202
COORDS = {"Alfa": 301, "Beta": 302, "Gamma": 303}

# What each programme role may do, as the README's table says it.
EXPECTED = {
    ProgrammeAction.MANAGE: {ProgrammeRole.MANAGER},
    ProgrammeAction.OVERVIEW: {ProgrammeRole.MANAGER, ProgrammeRole.SUPERVISOR},
    ProgrammeAction.SHARE_PRACTICE: {ProgrammeRole.COORDINATOR},
    ProgrammeAction.VIEW_PRACTICES: {
        ProgrammeRole.MANAGER,
        ProgrammeRole.SUPERVISOR,
        ProgrammeRole.COORDINATOR,
    },
}


@pytest.mark.parametrize("action", list(ProgrammeAction))
@pytest.mark.parametrize("role", list(ProgrammeRole))
def test_programme_policy(action: ProgrammeAction, role: ProgrammeRole) -> None:
    assert may(action, {role}) is (role in EXPECTED[action])
    assert set(PROGRAMME_POLICY) == set(EXPECTED)


async def _programme(database: Database) -> dict[str, Partnership]:
    """Three partnerships in one programme; supervisor 1 has Alfa and Beta, supervisor 2 Gamma."""
    SetClock(NOW)
    async with database.transaction() as session:
        found: dict[str, Partnership] = {}
        for i, (name, coordinator) in enumerate(COORDS.items()):
            found[name] = (
                await partnerships.register(
                    session, chat_id=-900 - i, name=name, coordinator_user_id=coordinator,
                    coordinator_name=name + " C", timezone="Europe/Warsaw",
                )
            ).partnership  # fmt: skip
            await watch.start_routines(session, partnership=found[name], now=NOW, rules=SendingRules())
        programme = await programmes.create(
            session, name="e-Mocni", manager_user_id=MANAGER, manager_name="M"
        )
        for name, coordinator in COORDS.items():
            link = await programmes.create_link(
                session, programme=programme, kind=ProgrammeLinkKind.PARTNERSHIP, by_user_id=MANAGER
            )
            await programmes.join_partnership(
                session, token=link.token, partnership=found[name], user_id=coordinator
            )
            with pytest.raises(ProgrammeError):  # single use
                await programmes.join_partnership(
                    session, token=link.token, partnership=found[name], user_id=coordinator
                )
        for user_id in (SUP1, SUP2):
            link = await programmes.create_link(
                session, programme=programme, kind=ProgrammeLinkKind.SUPERVISOR, by_user_id=MANAGER
            )
            await programmes.join_as_supervisor(session, token=link.token, user_id=user_id, name=str(user_id))
        await programmes.assign(session, programme=programme, supervisor_no=1, partnership_nos=[1, 2])
        await programmes.assign(session, programme=programme, supervisor_no=2, partnership_nos=[3])
    return found


async def test_scope_each_sees_only_their_own(database: Database) -> None:
    found = await _programme(database)
    async with database.transaction() as session:
        seen = {
            who: {p.name for p in await programme_scope.overseen(session, user_id=who)}
            for who in (MANAGER, SUP1, SUP2, COORDS["Alfa"])
        }
        assert seen == {
            MANAGER: {"Alfa", "Beta", "Gamma"},
            SUP1: {"Alfa", "Beta"},
            SUP2: {"Gamma"},
            COORDS["Alfa"]: set(),
        }
        # Partnership commands: programme visibility is the supervisor role, and nothing more.
        assert await partners.roles_in(session, partnership=found["Gamma"], user_id=SUP2) == {Role.SUPERVISOR}
        assert await partners.roles_in(session, partnership=found["Gamma"], user_id=SUP1) == set()
        assert await partners.roles_in(session, partnership=found["Beta"], user_id=COORDS["Alfa"]) == set()
        assert {p.name for p in await partners.partnerships_of(session, user_id=COORDS["Alfa"])} == {"Alfa"}
        assert {p.name for p in await partners.partnerships_of(session, user_id=SUP1)} == {"Alfa", "Beta"}
        assert (await programme_scope.roles(session, user_id=COORDS["Beta"])).popitem()[1] == {
            ProgrammeRole.COORDINATOR
        }
        # Practices: a coordinator of another programme's partnership sees none of these.
        await practices.share(
            session, partnership=found["Alfa"], author_user_id=COORDS["Alfa"], author_name="A",
            text="Seniorzy przyszli po ogłoszeniu w parafii #Seniorzy #parafia",
        )  # fmt: skip
        ids = await practices.programme_ids_of(session, partnership_ids=[found["Gamma"].id or 0])
        assert [
            f.practice.tags for f in await practices.search(session, programme_ids=ids, query="OGLOSZENIU")
        ] == ["seniorzy seniors parafia"]
        assert await practices.search(session, programme_ids=[ids[0] + 1], query="") == []


async def test_visit_due_reminder_and_idle_alert_reach_the_supervisor(database: Database) -> None:
    found = await _programme(database)
    gamma = found["Gamma"]
    async with database.transaction() as session:
        await visits.set_every(session, partnership_id=gamma.id or 0, days=28)
    clock = SetClock(NOW + timedelta(days=29))  # Wednesday 23 December, a working day
    notifier = RecordingNotifier()
    dispatcher = Dispatcher(database, notifier, default_locale="en", clock=clock)
    async with database.transaction() as session:  # the daily watch is due now (it was queued a month ago)
        await (await session.connection()).execute(
            update(Delivery)
            .where(col(Delivery.kind) == "watch")
            .values(due_at=clock.now - timedelta(minutes=5))
        )
    await dispatcher.tick()
    await dispatcher.tick()  # the alerts the watch queued
    to_sup2 = [m.text for m in notifier.messages if m.chat_id == SUP2]
    assert any("A visit to “Gamma” is due: the last contact was 29 days ago" in t for t in to_sup2), to_sup2
    assert any("coordinator of “Gamma”" in t and "29 days" in t for t in to_sup2)
    assert not any("Gamma" in m.text for m in notifier.messages if m.chat_id == SUP1)
    async with database.transaction() as session:
        fresh = await session.get(Partnership, gamma.id)
        assert fresh is not None

        async def due_count(days: int) -> int:
            """Run the watch `days` after NOW and count the visit reminders queued so far."""
            await watch.watch(
                session, partnership=fresh, now=NOW + timedelta(days=days), rules=SendingRules()
            )
            rows = await session.exec(
                select(Delivery.id).where(Delivery.kind == DeliveryKind.VISIT_DUE.value)
            )
            return len(list(rows))

        assert await due_count(30) == 1  # the next day: still the same reminder, not a second one
        await visits.record(
            session, partnership_id=gamma.id or 0, kind=VisitKind.VISIT, held_on=date(2026, 12, 23), notes="",
            by_user_id=SUP2, by_name="S", today=date(2026, 12, 23),
        )  # fmt: skip
        assert await due_count(30) == 1  # visited: nothing due
        assert await due_count(29 + 28) == 2  # the rhythm ran out again: a new reminder


def test_lights_follow_the_thresholds() -> None:
    """Each rule alone: quiet partners, check-ins, tasks, idleness."""
    p = Partnership(id=1, name="X", chat_id=-1, coordinator_user_id=1)
    assert Line(p, active_partners=10, heard_partners=6).reasons == []
    assert [r.light for r in judge(Line(p, active_partners=10, heard_partners=5))] == [Light.AMBER]
    assert [r.light for r in judge(Line(p, active_partners=10, heard_partners=2))] == [Light.RED]
    assert [r.code for r in judge(Line(p, asked=10, answers=4))] == ["checkins"]
    assert judge(Line(p, asked=10, answers=5)) == []
    assert [r.light for r in judge(Line(p, overdue_tasks=1))] == [Light.AMBER]
    assert [r.light for r in judge(Line(p, overdue_tasks=3))] == [Light.RED]
    assert [r.light for r in judge(Line(p, idle_days=6))] == []
    assert [r.light for r in judge(Line(p, idle_days=7))] == [Light.AMBER]
    assert [r.light for r in judge(Line(p, idle_days=14))] == [Light.RED]
    assert [r.code for r in judge(Line(p, visit_overdue_days=1))] == ["visit"]


async def test_weekly_digest_tells_supervisors_what_turned_amber_or_red(database: Database) -> None:
    """Gamma's coordinator goes quiet: amber on day 7; the Monday digest tells its supervisor why."""
    found = await _programme(database)
    async with database.transaction() as session:
        for day in (6, 7):  # Monday 30 Nov: still green; Tuesday 1 Dec: silent 7 days, amber
            light = await programme_watch.track_light(
                session, partnership=found["Gamma"], now=NOW + timedelta(days=day)
            )
        assert light is Light.AMBER
        # Alfa's coordinator writes on day 12, so it is green on Monday (day 13).
        session.add(
            LogEntry(
                partnership_id=found["Alfa"].id or 0, kind=EntryKind.MESSAGE,
                occurred_at=NOW + timedelta(days=12), author_user_id=COORDS["Alfa"], author_name="A",
                text="hej",
            )
        )  # fmt: skip
        monday = NOW + timedelta(days=13)  # Monday 7 December, 10:00 in Warsaw
        for name in ("Alfa", "Gamma"):
            await watch.watch(session, partnership=found[name], now=monday, rules=SendingRules())
    notifier = RecordingNotifier()
    await Dispatcher(database, notifier, default_locale="en", clock=SetClock(monday)).tick()
    digests = [m for m in notifier.messages if "Your week" in m.text]
    assert {m.chat_id for m in digests} == {SUP2, MANAGER}  # SUP1's Alfa stayed green: no digest
    (to_sup2,) = [m.text for m in digests if m.chat_id == SUP2]
    assert "🟡 <b>Gamma</b>: coordinator silent for 13 days" in to_sup2
    assert "Alfa" not in to_sup2 and "Beta" not in to_sup2


def test_programme_chart_is_readable_at_forty_partnerships() -> None:
    """40 partnerships: one bar each, at least 30 pixels a row; a partnership without a plan is named."""
    bars = [Bar(f"Partnerstwo {i:02d}", trained=i * 3, expected=60.0, target=120) for i in range(40)]
    bars.append(Bar("Bez planu", trained=0, expected=0.0, target=0))
    labels = ProgrammeLabels("Title", "% of target", "expected", "No plan: ")
    picture = Image.open(io.BytesIO(programme_chart.render(bars, labels)))
    assert picture.format == "PNG"
    width, height = picture.size
    assert width == 1000 and height >= 40 * 30
    assert height <= 10_000 and height / width <= 20  # within what Telegram accepts for a photo


async def _seed(database: Database, pid: int, *, trained: int, today: date) -> None:
    """A 100-day period half gone, 100 seniors to train, and `trained` of them trained."""
    async with database.transaction() as session:
        period = PlanPeriod(
            partnership_id=pid,
            name="2026",
            starts_on=today - timedelta(days=49),
            ends_on=today + timedelta(days=50),
        )
        group = TargetGroup(partnership_id=pid, key="seniors")
        session.add_all([period, group])
        await session.flush()
        assert period.id and group.id
        training = TrainingSession(
            partnership_id=pid, starts_at=NOW - timedelta(days=3), topic="E-usługi", target_group_id=group.id,
            seats=200, registered=trained,
        )  # fmt: skip
        session.add_all([Target(period_id=period.id, target_group_id=group.id, count=100), training])
        await session.flush()
        assert training.id
        session.add(TrainedCount(session_id=training.id, target_group_id=group.id, trained=trained))


async def test_monthly_coordinators_digest_names_who_is_ahead(database: Database) -> None:
    """On the first of the month Alfa's coordinator learns the new practice and that Beta reached
    its seniors target where Alfa lags; Gamma, on track, is not named."""
    found = await _programme(database)
    first = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday 1 December, 10:00 in Warsaw
    today = date(2026, 12, 1)
    await _seed(database, found["Alfa"].id or 0, trained=10, today=today)
    await _seed(database, found["Beta"].id or 0, trained=100, today=today)
    await _seed(database, found["Gamma"].id or 0, trained=50, today=today)
    async with database.transaction() as session:
        await practices.share(
            session, partnership=found["Beta"], author_user_id=COORDS["Beta"], author_name="Bartek",
            text="Ogłoszenie w parafii po mszy przyciągnęło seniorów #seniorzy",
        )  # fmt: skip
        await watch.watch(session, partnership=found["Alfa"], now=first, rules=SendingRules())
        await watch.watch(
            session, partnership=found["Alfa"], now=first + timedelta(hours=1), rules=SendingRules()
        )
    notifier = RecordingNotifier()
    await Dispatcher(database, notifier, default_locale="en", clock=SetClock(first)).tick()
    (digest,) = [m for m in notifier.messages if "This month in your programme" in m.text]
    assert digest.chat_id == COORDS["Alfa"]
    assert "1 new practice shared" in digest.text and "Ogłoszenie w parafii" in digest.text
    assert "Beta reached their seniors target; ask them how." in digest.text
    assert "Gamma" not in digest.text
