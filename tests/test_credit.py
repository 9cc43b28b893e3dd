"""End to end: credit for every partner (card, certificates) and the closing stage with recommendations."""

from __future__ import annotations

import io
import struct
import subprocess
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from docx import Document as read_docx
from sqlmodel import col, delete, select

from bot.clock import ManualClock
from bot.db import Database, as_utc
from bot.models import (
    Delivery,
    DeliveryStatus,
    PartnerKind,
    PartnerStatus,
    PlanPeriod,
    RecommendationRound,
    ResourceKind,
    Schedule,
    Stage,
)
from bot.services import credit, plan, registry, scheduling, watch
from bot.services.people import PersonInfo
from bot.timing import Recurrence, RecurrenceSpec, SendingRules
from tests.e2e_fixtures import GROUP_ID, register_group
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest
from tests.test_e2e_registry import COORD, _partnership, buttons, last_text, press

WARSAW = ZoneInfo("Europe/Warsaw")
OLA = tg.user(5001, "Ola", language_code="pl")
PIOTR = tg.user(5002, "Piotr", language_code="pl")
ZOSIA = tg.user(5003, "Zosia", language_code="pl")
LIBRARY, PARISH, SCHOOL, KGW = (
    "Biblioteka Publiczna",
    "Parafia św. Józefa",
    "Szkoła Podstawowa",
    "Koło Gospodyń Wiejskich",
)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def pdf_text(data: bytes, tmp_path: Path, name: str) -> str:
    """Read a PDF as a person would: its first page drawn to PNG, and its text."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / name)], check=True
    )
    (page,) = tmp_path.glob(f"{name}-*1.png")
    assert png_size(page.read_bytes())[0] > 400
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return f"pages={pages}\n" + " ".join(text.split())


async def _four_partners(database: Database, now: datetime) -> None:
    """Library (leader: room, trainer, two sessions), parish (recruits), school (lab), KGW (nothing yet)."""
    partnership = await _partnership(database)
    today = now.astimezone(WARSAW).date()
    async with database.transaction() as session:
        made = {}
        for name, kind, status in [
            (LIBRARY, PartnerKind.LIBRARY, PartnerStatus.ACTIVE),
            (PARISH, PartnerKind.PARISH, PartnerStatus.ACTIVE),
            (SCHOOL, PartnerKind.SCHOOL, PartnerStatus.JOINED),
            (KGW, PartnerKind.RURAL_WOMENS_CIRCLE, PartnerStatus.ACTIVE),
            ("Klub Sportowy", PartnerKind.NGO, PartnerStatus.WITHDRAWN),
        ]:
            made[name] = await registry.add_partner(
                session, partnership=partnership, name=name, kind=kind, status=status, by_user_id=1
            )
        for person, name in [(OLA, LIBRARY), (PIOTR, PARISH), (ZOSIA, SCHOOL)]:
            await registry.add_representative(
                session, partner=made[name], person=PersonInfo(person["id"], person["first_name"])
            )
        stored = await session.get(type(partnership), partnership.id)
        assert stored is not None
        await registry.set_leader(session, partnership=stored, partner=made[LIBRARY])
        room = await registry.add_resource(
            session, partner=made[LIBRARY], kind=ResourceKind.ROOM, description="sala", seats=20
        )
        await registry.add_resource(
            session, partner=made[LIBRARY], kind=ResourceKind.TRAINER, description="pani Ewa"
        )
        lab = await registry.add_resource(
            session, partner=made[SCHOOL], kind=ResourceKind.COMPUTER_LAB, description="pracownia", seats=15
        )
        assert partnership.id is not None
        period = await plan.add_period(
            session,
            partnership_id=partnership.id,
            name="Rok 1",
            starts_on=today - timedelta(days=60),
            ends_on=today + timedelta(days=120),
        )
        seniors = next(
            g for g in await plan.target_groups(session, partnership_id=partnership.id) if g.key == "seniors"
        )
        await plan.set_target(session, period=period, group=seniors, count=100, by_user_id=COORD["id"])
        for days_ago, where, trained, sources in [
            (20, room, 8, {made[LIBRARY].id: 5, made[PARISH].id: 3}),
            (10, room, 6, {made[LIBRARY].id: 4}),
            (5, lab, 5, {made[SCHOOL].id: 2, None: 1}),
            (-10, lab, 0, {}),  # planned, not held yet: not counted
        ]:
            starts = now - timedelta(days=days_ago)
            training = await plan.add_session(
                session,
                partnership_id=partnership.id,
                starts_at=starts,
                topic="Bankowość",
                group=seniors,
                seats=12,
                resource=where,
                local_day=starts.astimezone(WARSAW).date(),
            )
            if days_ago > 0:
                outcome = plan.Outcome(
                    registered=trained, trained={seniors.id or 0: trained}, with_disability=0, sources=sources
                )
                await plan.record_outcome(session, training=training, outcome=outcome)
        await scheduling.add_schedule(
            session,
            partnership=stored,
            spec=RecurrenceSpec(Recurrence.WEEKLY),
            question="Jak idzie?",
            by_user_id=COORD["id"],
            now=now,
            rules=SendingRules(),
        )


async def test_card_names_every_partner_with_its_numbers(
    running_bot: BotUnderTest, database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    await register_group(running_bot, coordinator=COORD)
    await _four_partners(database, clock.now())
    private = tg.private_chat(COORD)
    await running_bot.deliver(tg.message(private, COORD, "/thanks"))
    (photo,) = running_bot.fake.calls("sendPhoto")
    width, height = png_size(photo.files["photo"])
    assert width == 1080 and height > 900  # readable on a phone
    (tmp_path / "card.png").write_bytes(photo.files["photo"])
    post = running_bot.fake.sent_texts(COORD["id"], plain=True)[-1]
    assert "przeszkoleni mieszkańcy: 19, szkolenia: 3" in post
    assert (
        f"{LIBRARY} (lider): 9 zrekrutowanych uczestników · 1 użyczona sala · 2 szkolenia u siebie · 1 trener"
        in post
    )
    assert f"{PARISH}: 3 zrekrutowanych uczestników" in post
    assert f"{SCHOOL}: 2 zrekrutowanych uczestników · 1 użyczona sala · 1 szkolenie u siebie" in post
    assert f"{KGW}: partner partnerstwa – dziękujemy za udział" in post  # named although it has no numbers
    assert "Klub Sportowy" not in post  # withdrawn: not an active partner
    await running_bot.deliver(tg.message(private, COORD, "/thanks en"))
    post_en = running_bot.fake.sent_texts(COORD["id"], plain=True)[-1]
    assert "residents trained: 19, sessions: 3" in post_en
    assert (
        f"{LIBRARY} (leader): 9 participants recruited · 1 room lent · 2 sessions hosted · 1 trainer"
        in post_en
    )
    assert f"{KGW}: a partner of the partnership: thank you for taking part" in post_en


async def test_certificates_go_to_each_partners_representatives(
    running_bot: BotUnderTest, database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    await register_group(running_bot, coordinator=COORD)
    await _four_partners(database, clock.now())
    await running_bot.deliver(tg.message(tg.private_chat(COORD), COORD, "/certificate"))
    documents = {c.params["chat_id"]: c for c in running_bot.fake.calls("sendDocument")}
    assert set(documents) == {
        OLA["id"],
        PIOTR["id"],
        ZOSIA["id"],
        COORD["id"],
    }  # KGW has no one: via the coordinator
    library = pdf_text(documents[OLA["id"]].files["document"], tmp_path, "library")
    assert library.startswith("pages=1\n")
    assert "Zaświadczenie o współpracy" in library and LIBRARY in library
    assert "9 zrekrutowanych uczestników · 1 użyczona sala · 2 szkolenia u siebie · 1 trener" in library
    assert (
        "Claire Coordinator, koordynator(ka) partnerstwa" in library
        and f"{LIBRARY}, lider partnerstwa" in library
    )
    kgw = pdf_text(documents[COORD["id"]].files["document"], tmp_path, "kgw")
    assert KGW in kgw and "dziękujemy za udział" in kgw
    report = last_text(running_bot, COORD["id"])
    assert f"{PARISH}: sent to Piotr" in report and KGW in report


async def _close_round(bot: BotUnderTest, database: Database, clock: ManualClock) -> None:
    """/closing, the questions, two partners answer, the reminder to the silent one, the summary."""
    bot.fake.clear_calls()
    await bot.deliver(tg.message(tg.supergroup(GROUP_ID, "Czarne"), COORD, "/closing"))
    assert (await _partnership(database)).stage is Stage.CLOSING
    async with database.transaction() as session:
        waiting = list(
            await session.exec(
                select(Delivery).where(Delivery.kind == "recommend_ask", Delivery.status == "pending")
            )
        )
    if waiting:  # /closing came in quiet hours: the questions go when they end
        clock.set(as_utc(waiting[0].due_at))
        await bot.dispatcher.tick()
    asked = {c.params["chat_id"] for c in bot.fake.calls("sendMessage")} - {GROUP_ID}
    assert asked == {OLA["id"], PIOTR["id"], ZOSIA["id"]}
    assert "Które grupy mieszkańców nadal potrzebują wsparcia" in last_text(bot, OLA["id"])
    for who, number, text in [
        (OLA, 1, "seniorzy z dalszych wsi"),
        (OLA, 2, "zajęcia w bibliotece w małych grupach"),
        (OLA, 3, "stały punkt pomocy cyfrowej"),
        (PIOTR, 1, "samotni seniorzy"),
        (PIOTR, 3, "ogłoszenia parafialne o kursach"),
    ]:
        await bot.deliver(tg.message(tg.private_chat(who), who, f"/recommend {number} {text}"))
    assert "Dziękuję! Zapisano odpowiedź 3" in last_text(bot, PIOTR["id"])
    clock.set(await _due(database, "recommend_reminder"))
    bot.fake.clear_calls()
    await bot.dispatcher.tick()
    reminded = {c.params["chat_id"] for c in bot.fake.calls("sendMessage")} & {
        OLA["id"],
        PIOTR["id"],
        ZOSIA["id"],
    }
    assert reminded == {ZOSIA["id"]}  # only the silent one
    assert "Przypomnienie" in last_text(bot, ZOSIA["id"])
    clock.set(await _due(database, "recommend_close"))
    await bot.dispatcher.tick()
    summary = bot.fake.sent_texts(COORD["id"], plain=True)[-1]
    assert f"• {LIBRARY}: seniorzy z dalszych wsi" in summary and f"• {PARISH}: samotni seniorzy" in summary
    assert f"Not answered: {KGW}, {SCHOOL}" in summary


async def _due(database: Database, kind: str) -> datetime:
    async with database.transaction() as session:
        (row,) = await session.exec(
            select(Delivery).where(Delivery.kind == kind, Delivery.status == "pending")
        )
    return as_utc(row.due_at)


async def test_closing_round_document_and_close(
    running_bot: BotUnderTest, database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    await register_group(running_bot, coordinator=COORD)
    await _four_partners(database, clock.now())
    await _close_round(running_bot, database, clock)
    private = tg.private_chat(COORD)
    await running_bot.deliver(tg.message(private, COORD, "/conclusions Keep the library point open."))
    await running_bot.deliver(tg.message(private, COORD, "/conclusions + Fund a trainer for the villages."))
    running_bot.fake.clear_calls()
    await running_bot.deliver(tg.message(private, COORD, "/recommendations doc"))
    docx_call, pdf_call = running_bot.fake.calls("sendDocument")
    document = read_docx(io.BytesIO(docx_call.files["document"]))
    paragraphs = [p.text for p in document.paragraphs]
    q1 = paragraphs.index("1. Które grupy mieszkańców nadal potrzebują wsparcia w umiejętnościach cyfrowych?")
    q2 = paragraphs.index(
        "2. Które sposoby docierania do mieszkańców i szkolenia ich sprawdziły się najlepiej?"
    )
    q3 = next(i for i, p in enumerate(paragraphs) if p.startswith("3. "))
    assert paragraphs[q1 + 1 : q2] == [f"{LIBRARY}: seniorzy z dalszych wsi", f"{PARISH}: samotni seniorzy"]
    assert paragraphs[q2 + 1] == f"{LIBRARY}: zajęcia w bibliotece w małych grupach"
    assert f"{PARISH}: ogłoszenia parafialne o kursach" in paragraphs[q3:]
    assert f"Bez odpowiedzi: {KGW}, {SCHOOL}" in paragraphs
    assert "Keep the library point open.\nFund a trainer for the villages." in paragraphs
    (table,) = document.tables
    assert [c.text for c in table.rows[1].cells] == ["Rok 1", "seniorzy", "100", "19"]
    assert len(document.inline_shapes) == 1  # the chart
    text = pdf_text(pdf_call.files["document"], tmp_path, "recommendations")
    assert "Rekomendacje dla gminy" in text and f"{PARISH}: samotni seniorzy" in text and KGW in text

    running_bot.fake.clear_calls()
    await running_bot.deliver(tg.message(private, COORD, "/recommendations doc en"))
    english = read_docx(io.BytesIO(running_bot.fake.calls("sendDocument")[0].files["document"]))
    lines = [p.text for p in english.paragraphs]
    assert lines[0] == "Recommendations for the municipality"
    assert "1. Which groups of residents still need support with digital skills?" in lines
    assert f"{LIBRARY}: seniorzy z dalszych wsi" in lines  # the partners' own words are kept
    await running_bot.deliver(tg.message(private, COORD, "/decide close the goals are met"))
    partnership = await _partnership(database)
    assert partnership.stage is Stage.CLOSED
    async with database.transaction() as session:
        assert all(s.is_paused for s in await session.exec(select(Schedule)))
        pending = list(
            await session.exec(select(Delivery).where(Delivery.status == DeliveryStatus.PENDING.value))
        )
    assert pending == []
    from bot.services.retention import _note_closings

    await _note_closings(database, now=clock.now())
    assert (await _partnership(database)).closed_at is not None  # the retention clock starts


async def test_continuing_opens_a_new_period_and_keeps_schedules(
    running_bot: BotUnderTest, database: Database, clock: ManualClock
) -> None:
    await register_group(running_bot, coordinator=COORD)
    await _four_partners(database, clock.now())
    await _close_round(running_bot, database, clock)
    await running_bot.deliver(
        tg.message(tg.private_chat(COORD), COORD, "/decide continue new groups need us")
    )
    assert "continues with a new plan period" in last_text(running_bot, COORD["id"])
    partnership = await _partnership(database)
    assert partnership.stage is Stage.OPERATING
    async with database.transaction() as session:
        first, second = await session.exec(select(PlanPeriod).order_by(col(PlanPeriod.starts_on)))
        assert second.starts_on == first.ends_on + timedelta(days=1)
        assert not any(s.is_paused for s in await session.exec(select(Schedule)))
        decided = (await session.exec(select(RecommendationRound))).one()
    assert decided.decision == "continue" and decided.reasons == "new groups need us" and decided.decided_at


async def test_the_card_at_a_periods_end_waits_for_the_coordinator(
    running_bot: BotUnderTest, database: Database, clock: ManualClock
) -> None:
    await register_group(running_bot, coordinator=COORD)
    await _four_partners(database, clock.now())
    partnership = await _partnership(database)
    async with database.transaction() as session:
        period = (await session.exec(select(PlanPeriod))).one()
        await (await session.connection()).execute(delete(Delivery).where(col(Delivery.status) == "pending"))
        the_day_after = datetime.combine(period.ends_on, time(12), tzinfo=WARSAW)
        await watch.queue_watch(session, partnership=partnership, after=the_day_after, rules=SendingRules())
    clock.set(await _due(database, "watch"))  # the daily watch on the first day after the period
    running_bot.fake.clear_calls()
    await running_bot.dispatcher.tick()
    await running_bot.dispatcher.tick()
    photos = running_bot.fake.calls("sendPhoto")
    assert [c.params["chat_id"] for c in photos] == [COORD["id"]]  # not in the group before it is confirmed
    assert png_size(photos[0].files["photo"])[0] == 1080
    offer = last_text(running_bot, COORD["id"])
    assert "The period “Rok 1” has ended" in offer and "przeszkoleni mieszkańcy: 19" in offer
    offer_buttons = buttons(running_bot, COORD["id"])
    await press(running_bot, COORD, COORD["id"], offer_buttons["📣 Post in the group"])
    group_photos = [c for c in running_bot.fake.calls("sendPhoto") if c.params["chat_id"] == GROUP_ID]
    assert len(group_photos) == 1
    post = running_bot.fake.sent_texts(GROUP_ID, plain=True)[-1]
    assert all(name in post for name in (LIBRARY, PARISH, SCHOOL, KGW))
    running_bot.fake.clear_calls()
    await press(running_bot, COORD, COORD["id"], offer_buttons["📜 Send the certificates"])
    sent = {c.params["chat_id"] for c in running_bot.fake.calls("sendDocument")}
    assert sent == {OLA["id"], PIOTR["id"], ZOSIA["id"], COORD["id"]}  # the period's certificates, on request
    async with database.transaction() as session:
        stored = await session.get(type(partnership), partnership.id)
        assert stored is not None
        again = await credit.queue_period_cards(
            session, partnership=stored, now=clock.now(), rules=SendingRules()
        )
    assert again == 0  # one card per period
