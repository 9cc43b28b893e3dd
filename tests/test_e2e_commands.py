"""End to end: /log, /history, /help, /start, /language, choosing a partnership, errors."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.db import Database
from bot.models import EntryKind, LogEntry, Person
from tests.e2e_fixtures import COORDINATOR, GROUP_ID, MEMBER_EN, MEMBER_PL, STRANGER, register_group
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest
from tests.test_e2e_registry import last_text


async def _contacts(database: Database) -> list[LogEntry]:
    async with database.transaction() as session:
        return list(await session.exec(select(LogEntry).where(LogEntry.kind == EntryKind.CONTACT)))


async def test_log_contact_in_group_and_privately(running_bot: BotUnderTest, database: Database) -> None:
    chat = await register_group(running_bot)
    await running_bot.deliver(tg.message(chat, COORDINATOR, "/log telefon Rozmowa z proboszczem"))
    assert (
        "Zapisano w dzienniku „Partnerstwo Czarne”: telefon, „Rozmowa z proboszczem”."
        in (running_bot.fake.sent_texts(GROUP_ID)[-1])
    )
    private = tg.private_chat(COORDINATOR)
    await running_bot.deliver(tg.message(private, COORDINATOR, "/log meeting Met the school head"))
    contacts = await _contacts(database)
    assert [(c.channel, c.text, c.author_user_id) for c in contacts] == [
        ("phone", "Rozmowa z proboszczem", COORDINATOR["id"]),
        ("meeting", "Met the school head", COORDINATOR["id"]),
    ]


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("/log", "Podaj kanał i to, co się wydarzyło."),
        ("/log gołąb Wysłałam list", "Nie znam kanału „gołąb”."),
        ("/log telefon", "Po kanale napisz, co się wydarzyło"),
    ],
)
async def test_bad_log_input_explains_and_saves_nothing(
    running_bot: BotUnderTest, database: Database, command: str, says: str
) -> None:
    chat = await register_group(running_bot)
    await running_bot.deliver(tg.message(chat, COORDINATOR, command))
    answer = running_bot.fake.sent_texts(GROUP_ID)[-1]
    assert says in answer and "Wpisz: /log &lt;kanał&gt;" in answer
    assert await _contacts(database) == []


async def test_only_the_coordinator_records_contacts(running_bot: BotUnderTest, database: Database) -> None:
    chat = await register_group(running_bot)
    await running_bot.deliver(tg.message(chat, MEMBER_EN, "/log phone I called"))
    assert "Only the partnership's coordinator can do this" in running_bot.fake.sent_texts(GROUP_ID)[-1]
    await running_bot.deliver(tg.message(tg.private_chat(STRANGER), STRANGER, "/log phone x y"))
    assert "Nie należysz jeszcze do żadnego partnerstwa" in running_bot.fake.sent_texts(STRANGER["id"])[-1]
    assert await _contacts(database) == []


async def test_history_pages_with_buttons(running_bot: BotUnderTest) -> None:
    chat = await register_group(running_bot)
    await running_bot.deliver(*[tg.message(chat, MEMBER_PL, f"wpis numer {i}") for i in range(20)])
    await running_bot.deliver(tg.message(chat, MEMBER_EN, "/history"))
    page1 = running_bot.fake.calls("sendMessage")[-1]
    assert "Communication log: Partnerstwo Czarne" in page1.params["text"]
    assert "wpis numer 19" in page1.params["text"] and "wpis numer 5" not in page1.params["text"]
    buttons = page1.params["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["Older »"]
    bot_message = running_bot.fake.last_message(GROUP_ID)
    await running_bot.deliver(tg.callback_query(MEMBER_EN, bot_message, buttons[0]["callback_data"]))
    edit = running_bot.fake.calls("editMessageText")[-1]
    assert "(page 2)" in edit.params["text"] and "wpis numer 11" in edit.params["text"]
    assert [b["text"] for b in edit.params["reply_markup"]["inline_keyboard"][0]] == ["« Newer", "Older »"]
    assert running_bot.fake.calls("answerCallbackQuery")


async def test_no_one_sees_another_partnerships_history(
    running_bot: BotUnderTest, database: Database
) -> None:
    chat_a = await register_group(running_bot, chat=tg.supergroup(-100_111, "A"), name="Partnerstwo A")
    await running_bot.deliver(tg.message(chat_a, MEMBER_PL, "tajne sprawy A"))
    other_coordinator = tg.user(2001, "Ewa", language_code="pl")
    chat_b = await register_group(
        running_bot, chat=tg.supergroup(-100_222, "B"), name="Partnerstwo B", coordinator=other_coordinator
    )
    async with database.transaction() as session:
        from bot.services import partnerships

        a = await partnerships.by_chat(session, chat_id=-100_111)
    assert a is not None
    await running_bot.deliver(tg.message(chat_b, MEMBER_EN, "/history"))
    bot_message = running_bot.fake.last_message(-100_222)
    running_bot.fake.clear_calls()
    # A forged button in group B pointing at partnership A.
    await running_bot.deliver(tg.callback_query(MEMBER_EN, bot_message, f"hist:{a.id}:0"))
    # The coordinator of B, privately, asking for A's page.
    await running_bot.deliver(tg.callback_query(other_coordinator, bot_message, f"hist:{a.id}:0"))
    # Both presses were handled to the end (answered to the presser alone, in their language, no
    # apology for a crash) and nothing of A was shown or edited in.
    answers = [call.params.get("text", "") for call in running_bot.fake.calls("answerCallbackQuery")]
    assert answers == [
        "This button belongs to another partnership's chat; it does nothing here.",
        "Ten przycisk należy do czatu innego partnerstwa; tutaj nic nie robi.",
    ]
    assert running_bot.fake.sent_texts(-100_222) == []  # the group sees none of it
    assert all("tajne sprawy A" not in t for t in running_bot.fake.sent_texts())
    assert all("Sorry" not in t and "Przepraszam" not in t for t in running_bot.fake.sent_texts())
    assert not running_bot.fake.calls("editMessageText")
    await running_bot.deliver(tg.message(chat_b, MEMBER_EN, "/history"))  # and the bot carries on
    assert last_text(running_bot, -100_222).startswith("<b>Communication log: Partnerstwo B</b>")


@pytest.mark.calendar
async def test_coordinator_of_two_partnerships_picks_one(running_bot: BotUnderTest) -> None:
    await register_group(running_bot, chat=tg.supergroup(-100_111, "A"), name="Partnerstwo A")
    await register_group(running_bot, chat=tg.supergroup(-100_222, "B"), name="Partnerstwo B")
    private = tg.private_chat(COORDINATOR)
    await running_bot.deliver(tg.message(private, COORDINATOR, "/status"))
    picker = running_bot.fake.calls("sendMessage")[-1]
    assert "Należysz do więcej niż jednego partnerstwa" in picker.params["text"]
    buttons = [row[0] for row in picker.params["reply_markup"]["inline_keyboard"]]
    assert [b["text"] for b in buttons] == ["Partnerstwo A", "Partnerstwo B"]
    await running_bot.deliver(
        tg.callback_query(
            COORDINATOR, running_bot.fake.last_message(COORDINATOR["id"]), buttons[1]["callback_data"]
        )
    )
    assert (
        "Polecenia prywatne dotyczą teraz: Partnerstwo B"
        in running_bot.fake.sent_texts(COORDINATOR["id"])[-1]
    )
    await running_bot.deliver(tg.message(private, COORDINATOR, "/status"))
    assert "<b>Partnerstwo B</b>" in running_bot.fake.sent_texts(COORDINATOR["id"])[-1]


async def test_private_status_for_strangers_is_refused(running_bot: BotUnderTest) -> None:
    await register_group(running_bot)
    await running_bot.deliver(tg.message(tg.private_chat(MEMBER_EN), MEMBER_EN, "/status"))
    assert "You are not part of any partnership yet" in running_bot.fake.sent_texts(MEMBER_EN["id"])[-1]


async def test_help_depends_on_place_and_role(running_bot: BotUnderTest) -> None:
    chat = await register_group(running_bot)
    await running_bot.deliver(tg.message(chat, COORDINATOR, "/help"))
    coordinator_help = running_bot.fake.sent_texts(GROUP_ID)[-1]
    await running_bot.deliver(tg.message(chat, MEMBER_EN, "/help"))
    member_help = running_bot.fake.sent_texts(GROUP_ID)[-1]
    assert "/log &lt;kanał&gt;" in coordinator_help and "/setup" not in coordinator_help
    assert "/setup &lt;name&gt;" in member_help and "/log &lt;channel&gt;" not in member_help
    await running_bot.deliver(tg.message(tg.private_chat(MEMBER_EN), MEMBER_EN, "/start"))
    start = running_bot.fake.sent_texts(MEMBER_EN["id"])[-1]
    assert start.startswith("Hello!") and "add me to your partnership's group chat" in start
    await running_bot.deliver(tg.message(tg.private_chat(COORDINATOR), COORDINATOR, "/help"))
    assert "/use" in running_bot.fake.sent_texts(COORDINATOR["id"])[-1]


async def test_language_choice_is_remembered(running_bot: BotUnderTest, database: Database) -> None:
    private = tg.private_chat(MEMBER_PL)
    await running_bot.deliver(tg.message(private, MEMBER_PL, "/language"))
    offer = running_bot.fake.calls("sendMessage")[-1]
    assert offer.params["text"] == "Wybierz język:"
    await running_bot.deliver(
        tg.callback_query(MEMBER_PL, running_bot.fake.last_message(MEMBER_PL["id"]), "lang:en")
    )
    assert running_bot.fake.sent_texts(MEMBER_PL["id"])[-1].startswith("Language set: English")
    await running_bot.deliver(tg.message(private, MEMBER_PL, "/privacy"))
    assert "What I record and why" in running_bot.fake.sent_texts(MEMBER_PL["id"])[-1]
    async with database.transaction() as session:
        person = await session.get(Person, MEMBER_PL["id"])
    assert person is not None and person.locale == "en"
    await running_bot.deliver(
        tg.callback_query(MEMBER_PL, running_bot.fake.last_message(MEMBER_PL["id"]), "lang:pl")
    )
    assert running_bot.fake.sent_texts(MEMBER_PL["id"])[-1].startswith("Ustawiono język: polski")


async def test_handler_error_apologises_and_bot_keeps_running(
    running_bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = await register_group(running_bot)

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database exploded")

    monkeypatch.setattr("handlers.status.communication_status", broken)
    await running_bot.deliver(tg.message(chat, MEMBER_EN, "/status"))
    assert "Sorry, something went wrong on my side" in running_bot.fake.sent_texts(GROUP_ID)[-1]
    monkeypatch.undo()
    await running_bot.deliver(tg.message(chat, MEMBER_PL, "/status"))
    assert "<b>Partnerstwo Czarne</b>" in running_bot.fake.sent_texts(GROUP_ID)[-1]


async def test_private_chatter_and_unknown_commands_get_a_hint(running_bot: BotUnderTest) -> None:
    private = tg.private_chat(MEMBER_EN)
    await running_bot.deliver(tg.message(private, MEMBER_EN, "hello?"))
    assert "I only understand commands here. Type /help" in running_bot.fake.sent_texts(MEMBER_EN["id"])[-1]
    await running_bot.deliver(tg.message(private, MEMBER_EN, "/frobnicate"))
    assert "I don't know that command" in running_bot.fake.sent_texts(MEMBER_EN["id"])[-1]
    chat = await register_group(running_bot)
    before = len(running_bot.fake.sent_texts(GROUP_ID))
    await running_bot.deliver(tg.message(chat, MEMBER_EN, "/otherbot_command"))
    assert len(running_bot.fake.sent_texts(GROUP_ID)) == before  # not ours: silence in the group
