"""End to end: a programme of three partnerships, two supervisors, the overview's lights, visits."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.clock import ManualClock
from bot.db import Database
from bot.models import (
    Delivery,
    DeliveryKind,
    PartnerKind,
    Partnership,
    PartnerStatus,
    PlanPeriod,
    Target,
    TargetGroup,
    Task,
    TrainedCount,
    TrainingSession,
)
from bot.services import registry
from tests.e2e_fixtures import register_group
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest

MANAGER = tg.user(7001, "Maria", last_name="Menedżer", language_code="en")
SUP1 = tg.user(7002, "Stefan", last_name="Sosna", language_code="pl")
SUP2 = tg.user(7003, "Sue", last_name="Smith", language_code="en")
COORDS = {
    "Alfa": tg.user(7011, "Alicja", language_code="pl"),
    "Beta": tg.user(7012, "Bartek", language_code="pl"),
    "Gamma": tg.user(7013, "Grace", language_code="en"),
}
WARSAW = ZoneInfo("Europe/Warsaw")
GROUPS = {"Alfa": -100_700_001, "Beta": -100_700_002, "Gamma": -100_700_003}


async def say(bot: BotUnderTest, who: dict[str, Any], text: str, chat: dict[str, Any] | None = None) -> str:
    """Send a message (privately by default) and return the bot's latest text there."""
    chat = chat or tg.private_chat(who)
    await bot.deliver(tg.message(chat, who, text))
    texts = bot.fake.sent_texts(chat["id"])
    return texts[-1] if texts else ""


async def press(bot: BotUnderTest, who: dict[str, Any], data: str) -> str:
    """Press a button (real or forged) on the bot's latest private message to `who`."""
    await bot.deliver(tg.callback_query(who, bot.fake.last_message(who["id"]), data))
    return bot.fake.sent_texts(who["id"])[-1]


def buttons(bot: BotUnderTest, chat_id: int) -> list[tuple[str, str]]:
    """The inline buttons of the bot's latest message in a chat."""
    markup = bot.fake.last_message(chat_id).get("reply_markup", {})
    return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]


def token_of(text: str) -> str:
    """The start parameter of a deep link in a text."""
    match = re.search(r"start=([A-Za-z0-9_-]+)", text)
    assert match, text
    return match.group(1)


async def ids(database: Database) -> dict[str, int]:
    """Partnership ids by name."""
    async with database.transaction() as session:
        return {p.name: p.id or 0 for p in await session.exec(select(Partnership))}


def local_today(clock: ManualClock) -> date:
    """Today in Warsaw, by the bot's clock."""
    return clock.now().astimezone(WARSAW).date()


async def seed_training(database: Database, clock: ManualClock, pid: int, *, trained: int) -> None:
    """A 100-day period half gone, 100 seniors to train, and `trained` of them trained."""
    today = local_today(clock)
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
            partnership_id=pid,
            starts_at=clock.now() - timedelta(days=3),
            topic="Bankowość",
            target_group_id=group.id,
            seats=200,
            registered=trained,
        )
        session.add_all([Target(period_id=period.id, target_group_id=group.id, count=100), training])
        await session.flush()
        assert training.id
        session.add(TrainedCount(session_id=training.id, target_group_id=group.id, trained=trained))


async def build_programme(bot: BotUnderTest, database: Database, clock: ManualClock) -> dict[str, int]:
    """The manager's programme: three partnerships joined by their coordinators, two supervisors."""
    for name, coordinator in COORDS.items():
        await register_group(bot, tg.supergroup(GROUPS[name], name), name=name, coordinator=coordinator)
    assert "e-Mocni" in await say(bot, MANAGER, "/programme new e-Mocni")
    for name, coordinator in COORDS.items():
        token = token_of(await say(bot, MANAGER, "/programme link"))
        await say(bot, coordinator, f"/start {token}")
        ((_label, data),) = buttons(bot, coordinator["id"])
        assert name in await press(bot, coordinator, data)
        assert "pg_" in token
        reused = await say(bot, coordinator, f"/start {token}")
        assert ("already been used" if coordinator["language_code"] == "en" else "został już użyty") in reused
    for supervisor in (SUP1, SUP2):
        token = token_of(await say(bot, MANAGER, "/programme supervisor"))
        await say(bot, supervisor, f"/start {token}")
    listing = await say(bot, MANAGER, "/programme")
    assert "1. Alfa" in listing and "3. Gamma" in listing and "2. Sue Smith" in listing
    assert "Alfa, Beta" in await say(bot, MANAGER, "/programme assign 1 1 2")
    assert "Gamma" in await say(bot, MANAGER, "/programme assign 2 3")
    clock.advance(timedelta(days=20))
    found = await ids(database)
    await seed_training(database, clock, found["Alfa"], trained=50)  # on track
    await seed_training(database, clock, found["Beta"], trained=40)  # behind, not by half: amber
    await seed_training(database, clock, found["Gamma"], trained=50)  # on track, but its coordinator is idle
    for name in ("Alfa", "Beta"):  # Gamma's coordinator says nothing for 20 days: red
        await say(bot, COORDS[name], "Dzień dobry!", tg.supergroup(GROUPS[name], name))
    return found


@pytest.mark.calendar
async def test_each_supervisor_sees_only_their_partnerships_worst_first(
    running_bot: BotUnderTest, database: Database, clock: ManualClock
) -> None:
    """Lights from the data: Alfa green, Beta amber (behind), Gamma red (idle); scoped per person."""
    bot = running_bot
    found = await build_programme(bot, database, clock)
    mine = await say(bot, SUP1, "/overview")  # Polish
    assert "Gamma" not in mine
    assert mine.index("🟡 <b>Beta") < mine.index("🟢 <b>Alfa"), mine
    assert "seniorzy: 40 przeszkolonych" in mine.replace("Seniorzy", "seniorzy"), mine
    assert "według planu" in mine or "zielone" in mine  # the legend, in Polish
    theirs = await say(bot, SUP2, "/overview")  # English
    assert "🔴 <b>Gamma</b>: coordinator silent for 20 days" in theirs, theirs
    assert "Alfa" not in theirs and "Beta" not in theirs
    everything = await say(bot, MANAGER, "/overview")
    assert everything.index("Gamma") < everything.index("Beta") < everything.index("Alfa")
    assert "1 🔴, 1 🟡, 1 🟢" in everything
    # The same figures as a workbook: a row per partnership, a sheet per partnership's targets.
    await say(bot, SUP2, "/overview xlsx")
    (xlsx,) = bot.fake.calls("sendDocument")
    book = load_workbook(io.BytesIO(xlsx.files["document"]))
    assert book.sheetnames == ["Overview", "1. Gamma"]
    rows = [[c.value for c in row] for row in book["Overview"].iter_rows()]
    assert rows[1][:3] == ["Gamma", "red", "coordinator silent for 20 days"]
    assert [c.value for c in book["1. Gamma"][2]] == ["seniors", 100, 50, 50, 50]
    await say(bot, MANAGER, "/overview chart")
    (photo,) = bot.fake.calls("sendPhoto")
    assert photo.files["photo"][:8] == b"\x89PNG\r\n\x1a\n"
    # A supervisor opens their partnership's status from the overview, never another's.
    assert "Alfa" in await press(bot, SUP1, f"pv:s:{found['Alfa']}")
    refused = await press(bot, SUP1, f"pv:s:{found['Gamma']}")
    assert "Gamma" not in refused
    assert "Beta" in await press(bot, SUP1, f"pv:b:{found['Beta']}")
    # A coordinator has no overview and cannot open another partnership's status.
    assert "/overview" in await say(bot, COORDS["Alfa"], "/overview")
    before = len(bot.fake.sent_texts(COORDS["Alfa"]["id"]))
    await bot.deliver(
        tg.callback_query(
            COORDS["Alfa"], bot.fake.last_message(COORDS["Alfa"]["id"]), f"pv:s:{found['Beta']}"
        )
    )
    assert not any("Beta" in t for t in bot.fake.sent_texts(COORDS["Alfa"]["id"])[before:])
    # A supervisor cannot manage the programme.
    assert "start=" not in await say(bot, SUP2, "/programme link")


@pytest.mark.calendar
async def test_visits_rhythm_and_overdue_in_the_overview(
    running_bot: BotUnderTest, database: Database, clock: ManualClock
) -> None:
    """A supervisor sets a visit rhythm; an overdue visit turns the line amber until one is recorded."""
    bot = running_bot
    await build_programme(bot, database, clock)
    await say(bot, SUP2, "/visit every 30")
    assert "30 days" in bot.fake.sent_texts(SUP2["id"])[-1]
    clock.advance(timedelta(days=15))  # 35 days since Gamma joined: 5 days late
    assert "visit overdue by 5 days" in await say(bot, SUP2, "/overview")
    today = local_today(clock)
    recorded = await say(bot, SUP2, f"/visit visit {today.isoformat()} talked with the mayor")
    assert "Recorded: visit with “Gamma”" in recorded
    after = await say(bot, SUP2, "/overview")
    assert "visit overdue by" not in after and "last supervisor contact" in after
    assert "talked with the mayor" in await say(bot, SUP2, "/visit")
    assert "future" in await say(bot, SUP2, f"/visit phone {(today + timedelta(days=3)).isoformat()} later")
    # A coordinator cannot record a visit.
    assert "Recorded" not in await say(bot, COORDS["Gamma"], f"/visit visit {today.isoformat()} self")


async def test_practices_shared_searched_without_diacritics_and_thanked(
    running_bot: BotUnderTest, database: Database, clock: ManualClock
) -> None:
    """A coordinator shares; another finds it typing without Polish letters and thanks; the author is told."""
    bot = running_bot
    await build_programme(bot, database, clock)
    alfa, gamma = COORDS["Alfa"], COORDS["Gamma"]
    shared = await say(
        bot,
        alfa,
        "/share Seniorzy przyszli, gdy parafia ogłosiła kurs po niedzielnej mszy #seniorzy #parafia",
    )
    assert "Udostępniono" in shared, shared
    assert "Seniors came" not in await say(bot, gamma, "/practices")  # nothing invented
    found = await say(bot, gamma, "/practices oglosila")  # English reader, no diacritics
    assert "ogłosiła kurs" in found and "Alicja" in found and "Alfa" in found, found
    assert "ogłosiła" in await say(bot, gamma, "/practices seniors")  # the English tag finds #seniorzy
    assert "No practice matches" in await say(bot, gamma, "/practices rolnicy")
    await say(bot, gamma, "/practices parafia")
    ((_label, data),) = buttons(bot, gamma["id"])
    await bot.deliver(tg.callback_query(gamma, bot.fake.last_message(gamma["id"]), data))
    told = bot.fake.sent_texts(alfa["id"])[-1]
    assert "Grace" in told and "podziękował" in told, told
    await bot.deliver(tg.callback_query(gamma, bot.fake.last_message(gamma["id"]), data))  # once only
    assert (
        bot.fake.sent_texts(alfa["id"])[-1] == told
        and len([t for t in bot.fake.sent_texts(alfa["id"]) if "Grace" in t]) == 1
    )
    # A supervisor reads them too; a stranger to every programme does not.
    assert "ogłosiła" in await say(bot, SUP1, "/practices parafia")
    outsider = tg.user(7099, "Olek", language_code="en")
    assert "in none" in await say(bot, outsider, "/practices")
    # Only coordinators share.
    assert "Only coordinators" in await say(bot, SUP2, "/share Something that worked well for us #youth")


async def test_a_nudge_for_a_lagging_group_suggests_the_programmes_practices(
    running_bot: BotUnderTest, database: Database, clock: ManualClock
) -> None:
    """Beta lags with seniors: its nudge lists the programme's practices tagged with seniors only."""
    bot = running_bot
    await build_programme(bot, database, clock)
    alfa, beta = COORDS["Alfa"], COORDS["Beta"]
    await say(bot, alfa, "/share Rolnicy przyszli po zebraniu w remizie #rolnicy")
    for n in range(4):
        await say(bot, alfa, f"/share Seniorzy przyszli po ogłoszeniu numer {n} w parafii #seniorzy")
        clock.advance(timedelta(minutes=1))
    preview = await say(bot, beta, "/nudge")
    assert "Co zadziałało" in preview and "/practices" in preview, preview
    shown = [n for n in range(4) if f"numer {n} w parafii" in preview]
    assert shown == [1, 2, 3], preview  # the newest three
    assert "remizie" not in preview and "(Alicja, Alfa)" in preview
    # Alfa is on track: nothing to nudge, so no practices either.
    assert "parafii" not in await say(bot, alfa, "/nudge")


async def test_a_visits_next_steps_become_tasks_of_the_leading_partner(
    running_bot: BotUnderTest, database: Database, clock: ManualClock
) -> None:
    """`next:` after a visit's notes makes one task per step for the leader, announced and reminded."""
    bot = running_bot
    found = await build_programme(bot, database, clock)
    today = local_today(clock)
    refused = await say(bot, SUP2, f"/visit visit {today.isoformat()} met the mayor next: posters")
    assert "has none. Nothing was saved." in refused, refused  # Gamma has no leading partner yet
    assert "met the mayor" not in await say(bot, SUP2, "/visit")
    async with database.transaction() as session:
        gamma = await session.get(Partnership, found["Gamma"])
        assert gamma is not None
        leader = await registry.add_partner(
            session,
            partnership=gamma,
            name="Gminna Biblioteka",
            kind=PartnerKind.LIBRARY,
            status=PartnerStatus.ACTIVE,
            by_user_id=1,
        )
        await registry.set_leader(session, partnership=gamma, partner=leader)
    recorded = await say(
        bot,
        SUP2,
        f"/visit visit {today.isoformat()} met the mayor next: posters in the library;  ask the school ;",
    )
    assert "Recorded: visit with “Gamma”" in recorded
    assert "2 next steps saved as tasks for “Gminna Biblioteka”" in recorded, recorded
    assert "• posters in the library\n• ask the school" in recorded
    async with database.transaction() as session:
        tasks = list(await session.exec(select(Task).where(Task.partnership_id == found["Gamma"])))
        kinds = [
            d.kind
            for d in await session.exec(select(Delivery).where(Delivery.partnership_id == found["Gamma"]))
        ]
    assert sorted(t.text for t in tasks) == ["ask the school", "posters in the library"]
    assert {t.due_on for t in tasks} == {today + timedelta(days=14)}
    assert kinds.count(DeliveryKind.TASK_ASSIGNED) == 2 and kinds.count(DeliveryKind.TASK_REMINDER) == 2
    # Without `next:` a visit makes no task.
    await say(bot, SUP2, f"/visit phone {today.isoformat()} a call about the next steps")
    async with database.transaction() as session:
        assert len(list(await session.exec(select(Task)))) == 2
