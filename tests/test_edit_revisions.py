"""Edited group messages keep their earlier texts: /history shows the first one, the export all."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.e2e_fixtures import COORDINATOR, MEMBER_EN, MEMBER_PL, register_group
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest


async def test_history_and_export_show_what_an_edited_message_said_before(running_bot: BotUnderTest) -> None:
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

    await running_bot.deliver(tg.message(tg.private_chat(COORDINATOR), COORDINATOR, "/export"))
    document = running_bot.fake.calls("sendDocument")[-2].files["document"]
    log = load_workbook(io.BytesIO(document))["Dziennik"]
    header = [cell.value for cell in next(log.iter_rows(max_row=1))]
    assert header[5:] == ["Treść", "Wcześniejsze treści"]
    rows = {row[5].value: row[6].value for row in log.iter_rows(min_row=2)}
    assert rows["Plakaty wiszą w sklepie"] == (
        "Plakaty wiszą w ośrodku zdrowia\nPlakaty wiszą w ośrodku zdrowia i w sklepie"
    )
    assert rows["Poster <b>at</b> the library"] is None
