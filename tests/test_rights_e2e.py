"""End to end: a person's copy of their data, erasure, retention settings and deleting a partnership."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import col, func, select

from bot import clock
from bot.access import Role
from bot.db import Database
from bot.models import (
    AppointedRole,
    CheckinAnswer,
    CheckinRound,
    ErasureRequest,
    Invitation,
    JoinRequest,
    LogEntry,
    LogEntryRevision,
    Meeting,
    MeetingReply,
    Partner,
    PartnerKind,
    Partnership,
    PartnerStatus,
    Person,
    ReminderPause,
    Representative,
    RetentionRun,
    Stage,
    Task,
)
from bot.services import registry
from bot.services.people import PersonInfo
from scheduler import jobs
from tests.e2e_fixtures import GROUP_ID, register_group
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest

GROUP2_ID = -100_500_600_800
COORD = tg.user(5001, "Claire", last_name="Coordinator", language_code="en")
COORD2 = tg.user(5002, "Piotr", last_name="Wiśniewski", language_code="pl")
THIRD = tg.user(5004, "Tomasz", last_name="Trzeci", language_code="en")
SECRET, CORRECTED, OTHER_TEXT = "Sekretne zdanie Zofii", "Poprawione zdanie Zofii", "Wiadomość Zofii w Białym"
TRACES = ("Zofia", "Zielińska", "zosia_z", "Sekretne", "Poprawione", "Zofii", "komentarz Z")
THIRD_TRACES = ("Tomasz", "Trzeci", "5004", "Tomasz pisze", "komentarz T")


def person(language: str) -> dict[str, Any]:
    """The person who asks for a copy and then to be forgotten, in a language."""
    return tg.user(5003, "Zofia", last_name="Zielińska", username="zosia_z", language_code=language)


def last_text(bot: BotUnderTest, chat_id: int) -> str:
    """The latest text the bot sent in a chat."""
    return bot.fake.sent_texts(chat_id)[-1]


async def say(bot: BotUnderTest, who: dict[str, Any], chat: dict[str, Any], text: str) -> dict[str, Any]:
    """Send a message and return its update (to edit it later)."""
    update = tg.message(chat, who, text)
    await bot.deliver(update)
    return update


async def press(bot: BotUnderTest, who: dict[str, Any], chat_id: int, data: str) -> None:
    """Press a button on the bot's latest message in a chat."""
    await bot.deliver(tg.callback_query(who, bot.fake.last_message(chat_id), data))


async def _partnerships(database: Database) -> list[Partnership]:
    async with database.transaction() as session:
        return list(await session.exec(select(Partnership).order_by(col(Partnership.id))))


async def _seed_registry(database: Database, zofia: dict[str, Any]) -> None:
    """Zofia represents the library in the first partnership and is an ambassador of the second."""
    first, second = await _partnerships(database)
    async with database.transaction() as session:
        library = await registry.add_partner(
            session, partnership=first, name="Biblioteka", kind=PartnerKind.LIBRARY,
            status=PartnerStatus.ACTIVE, by_user_id=COORD["id"],
        )  # fmt: skip
        parish = await registry.add_partner(
            session, partnership=second, name="Parafia", kind=PartnerKind.PARISH,
            status=PartnerStatus.ACTIVE, by_user_id=COORD2["id"],
        )  # fmt: skip
        for partner, who in ((library, zofia), (library, THIRD), (parish, THIRD)):
            await registry.add_representative(
                session,
                partner=partner,
                person=PersonInfo(who["id"], who["first_name"], who.get("last_name")),
            )
        await registry.appoint(
            session, partnership=second, person=PersonInfo(zofia["id"], "Zofia", "Zielińska"),
            role=AppointedRole.AMBASSADOR,
        )  # fmt: skip


async def _seed_records(database: Database, zofia: dict[str, Any]) -> None:
    """A check-in answer, an RSVP, a task, a join request, an invitation and a reminder pause."""
    first, second = await _partnerships(database)
    assert first.id is not None and second.id is not None
    now = clock.now()
    async with database.transaction() as session:
        library = (await session.exec(select(Partner).where(Partner.name == "Biblioteka"))).one()
        parish = (await session.exec(select(Partner).where(Partner.name == "Parafia"))).one()
        round_ = CheckinRound(partnership_id=first.id, question="Jak idzie?", opened_at=now, closes_at=now)
        meeting = Meeting(
            partnership_id=second.id, starts_at=now + timedelta(days=7), place="Plebania", agenda="Plan",
            created_by_user_id=COORD2["id"],
        )  # fmt: skip
        session.add_all([round_, meeting])
        await session.flush()
        assert round_.id is not None and meeting.id is not None and library.id is not None
        session.add_all(
            [
                CheckinAnswer(round_id=round_.id, user_id=zofia["id"], name="Zofia Zielińska",
                              partner_id=library.id, answer="done", text="komentarz Zofii", answered_at=now),
                CheckinAnswer(round_id=round_.id, user_id=THIRD["id"], name="Tomasz Trzeci",
                              partner_id=library.id, answer="help", text="komentarz T", answered_at=now),
                MeetingReply(meeting_id=meeting.id, user_id=zofia["id"], name="Zofia Z.", answer="yes"),
                MeetingReply(meeting_id=meeting.id, user_id=THIRD["id"], name="Tomasz Trzeci", answer="no"),
                Task(partnership_id=first.id, partner_id=library.id, text="Plakaty w bibliotece",
                     due_on=date(2026, 12, 1), created_by_user_id=COORD["id"], done_at=now,
                     done_by_user_id=zofia["id"]),
                JoinRequest(partner_id=parish.id or 0, user_id=zofia["id"], name="Zofia Zielińska"),
                Invitation(token="t-zofia", partnership_id=second.id, role=Role.AMBASSADOR,
                           created_by_user_id=COORD2["id"], expires_at=now + timedelta(days=14), used_at=now,
                           used_by_user_id=zofia["id"]),
                ReminderPause(user_id=zofia["id"], until=date(2026, 12, 24)),
            ]
        )  # fmt: skip


async def _scene(bot: BotUnderTest, database: Database, zofia: dict[str, Any]) -> None:
    """Two partnerships; Zofia active in both, Tomasz (the third person) in both too."""
    group1 = await register_group(bot, coordinator=COORD)
    group2 = await register_group(
        bot, chat=tg.supergroup(GROUP2_ID, "Białe"), name="Partnerstwo Białe", coordinator=COORD2
    )
    await _seed_registry(database, zofia)
    await _seed_records(database, zofia)
    first = await say(bot, zofia, group1, SECRET)
    await bot.deliver(tg.edited_message(first, CORRECTED))
    await say(bot, zofia, group2, OTHER_TEXT)
    await say(bot, THIRD, group1, "Tomasz pisze")
    await say(bot, THIRD, group2, "Tomasz pisze też tutaj")


def _read_zip(content: bytes) -> tuple[dict[str, list[dict[str, Any]]], str]:
    """The JSON document and all readable text (JSON and CSV files) of a /mydata archive."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = archive.namelist()
    assert "data.json" in names and "data.xlsx" in names and "csv/log.csv" in names
    document = json.loads(archive.read("data.json").decode("utf-8"))
    readable = "\n".join(archive.read(n).decode("utf-8-sig") for n in names if n.endswith((".json", ".csv")))
    book = load_workbook(io.BytesIO(archive.read("data.xlsx")))
    assert "log" in book.sheetnames and "checkin_answers" in book.sheetnames
    readable += "\n".join(
        str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value
    )
    return document, readable


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_mydata_holds_every_kind_of_record_and_nothing_of_others(
    running_bot: BotUnderTest, database: Database, language: str
) -> None:
    zofia = person(language)
    await _scene(running_bot, database, zofia)
    await say(running_bot, zofia, tg.supergroup(GROUP_ID, "Czarne"), "/mydata")
    assert "private chat" in last_text(running_bot, GROUP_ID) or "prywatnej" in last_text(
        running_bot, GROUP_ID
    )
    await running_bot.deliver(tg.message(tg.private_chat(zofia), zofia, "/mydata"))
    (call,) = running_bot.fake.calls("sendDocument")
    assert call.params["chat_id"] == zofia["id"]
    caption = call.params["caption"]
    assert ("data.json (for machines)" in caption) if language == "en" else ("dla programów" in caption)
    document, readable = _read_zip(call.files["document"])
    for kind in (
        "profile", "roles", "organisations", "appointments", "log", "edits", "checkin_answers", "rsvps",
        "tasks", "join_requests", "invitations_used", "reminder_pause",
    ):  # fmt: skip
        assert document[kind], f"nothing in {kind}"
    assert document["profile"][0]["username"] == "zosia_z"
    assert {(r["partnership"], r["role"]) for r in document["roles"]} == {
        ("Partnerstwo Czarne", "representative"),
        ("Partnerstwo Białe", "ambassador"),
    }
    texts = {r["text"] for r in document["log"] if r["kind"] == "message" and r["text"][0] != "/"}
    assert texts == {CORRECTED, OTHER_TEXT}
    assert [r["earlier_text"] for r in document["edits"]] == [SECRET]
    assert document["checkin_answers"][0]["comment"] == "komentarz Zofii"
    assert document["rsvps"][0]["answer"] == "yes" and document["tasks"][0]["done_by_you"] in (True, 1)
    for trace in THIRD_TRACES:
        assert trace not in readable, trace


async def _status(bot: BotUnderTest) -> str:
    """The first partnership's /status, as the coordinator sees it privately (commands typed in the
    group are logged, so asking there would change the counts)."""
    await bot.deliver(tg.message(tg.private_chat(COORD), COORD, "/status"))
    return last_text(bot, COORD["id"])


def _counts(status: str) -> list[object]:
    """The status's lines, with who was active as a set (a blank name sorts differently)."""
    return [
        set(line.split(": ", 1)[1].split(", ")) if line.startswith("Active this month") else line
        for line in status.splitlines()
    ]


async def _everything_coordinators_see(bot: BotUnderTest) -> str:
    """/history, /partner and /brief of both partnerships, and the first one's export, as text."""
    group1, group2 = tg.supergroup(GROUP_ID, "Czarne"), tg.supergroup(GROUP2_ID, "Białe")
    shown = []
    for who, chat, partner in ((COORD, group1, "Biblioteka"), (COORD2, group2, "Parafia")):
        for command in ("/history", f"/partner {partner}"):
            await say(bot, who, chat, command)
            shown.append(last_text(bot, chat["id"]))
        await bot.deliver(tg.message(tg.private_chat(who), who, "/brief"))
        shown.append(last_text(bot, who["id"]))
    bot.fake.clear_calls()
    await bot.deliver(tg.message(tg.private_chat(COORD), COORD, "/export"))
    xlsx, csv_zip = bot.fake.calls("sendDocument")
    book = load_workbook(io.BytesIO(xlsx.files["document"]))
    shown += [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value]
    archive = zipfile.ZipFile(io.BytesIO(csv_zip.files["document"]))
    shown += [archive.read(n).decode("utf-8-sig") for n in archive.namelist()]
    return "\n".join(shown)


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_forgetme_leaves_no_trace_and_keeps_the_counts(
    running_bot: BotUnderTest, database: Database, language: str
) -> None:
    zofia = person(language)
    await _scene(running_bot, database, zofia)
    seen = await _everything_coordinators_see(running_bot)
    assert CORRECTED in seen and "Zofia" in seen  # the checks below would pass vacuously otherwise
    before = await _status(running_bot)
    assert "Zofia Zielińska" in before
    await running_bot.deliver(tg.message(tg.private_chat(COORD), COORD, "/forgetme"))
    assert "Hand the role over first" in last_text(running_bot, COORD["id"])
    private = tg.private_chat(zofia)
    await running_bot.deliver(tg.message(private, zofia, "/forgetme"))
    assert ("Erase my data?" if language == "en" else "Usunąć moje dane?") in last_text(
        running_bot, zofia["id"]
    )
    await press(running_bot, zofia, zofia["id"], "forget:0:yes")
    done = last_text(running_bot, zofia["id"])
    if language == "en":
        assert "Your data is erased." in done and "2 texts of yours in the logs are now “[erased]”." in done
    else:
        assert "Twoje dane zostały usunięte." in done and "2 Twoje treści w dziennikach" in done
    after = await _status(running_bot)
    assert _counts(after) == _counts(before.replace("Zofia Zielińska", "a former member"))
    seen = await _everything_coordinators_see(running_bot)
    for trace in TRACES:
        assert trace not in seen, trace
    assert "a former member" in seen and "były uczestnik" in seen and "[erased]" in seen
    assert "Tomasz pisze" in seen  # the third person is untouched
    await _check_rows(database, zofia["id"])
    await running_bot.deliver(tg.message(private, zofia, "/forgetme"))
    await press(running_bot, zofia, zofia["id"], "forget:0:yes")  # a second time is harmless
    assert ("0 texts" if language == "en" else "0 Twoich treści") in last_text(running_bot, zofia["id"])
    await _check_rows(database, zofia["id"])


async def _check_rows(database: Database, user_id: int) -> None:
    """What the erasure left in the database: counting rows without words or names."""
    async with database.transaction() as session:
        profile = await session.get(Person, user_id)
        assert profile is not None and (profile.first_name, profile.username, profile.locale) == (
            "",
            None,
            None,
        )
        entries = list(await session.exec(select(LogEntry).where(LogEntry.author_user_id == user_id)))
        assert len(entries) == 2 and all(e.erased and e.text is None and e.author_name == "" for e in entries)
        assert (await session.exec(select(func.count()).select_from(LogEntryRevision))).one() == 0
        answer = (await session.exec(select(CheckinAnswer).where(CheckinAnswer.user_id == user_id))).one()
        assert (answer.answer, answer.text, answer.name, answer.erased) == ("done", "", "", True)
        assert (
            await session.exec(select(MeetingReply).where(MeetingReply.user_id == user_id))
        ).one().name == ""
        for table in (Representative, JoinRequest, ReminderPause):
            assert not list(await session.exec(select(table).where(col(table.user_id) == user_id)))
        request = await session.get(ErasureRequest, user_id)
        assert request is not None and request.finished_at is not None


async def test_privacy_notice_per_partnership_and_retention(
    running_bot: BotUnderTest, database: Database
) -> None:
    group1 = await register_group(running_bot, coordinator=COORD)
    group2 = await register_group(
        running_bot, chat=tg.supergroup(GROUP2_ID, "Białe"), name="Partnerstwo Białe", coordinator=COORD2
    )
    await say(running_bot, THIRD, group1, "/privacy")
    notice = last_text(running_bot, GROUP_ID)
    assert "What I record and why" in notice and "<b>Partnership “Partnerstwo Czarne”</b>" in notice
    assert (
        "the partnership's coordinator, Claire Coordinator" in notice and "3 years after it closes" in notice
    )
    await say(running_bot, THIRD, group1, "/retention 5")
    assert "Only the partnership's coordinator" in last_text(running_bot, GROUP_ID)
    await say(running_bot, COORD, group1, "/privacy set Gmina Czarne, ul. Długa 1 & co")
    await say(running_bot, COORD, group1, "/retention 12")
    assert "Give a number of years from 1 to 10" in last_text(running_bot, GROUP_ID)
    await say(running_bot, COORD, group1, "/retention 5")
    assert "Message texts and names are kept 5 years after the partnership closes." in last_text(
        running_bot, GROUP_ID
    )
    await say(running_bot, THIRD, group1, "/privacy")
    notice = last_text(running_bot, GROUP_ID)
    assert "Gmina Czarne, ul. Długa 1 &amp; co" in notice and "5 years after it closes" in notice
    await say(running_bot, COORD2, group2, "/retention")
    shown = last_text(running_bot, GROUP2_ID)
    assert "<b>Okres przechowywania: Partnerstwo Białe</b>" in shown and "3 lata po zamknięciu" in shown
    await say(running_bot, COORD2, group2, "/privacy")
    assert "koordynator partnerstwa, Piotr Wiśniewski" in last_text(running_bot, GROUP2_ID)
    await running_bot.deliver(tg.message(tg.private_chat(THIRD), THIRD, "/privacy"))
    assert "3 years after it closes" in last_text(running_bot, THIRD["id"])  # no partnership: the default


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_delete_partnership_only_when_closed(
    running_bot: BotUnderTest, database: Database, language: str
) -> None:
    coordinator = COORD if language == "en" else COORD2
    group = await register_group(running_bot, coordinator=coordinator)
    await say(running_bot, THIRD, group, "Tomasz pisze")
    await say(running_bot, coordinator, group, "/deletepartnership")
    assert ("Only a closed partnership" if language == "en" else "tylko zamknięte") in last_text(
        running_bot, GROUP_ID
    )
    (partnership,) = await _partnerships(database)
    async with database.transaction() as session:
        fresh = await session.get(Partnership, partnership.id)
        assert fresh is not None
        await registry.set_stage(session, partnership=fresh, stage=Stage.CLOSED)
    await running_bot.deliver(tg.message(tg.private_chat(coordinator), coordinator, "/deletepartnership"))
    prompt = last_text(running_bot, coordinator["id"])
    assert (
        "Delete “Partnerstwo Czarne” for good?" if language == "en" else "Trwale usunąć „Partnerstwo Czarne”?"
    ) in prompt
    await press(running_bot, THIRD, coordinator["id"], f"delp:{partnership.id}:yes")  # not theirs to press
    await press(running_bot, coordinator, coordinator["id"], f"delp:{partnership.id}:yes")
    assert ("is deleted" if language == "en" else "usunięto") in last_text(running_bot, coordinator["id"])
    async with database.transaction() as session:
        gone = await session.get(Partnership, partnership.id)
        assert gone is not None and gone.deleted_at is not None and gone.coordinator_name == ""
        entries = list(await session.exec(select(LogEntry)))
        assert entries and all(e.erased and e.text is None and e.author_name == "" for e in entries)
    await say(running_bot, coordinator, group, "/status")
    assert ("not registered" if language == "en" else "zarejestrowana") in last_text(running_bot, GROUP_ID)


async def test_the_scheduler_job_runs_retention_once_a_day(
    running_bot: BotUnderTest, database: Database
) -> None:
    await register_group(running_bot, coordinator=COORD)
    context = SimpleNamespace(bot_data=running_bot.app.bot_data)
    await jobs.tick(context)  # type: ignore[arg-type]
    await jobs.tick(context)  # type: ignore[arg-type]
    async with database.transaction() as session:
        runs = list(await session.exec(select(RetentionRun)))
    assert [(r.day, r.finished_at is not None) for r in runs] == [(clock.now().date(), True)]
