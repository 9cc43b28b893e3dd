"""Recruitment nudges: thresholds and intervals (pure), and end to end through the fake server."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import clock as bot_clock
from bot.clock import ManualClock
from bot.db import Database
from bot.models import PartnerKind, PartnerStatus, ResourceKind, TargetGroup
from bot.progress import progress
from bot.services import nudges, plan, registry
from bot.services.people import PersonInfo
from bot.services.plan import GroupProgress
from bot.timing import SendingRules
from tests.e2e_fixtures import GROUP_ID, register_group
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest
from tests.test_e2e_checkins import REPS, _without_routines, due_of
from tests.test_e2e_registry import COORD, _partnership, buttons, last_text, press

GROUP = TargetGroup(id=1, partnership_id=1, key="seniors")
WARSAW = ZoneInfo("Europe/Warsaw")


def _row(trained: int, target: int, today: date) -> GroupProgress:
    p = progress(trained=trained, target=target, start=date(2026, 1, 1), end=date(2026, 12, 31), today=today)
    return GroupProgress(GROUP, p, trained, target)


def test_lagging_needs_more_than_the_threshold() -> None:
    mid = date(2026, 7, 2)  # half-way: 50 of 100 expected
    assert nudges.lagging([_row(43, 100, mid)]) == []  # behind, but by 7 of 50 expected: under 15%
    assert [g.total_trained for g in nudges.lagging([_row(40, 100, mid)])] == [40]  # 10 of 50: over 15%
    assert nudges.lagging([_row(50, 100, mid)]) == []
    assert nudges.lagging([_row(0, 100, date(2025, 12, 1))]) == []  # not started
    assert nudges.lagging([_row(0, 0, mid)]) == []  # no target


async def _lagging_plan(database: Database) -> None:
    """Seniors far behind in a period that started 200 days ago (relative to the bot's clock)."""
    partnership = await _partnership(database)
    assert partnership.id is not None
    async with database.transaction() as session:
        library = await registry.add_partner(
            session,
            partnership=partnership,
            name="Biblioteka",
            kind=PartnerKind.LIBRARY,
            status=PartnerStatus.ACTIVE,
            by_user_id=1,
        )
        await registry.update_details(session, partner=library, target_groups="seniorzy, rodzice")
        await registry.add_resource(
            session, partner=library, kind=ResourceKind.FACEBOOK, description="Facebook biblioteki"
        )
        await registry.add_representative(session, partner=library, person=PersonInfo(REPS[0]["id"], "Ola"))
        school = await registry.add_partner(
            session,
            partnership=partnership,
            name="Szkoła",
            kind=PartnerKind.SCHOOL,
            status=PartnerStatus.ACTIVE,
            by_user_id=1,
        )
        await registry.update_details(session, partner=school, target_groups="młodzież")
        groups = {g.key: g for g in await plan.target_groups(session, partnership_id=partnership.id)}
        today = bot_clock.now().astimezone(WARSAW).date()
        period = await plan.add_period(
            session,
            partnership_id=partnership.id,
            name="Rok",
            starts_on=today - timedelta(days=200),
            ends_on=today + timedelta(days=165),
        )
        await plan.set_target(session, period=period, group=groups["seniors"], count=365, by_user_id=1)


@pytest.mark.calendar
async def test_nudge_preview_send_and_interval(running_bot: BotUnderTest, database: Database) -> None:
    await register_group(running_bot, coordinator=COORD)
    await _lagging_plan(database)
    private = tg.private_chat(COORD)
    await running_bot.deliver(tg.message(private, COORD, "/nudge"))
    preview = last_text(running_bot, COORD["id"])
    assert "Preview" in preview and "Recruitment: seniors" in preview and "Biblioteka" in preview
    assert "Szkoła" not in preview  # it does not reach seniors
    assert "/practices" not in preview  # outside any programme: no practices suggested
    assert running_bot.fake.sent_texts(GROUP_ID)[-1].startswith("Registered")  # nothing sent yet
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["📣 Send now"])
    nudge = running_bot.fake.sent_texts(GROUP_ID)[-1]
    assert "Recruitment: seniors" in nudge and "Facebook biblioteki" in nudge
    assert (
        f"tg://user?id={REPS[0]['id']}" in nudge
        and "Trained 0 of 200 expected by now (target 365); 200 short." in nudge
    )
    assert last_text(running_bot, COORD["id"]) == "Sent 1 nudge."
    await running_bot.deliver(tg.message(private, COORD, "/nudge"))
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["📣 Send now"])
    assert "already nudged in the last 7 days" in last_text(running_bot, COORD["id"])


@pytest.mark.calendar
async def test_daily_check_nudges_at_most_once_in_any_7_days(
    running_bot: BotUnderTest, database: Database, clock: ManualClock
) -> None:
    await register_group(running_bot, coordinator=COORD)
    await _without_routines(database)
    await _lagging_plan(database)
    partnership = await _partnership(database)
    # A manual nudge now: the daily checks of the next 7 days (whatever weekday today is, so
    # across a Sunday too) send none; the first check 7 days after it sends the next one.
    private = tg.private_chat(COORD)
    await running_bot.deliver(tg.message(private, COORD, "/nudge"))
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["📣 Send now"])
    manual_at = clock.now()
    nudged_at = [manual_at]
    async with database.transaction() as session:
        await nudges.queue_next_check(session, partnership=partnership, after=manual_at, rules=SendingRules())
    checks: list[datetime] = []
    while clock.now() < manual_at + timedelta(days=12):
        clock.set(await due_of(database, "nudge_check"))
        running_bot.fake.clear_calls()
        await running_bot.dispatcher.tick()
        checks.append(clock.now())
        if any("Recruitment: seniors" in t for t in running_bot.fake.sent_texts(GROUP_ID)):
            nudged_at.append(clock.now())
    assert len(checks) >= 6  # a check every working day
    assert all(SendingRules().allowed(t.astimezone(WARSAW)) for t in checks)
    # Rolling: each nudge comes at the first check at least 7 days after the previous one.
    expected = [manual_at]
    for t in checks:
        if t - expected[-1] >= timedelta(days=7):
            expected.append(t)
    assert len(expected) >= 2 and nudged_at == expected
