"""Property-based: any text typed to any command or form step, and any button data, gets an
answer, through the real Application against the fake Bot API server; nothing raises, and
nothing the bot sends breaks the Bot API (issue 11)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import SQLModel, select

from bot import clock
from bot.db import Database
from tests.e2e_fixtures import GROUP_ID, register_group
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest
from tests.test_e2e_registry import COORD, OTHER, _add
from tests.test_input_e2e import seed_plan

PRIVATE = tg.private_chat(COORD)
EXAMPLES = 40  # per test and database: about 20 s on SQLite and 30 s on PostgreSQL for the three

SPECIAL = [
    "\x00",
    "\x0b",
    "\x1b[31m",
    "\u200b",
    "\u200d",
    "\u202e",
    "\u200f",
    "مرحبا",
    "שלום",
    "👨‍👩‍👧",
    "🏳️‍🌈",
    "<b>",
    "</i>",
    "<a href='x'>",
    "&",
    "&amp;",
    "&#0;",
    '=HYPERLINK("http://evil.example","klik")',
    "9" * 30,
    "²",
    "٣",
    "１２",
    "31.02.2026",
    "31.12.9999 23:59",
    "1.01.0001",
    "29 lutego",
    "0 9 30 2 *",
    "0 9 * * 8",
    "-",
    "-1",
    "1e9",
    "seniorzy ²",
    "inne 1",
    "\n\n",
    "%s{0}{example}",
]
odd_text = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40),
    st.lists(st.one_of(st.sampled_from(SPECIAL), st.text(max_size=4)), max_size=6).map("".join),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.builds(lambda ch, n: ch * n, st.sampled_from(["&", "<", "x", "ą"]), st.integers(1000, 4000)),
)
typed_text = odd_text.map(lambda t: t[:4096]).filter(lambda t: t.strip() != "")

COMMANDS = [
    "log", "history", "status", "addpartner", "partnerstatus", "editpartner", "resource", "leader", "stage",
    "commplan", "invite", "join", "handover", "brief", "cancel", "partners", "resources", "partner", "period",
    "target", "session", "trained", "addgroup", "plan", "export", "checkin", "schedule", "pausereminders",
    "task", "meeting", "nudge", "start", "help", "privacy", "language", "use", "setup", "nosuchcommand",
]  # fmt: skip

# Each form step: the command, then the answers that lead to it ("@" presses the first option).
FORM_STEPS: list[tuple[str, list[str]]] = [
    ("/addpartner", []),
    ("/partnerstatus Biblioteka", ["@withdrawn"]),
    ("/resource Biblioteka", ["@computer lab"]),
    ("/resource Biblioteka", ["@computer lab", "Pracownia"]),
    (
        "/resource Biblioteka",
        [
            "@room",
            "Sala",
        ],
    ),
    ("/editpartner Biblioteka", ["@what it gains"]),
    ("/commplan", ["@e-mail", "@Done", "@monthly"]),
    ("/period", []),
    ("/period", ["Wiosna"]),
    ("/period", ["Wiosna", "1.04.2027"]),
    ("/target", ["@2027", "@seniors"]),
    ("/target", ["@2027", "@seniors", "50"]),
    ("/session", []),
    ("/session", ["15.03.2027 17:00"]),
    ("/session", ["15.03.2027 17:00", "Bankowość", "@seniors", "@somewhere else"]),
    ("/session", ["15.03.2027 17:00", "Bankowość", "@seniors", "@somewhere else", "-"]),
    ("/trained", ["@Bankowość"]),
    ("/trained", ["@Bankowość", "12"]),
    ("/trained", ["@Bankowość", "12", "9"]),
    ("/trained", ["@Bankowość", "12", "9", "1"]),
    ("/schedule add", ["@every month"]),
    ("/schedule add", ["@every week", "@Monday"]),
    ("/schedule add", ["@a cron expression"]),
    ("/schedule add", ["@every week", "@Monday", "9:00"]),
    ("/task", ["@Biblioteka"]),
    ("/task", ["@Biblioteka", "Plakaty"]),
    ("/meeting", []),
    ("/meeting", ["15.03.2027 17:00"]),
    ("/meeting", ["15.03.2027 17:00", "Biblioteka"]),
]
PREFIXES = ["ci:", "rsvp:", "jr:", "sch:", "hist:", "task:", "use:", "lang:", "nudge:", "f:", "f:=", "", "x:"]
button_data = st.one_of(
    st.builds(
        lambda prefix, a, b: f"{prefix}{a}:{b}",
        st.sampled_from(PREFIXES),
        st.one_of(st.sampled_from(["1", "²", "٣", "-1", "0", "9" * 25, ""]), st.text(max_size=6)),
        st.one_of(st.sampled_from(["done", "yes", "y", "p", "0", "²", ""]), st.text(max_size=6)),
    ),
    st.text(min_size=1, max_size=64),
).filter(lambda d: 1 <= len(d.encode("utf-8")) <= 64)

REPLIES = ("sendmessage", "editmessagetext", "senddocument", "sendphoto")
# What a form keeps while it is being filled, and what every update touches (people seen, the
# log, the marks of updates already handled); the rest is data.
NOT_DATA = {"draft", "person", "log_entry", "log_entry_revision", "handled_update"}


async def data_rows(database: Database) -> dict[str, int]:
    """Rows per data table (everything a form's Save could write)."""
    counts: dict[str, int] = {}
    async with database.transaction() as session:
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in NOT_DATA:
                counts[table.name] = (await session.exec(select(func.count()).select_from(table))).one()
    return counts


def replies_to(bot: BotUnderTest, chat_id: int) -> int:
    """How many messages the bot has sent or edited in a chat."""
    return sum(1 for c in bot.fake.calls() if c.method.lower() in REPLIES and c.chat_id == chat_id)


@pytest.fixture
async def world(running_bot: BotUnderTest, database: Database) -> BotUnderTest:
    """A registered partnership with a partner, a plan period and a past session."""
    await register_group(running_bot, coordinator=COORD)
    await _add(database, "Biblioteka")
    await seed_plan(database)
    return running_bot


@pytest.fixture(autouse=True)
def fixed_clock() -> Iterator[clock.ManualClock]:
    """The bot's clock on a fixed working day."""
    with clock.using(clock.ManualClock(datetime(2027, 3, 10, 9, 0, tzinfo=UTC))) as manual:
        assert isinstance(manual, clock.ManualClock)
        yield manual


def assert_healthy(bot: BotUnderTest, caplog: pytest.LogCaptureFixture, what: Any) -> None:
    """No traceback in the log and no Bot API violation after an input."""
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failures, (what, failures)
    assert not bot.fake.violations, (what, bot.fake.violations)


async def press_first(bot: BotUnderTest, label: str) -> None:
    """Press the button whose label starts with `label` on the bot's latest private message."""
    message = bot.fake.last_message(COORD["id"])
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    data = next(b["callback_data"] for row in rows for b in row if label in b["text"])
    await bot.deliver(tg.callback_query(COORD, message, data))


SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(
    command=st.sampled_from(COMMANDS),
    args=odd_text,
    in_group=st.booleans(),
    who=st.sampled_from([COORD, OTHER]),
)
async def test_every_command_answers_any_arguments(
    world: BotUnderTest,
    fixed_clock: clock.ManualClock,
    caplog: pytest.LogCaptureFixture,
    command: str,
    args: str,
    in_group: bool,
    who: dict[str, Any],
) -> None:
    caplog.set_level(logging.ERROR)
    caplog.clear()
    fixed_clock.advance(timedelta(seconds=10))  # each input at its own moment, as in life
    own_chat = tg.private_chat(who)
    chat, chat_id = (tg.supergroup(GROUP_ID, "Czarne"), GROUP_ID) if in_group else (own_chat, who["id"])
    if in_group and command == "nosuchcommand":
        chat, chat_id = own_chat, who["id"]  # in a group an unknown command may be for another bot
    before = replies_to(world, chat_id)
    await world.deliver(tg.message(chat, who, f"/{command} {args}"[:4096]))
    await world.deliver(tg.message(own_chat, who, "/cancel"))  # leave no form open for the next input
    assert replies_to(world, chat_id) > before, (command, args, who["id"])
    assert_healthy(world, caplog, (command, args))


@SETTINGS
@given(step=st.sampled_from(FORM_STEPS), text=typed_text)
async def test_every_form_step_answers_any_text(
    world: BotUnderTest,
    database: Database,
    caplog: pytest.LogCaptureFixture,
    step: tuple[str, list[str]],
    text: str,
) -> None:
    caplog.set_level(logging.ERROR)
    caplog.clear()
    command, answers = step
    await world.deliver(tg.message(PRIVATE, COORD, command))
    for answer in answers:
        if answer.startswith("@"):
            await press_first(world, answer[1:])
        else:
            await world.deliver(tg.message(PRIVATE, COORD, answer))
    before, rows = replies_to(world, COORD["id"]), await data_rows(database)
    await world.deliver(tg.message(PRIVATE, COORD, text))
    assert replies_to(world, COORD["id"]) > before, (step, text)
    assert await data_rows(database) == rows, (step, text)  # nothing is saved before ✔ Save
    assert_healthy(world, caplog, (step, text))
    await world.deliver(tg.message(PRIVATE, COORD, "/cancel"))


@SETTINGS
@given(data=button_data, who=st.sampled_from([COORD, OTHER]), in_group=st.booleans())
async def test_every_button_press_is_answered(
    world: BotUnderTest, caplog: pytest.LogCaptureFixture, data: str, who: dict[str, Any], in_group: bool
) -> None:
    caplog.set_level(logging.ERROR)
    caplog.clear()
    chat_id = GROUP_ID if in_group else COORD["id"]
    if not in_group:
        await world.deliver(tg.message(PRIVATE, COORD, "/help"))
    before = len(world.fake.calls("answerCallbackQuery"))
    await world.deliver(tg.callback_query(who, world.fake.last_message(chat_id), data))
    assert len(world.fake.calls("answerCallbackQuery")) == before + 1, data
    assert_healthy(world, caplog, data)
