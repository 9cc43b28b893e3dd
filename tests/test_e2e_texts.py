"""End to end: what a coordinator reads, in Polish and in English (issue 12, and 11's chart)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, delete, select

from bot import clock
from bot.db import Database
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


async def with_partners(database: Database, people: Cast, *, statuses: int = 3) -> list[int]:
    """One organisation per representative ("Biblioteka", "OSP", "Parafia"), active, linked."""
    partnership = await _partnership(database)
    ids = []
    async with database.transaction() as session:
        for rep, name in zip(people.reps[:statuses], ["Biblioteka", "OSP", "Parafia"], strict=False):
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
    await with_partners(database, people, statuses=1)
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
        manual_clock.advance(timedelta(hours=24))
        await running_bot.dispatcher.tick()  # the reminder (mentions are fine: it asks them to answer)
        before = len(running_bot.fake.sent_texts(GROUP_ID))
        running_bot.fake.fail_next(
            "sendMessage",
            error_code=403,
            description="Forbidden: bot can't initiate conversation with a user",
        )
        manual_clock.advance(timedelta(hours=24, minutes=1))
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
