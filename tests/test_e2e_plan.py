"""End to end: the training plan, sessions, outcomes, progress in /status, /chart and /export."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.clock import ManualClock
from bot.db import Database
from bot.models import PartnerKind, PartnerStatus, ResourceKind, Target, TargetRevision, TrainingSession
from bot.services import plan, registry
from tests.e2e_fixtures import GROUP_ID, register_group
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest
from tests.test_e2e_registry import COORD, OTHER, _partnership, buttons, last_text, press, say

WARSAW = ZoneInfo("Europe/Warsaw")


async def _setup_registry(database: Database) -> tuple[int, int]:
    """A library with a computer lab and a parish, as the coordinator would have recorded them."""
    partnership = await _partnership(database)
    async with database.transaction() as session:
        library = await registry.add_partner(
            session,
            partnership=partnership,
            name="Biblioteka Publiczna",
            kind=PartnerKind.LIBRARY,
            status=PartnerStatus.ACTIVE,
            by_user_id=1,
        )
        parish = await registry.add_partner(
            session,
            partnership=partnership,
            name="Parafia",
            kind=PartnerKind.PARISH,
            status=PartnerStatus.JOINED,
            by_user_id=1,
        )
        lab = await registry.add_resource(
            session, partner=library, kind=ResourceKind.COMPUTER_LAB, description="Pracownia", seats=10
        )
    assert lab.id is not None and parish.id is not None
    return lab.id, parish.id


async def _plan_period(bot: BotUnderTest, name: str, start: date, end: date) -> None:
    """/period through the flow, typed privately by the coordinator."""
    private = tg.private_chat(COORD)
    await bot.deliver(tg.message(private, COORD, "/period"))
    for answer in (name, start.strftime("%d.%m.%Y"), end.isoformat()):
        await bot.deliver(tg.message(private, COORD, answer))
    await press(bot, COORD, COORD["id"], buttons(bot, COORD["id"])["✔ Save"])


@pytest.mark.calendar
async def test_plan_targets_sessions_outcomes_and_status(
    running_bot: BotUnderTest, database: Database, clock: ManualClock
) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    await _setup_registry(database)
    # A year-long period around today (which may be 1 January or 31 December): yesterday is in it.
    today = clock.now().astimezone(WARSAW).date()
    year = f"Rok {today:%Y-%m}"
    await _plan_period(running_bot, year, today - timedelta(days=30), today + timedelta(days=334))
    assert "Added the plan period “" in last_text(running_bot, COORD["id"])

    private = tg.private_chat(COORD)
    # A target, then a revision with a reason: both kept.
    for count, reason in (("120", "-"), ("100", "fewer seats this year")):
        await running_bot.deliver(tg.message(private, COORD, "/target"))
        await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])[year])
        await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["seniors"])
        await running_bot.deliver(tg.message(private, COORD, count))
        await running_bot.deliver(tg.message(private, COORD, reason))
        await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["✔ Save"])
    assert last_text(running_bot, COORD["id"]) == f"Saved the target for “{year}”: 100."
    async with database.transaction() as session:
        (target,) = list(await session.exec(select(Target)))
        history = list(await session.exec(select(TargetRevision).order_by(TargetRevision.id)))  # type: ignore[arg-type]
    assert target.count == 100
    assert [(h.old_count, h.new_count, h.reason) for h in history] == [
        (None, 120, ""),
        (120, 100, "fewer seats this year"),
    ]

    # A session in the past (recorded afterwards) in the library's lab, through the flow.
    held = clock.now().astimezone(WARSAW) - timedelta(days=1)
    await running_bot.deliver(tg.message(private, COORD, "/session"))
    await running_bot.deliver(tg.message(private, COORD, held.strftime("%d.%m.%Y %H:%M")))
    await running_bot.deliver(tg.message(private, COORD, "Bankowość internetowa"))
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["seniors"])
    await press(
        running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["Pracownia (Biblioteka Publiczna)"]
    )
    await running_bot.deliver(tg.message(private, COORD, "Pani Ewa"))
    await running_bot.deliver(tg.message(private, COORD, "12"))  # the lab has 10 seats
    assert "only 10 seats" in last_text(running_bot, COORD["id"])  # refused at the step, not at Save
    await running_bot.deliver(tg.message(private, COORD, "10"))
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["✔ Save"])
    assert last_text(running_bot, COORD["id"]) == "Added the session “Bankowość internetowa”."

    # The outcome: bad counts are refused with a reason and nothing is saved.
    await running_bot.deliver(tg.message(private, COORD, "/trained"))
    (session_label,) = [k for k in buttons(running_bot, COORD["id"]) if "Bankowość" in k]
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])[session_label])
    await running_bot.deliver(tg.message(private, COORD, "-3"))
    assert "from 0 to 100000" in last_text(running_bot, COORD["id"])
    await running_bot.deliver(tg.message(private, COORD, "8"))
    await running_bot.deliver(tg.message(private, COORD, "9"))  # more trained than registered
    assert "More trained (9) than registered (8)" in last_text(running_bot, COORD["id"])
    await running_bot.deliver(tg.message(private, COORD, "/cancel"))
    async with database.transaction() as session:
        (training,) = list(await session.exec(select(TrainingSession)))
    assert training.registered is None
    await running_bot.deliver(tg.message(private, COORD, "/trained"))
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])[session_label])
    for answer in ("9", "8", "20"):
        await running_bot.deliver(tg.message(private, COORD, answer))
    assert "more than were trained" in last_text(running_bot, COORD["id"])
    for answer in ("2", "Biblioteka 5, parafia 2, other 1"):
        await running_bot.deliver(tg.message(private, COORD, answer))
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["✔ Save"])
    assert last_text(running_bot, COORD["id"]) == "Recorded the outcome of “Bankowość internetowa”."

    await say(running_bot, OTHER, chat, "/status")
    status = last_text(running_bot, GROUP_ID)
    assert f"Plan period {year}" in status and "% of the period elapsed" in status
    assert "seniors: 8 of 100 (8%)" in status
    assert "Trained so far: 8 residents, of them with a disability: 2" in status
    assert "Biblioteka Publiczna: 5 participants recruited, 1 session hosted, 1 room lent" in status
    assert "Parafia: 2 participants recruited, 0 sessions hosted, 0 rooms lent" in status

    await say(running_bot, OTHER, chat, "/plan")
    assert "Training plan: Partnerstwo Czarne" in last_text(running_bot, GROUP_ID)


async def test_session_outside_any_period_is_refused(running_bot: BotUnderTest, database: Database) -> None:
    await register_group(running_bot, coordinator=COORD)
    private = tg.private_chat(COORD)
    await running_bot.deliver(tg.message(private, COORD, "/session"))
    await running_bot.deliver(tg.message(private, COORD, "31 lutego 2026 10:00"))
    assert "31 lutego 2026 does not exist in the calendar" in last_text(running_bot, COORD["id"])
    # Outside every period: refused where the date is typed, with the reason (not after all answers).
    await running_bot.deliver(tg.message(private, COORD, "5 marca 2026 17:30"))
    assert "5.03.2026 is outside every plan period" in last_text(running_bot, COORD["id"])
    await running_bot.deliver(tg.message(private, COORD, "/cancel"))
    async with database.transaction() as session:
        assert list(await session.exec(select(TrainingSession))) == []


async def test_period_dates_are_checked(running_bot: BotUnderTest) -> None:
    await register_group(running_bot, coordinator=COORD)
    private = tg.private_chat(COORD)
    await running_bot.deliver(tg.message(private, COORD, "/period"))
    for answer in ("Wiosna", "5 marca 2026"):
        await running_bot.deliver(tg.message(private, COORD, answer))
    await running_bot.deliver(tg.message(private, COORD, "1.03.2026"))
    assert "The end must come after the start (5.03.2026)" in last_text(running_bot, COORD["id"])
    await running_bot.deliver(tg.message(private, COORD, "sometime"))
    assert "I don't understand that date" in last_text(running_bot, COORD["id"])


async def _seed_history(database: Database, *, sessions: int = 12) -> None:
    """A year of plan and sessions straight through the services."""
    partnership = await _partnership(database)
    assert partnership.id is not None
    async with database.transaction() as session:
        groups = {g.key: g for g in await plan.target_groups(session, partnership_id=partnership.id)}
        period = await plan.add_period(
            session,
            partnership_id=partnership.id,
            name="2026",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
        )
        await plan.set_target(session, period=period, group=groups["seniors"], count=60, by_user_id=1)
        await plan.set_target(session, period=period, group=groups["parents"], count=30, by_user_id=1)
        for i in range(sessions):
            group = groups["seniors" if i % 2 else "parents"]
            starts = datetime(2026, 1 + i % 11, 3 + i, 16, tzinfo=WARSAW)
            training = await plan.add_session(
                session,
                partnership_id=partnership.id,
                starts_at=starts,
                topic=f"Temat {i}",
                group=group,
                seats=10,
                local_day=starts.date(),
            )
            assert group.id is not None
            await plan.record_outcome(
                session,
                training=training,
                outcome=plan.Outcome(registered=8, trained={group.id: 6}, with_disability=1, sources={}),
            )


async def test_chart_is_a_png_of_plausible_size(running_bot: BotUnderTest, database: Database) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    await say(running_bot, OTHER, chat, "/chart")
    (empty,) = running_bot.fake.calls("sendPhoto")  # "no data yet", drawn
    assert empty.files["photo"].startswith(b"\x89PNG\r\n\x1a\n")
    running_bot.fake.clear_calls()
    await _seed_history(database)
    await say(running_bot, OTHER, chat, "/chart")
    (call,) = running_bot.fake.calls("sendPhoto")
    picture = call.files["photo"]
    assert picture.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(picture[16:20], "big"), int.from_bytes(picture[20:24], "big")
    assert width >= 900 and height >= 400
    assert 10_000 < len(picture) < 500_000
    assert "Trained residents against the targets" in call.params["caption"]


PARENTS = "parents using the school e-register"


async def test_export_workbook_cell_by_cell_and_csv(running_bot: BotUnderTest, database: Database) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    await _setup_registry(database)
    await _seed_history(database, sessions=3)
    await say(running_bot, OTHER, chat, "/export")
    assert "Only the partnership's coordinator" in last_text(running_bot, GROUP_ID)
    await running_bot.deliver(tg.message(tg.private_chat(COORD), COORD, "/export"))
    xlsx_call, csv_call = running_bot.fake.calls("sendDocument")
    book = load_workbook(io.BytesIO(xlsx_call.files["document"]))
    assert book.sheetnames == [
        "Partners",
        "Resources",
        "Plan",
        "Target changes",
        "Sessions",
        "Trained per group",
        "Recruitment",
        "Log",
    ]
    changes = [[c.value for c in row] for row in book["Target changes"].iter_rows()]
    assert changes[0] == ["Time", "Period", "Target group", "Before", "After", "Changed by", "Why"]
    assert [row[2:5] for row in changes[1:]] == [
        ["seniors", None, 60],
        ["parents using the school e-register", None, 30],
    ]
    partners = [[c.value for c in row] for row in book["Partners"].iter_rows()]
    assert partners[0][:3] == ["Name", "Kind", "Status"]
    assert partners[1][:3] == ["Biblioteka Publiczna", "library", "active"]
    assert partners[2][:3] == ["Parafia", "parish", "joined"]
    resources = [[c.value for c in row] for row in book["Resources"].iter_rows()]
    assert resources[1] == ["Biblioteka Publiczna", "computer lab", "Pracownia", 10, None]
    plan_rows = [[c.value for c in row] for row in book["Plan"].iter_rows()]
    assert plan_rows[0] == ["Period", "Start", "End", "Target group", "Target", "Trained"]
    assert sorted(plan_rows[1:]) == sorted(
        [
            ["2026", datetime(2026, 1, 1), datetime(2026, 12, 31), "seniors", 60, 6],
            ["2026", datetime(2026, 1, 1), datetime(2026, 12, 31), PARENTS, 30, 12],
        ]
    )
    sessions = [[c.value for c in row] for row in book["Sessions"].iter_rows()]
    assert sessions[1] == [
        datetime(2026, 1, 3, 16, 0),  # a real date cell, local time
        "Temat 0",
        "parents using the school e-register",
        None,
        None,
        10,
        8,
        6,
        1,
    ]
    assert len(sessions) == 4
    per_group = [[c.value for c in row] for row in book["Trained per group"].iter_rows()]
    assert per_group[0] == ["Date", "Topic", "Target group", "Trained", "With a disability"]
    assert per_group[1] == [datetime(2026, 1, 3, 16, 0), "Temat 0", PARENTS, 6, 1]
    log_rows = [[c.value for c in row] for row in book["Log"].iter_rows()]
    assert log_rows[0] == ["Time", "Kind", "Author", "Partner", "Channel", "Text"]
    archive = zipfile.ZipFile(io.BytesIO(csv_call.files["document"]))
    assert sorted(archive.namelist()) == sorted(f"{n}.csv" for n in book.sheetnames)
    text = archive.read("Partners.csv").decode("utf-8-sig")
    assert text.splitlines()[1].startswith("Biblioteka Publiczna,library,active")
