"""End to end: the typed context, the permission decorators, and the opening in one transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.ext import CallbackQueryHandler

from bot.access import Action
from bot.runtime import BotContext, services_of
from handlers.common import button_target, command, reply
from handlers.gate import Pressed, Scoped, requires, requires_press
from tests.e2e_fixtures import COORDINATOR, GROUP_ID, MEMBER_EN, register_group
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest

Opening = Callable[..., AbstractAsyncContextManager[AsyncSession]]


def count_transactions(bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every transaction the bot opens from now on (the poller's and the handlers'), by its mark flag."""
    db = services_of(bot.app.bot_data).db
    opened: list[bool] = []
    real: Opening = db.transaction

    @asynccontextmanager
    async def counted(*, mark: bool = True) -> AsyncIterator[AsyncSession]:
        opened.append(mark)
        async with real(mark=mark) as session:
            yield session

    monkeypatch.setattr(db, "transaction", counted)
    return opened


@requires(Action.EXPORT)
async def probe(call: Scoped) -> None:
    """A command declared in a few lines: what it needs is on its first line."""
    await reply(call.req, f"probe {call.partnership.name} {call.scope.role.value} {call.person.user_id}")


@requires_press(Action.MANAGE_SCHEDULES, button_target)
async def probe_button(press: Pressed[tuple[int, str]]) -> None:
    """A button declared the same way, with its data parsed."""
    await press.query.answer(f"pressed {press.target[0]} {press.target[1]}")


def test_handlers_get_the_typed_context(running_bot: BotUnderTest) -> None:
    app = running_bot.app
    assert app.context_types.context is BotContext
    context = BotContext(app)
    assert context.services is services_of(app.bot_data)


async def test_the_opening_takes_one_transaction(
    running_bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    await register_group(running_bot)
    opened = count_transactions(running_bot, monkeypatch)
    private = tg.private_chat(COORDINATOR)
    await running_bot.deliver(tg.message(private, COORDINATOR, "/help"))
    assert opened == [False]  # who, which language, coordinator or not: all in one
    assert "/handover" in running_bot.fake.sent_texts(COORDINATOR["id"])[-1]
    opened.clear()
    await running_bot.deliver(tg.message(private, COORDINATOR, "/status"))
    assert opened == [False, True]  # the opening, then the handler's own reads
    assert "<b>Partnerstwo Czarne</b>" in running_bot.fake.sent_texts(COORDINATOR["id"])[-1]
    opened.clear()
    await running_bot.deliver(tg.message(tg.private_chat(MEMBER_EN), MEMBER_EN, "/status"))
    assert opened == [False]  # a refusal reads what it says in the same transaction
    assert "You are not part of any partnership yet" in running_bot.fake.sent_texts(MEMBER_EN["id"])[-1]


async def test_a_decorated_command_refuses_and_runs_as_declared(running_bot: BotUnderTest) -> None:
    chat = await register_group(running_bot)
    running_bot.app.add_handler(command("probe", probe), group=-1)
    await running_bot.deliver(tg.message(chat, MEMBER_EN, "/probe"))
    assert "Only the partnership's coordinator can do this" in running_bot.fake.sent_texts(GROUP_ID)[-1]
    await running_bot.deliver(tg.message(chat, COORDINATOR, "/probe"))
    expected = f"probe Partnerstwo Czarne coordinator {COORDINATOR['id']}"
    assert running_bot.fake.sent_texts(GROUP_ID)[-1] == expected


async def test_a_decorated_button_tells_a_refusal_only_to_the_presser(running_bot: BotUnderTest) -> None:
    chat = await register_group(running_bot)
    # First in the bot's own handler group, before the catch-all that answers unknown buttons.
    running_bot.app.handlers[0].insert(0, CallbackQueryHandler(probe_button, pattern=r"^probe:"))
    message = running_bot.fake.last_message(GROUP_ID)
    sent_before = len(running_bot.fake.calls("sendMessage"))
    await running_bot.deliver(tg.callback_query(MEMBER_EN, message, "probe:7:x"))
    refused = running_bot.fake.calls("answerCallbackQuery")[-1]
    assert refused.params.get("show_alert") is True
    assert "Only the partnership's coordinator can do this" in str(refused.params["text"])
    assert len(running_bot.fake.calls("sendMessage")) == sent_before  # nothing said to the group
    await running_bot.deliver(tg.callback_query(COORDINATOR, message, "probe:7:x"))
    assert running_bot.fake.calls("answerCallbackQuery")[-1].params["text"] == "pressed 7 x"
    await running_bot.deliver(tg.callback_query(COORDINATOR, message, "probe:seven:x"))
    assert running_bot.fake.calls("answerCallbackQuery")[-1].params["text"] == "Ten przycisk już nie działa."
    assert chat["id"] == GROUP_ID


async def test_forms_and_rights_open_through_the_gate_in_one_transaction(
    running_bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    await register_group(running_bot)
    opened = count_transactions(running_bot, monkeypatch)
    await running_bot.deliver(tg.message(tg.private_chat(COORDINATOR), COORDINATOR, "/retention"))
    assert opened == [False]  # who, which partnership, allowed or not: one transaction, then nothing
    assert "Partnerstwo Czarne" in running_bot.fake.sent_texts(COORDINATOR["id"])[-1]
    for text in ("/privacy set Us", "/invite", "/deletepartnership"):
        opened.clear()
        await running_bot.deliver(tg.message(tg.private_chat(MEMBER_EN), MEMBER_EN, text))
        assert opened == [False]  # refused in the opening's own transaction
        assert "You are not part of any partnership yet" in running_bot.fake.sent_texts(MEMBER_EN["id"])[-1]
