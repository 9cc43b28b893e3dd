"""The sandbox's parts without a browser: sanitising, options, the clock, the page's server, the demo."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import sqlite3
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import clock
from bot.cli import main as cli_main
from sandbox import render
from sandbox.run import Options, Sandbox, ShiftedClock, is_loopback, is_sandbox_db, refusal
from sandbox.server import Call
from sandbox.world import GROUP_ID, LocalTelegram, World

# ---------------------------------------------------------------------- render (pure)


def test_sanitise_keeps_telegrams_tags_only() -> None:
    html = (
        "<b>bold</b> <i>it</i> <script>alert(1)</script><img src=x onerror=alert(1)>"
        '<a href="javascript:alert(1)">bad</a> <a href="https://t.me/x?start=a&amp;b" onclick="x()">ok</a>'
        '<span class="tg-spoiler">secret</span> <blockquote>q</blockquote> <u>u</u>'
    )
    clean = render.sanitise(html)
    assert "<b>bold</b>" in clean and "<i>it</i>" in clean and "<u>u</u>" in clean
    assert (
        "<script" not in clean and "<img" not in clean and "onerror" not in clean and "onclick" not in clean
    )
    assert "alert(1)" in clean  # the script's text stays, as harmless text
    assert '<a href="#" target="_blank" rel="noopener">bad</a>' in clean
    assert 'href="https://t.me/x?start=a&amp;b"' in clean
    assert '<span class="spoiler">secret</span>' in clean and "<blockquote>q</blockquote>" in clean


def test_sanitise_escapes_text_and_closes_what_was_left_open() -> None:
    assert render.sanitise("1 &lt; 2 <b>open <i>both") == "1 &lt; 2 <b>open <i>both</i></b>"
    assert render.sanitise("</b>stray") == "stray"
    assert render.to_html("<b>not html</b> & more", None) == "&lt;b&gt;not html&lt;/b&gt; &amp; more"
    assert render.to_html("<b>x</b>", "HTML") == "<b>x</b>"
    assert render.to_html(None, "HTML") == ""


def test_buttons_prompt_and_attachments() -> None:
    markup = {
        "inline_keyboard": [[{"text": "Yes", "callback_data": "ci:1"}, {"text": "Web", "url": "https://e"}]]
    }
    assert render.buttons(markup) == [
        [{"text": "Yes", "callback_data": "ci:1"}, {"text": "Web", "url": "https://e"}]
    ]
    assert render.buttons({"force_reply": True}) == [] and render.buttons(None) == []
    assert render.prompt({"force_reply": True, "input_field_placeholder": "Name"}) == {
        "placeholder": "Name",
        "selective": False,
    }
    assert render.prompt(markup) is None
    photo = {
        "photo": [{"file_id": "s", "width": 90, "height": 60}, {"file_id": "l", "width": 900, "height": 600}]
    }
    assert render.attachment(photo) == {"kind": "photo", "file_id": "l"}
    document = {"document": {"file_id": "d", "file_name": "plan.xlsx"}}
    assert render.attachment(document) == {"kind": "document", "file_id": "d", "file_name": "plan.xlsx"}
    assert render.attachment({"text": "hi"}) is None


def test_an_edit_keeps_what_it_does_not_change() -> None:
    sent = {"chat": {"id": -1}, "message_id": 7, "photo": [{"file_id": "p", "width": 1, "height": 1}]}
    before = render.bot_message("sendphoto", {"caption": "<b>Chart</b>", "parse_mode": "HTML"}, sent, 1.0)
    assert before["html"] == "<b>Chart</b>" and before["file"] == {"kind": "photo", "file_id": "p"}
    after = render.edited("editmessagereplymarkup", {"reply_markup": {"inline_keyboard": []}}, before)
    assert after["html"] == "<b>Chart</b>" and after["edited"] and after["file"] == before["file"]
    retexted = render.edited("editmessagetext", {"text": "plain <x>"}, before)
    assert retexted["html"] == "plain &lt;x&gt;"


# ---------------------------------------------------------------------- the world (no server running)


def _recorded(
    telegram: LocalTelegram, method: str, params: dict[str, Any], result: Any = True, status: int = 200
):
    """Record a call as the server would after answering it."""
    call = Call(method, params, {}, 0.0, status=status, result=result)
    with telegram._cond:
        telegram._record(call)
    return call


def test_the_world_draws_the_bots_calls_and_keeps_the_call_list_short() -> None:
    telegram = LocalTelegram()
    world = World(telegram)
    anna = world.add_person("Anna", "pl", status="creator")
    keyboard = {"inline_keyboard": [[{"text": "OK", "callback_data": "x:1"}]]}
    sent = {"message_id": 5, "chat": {"id": GROUP_ID, "type": "supergroup", "title": "P"}, "date": 0}
    params = {"chat_id": GROUP_ID, "text": "<b>Hi</b> <x>", "parse_mode": "HTML", "reply_markup": keyboard}
    _recorded(telegram, "sendMessage", params, sent)
    _recorded(telegram, "editMessageReplyMarkup", {"chat_id": GROUP_ID, "message_id": 5}, sent)
    _recorded(telegram, "answerCallbackQuery", {"callback_query_id": "q1", "text": "Done"})
    _recorded(
        telegram, "sendMessage", {"chat_id": 1, "text": "x" * 5000}, "Bad Request: too long", status=400
    )
    state = world.state()
    (drawn,) = [m for m in state["messages"] if m.get("from") == "bot"]
    assert drawn["html"] == "<b>Hi</b> " and drawn["buttons"] == [] and drawn["edited"]
    kinds = [e["kind"] for e in world.since(0, timeout=0)]
    assert kinds.count("toast") == 1 and kinds.count("problem") == 1
    assert state["chats"][0]["members"] == {str(anna.id): "creator"}
    for _ in range(2100):
        _recorded(telegram, "getMe", {})
    assert 1000 <= len(telegram.calls()) <= 2000


# ---------------------------------------------------------------------- options and clock


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("example.org", False),
    ],
)
def test_only_loopback_hosts_count_as_local(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_remote_host_needs_allow_remote(capsys: pytest.CaptureFixture[str]) -> None:
    assert "--allow-remote" in (refusal(Options(host="0.0.0.0")) or "")
    assert refusal(Options(host="0.0.0.0", allow_remote=True)) is None
    assert refusal(Options()) is None
    assert cli_main(["sandbox", "--host", "0.0.0.0", "--port", "0"]) == 2
    assert "refusing to serve the sandbox on 0.0.0.0" in capsys.readouterr().err


def test_it_never_deletes_a_database_that_is_not_its_own(tmp_path: Path) -> None:
    precious = tmp_path / "partnerbot.db"
    with contextlib.closing(sqlite3.connect(precious)) as conn:
        conn.execute("create table partnership (id integer)")
        conn.commit()
    assert "is not a sandbox's database" in (refusal(Options(db=str(precious))) or "")
    assert cli_main(["sandbox", "--port", "0", "--db", str(precious)]) == 2
    assert precious.exists()
    assert refusal(Options(db=str(tmp_path / "new.db"))) is None


def test_the_shifted_clock_starts_where_asked_and_never_goes_back() -> None:
    start = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    shifted = ShiftedClock(start)
    assert abs(shifted.now() - start) < timedelta(seconds=5)
    shifted.jump_to(start + timedelta(days=5))
    assert shifted.now() >= start + timedelta(days=5)
    shifted.jump_to(start)  # backwards: ignored
    assert shifted.now() >= start + timedelta(days=5)


# ---------------------------------------------------------------------- a running sandbox


@pytest.fixture
async def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Sandbox]:
    """A running sandbox with the Czarne demo, in Polish, at the test's moment; it may not reach
    any address but this machine's."""
    from sandbox.demo import seed

    inside: list[Any] = []
    outside: list[Any] = []
    connect = socket.socket.connect

    def local_only(sock: socket.socket, address: Any) -> Any:
        (inside if is_loopback(str(address[0])) else outside).append(address)
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", local_only)
    box = Sandbox(Options(port=0, demo=True, db=str(tmp_path / "demo.db")), start=clock.now())
    await box.start()
    await seed(box)
    yield box
    await box.stop()
    assert is_sandbox_db(tmp_path / "demo.db")  # so the next start may replace it
    assert refusal(Options(db=str(tmp_path / "demo.db"))) is None
    assert box.telegram.violations == []
    assert inside and outside == []  # the guard saw the bot's connections, all to this machine


def _get(url: str) -> tuple[int, bytes]:
    """GET a page URL."""
    with urllib.request.urlopen(url, timeout=10) as answer:
        return int(answer.status), answer.read()


def _post(url: str, body: dict[str, Any], kind: str = "application/json") -> tuple[int, Any]:
    """POST to the page's API."""
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": kind}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status), json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


async def _run(fn: Any, *args: Any) -> Any:
    """A blocking call in a thread, so the bot keeps running in the loop."""
    return await asyncio.to_thread(fn, *args)


async def test_the_demo_has_a_month_of_talk_a_plan_and_answers_status(demo: Sandbox) -> None:
    url = demo.page.url
    status, body = await _run(_get, url)
    assert status == 200 and b"app.js" in body
    state = json.loads((await _run(_get, url + "api/state"))[1])
    talk = [m for m in state["messages"] if m["chat"] == GROUP_ID and isinstance(m["from"], int)]
    assert len(talk) >= 15
    assert max(m["at"] for m in talk) - min(m["at"] for m in talk) > 25 * 86400  # a month of it
    anna = next(p["id"] for p in state["people"] if p["role"] == "coordinator")
    code, answer = await _run(_post, url + "api/say", {"person": anna, "chat": GROUP_ID, "text": "/status"})
    assert code == 200 and answer["ok"]
    found = await demo.telegram.await_for(
        "sendMessage", lambda c: "Wkład partnerów" in str(c.params.get("text"))
    )
    text = str(found[-1].params["text"])
    assert "Biblioteka Publiczna w Czarnem" in text and "seniorzy" in text


async def test_the_page_acts_only_on_json_posts(demo: Sandbox) -> None:
    url = demo.page.url + "api/say"
    code, _ = await _run(_post, url, {"person": 1, "chat": GROUP_ID, "text": "x"}, "text/plain")
    assert code == 415  # what a form on another site could send
    code, _ = await _run(_post, demo.page.url + "api/nothing", {})
    assert code == 404
    code, answer = await _run(_post, url, {"person": 999, "chat": GROUP_ID, "text": "x"})
    assert code == 400 and b"KeyError" in answer


async def test_the_clock_jumps_from_occurrence_to_occurrence_to_the_weekly_check_in(demo: Sandbox) -> None:
    def asked(call: Any) -> bool:
        return "Jak idzie rekrutacja w tym tygodniu?" in str(call.params.get("text"))

    moments = [clock.now()]
    for _ in range(12):  # daily watches and the weekly digest come first
        answer = await demo.jump_to_next()
        assert answer["jumped"]
        moments.append(clock.now())
        await asyncio.sleep(0.3)
        if any(asked(c) for c in demo.telegram.calls("sendMessage")):
            break
    assert moments == sorted(moments) and moments[-1] - moments[0] < timedelta(days=8)
    await demo.telegram.await_for("sendMessage", asked, timeout=10)
