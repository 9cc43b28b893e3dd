"""Tests of the fake Telegram Bot API server (tests/fakebot) itself."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.fakebot import (
    FakeBotApi,
    callback_query,
    chat_member,
    edited_message,
    group,
    message,
    my_chat_member,
    private_chat,
    supergroup,
    user,
    validate_call,
    validate_object,
)
from tests.fakebot.spec import (
    SpecNotFoundError,
    load_spec,
    load_spec_from,
    spec_path,
    visible_text,
)
from tests.fakebot.updates import MEDIA_KINDS, MEMBER_STATUSES

ANNA = user(1001, "Anna", username="anna_k")
PRIVATE = private_chat(ANNA)


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    """A running fake Bot API server."""
    with FakeBotApi() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[telegram.Bot]:
    """A real PTB Bot talking to the fake."""
    async with telegram.Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as real_bot:
        yield real_bot


def keyboard(data: str) -> InlineKeyboardMarkup:
    """One-button inline keyboard."""
    return InlineKeyboardMarkup([[InlineKeyboardButton("Tak", callback_data=data)]])


# --------------------------------------------------------------------------- spec & validator


def test_spec_location_env_override_and_missing_file(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TELEGRAM_API_SPEC", raising=False)
    assert spec_path() == Path(__file__).resolve().parent.parent / "sandbox" / "botapi" / "api.json"
    assert spec_path().is_file()
    missing = tmp_path / "nope.json"
    monkeypatch.setenv("TELEGRAM_API_SPEC", str(missing))
    assert spec_path() == missing
    with pytest.raises(SpecNotFoundError, match="TELEGRAM_API_SPEC"):
        load_spec_from(missing)


def test_spec_is_bot_api_10() -> None:
    spec = load_spec()
    assert spec.version == "Bot API 10.0"
    assert spec.method("SENDMESSAGE") is spec.methods["sendMessage"]


def test_valid_call_has_no_violations() -> None:
    params = {
        "chat_id": 1,
        "text": "<b>Cześć</b> &amp; witaj",
        "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a:1"}]]},
        "reply_parameters": {"message_id": 3},
    }
    assert validate_call("sendMessage", params, set()) == []
    assert validate_call("sendmessage", {"chat_id": "@channel", "text": "x"}, set()) == []


@pytest.mark.parametrize(
    ("method", "params", "expected"),
    [
        ("sendMesage", {"chat_id": 1, "text": "x"}, "unknown method 'sendMesage'"),
        ("sendMessage", {"chat_id": 1, "text": "x", "colour": "red"}, "unknown parameter 'colour'"),
        ("sendMessage", {"chat_id": 1}, "missing required parameter 'text'"),
        ("sendMessage", {"chat_id": 1.5, "text": "x"}, "expected Integer or String"),
        ("sendMessage", {"chat_id": 1, "text": "x" * 4097}, "must be 1-4096 characters, got 4097"),
        ("sendMessage", {"chat_id": 1, "text": "   "}, "must be 1-4096 characters, got 0"),
        ("editMessageText", {"chat_id": 1, "message_id": 2, "text": ""}, "got 0"),
        ("sendPhoto", {"chat_id": 1, "photo": "id", "caption": "c" * 1025}, "0-1024 characters"),
        ("getUpdates", {"limit": 101}, "between 1 and 100, got 101"),
        ("getUpdates", {"limit": 0}, "between 1 and 100, got 0"),
        ("sendMessage", {"chat_id": 1, "text": "x", "parse_mode": "html5"}, "parse mode"),
        ("sendMessage", {"chat_id": 1, "text": "x", "disable_notification": "yes"}, "Boolean"),
    ],
)
def test_call_violations(method: str, params: dict[str, Any], expected: str) -> None:
    violations = validate_call(method, params, set())
    assert any(expected in v for v in violations), violations


def test_text_length_counts_after_entity_parsing() -> None:
    html_text = "<b>" + "a" * 4090 + "</b>&amp;&lt;&gt;&quot;" + "bb"  # 4096 visible
    assert validate_call("sendMessage", {"chat_id": 1, "text": html_text, "parse_mode": "HTML"}, set()) == []
    too_long = html_text + "c"
    assert validate_call("sendMessage", {"chat_id": 1, "text": too_long, "parse_mode": "HTML"}, set())
    md = "\\." * 4096  # escaped dots: 4096 visible characters
    assert validate_call("sendMessage", {"chat_id": 1, "text": md, "parse_mode": "MarkdownV2"}, set()) == []


@pytest.mark.parametrize(
    ("text", "mode", "error"),
    [
        ("a < b", "HTML", "unescaped '<'"),
        ("<foo>x</foo>", "HTML", "unsupported start tag"),
        ("<b>x", "HTML", "can't find end tag"),
        ("<b>x</i>", "HTML", "can't find start tag"),
        ("Koniec.", "MarkdownV2", "character '.' is reserved"),
        ("`code", "MarkdownV2", "end of code"),
    ],
)
def test_entity_parse_errors(text: str, mode: str, error: str) -> None:
    violations = validate_call("sendMessage", {"chat_id": 1, "text": text, "parse_mode": mode}, set())
    assert any(error in v for v in violations), violations


def test_visible_text() -> None:
    assert visible_text('<a href="https://x.pl">link</a> &amp; <i>i</i>', "HTML") == (
        "link & i",
        None,
    )
    assert visible_text("*bold* [link](https://x.pl/a\\)b) 1\\.5", "MarkdownV2") == (
        "bold link 1.5",
        None,
    )
    assert visible_text("<b>", None) == ("<b>", None)


def test_callback_data_is_limited_to_64_bytes() -> None:
    def call(data: str) -> list[str]:
        markup = {"inline_keyboard": [[{"text": "ok", "callback_data": data}]]}
        return validate_call("sendMessage", {"chat_id": 1, "text": "x", "reply_markup": markup}, set())

    assert call("x" * 64) == []
    assert call("ż" * 32) == []  # 64 bytes
    violations = call("ż" * 32 + "a")  # 33 characters, 65 bytes
    assert violations == [
        "sendMessage.reply_markup.inline_keyboard[0][0].callback_data: must be 1-64 bytes, got 65"
    ]
    assert call("")


def test_nested_objects_are_checked_strictly() -> None:
    def markup(button: dict[str, Any]) -> list[str]:
        return validate_call(
            "sendMessage",
            {"chat_id": 1, "text": "x", "reply_markup": {"inline_keyboard": [[button]]}},
            set(),
        )

    assert any("unknown field 'colour'" in v for v in markup({"text": "a", "url": "https://x", "colour": 1}))
    assert any("exactly one of" in v for v in markup({"text": "a"}))
    assert any("exactly one of" in v for v in markup({"text": "a", "url": "u", "pay": True}))
    assert any("missing required field 'text'" in v for v in markup({"url": "https://x"}))
    reply_kb = {"keyboard": [["Tak", {"text": "Nie"}]], "resize_keyboard": True}
    assert validate_call("sendMessage", {"chat_id": 1, "text": "x", "reply_markup": reply_kb}, set()) == []
    bad_cmd = validate_call("setMyCommands", {"commands": [{"command": "Start", "description": "d"}]}, set())
    assert any("lowercase" in v for v in bad_cmd)


def test_union_subtypes_and_discriminators() -> None:
    admin = chat_member(ANNA, "administrator")
    assert validate_object("ChatMember", admin) == []
    wrong = {**chat_member(ANNA, "member"), "status": "creator"}
    assert validate_object("ChatMember", wrong)
    scope_ok = validate_call("setMyCommands", {"commands": [], "scope": {"type": "all_group_chats"}}, set())
    assert scope_ok == []
    scope_bad = validate_call("setMyCommands", {"commands": [], "scope": {"type": "everyone"}}, set())
    assert scope_bad


def test_files_count_as_present_and_attach_references() -> None:
    assert validate_call("sendDocument", {"chat_id": 1}, {"document"}) == []
    assert any(
        "missing required parameter 'document'" in v
        for v in validate_call("sendDocument", {"chat_id": 1}, set())
    )
    assert any(
        "does not accept a file upload" in v for v in validate_call("sendMessage", {"chat_id": 1}, {"text"})
    )
    params = {"chat_id": 1, "document": "file-id", "thumbnail": "attach://thumb1"}
    assert validate_call("sendDocument", params, {"thumb1"}) == []
    assert any("not uploaded" in v for v in validate_call("sendDocument", params, set()))
    assert any(
        "unknown parameter 'stray'" in v for v in validate_call("sendDocument", params, {"thumb1", "stray"})
    )


# --------------------------------------------------------------------------- builders


def all_builder_updates(bot_user: dict[str, Any]) -> list[dict[str, Any]]:
    """One update of every kind the builders make."""
    grp = group(-1001, "Partnerstwo")
    sgrp = supergroup(-1001234567890, "Koło")
    first = message(PRIVATE, ANNA, "/start")
    built = [
        first,
        message(grp, ANNA, "/join", bot_username="partner_test_bot"),
        message(sgrp, ANNA, "Cześć", reply_to_message_id=1),
        message(grp, ANNA, new_chat_members=[bot_user]),
        message(grp, ANNA, left_chat_member=user(1002, "Piotr")),
        message(grp, ANNA, migrate_to_chat_id=-1009999999999),
        message(sgrp, ANNA, migrate_from_chat_id=-1001),
        message(PRIVATE, ANNA, media="photo", caption="Zdjęcie"),
        edited_message(first, "/start again"),
        callback_query(ANNA, first, "menu:1"),
    ]
    built += [message(PRIVATE, ANNA, media=kind) for kind in MEDIA_KINDS]
    for old, new in [
        ("left", "member"),
        ("member", "administrator"),
        ("administrator", "kicked"),
        ("member", "restricted"),
        ("restricted", "left"),
    ]:
        built.append(my_chat_member(grp, ANNA, old_status=old, new_status=new, bot_user=bot_user))
    return built


def test_builders_validate_against_spec_and_parse_in_ptb() -> None:
    fake = FakeBotApi()
    for i, update in enumerate(all_builder_updates(fake.bot_user), start=1):
        payload = {"update_id": i, **update}
        assert validate_object("Update", payload) == [], payload
        parsed = Update.de_json(payload, None)
        assert parsed is not None and parsed.update_id == i
        assert not parsed.api_kwargs
        message_obj = parsed.effective_message
        assert message_obj is None or not message_obj.api_kwargs, message_obj.api_kwargs
    for status in MEMBER_STATUSES:
        assert validate_object("ChatMember", chat_member(ANNA, status)) == []


def test_command_entities_and_message_ids() -> None:
    first = message(group(-77), ANNA, "/join@partner_test_bot teraz")["message"]
    second = message(group(-77), ANNA, "/zaproś", bot_username="partner_test_bot")["message"]
    assert first["entities"] == [{"type": "bot_command", "offset": 0, "length": 22}]
    assert second["text"] == "/zaproś@partner_test_bot"
    assert second["entities"][0]["length"] == len("/zaproś@partner_test_bot")
    assert second["message_id"] == first["message_id"] + 1
    assert "entities" not in message(group(-77), ANNA, "bez komendy")["message"]


def test_push_update_rejects_invalid_updates() -> None:
    fake = FakeBotApi()
    with pytest.raises(ValueError, match="missing required field 'chat'"):
        fake.push_update({"message": {"message_id": 1, "date": 0}})
    with pytest.raises(ValueError, match="exactly one payload field"):
        fake.push_update({"message": {}, "edited_message": {}})


# --------------------------------------------------------------------------- calls via PTB


async def test_valid_send_message_is_recorded_decoded(fake: FakeBotApi, bot: telegram.Bot) -> None:
    sent = await bot.send_message(42, "Hej <b>Anna</b>", parse_mode="HTML", reply_markup=keyboard("yes:1"))
    assert sent.text == "Hej Anna"
    assert sent.chat.id == 42 and sent.chat.type == "private"
    assert sent.from_user is not None and sent.from_user.id == fake.bot_user["id"]
    assert sent.reply_markup == keyboard("yes:1")
    [call] = fake.calls("sendMessage")
    assert call.params == {
        "chat_id": 42,
        "text": "Hej <b>Anna</b>",
        "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": [[{"text": "Tak", "callback_data": "yes:1"}]]},
    }
    assert call.ok and call.files == {}
    assert [c.method for c in fake.calls()] == ["getMe", "sendMessage"]
    assert fake.sent_texts() == ["Hej <b>Anna</b>"]
    assert fake.sent_texts(42, plain=True) == ["Hej Anna"]
    assert fake.last_message(42)["message_id"] == sent.message_id
    second = await bot.send_message(42, "123")  # numeric-looking text stays a string
    assert second.message_id == sent.message_id + 1
    assert fake.calls("sendMessage")[-1].params["text"] == "123"
    fake.assert_clean()


@pytest.mark.parametrize(
    ("method", "kwargs", "fragment"),
    [
        ("sendMesage", {"chat_id": 1, "text": "x"}, "unknown method"),
        ("sendMessage", {"chat_id": 1, "text": "x", "colour": "red"}, "unknown parameter"),
        ("sendMessage", {"chat_id": 1}, "missing required parameter 'text'"),
        ("sendMessage", {"chat_id": 1, "text": "x" * 4097}, "1-4096 characters"),
        (
            "sendMessage",
            {"chat_id": 1, "text": "x", "reply_markup": keyboard("ż" * 32 + "a")},
            "1-64 bytes, got 65",
        ),
    ],
)
@pytest.mark.filterwarnings("ignore:Please use 'Bot")
async def test_invalid_calls_get_400_and_a_violation(
    fake: FakeBotApi, bot: telegram.Bot, method: str, kwargs: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(BadRequest, match=f"(?i){fragment}"):
        await bot.do_api_request(method, api_kwargs=kwargs)
    assert len(fake.violations) == 1 and fragment in fake.violations[0]
    [call] = fake.calls(method)
    assert call.status == 400 and not call.ok
    with pytest.raises(AssertionError, match="1 Bot API violation"):
        fake.assert_clean()
    fake.clear_calls()
    with pytest.raises(AssertionError):
        fake.assert_clean()  # clearing calls keeps the violations
    fake.clear_violations()
    fake.assert_clean()


async def test_wrong_token_is_unauthorized(fake: FakeBotApi) -> None:
    with pytest.raises(InvalidToken):
        async with telegram.Bot("1:wrong", base_url=fake.base_url):
            pass
    assert fake.calls() == []


async def test_raw_http_form_and_json_bodies(fake: FakeBotApi) -> None:
    async with httpx.AsyncClient(base_url=f"{fake.base_url}{fake.token}/") as client:
        form = await client.post("sendMessage", data={"chat_id": "5", "text": "true"})
        as_json = await client.post("sendMessage", json={"chat_id": 5, "text": "b"})
        query = await client.get("getMe")
    assert form.json()["ok"] and as_json.json()["ok"] and query.json()["result"]["is_bot"]
    assert [c.params["text"] for c in fake.calls("sendMessage")] == ["true", "b"]
    assert form.headers["content-length"] == str(len(form.content))
    fake.assert_clean()


# --------------------------------------------------------------------------- getUpdates


async def test_get_updates_long_poll_and_offset(fake: FakeBotApi, bot: telegram.Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await fake.await_for("getUpdates")
    started = time.monotonic()
    first_id = fake.push_update(message(PRIVATE, ANNA, "pierwsza"))
    updates = await poll
    assert time.monotonic() - started < 1.0  # woke up on push, not at the timeout
    assert [u.update_id for u in updates] == [first_id]
    assert updates[0].message is not None and updates[0].message.text == "pierwsza"
    assert fake.pending_count() == 1 and fake.confirmed_offset == 0

    second_id, third_id = fake.push_updates(
        [message(PRIVATE, ANNA, "druga"), message(PRIVATE, ANNA, "trzecia")]
    )
    assert second_id == first_id + 1 and third_id == first_id + 2
    again = await bot.get_updates(limit=2)  # no offset: unconfirmed ones come again
    assert [u.update_id for u in again] == [first_id, second_id]
    rest = await bot.get_updates(offset=second_id)
    assert [u.update_id for u in rest] == [second_id, third_id]
    assert fake.confirmed_offset == second_id and fake.pending_count() == 2
    assert await bot.get_updates(offset=third_id + 1, timeout=0) == ()
    assert fake.confirmed_offset == third_id + 1 and fake.pending_count() == 0
    await fake.await_confirmed(third_id)
    fake.wait_until_confirmed(first_id, timeout=0.01)


async def test_get_updates_timeout_and_allowed_updates(fake: FakeBotApi, bot: telegram.Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 2.0

    bot_member = my_chat_member(group(), ANNA, old_status="left", new_status="member", bot_user=fake.bot_user)
    ids = fake.push_updates([message(PRIVATE, ANNA, "x"), bot_member])
    only_members = await bot.get_updates(allowed_updates=["my_chat_member"])
    assert [u.update_id for u in only_members] == [ids[1]]
    assert len(fake.dropped_updates) == 1 and "message" in fake.dropped_updates[0]
    with pytest.raises(AssertionError, match="not confirmed"):
        fake.wait_until_confirmed(ids[1], timeout=0.01)


async def test_stop_wakes_a_pending_long_poll(bot: telegram.Bot) -> None:
    other = FakeBotApi(token=bot.token).start()
    async with telegram.Bot(other.token, base_url=other.base_url) as other_bot:
        poll = asyncio.create_task(other_bot.get_updates(timeout=30, read_timeout=35))
        await other.await_for("getUpdates")
        started = time.monotonic()
        await asyncio.to_thread(other.stop)
        assert await poll == ()
        assert time.monotonic() - started < 2.0


async def test_second_poller_gets_conflict_and_webhook_drop(fake: FakeBotApi, bot: telegram.Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await fake.await_for("getUpdates")
    async with telegram.Bot(fake.token, base_url=fake.base_url) as second_instance:
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(telegram.error.Conflict, match="only one bot instance"):
        await first
    assert [c.status for c in fake.calls("getUpdates")] == [409, 200]

    ids = fake.push_updates([message(PRIVATE, ANNA, "a"), {"update_id": 500, **message(PRIVATE, ANNA, "b")}])
    assert ids[1] == 500 and fake.push_update(message(PRIVATE, ANNA, "c")) == 501
    with pytest.raises(ValueError, match="must be >= 502"):
        fake.push_update({"update_id": 7, **message(PRIVATE, ANNA, "d")})
    assert await bot.delete_webhook(drop_pending_updates=True) is True
    assert fake.pending_count() == 0 and len(fake.dropped_updates) == 3
    await fake.await_confirmed(501)


async def test_validation_can_be_switched_off() -> None:
    with FakeBotApi(validate=False) as lenient:
        async with httpx.AsyncClient() as client:
            answer = await client.post(
                f"{lenient.base_url}{lenient.token}/sendMessage", data={"chat_id": "1", "colour": "red"}
            )
        assert answer.json()["ok"] is True
        assert lenient.violations == []
        lenient.assert_clean()


# --------------------------------------------------------------------------- error injection


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_injected_errors_map_to_ptb_exceptions(fake: FakeBotApi, bot: telegram.Bot) -> None:
    fake.fail_next(
        "sendMessage", error_code=429, description="Too Many Requests: retry after 7", retry_after=7
    )
    with pytest.raises(RetryAfter, match="Retry in 7"):
        await bot.send_message(1, "a")

    fake.fail_next("sendMessage", error_code=403, description="Forbidden: bot was blocked by the user")
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(1, "b")

    fake.fail_next(
        "sendMessage",
        error_code=400,
        migrate_to_chat_id=-1001234567890,
        description="Bad Request: group chat was upgraded to a supergroup chat",
    )
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(-1001, "c")
    assert migrated.value.new_chat_id == -1001234567890

    fake.fail_next("sendMessage", error_code=502, description="Bad Gateway", times=2)
    for _ in range(2):
        with pytest.raises(telegram.error.NetworkError):
            await bot.send_message(1, "d")
    await bot.send_message(1, "e")  # faults are used up
    statuses = [c.status for c in fake.calls("sendMessage")]
    assert statuses == [429, 403, 400, 502, 502, 200]
    assert fake.sent_texts() == ["e"]
    fake.assert_clean()  # injected failures are not spec violations


async def test_delay_next_simulates_timeouts(fake: FakeBotApi, bot: telegram.Bot) -> None:
    fake.delay_next("sendMessage", 0.5)
    with pytest.raises(TimedOut):
        await bot.send_message(1, "slow", read_timeout=0.05)
    fast = await bot.send_message(1, "fast", read_timeout=2)
    assert fast.text == "fast"


# --------------------------------------------------------------------------- uploads & answers


async def test_multipart_uploads_are_recorded(fake: FakeBotApi, bot: telegram.Bot) -> None:
    payload = bytes(range(256)) * 4 + b"\r\n--boundary-lookalike\r\n"
    doc = await bot.send_document(
        7, payload, filename="raport.pdf", caption="Raport <b>Q1</b>", parse_mode="HTML"
    )
    photo = await bot.send_photo(7, b"\x89PNG\r\n\x1a\nfake", caption="Zdjęcie")
    [doc_call] = fake.calls("sendDocument")
    assert doc_call.files == {"document": payload}
    assert doc_call.filenames == {"document": "raport.pdf"}
    assert doc_call.params == {"chat_id": 7, "caption": "Raport <b>Q1</b>", "parse_mode": "HTML"}
    assert doc.document is not None and doc.document.file_name == "raport.pdf"
    assert doc.document.file_size == len(payload) and doc.caption == "Raport Q1"
    assert fake.calls("sendPhoto")[0].files == {"photo": b"\x89PNG\r\n\x1a\nfake"}
    assert photo.photo and photo.caption == "Zdjęcie"
    assert fake.sent_texts(7) == ["Raport <b>Q1</b>", "Zdjęcie"]
    downloaded = await (await bot.get_file(doc.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == payload
    fake.assert_clean()


async def test_chat_member_and_other_answers(fake: FakeBotApi, bot: telegram.Bot) -> None:
    fake.set_chat_member(-1001, fake.bot_user["id"], "administrator")
    fake.set_chat_member(-1001, ANNA["id"], "creator")
    admin = await bot.get_chat_member(-1001, fake.bot_user["id"])
    assert isinstance(admin, telegram.ChatMemberAdministrator) and admin.user.is_bot
    owner = await bot.get_chat_member(-1001, ANNA["id"])
    assert isinstance(owner, telegram.ChatMemberOwner) and owner.is_anonymous is False
    member = await bot.get_chat_member(-1001, 5)
    assert isinstance(member, telegram.ChatMemberMember)
    assert len(await bot.get_chat_administrators(-1001)) == 2
    chat = await bot.get_chat(-1001)
    assert chat.id == -1001 and chat.type == "supergroup"
    assert await bot.get_my_commands() == ()
    await bot.set_my_commands([("start", "Zacznij")])
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert await bot.get_chat_member_count(-1001) == 0
    assert await bot.answer_callback_query("q1", text="OK") is True
    assert await bot.delete_message(1, 1) is True
    assert (await bot.get_me()).can_read_all_group_messages is True
    fake.set_can_read_all_group_messages(False)
    assert (await bot.get_me()).can_read_all_group_messages is False
    fake.assert_clean()
    returns = {
        "getMe": "User",
        "getChat": "ChatFullInfo",
        "getChatMember": "ChatMember",
        "getChatAdministrators": "Array of ChatMember",
        "getMyCommands": "Array of BotCommand",
    }
    for call in fake.calls():
        if call.method in returns:
            assert validate_object(returns[call.method], call.result) == [], call.short()


async def test_edits_update_the_stored_message(fake: FakeBotApi, bot: telegram.Bot) -> None:
    sent = await bot.send_message(9, "Wybierz", reply_markup=keyboard("pick:1"))
    edited = await bot.edit_message_reply_markup(9, sent.message_id, reply_markup=keyboard("p:2"))
    assert isinstance(edited, telegram.Message) and edited.text == "Wybierz"
    assert fake.last_message(9)["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "p:2"
    text_edit = await bot.edit_message_text("Gotowe", 9, sent.message_id)
    assert isinstance(text_edit, telegram.Message) and text_edit.reply_markup is None
    assert fake.sent_texts(9) == ["Wybierz", "Gotowe"]
    assert validate_object("Message", fake.last_message(9)) == []


def test_wait_for_reports_recent_calls_on_timeout(fake: FakeBotApi) -> None:
    httpx.post(f"{fake.base_url}{fake.token}/sendMessage", data={"chat_id": "3", "text": "hi"})
    with pytest.raises(AssertionError, match=r"(?s)sendMessage.*recent calls.*\"text\": \"hi\""):
        fake.wait_for("sendMessage", lambda c: c.params["text"] == "nope", timeout=0.02)
    assert len(fake.wait_for("sendMessage")) == 1
    fake.clear_calls()
    with pytest.raises(AssertionError):
        fake.wait_for("sendMessage", timeout=0.01)


def test_wait_for_wakes_on_calls_from_other_threads(fake: FakeBotApi) -> None:
    url = f"{fake.base_url}{fake.token}/sendMessage"

    def send_three() -> None:
        with httpx.Client() as client:
            for i in range(3):
                client.post(url, data={"chat_id": "3", "text": f"t{i}"})

    worker = threading.Thread(target=send_three)
    worker.start()
    calls = fake.wait_for("sendMessage", count=3, timeout=5)
    worker.join()
    assert [c.params["text"] for c in calls] == ["t0", "t1", "t2"]


# --------------------------------------------------------------------------- full Application


async def start_app(fake: FakeBotApi, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Initialize and start an Application polling the fake."""
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=5)


async def stop_app(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Stop an Application started by start_app."""
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


async def test_application_round_trip(fake: FakeBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, "Witaj!", reply_markup=keyboard("hello"))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("Kliknięto")
        await update.callback_query.edit_message_text(f"Wybrano {update.callback_query.data}")

    app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    await start_app(fake, app)
    try:
        fake.push_update(message(PRIVATE, ANNA, "/start"))
        [call] = await fake.await_for("sendMessage")
        assert call.params["chat_id"] == ANNA["id"] and call.params["text"] == "Witaj!"
        bot_msg = fake.last_message(ANNA["id"])
        update_id = fake.push_update(callback_query(ANNA, bot_msg, "hello"))
        await fake.await_for("editMessageText")
        await fake.await_for("answerCallbackQuery", lambda c: c.params["text"] == "Kliknięto")
        assert fake.sent_texts(ANNA["id"]) == ["Witaj!", "Wybrano hello"]
        for sent in fake.calls("sendMessage") + fake.calls("editMessageText"):
            assert validate_object("Message", sent.result) == [], sent.result
    finally:
        await stop_app(app)
    await fake.await_confirmed(update_id)
    assert fake.pending_count() == 0
    fake.assert_clean()
