"""End to end: what a coordinator reads, in Polish and in English (issue 12, and 11's chart)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, delete, select

from bot import clock
from bot.db import Database, as_utc
from bot.models import AppointedRole, Delivery, PartnerKind, PartnerStatus, Task
from bot.services import plan, registry
from bot.services.people import PersonInfo
from tests.e2e_fixtures import GROUP_ID, register_group
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest
from tests.test_e2e_registry import _partnership, buttons, last_text

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Warsaw
LANGS = ["pl", "en"]


@dataclass(frozen=True)
class Cast:
    """The people of one test, all speaking one language."""

    lang: str
    coord: dict[str, Any]
    reps: list[dict[str, Any]]
    other: dict[str, Any]


def cast(lang: str) -> Cast:
    """A coordinator, three representatives and a member with no role, in one language."""
    return Cast(
        lang,
        tg.user(6001, "Anna", last_name="Nowak", language_code=lang),
        [tg.user(6010 + i, name, language_code=lang) for i, name in enumerate(["Ola", "Piotr", "Zosia"])],
        tg.user(6020, "Olga", language_code=lang),
    )


def say_lang(lang: str, pl: str, en: str) -> str:
    """The expected text in the test's language."""
    return pl if lang == "pl" else en


@pytest.fixture(autouse=True)
def manual_clock() -> Iterator[clock.ManualClock]:
    """The whole bot on Monday 7 December 2026, 10:00 in Warsaw, until a test moves it."""
    with clock.using(clock.ManualClock(START)) as installed:
        assert isinstance(installed, clock.ManualClock)
        yield installed


async def press_data(bot: BotUnderTest, who: dict[str, Any], chat_id: int, data: str) -> dict[str, Any]:
    """Press a button on the bot's latest message in a chat; the answer to the press."""
    await bot.deliver(tg.callback_query(who, bot.fake.last_message(chat_id), data))
    return bot.fake.calls("answerCallbackQuery")[-1].params


async def with_partners(database: Database, people: Cast, *, count: int = 3) -> list[int]:
    """One organisation per representative ("Biblioteka", "OSP", "Parafia"), active, linked."""
    partnership = await _partnership(database)
    ids = []
    async with database.transaction() as session:
        for rep, name in zip(people.reps[:count], ["Biblioteka", "OSP", "Parafia"], strict=False):
            partner = await registry.add_partner(
                session,
                partnership=partnership,
                name=name,
                kind=PartnerKind.NGO,
                status=PartnerStatus.ACTIVE,
                by_user_id=people.coord["id"],
            )
            await registry.add_representative(
                session, partner=partner, person=PersonInfo(rep["id"], rep["first_name"])
            )
            assert partner.id is not None
            ids.append(partner.id)
    return ids


async def without_routines(database: Database) -> None:
    """Drop the weekly digest and daily watch /setup queued, so only what a test makes is due."""
    async with database.transaction() as session:
        await (await session.connection()).execute(
            delete(Delivery).where(col(Delivery.kind).in_(["digest", "watch"]))
        )


# --------------------------------------------------------------------------- who sees what


@pytest.mark.parametrize("lang", LANGS)
async def test_refused_button_is_an_alert_to_the_presser_only(
    running_bot: BotUnderTest, database: Database, lang: str
) -> None:
    people = cast(lang)
    chat = await register_group(running_bot, coordinator=people.coord)
    await with_partners(database, people, count=1)
    await running_bot.deliver(tg.message(chat, people.other, "/join"))
    await press_data(running_bot, people.other, GROUP_ID, buttons(running_bot, GROUP_ID)["Biblioteka"])
    save = next(v for k, v in buttons(running_bot, GROUP_ID).items() if k.startswith("✔"))
    await press_data(running_bot, people.other, GROUP_ID, save)
    request = last_text(running_bot, GROUP_ID)
    # The request names the coordinator with a mention, so Telegram notifies them.
    assert f'<a href="tg://user?id={people.coord["id"]}">Anna Nowak</a>' in request
    approve = next(v for k, v in buttons(running_bot, GROUP_ID).items() if k.startswith("✔"))
    posts_before = len(running_bot.fake.sent_texts(GROUP_ID))
    answer = await press_data(running_bot, people.reps[0], GROUP_ID, approve)
    assert answer["show_alert"] is True
    assert answer["text"].startswith(
        say_lang(lang, "Tylko koordynator partnerstwa", "Only the partnership's coordinator")
    )
    assert len(running_bot.fake.sent_texts(GROUP_ID)) == posts_before  # nothing posted to the group


@pytest.mark.parametrize("lang", LANGS)
async def test_history_button_of_another_partnership_says_it_belongs_elsewhere(
    running_bot: BotUnderTest, database: Database, lang: str
) -> None:
    people = cast(lang)
    await register_group(running_bot, coordinator=people.coord)
    other_chat = tg.supergroup(-100_900_800_700, "Radlin")
    await register_group(running_bot, chat=other_chat, name="Partnerstwo Radlin", coordinator=people.coord)
    first = await _partnership(database)
    posts_before = len(running_bot.fake.sent_texts(other_chat["id"]))
    answer = await press_data(running_bot, people.other, other_chat["id"], f"hist:{first.id}:0")
    assert answer["show_alert"] is True
    assert answer["text"] == say_lang(
        lang,
        "Ten przycisk należy do czatu innego partnerstwa; tutaj nic nie robi.",
        "This button belongs to another partnership's chat; it does nothing here.",
    )
    assert len(running_bot.fake.sent_texts(other_chat["id"])) == posts_before


# --------------------------------------------------------------------------- check-ins


async def next_due(database: Database, kind: str) -> datetime:
    """When the earliest pending delivery of a kind is due (the calendar decides, not the test)."""
    async with database.transaction() as session:
        pending = select(Delivery).where(Delivery.kind == kind, Delivery.status == "pending")
        return min(as_utc(row.due_at) for row in await session.exec(pending))


async def open_checkin(bot: BotUnderTest, chat: dict[str, Any], people: Cast, question: str) -> list[str]:
    """/checkin in the group; the callback data of its answer buttons (done, progress, help)."""
    await bot.deliver(tg.message(chat, people.coord, f"/checkin {question}"))
    markup = bot.fake.last_message(GROUP_ID)["reply_markup"]["inline_keyboard"]
    return [b["callback_data"] for b in markup[0]]


@pytest.mark.parametrize("lang", LANGS)
async def test_checkin_round_from_question_to_summary_and_late_answer(
    running_bot: BotUnderTest, database: Database, manual_clock: clock.ManualClock, lang: str
) -> None:
    people = cast(lang)
    chat = await register_group(running_bot, coordinator=people.coord)
    await with_partners(database, people)
    await without_routines(database)
    ola, piotr, zosia = people.reps
    # Zosia is on holiday: she says so privately.
    await running_bot.deliver(tg.message(tg.private_chat(zosia), zosia, "/pausereminders 20.12.2026"))
    assert say_lang(lang, "Do 20.12.2026 ", "until 20 Dec 2026.") in last_text(running_bot, zosia["id"])
    done, _progress, need_help = await open_checkin(running_bot, chat, people, "Jak idzie promocja?")
    question_message = running_bot.fake.last_message(GROUP_ID)
    question = last_text(running_bot, GROUP_ID)
    assert (
        say_lang(
            lang, "Odpowiedzi do: środa, 9 grudnia, 10:00.", "Answers until: Wednesday, 9 December, 10:00."
        )
        in question
    )
    await press_data(running_bot, ola, GROUP_ID, need_help)
    manual_clock.advance(timedelta(hours=24))
    await running_bot.dispatcher.tick()  # the reminder
    reminder = last_text(running_bot, GROUP_ID)
    assert "Piotr" in reminder and "Zosia" not in reminder and "Ola" not in reminder
    assert (
        say_lang(
            lang, "Odpowiedzi do: środa, 9 grudnia, 10:00.", "Answers until: Wednesday, 9 December, 10:00."
        )
        in reminder
    )
    manual_clock.advance(timedelta(hours=24, minutes=1))
    await running_bot.dispatcher.tick()  # the close
    summary = last_text(running_bot, people.coord["id"])
    assert "🆘 Ola (Biblioteka): " + say_lang(lang, "potrzebuje pomocy", "needs help") in summary
    assert (
        say_lang(
            lang, "🆘 Wymaga Twojej reakcji: Ola (Biblioteka)", "🆘 Needs your follow-up: Ola (Biblioteka)"
        )
        in summary
    )
    assert (
        say_lang(
            lang,
            "Na urlopie (przypomnienia wstrzymane): Zosia (Parafia)",
            "On leave (reminders paused): Zosia (Parafia)",
        )
        in summary
    )
    assert say_lang(lang, "Bez odpowiedzi: Piotr (OSP)", "Did not answer: Piotr (OSP)") in summary
    # Piotr answers after the close: the coordinator hears of it privately, the group does not.
    group_posts = len(running_bot.fake.sent_texts(GROUP_ID))
    await running_bot.deliver(tg.callback_query(piotr, question_message, done))
    late = last_text(running_bot, people.coord["id"])
    assert (
        say_lang(
            lang,
            "Spóźniona odpowiedź na pytanie kontrolne „Jak idzie promocja?”: Piotr (OSP): ",
            "Late answer to the check-in “Jak idzie promocja?”: Piotr (OSP): ",
        )
        in late
    )
    assert len(running_bot.fake.sent_texts(GROUP_ID)) == group_posts


@pytest.mark.parametrize("lang", LANGS)
async def test_non_responders_are_never_named_in_the_group(
    running_bot: BotUnderTest, database: Database, manual_clock: clock.ManualClock, lang: str
) -> None:
    people = cast(lang)
    chat = await register_group(running_bot, coordinator=people.coord)
    await with_partners(database, people)
    await without_routines(database)
    for round_no in range(2):
        await open_checkin(running_bot, chat, people, f"Pytanie {round_no}")
        manual_clock.set(await next_due(database, "checkin_reminder"))
        await running_bot.dispatcher.tick()  # the reminder (mentions are fine: it asks them to answer)
        before = len(running_bot.fake.sent_texts(GROUP_ID))
        running_bot.fake.fail_next(
            "sendMessage",
            error_code=403,
            description="Forbidden: bot can't initiate conversation with a user",
        )
        manual_clock.set(await next_due(database, "checkin_close"))
        await running_bot.dispatcher.tick()  # the close: the coordinator cannot be written to
        after = running_bot.fake.sent_texts(GROUP_ID)[before:]
        for text in after:
            assert all(rep["first_name"] not in text for rep in people.reps)
        if round_no == 0:
            (notice,) = after
            assert f"tg://user?id={people.coord['id']}" in notice
            assert say_lang(lang, "Otwórz ze mną prywatny czat", "Open a private chat with me") in notice
        else:
            assert after == []  # asked once only
        manual_clock.advance(timedelta(days=1))
    await running_bot.deliver(tg.message(chat, people.other, "/status"))
    status = last_text(running_bot, GROUP_ID)
    assert all(rep["first_name"] not in status for rep in people.reps), status  # no "Piotr 0/2" in the group


# --------------------------------------------------------------------------- hand-over and brief


@pytest.mark.parametrize(("lang", "their_lang"), [("pl", "en"), ("en", "pl")])
async def test_handover_brief_picker_and_the_former_coordinator(
    running_bot: BotUnderTest, database: Database, lang: str, their_lang: str
) -> None:
    people = cast(lang)
    successor = tg.user(6030, "Ewa", language_code=their_lang)
    supervisor = tg.user(6031, "Sue", language_code=lang)
    chat = await register_group(running_bot, coordinator=people.coord)
    partnership = await _partnership(database)
    async with database.transaction() as session:
        library = await registry.add_partner(
            session,
            partnership=partnership,
            name="Biblioteka",
            kind=PartnerKind.LIBRARY,
            status=PartnerStatus.ACTIVE,
            by_user_id=people.coord["id"],
        )
        await registry.add_representative(session, partner=library, person=PersonInfo(6030, "Ewa"))
        await registry.add_partner(  # joined minutes ago: not "silent" yet
            session,
            partnership=partnership,
            name="Parafia",
            kind=PartnerKind.PARISH,
            status=PartnerStatus.JOINED,
            by_user_id=people.coord["id"],
        )
        await registry.appoint(
            session, partnership=partnership, person=PersonInfo(6031, "Sue"), role=AppointedRole.SUPERVISOR
        )
    await running_bot.deliver(
        tg.message(tg.private_chat(successor), successor, "/help")
    )  # known, with a language
    await running_bot.deliver(tg.message(chat, supervisor, "Dzień dobry wszystkim"))
    await running_bot.deliver(tg.message(chat, successor, "Plakaty wiszą w bibliotece"))
    await running_bot.deliver(tg.message(chat, people.other, "/join"))  # a pending request, nothing more
    await running_bot.deliver(tg.message(chat, people.other, "/partners"))
    await running_bot.deliver(tg.message(chat, people.coord, "/handover"))
    offered = {k for k in buttons(running_bot, GROUP_ID) if not k.startswith("✖")}
    assert offered == {"Ewa"}  # not the supervisor, not the person with only a join request
    await press_data(running_bot, people.coord, GROUP_ID, buttons(running_bot, GROUP_ID)["Ewa"])
    save = next(v for k, v in buttons(running_bot, GROUP_ID).items() if k.startswith("✔"))
    await press_data(running_bot, people.coord, GROUP_ID, save)
    brief = last_text(running_bot, successor["id"])
    assert say_lang(their_lang, "<b>Notatka przekazania: ", "<b>Hand-over brief: ") in brief
    quiet = brief.split(say_lang(their_lang, "Cisza (30 dni lub dłużej)", "Gone quiet (30 days or more)"))[1]
    assert quiet.split("\n")[1] == say_lang(their_lang, "Nikt.", "Nobody.")
    recent = brief.split(say_lang(their_lang, "Ostatnia komunikacja", "Recent communication"))[1]
    assert "Plakaty wiszą w bibliotece" in recent and "Dzień dobry wszystkim" in recent
    assert "/partners" not in recent and "/join" not in recent and "/handover" not in recent
    # The former coordinator, privately: told plainly what happened and what they still see.
    await running_bot.deliver(tg.message(tg.private_chat(people.coord), people.coord, "/status"))
    told = last_text(running_bot, people.coord["id"])
    assert (
        say_lang(
            lang,
            "Rola koordynatora partnerstwa „Partnerstwo Czarne” została 7.12.2026 przekazana przez Ciebie: "
            "pełni ją teraz Ewa.",
            "You handed the coordinator role of “Partnerstwo Czarne” over to Ewa on 7 Dec 2026",
        )
        in told
    )
    assert "/status, /history, /partners" in told and "/setup" not in told
    # Menus: the former coordinator's own menus are removed, the new one's are set.
    removed = {c.params["scope"]["type"] for c in running_bot.fake.calls("deleteMyCommands")}
    assert removed == {"chat_member", "chat"}
    given = [c for c in running_bot.fake.calls("setMyCommands") if c.params["scope"].get("user_id") == 6030]
    assert given and all("handover" in {x["command"] for x in c.params["commands"]} for c in given)


# --------------------------------------------------------------------------- reminders and digests


@pytest.mark.parametrize("lang", LANGS)
async def test_digest_counts_answers_not_comments_and_marks_overdue_tasks(
    running_bot: BotUnderTest, database: Database, manual_clock: clock.ManualClock, lang: str
) -> None:
    people = cast(lang)
    chat = await register_group(running_bot, coordinator=people.coord)
    partner_ids = await with_partners(database, people)
    ola, piotr, _zosia = people.reps
    done, progress, _help = await open_checkin(running_bot, chat, people, "Jak idzie?")
    question = running_bot.fake.last_message(GROUP_ID)
    await running_bot.deliver(tg.callback_query(ola, question, done))
    await running_bot.deliver(tg.message(chat, ola, "Plakaty wiszą", reply_to=question))
    await running_bot.deliver(tg.message(chat, ola, "I ulotki też", reply_to=question))
    await running_bot.deliver(tg.callback_query(piotr, question, progress))
    partnership = await _partnership(database)
    async with database.transaction() as session:
        session.add(
            Task(
                partnership_id=partnership.id or 0,
                partner_id=partner_ids[1],
                text="Plakaty w remizie",
                due_on=date(2026, 12, 10),
                created_by_user_id=people.coord["id"],
            )
        )
    manual_clock.set(datetime(2026, 12, 14, 7, 0, tzinfo=UTC))  # Monday 8:00 in Warsaw
    await running_bot.dispatcher.tick()
    digest = next(
        t
        for t in running_bot.fake.sent_texts(people.coord["id"])
        if say_lang(lang, "Twój tydzień", "Your week") in t
    )
    answers = say_lang(lang, "odpowiedzi na pytania kontrolne: 2", "check-in answers: 2")
    assert answers in digest
    assert (
        say_lang(
            lang,
            "• OSP: Plakaty w remizie (⚠️ po terminie od 10.12)",
            "• OSP: Plakaty w remizie (⚠️ overdue since 10 Dec)",
        )
        in digest
    )


@pytest.mark.parametrize("lang", LANGS)
async def test_schedule_add_says_why_the_first_check_in_moved_and_lists_with_the_right_quotes(
    running_bot: BotUnderTest, lang: str
) -> None:
    people = cast(lang)
    await register_group(running_bot, coordinator=people.coord)
    private = tg.private_chat(people.coord)
    me = people.coord["id"]
    await running_bot.deliver(tg.message(private, people.coord, "/schedule add"))
    await press_data(
        running_bot, people.coord, me, buttons(running_bot, me)[say_lang(lang, "co tydzień", "every week")]
    )
    await press_data(
        running_bot, people.coord, me, buttons(running_bot, me)[say_lang(lang, "czwartek", "Thursday")]
    )
    await running_bot.deliver(tg.message(private, people.coord, "21:00"))
    await running_bot.deliver(tg.message(private, people.coord, "Jak idzie?"))
    save = next(v for k, v in buttons(running_bot, me).items() if k.startswith("✔"))
    await press_data(running_bot, people.coord, me, save)
    assert last_text(running_bot, me) == say_lang(
        lang,
        "Zaplanowano pytanie kontrolne. Pierwsze: piątek, 11 grudnia, 08:00. Przesunąłem je z terminu "
        "czwartek, 10 grudnia, 21:00: nie wysyłam nic między 20:00 a 8:00, w weekendy ani w święta.",
        "Check-in scheduled. The first one: Friday, 11 December, 08:00. It was moved from Thursday, "
        "10 December, 21:00: I send nothing between 20:00 and 8:00, at weekends or on public holidays.",
    )
    await running_bot.deliver(tg.message(private, people.coord, "/schedule"))
    listing = last_text(running_bot, me)
    assert say_lang(lang, "„Jak idzie?”", "“Jak idzie?”") in listing
    assert say_lang(lang, "“", "„") not in listing


@pytest.mark.parametrize("lang", LANGS)
async def test_meeting_time_reads_as_words(running_bot: BotUnderTest, lang: str) -> None:
    people = cast(lang)
    await register_group(running_bot, coordinator=people.coord)
    private = tg.private_chat(people.coord)
    me = people.coord["id"]
    await running_bot.deliver(tg.message(private, people.coord, "/meeting"))
    for answer in ("10.12.2026 17:00", "Biblioteka", "Podsumowanie roku"):
        await running_bot.deliver(tg.message(private, people.coord, answer))
    save = next(v for k, v in buttons(running_bot, me).items() if k.startswith("✔"))
    await press_data(running_bot, people.coord, me, save)
    invitation = next(t for t in running_bot.fake.sent_texts(GROUP_ID) if "Biblioteka" in t)
    assert (
        say_lang(lang, "Kiedy: czwartek, 10 grudnia 2026, 17:00", "When: Thursday, 10 December 2026, 17:00")
        in invitation
    )


@pytest.mark.parametrize("lang", LANGS)
async def test_removed_from_the_group_says_everything_stopped(
    running_bot: BotUnderTest, database: Database, manual_clock: clock.ManualClock, lang: str
) -> None:
    people = cast(lang)
    chat = await register_group(running_bot, coordinator=people.coord)
    await without_routines(database)
    running_bot.fake.fail_next(
        "sendMessage", error_code=403, description="Forbidden: bot was kicked from the supergroup chat"
    )
    await running_bot.deliver(tg.message(chat, people.coord, "/checkin Jak idzie?"))
    notice = last_text(running_bot, people.coord["id"])
    assert (
        say_lang(
            lang,
            "pytania kontrolne, ogłoszenia i przypomnienia o zadaniach i spotkaniach, prośby o rekrutację "
            "oraz Twoje cotygodniowe podsumowanie",
            "check-ins, task and meeting announcements and reminders, recruitment nudges, and your "
            "weekly digest",
        )
        in notice
    )


# --------------------------------------------------------------------------- language, dates, numbers


@pytest.mark.parametrize(
    ("lang", "word", "expected"),
    [
        ("pl", "en", "Language set: English. I will speak to you in English."),
        ("en", "polski", "Ustawiono język: polski. Będę pisać do ciebie po polsku."),
    ],
)
async def test_language_with_an_argument_switches_at_once(
    running_bot: BotUnderTest, lang: str, word: str, expected: str
) -> None:
    person = cast(lang).other
    await running_bot.deliver(tg.message(tg.private_chat(person), person, f"/language {word}"))
    assert last_text(running_bot, person["id"]) == expected
    assert "reply_markup" not in running_bot.fake.last_message(person["id"])


@pytest.mark.parametrize("lang", LANGS)
async def test_dates_in_day_month_order_without_seconds(running_bot: BotUnderTest, lang: str) -> None:
    people = cast(lang)
    chat = await register_group(running_bot, coordinator=people.coord)
    await running_bot.deliver(tg.message(chat, people.reps[0], "Dzień dobry"))
    await running_bot.deliver(tg.message(chat, people.other, "/status"))
    status = last_text(running_bot, GROUP_ID)
    assert say_lang(lang, "Zarejestrowano: 7.12.2026", "Registered: 7 Dec 2026") in status
    await running_bot.deliver(tg.message(chat, people.other, "/history"))
    history = last_text(running_bot, GROUP_ID)
    assert say_lang(lang, "7.12.2026, 10:00", "7 Dec 2026, 10:00") in history
    assert "10:00:00" not in history and "12/7/26" not in history


# --------------------------------------------------------------------------- status, chart, menus


async def plan_with_sessions(
    database: Database, trained: dict[str, list[tuple[date, int]]], targets: dict[str, int]
) -> None:
    """A 2026 period with targets, and sessions with their outcomes, straight through the services."""
    partnership = await _partnership(database)
    assert partnership.id is not None
    async with database.transaction() as session:
        groups = {g.key: g for g in await plan.target_groups(session, partnership_id=partnership.id)}
        for name in set(trained) | set(targets):
            if name not in groups:
                groups[name] = await plan.add_target_group(session, partnership_id=partnership.id, name=name)
        period = await plan.add_period(
            session,
            partnership_id=partnership.id,
            name="2026",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
        )
        for key, count in targets.items():
            await plan.set_target(session, period=period, group=groups[key], count=count, by_user_id=1)
        for key, days in trained.items():
            group = groups[key]
            assert group.id is not None
            for day, n in days:
                training = await plan.add_session(
                    session,
                    partnership_id=partnership.id,
                    starts_at=datetime(day.year, day.month, day.day, 15, tzinfo=UTC),
                    topic="Bankowość",
                    group=group,
                    seats=max(n, 1),
                    local_day=day,
                )
                await plan.record_outcome(
                    session,
                    training=training,
                    outcome=plan.Outcome(registered=n, trained={group.id: n}, with_disability=0, sources={}),
                )


@pytest.mark.parametrize("lang", LANGS)
async def test_status_shows_share_of_target_and_the_pro_rata_expectation(
    running_bot: BotUnderTest, database: Database, lang: str
) -> None:
    people = cast(lang)
    chat = await register_group(running_bot, coordinator=people.coord)
    await plan_with_sessions(database, {"seniors": [(date(2026, 11, 20), 9)]}, {"seniors": 100})
    await running_bot.deliver(tg.message(chat, people.other, "/status"))
    # 7 December is day 341 of 365: 100 × 341/365 = 93.4 expected by today.
    assert say_lang(
        lang, "seniorzy: 9 z 100 (9%), do dziś oczekiwano 93", "seniors: 9 of 100 (9%), expected by today 93"
    ) in last_text(running_bot, GROUP_ID)


def png_size(picture: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header."""
    assert picture.startswith(b"\x89PNG\r\n\x1a\n")
    return int.from_bytes(picture[16:20], "big"), int.from_bytes(picture[20:24], "big")


@pytest.mark.parametrize("lang", LANGS)
async def test_chart_for_no_data_one_session_and_groups_of_very_different_sizes(
    running_bot: BotUnderTest, database: Database, lang: str, tmp_path: Any
) -> None:
    people = cast(lang)
    chat = await register_group(running_bot, coordinator=people.coord)
    await running_bot.deliver(tg.message(chat, people.other, "/chart"))
    (empty,) = running_bot.fake.calls("sendPhoto")
    assert png_size(empty.files["photo"]) == (800, 320)  # the "no data yet" picture
    await plan_with_sessions(
        database,
        {
            "seniors": [(date(2026, 3, 1), 300), (date(2026, 9, 1), 400), (date(2026, 9, 2), 120)],
            "farmers": [(date(2026, 6, 1), 3)],
            "$\\bad$": [(date(2026, 10, 1), 2)],
        },
        {"seniors": 1000, "farmers": 5, "$\\bad$": 4},
    )
    running_bot.fake.clear_calls()
    await running_bot.deliver(tg.message(chat, people.other, "/chart"))
    (call,) = running_bot.fake.calls("sendPhoto")
    width, height = png_size(call.files["photo"])
    assert (width, height) == (1000, 730)  # two rows of two panels: one scale per group
    (tmp_path / f"chart-{lang}.png").write_bytes(call.files["photo"])
    caption = call.params["caption"]
    assert say_lang(lang, "Przeszkoleni mieszkańcy", "Trained residents") in caption
    await running_bot.deliver(tg.message(chat, people.other, "/chart 2031"))
    assert say_lang(
        lang, "Nie ma okresu planu o nazwie „2031”", "There is no plan period called “2031”"
    ) in last_text(running_bot, GROUP_ID)


def test_every_command_is_in_a_menu_and_menus_follow_the_roles() -> None:
    from telegram.ext import CommandHandler

    import handlers
    from bot.access import Role, Where
    from bot.commands import COMMANDS, GROUP_COMMANDS, PRIVATE_COMMANDS, menu

    registered = {c for h in handlers.all_handlers() if isinstance(h, CommandHandler) for c in h.commands}
    in_menus = {name for where in Where for role in Role for name, _d in menu(where, role)}
    assert registered == in_menus == {c.name for c in COMMANDS}
    group = {name for name, _d in GROUP_COMMANDS}
    private = {name for name, _d in PRIVATE_COMMANDS}
    coordinator_group = {name for name, _d in menu(Where.GROUP, Role.COORDINATOR)}
    coordinator_private = {name for name, _d in menu(Where.PRIVATE, Role.COORDINATOR)}
    assert {"plan", "chart", "partner"} <= private and "export" not in private and "handover" not in private
    assert {"handover", "checkin", "plan", "chart", "partner"} <= coordinator_group & coordinator_private
    assert "handover" not in group and "setup" in group and "setup" not in coordinator_group
    assert "brief" in coordinator_private and "join" in group


@pytest.mark.parametrize("lang", LANGS)
async def test_the_coordinator_gets_a_menu_of_their_own(running_bot: BotUnderTest, lang: str) -> None:
    people = cast(lang)
    await register_group(running_bot, coordinator=people.coord)
    own = [
        c
        for c in running_bot.fake.calls("setMyCommands")
        if c.params["scope"]["type"] == "chat_member" and c.params.get("language_code") == lang
    ]
    (call,) = own
    commands = {x["command"]: x["description"] for x in call.params["commands"]}
    assert {"handover", "checkin", "plan", "chart", "partner"} <= set(commands)
    assert commands["handover"] == say_lang(
        lang, "Przekaż rolę koordynatora", "Hand the coordinator role over"
    )


@pytest.mark.parametrize("lang", LANGS)
async def test_a_supervisor_gets_export_in_their_private_menu(running_bot: BotUnderTest, lang: str) -> None:
    import re

    people = cast(lang)
    chat = await register_group(running_bot, coordinator=people.coord)
    await running_bot.deliver(tg.message(chat, people.coord, "/invite"))
    role = say_lang(lang, "opiekun (widzi, nie zmienia)", "a supervisor (sees, does not change)")
    await press_data(running_bot, people.coord, GROUP_ID, buttons(running_bot, GROUP_ID)[role])
    save = next(v for k, v in buttons(running_bot, GROUP_ID).items() if k.startswith("✔"))
    await press_data(running_bot, people.coord, GROUP_ID, save)
    token = re.search(r"start=([A-Za-z0-9_-]+)", last_text(running_bot, GROUP_ID))
    assert token
    supervisor = tg.user(6040, "Sam", language_code=lang)
    await running_bot.deliver(tg.message(tg.private_chat(supervisor), supervisor, f"/start {token.group(1)}"))
    menus = [
        c
        for c in running_bot.fake.calls("setMyCommands")
        if c.params["scope"] == {"type": "chat", "chat_id": 6040} and c.params.get("language_code") == lang
    ]
    (call,) = menus
    names = {x["command"] for x in call.params["commands"]}
    assert "export" in names and "handover" not in names and "addpartner" not in names


@pytest.mark.parametrize("lang", LANGS)
async def test_handover_with_nobody_eligible_says_how_to_get_someone(
    running_bot: BotUnderTest, database: Database, lang: str
) -> None:
    people = cast(lang)
    chat = await register_group(running_bot, coordinator=people.coord)
    await running_bot.deliver(tg.message(chat, people.other, "Dzień dobry"))  # a member, not a representative
    await running_bot.deliver(tg.message(chat, people.coord, "/handover"))
    assert say_lang(lang, "Nikt nie może jeszcze przejąć roli", "Nobody can take over yet") in last_text(
        running_bot, GROUP_ID
    )
    assert {k for k in buttons(running_bot, GROUP_ID) if not k.startswith("✖")} == set()


async def test_help_gives_an_existing_coordinator_their_menu(running_bot: BotUnderTest) -> None:
    people = cast("en")
    chat = await register_group(running_bot, coordinator=people.coord)
    running_bot.fake.clear_calls()
    await running_bot.deliver(tg.message(chat, people.other, "/help"))  # a member: no menu of their own
    assert running_bot.fake.calls("setMyCommands") == []
    await running_bot.deliver(tg.message(chat, people.coord, "/help"))
    scopes = {
        (c.params["scope"]["type"], c.params.get("language_code"))
        for c in running_bot.fake.calls("setMyCommands")
    }
    assert ("chat_member", "en") in scopes and ("chat", "pl") in scopes


@pytest.mark.parametrize("lang", LANGS)
async def test_task_due_date_in_the_readers_style(
    running_bot: BotUnderTest, database: Database, lang: str
) -> None:
    people = cast(lang)
    await register_group(running_bot, coordinator=people.coord)
    await with_partners(database, people, count=1)
    private = tg.private_chat(people.coord)
    me = people.coord["id"]
    await running_bot.deliver(tg.message(private, people.coord, "/task"))
    await press_data(running_bot, people.coord, me, buttons(running_bot, me)["Biblioteka"])
    for answer in ("Plakaty w szkole", "10.12.2026"):
        await running_bot.deliver(tg.message(private, people.coord, answer))
    save = next(v for k, v in buttons(running_bot, me).items() if k.startswith("✔"))
    await press_data(running_bot, people.coord, me, save)
    announcement = next(t for t in running_bot.fake.sent_texts(GROUP_ID) if "Plakaty w szkole" in t)
    assert say_lang(lang, "Termin: 10.12.2026.", "Due: 10 Dec 2026.") in announcement


async def test_a_digest_the_coordinator_cannot_receive_pauses_nothing(
    running_bot: BotUnderTest, database: Database, manual_clock: clock.ManualClock
) -> None:
    from datetime import time

    from bot.models import Schedule
    from bot.services import scheduling
    from bot.timing import Recurrence, RecurrenceSpec, SendingRules

    people = cast("en")
    await register_group(running_bot, coordinator=people.coord)
    partnership = await _partnership(database)
    async with database.transaction() as session:
        await scheduling.add_schedule(
            session,
            partnership=partnership,
            spec=RecurrenceSpec(Recurrence.WEEKLY, at=time(9, 0), weekday=0),
            question="Jak idzie?",
            by_user_id=people.coord["id"],
            now=START,
            rules=SendingRules(),
        )
    manual_clock.set(datetime(2026, 12, 14, 7, 0, tzinfo=UTC))  # the digest is due, the check-in not yet
    running_bot.fake.fail_next(
        "sendMessage", error_code=403, description="Forbidden: bot can't initiate conversation with a user"
    )
    await running_bot.dispatcher.tick()
    async with database.transaction() as session:
        failed = [d.kind for d in await session.exec(select(Delivery).where(Delivery.status == "failed"))]
        schedule = (await session.exec(select(Schedule))).one()
    assert failed == ["digest"]
    assert not schedule.is_paused  # the coordinator's private chat, not the group, was unreachable
