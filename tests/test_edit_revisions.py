"""What the log keeps shows: /history says what an edited message said at first, and an export
whose log sheet was cut says how many older entries it left out."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.db import Database
from bot.models import Partnership
from bot.services import exporting
from bot.services import log as comm_log
from tests.e2e_fixtures import COORDINATOR, GROUP_ID, MEMBER_EN, MEMBER_PL, register_group
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest


async def _partnership(database: Database) -> Partnership:
    async with database.transaction() as session:
        found = (await session.exec(select(Partnership).where(Partnership.chat_id == GROUP_ID))).first()
    assert found is not None
    return found


async def test_history_shows_what_an_edited_message_said_at_first(running_bot: BotUnderTest) -> None:
    chat = await register_group(running_bot)
    first = tg.message(chat, MEMBER_PL, "Plakaty wiszą w ośrodku zdrowia")
    untouched = tg.message(chat, MEMBER_EN, "Poster <b>at</b> the library")
    await running_bot.deliver(first, untouched)
    sent_at = int(first["message"]["date"])
    await running_bot.deliver(
        tg.edited_message(first, "Plakaty wiszą w ośrodku zdrowia i w sklepie", edit_date=sent_at + 60)
    )
    await running_bot.deliver(tg.edited_message(first, "Plakaty wiszą w sklepie", edit_date=sent_at + 120))

    await running_bot.deliver(tg.message(chat, MEMBER_EN, "/history"))
    shown = running_bot.fake.sent_texts(chat["id"])[-1]
    assert "Plakaty wiszą w sklepie (edited; at first: “Plakaty wiszą w ośrodku zdrowia”)" in shown
    untouched_line = next(line for line in shown.splitlines() if "library" in line)
    assert "edited" not in untouched_line  # only edited messages say so


async def test_a_cut_log_says_in_its_header_how_many_entries_were_left_out(
    running_bot: BotUnderTest, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = await register_group(running_bot)
    for n in range(4):
        await running_bot.deliver(tg.message(chat, MEMBER_PL, f"wiadomość {n}"))
    monkeypatch.setattr(exporting, "LOG_ROWS_MAX", 2)
    await running_bot.deliver(tg.message(tg.private_chat(COORDINATOR), COORDINATOR, "/export"))
    book = load_workbook(io.BytesIO(running_bot.fake.calls("sendDocument")[-2].files["document"]))
    partnership = await _partnership(database)
    async with database.transaction() as session:
        total = await comm_log.count_entries(session, partnership_id=partnership.id or 0)
    header = [cell.value for cell in next(book["Dziennik"].iter_rows(max_row=1))]
    assert total > 2 and header[5] == f"Treść (pominięte starsze wpisy: {total - 2})"
