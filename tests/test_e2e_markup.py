"""End to end: user text full of HTML's special characters reaches every message intact (issue 13).

Every name, description, task, meeting, question, answer and log text below holds `<b>&"'`. Each
message the bot sends must parse as Telegram HTML (the fake refuses one that does not, and the
fixture fails on any refusal) and must show those characters literally: neither swallowed as a tag
nor escaped twice (a visible `&lt;`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot import clock
from bot.db import Database, utcnow
from bot.models import PartnerKind, PartnerStatus, ResourceKind
from bot.services import duties, registry
from bot.services.people import PersonInfo
from bot.timing import SendingRules
from sandbox.spec import visible_text
from tests.e2e_fixtures import GROUP_ID, register_group
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest
from tests.test_e2e_registry import _partnership, last_text

EVIL = "<b>&\"'"  # an unclosed tag: unescaped, Telegram refuses the whole message
START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Warsaw
COORD = tg.user(6101, "Anna", last_name=EVIL, language_code="en")
REP = tg.user(6102, "Ola" + EVIL, language_code="en")
SETTLED = ("&lt;", "&gt;", "&amp;", "&#", "&quot;")  # what a second escape leaves visible


@pytest.fixture(autouse=True)
def manual_clock() -> Iterator[clock.ManualClock]:
    """Monday 7 December 2026, 10:00 in Warsaw."""
    with clock.using(clock.ManualClock(START)) as installed:
        assert isinstance(installed, clock.ManualClock)
        yield installed


async def fill_registry(database: Database) -> None:
    """A partner, its representative, details, a resource, a task and a meeting, all hostile."""
    partnership = await _partnership(database)
    now = utcnow()
    async with database.transaction() as session:
        partner = await registry.add_partner(
            session,
            partnership=partnership,
            name="Biblioteka " + EVIL,
            kind=PartnerKind.NGO,
            status=PartnerStatus.ACTIVE,
            by_user_id=COORD["id"],
        )
        await registry.add_representative(
            session, partner=partner, person=PersonInfo(REP["id"], "Ola" + EVIL)
        )
        await registry.update_details(
            session, partner=partner, target_groups="seniors " + EVIL, gains="gains " + EVIL, obstacles=EVIL
        )
        await registry.add_resource(
            session, partner=partner, kind=ResourceKind.ROOM, description="room " + EVIL, availability=EVIL
        )
        await duties.add_task(
            session,
            partnership=partnership,
            partner=partner,
            text="posters " + EVIL,
            due_on=(now + timedelta(days=10)).date(),
            by_user_id=COORD["id"],
            now=now,
            rules=SendingRules(),
        )
        await duties.add_meeting(
            session,
            partnership=partnership,
            starts_at=now + timedelta(days=20),
            place="hall " + EVIL,
            agenda="agenda " + EVIL,
            by_user_id=COORD["id"],
            now=now,
            rules=SendingRules(),
        )


def shown(bot: BotUnderTest) -> list[str]:
    """Every text the bot sent or edited, as Telegram displays it; each must parse as HTML."""
    texts = []
    for call in bot.fake.calls():
        text = call.params.get("text", call.params.get("caption"))
        if call.ok and isinstance(text, str) and call.params.get("parse_mode") == "HTML":
            visible, error = visible_text(text, "HTML")
            assert error is None, f"{error}: {text!r}"
            texts.append(visible)
    return texts


async def test_hostile_text_is_shown_literally_everywhere(
    running_bot: BotUnderTest, database: Database, manual_clock: clock.ManualClock
) -> None:
    chat = await register_group(running_bot, name="Czarne " + EVIL, coordinator=COORD)
    await fill_registry(database)
    await running_bot.dispatcher.tick()  # the task announcement and the meeting invitation
    private = tg.private_chat(COORD)
    await running_bot.deliver(tg.message(chat, REP, "we printed " + EVIL))  # recorded in the log
    await running_bot.deliver(tg.message(private, COORD, "/log phone called " + EVIL))
    for command in ("/status", "/partners", "/resources", "/partner Biblioteka", "/history", "/plan"):
        await running_bot.deliver(tg.message(chat, COORD, command))
        assert EVIL in visible_text(last_text(running_bot, GROUP_ID), "HTML")[0] or command == "/plan"
    await running_bot.deliver(tg.message(private, COORD, "/brief"))
    assert "Biblioteka " + EVIL in visible_text(last_text(running_bot, COORD["id"]), "HTML")[0]
    await running_bot.deliver(tg.message(chat, COORD, "/checkin how is it " + EVIL))
    question = running_bot.fake.last_message(GROUP_ID)
    need_help = question["reply_markup"]["inline_keyboard"][0][-1]["callback_data"]
    await running_bot.deliver(tg.callback_query(REP, question, need_help))
    manual_clock.advance(timedelta(hours=49))
    await running_bot.dispatcher.tick()  # the reminder and the close
    summary = visible_text(last_text(running_bot, COORD["id"]), "HTML")[0]
    assert "how is it " + EVIL in summary and "Ola" + EVIL + " (Biblioteka " + EVIL + ")" in summary
    texts = shown(running_bot)
    for piece in (
        "Czarne " + EVIL,
        "Anna " + EVIL,
        "seniors " + EVIL,
        "gains " + EVIL,
        "room " + EVIL,
        "posters " + EVIL,
        "hall " + EVIL,
        "agenda " + EVIL,
        "we printed " + EVIL,
        "called " + EVIL,
    ):
        assert any(piece in text for text in texts), piece
    doubled = [text for text in texts if any(mark in text for mark in SETTLED)]
    assert doubled == []
