"""A fake Telegram Bot API server for tests: real HTTP on 127.0.0.1, spec-validated calls.

python-telegram-bot talks to it through ``ApplicationBuilder().base_url(fake.base_url)``.
Every call is decoded, validated against the Bot API spec, recorded as a ``Call`` and
answered with a valid Bot API object (or an error, when injected or when invalid).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import email.parser
import email.policy
import http
import http.client
import json
import math
import mimetypes
import socket
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from . import updates as build
from .spec import MethodSpec, decode_params, default_validator, load_spec, visible_text

DEFAULT_TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghijk"
# Update types Telegram leaves out unless they are listed in allowed_updates explicitly.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# send* methods whose Message carries a media field named differently from the method.
MEDIA_FIELD = {"sendvideonote": "video_note", "sendmediagroup": ""}
MAX_STORED_MESSAGES = 20_000
CAPTION_METHODS = frozenset(
    {
        "sendphoto",
        "senddocument",
        "sendvideo",
        "sendaudio",
        "sendvoice",
        "sendanimation",
        "editmessagecaption",
        "copymessage",
    }
)
TEXT_METHODS = frozenset({"sendmessage", "editmessagetext"})
CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
# Calls that post a message, as far as the optional flood control is concerned.
FLOOD_EXTRA_METHODS = frozenset({"copymessage", "forwardmessage"})

Predicate = Callable[["Call"], bool]


@dataclass
class Call:
    """One request the bot made to the fake Bot API."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes]
    at: float
    status: int = 200
    result: Any = None
    violations: list[str] = field(default_factory=list)
    filenames: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the call was answered successfully."""
        return self.status == 200

    @property
    def chat_id(self) -> Any:
        """The `chat_id` parameter, if any."""
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        """`text` or `caption` parameter, if any."""
        value = self.params.get("text", self.params.get("caption"))
        return value if isinstance(value, str) else None

    def short(self) -> str:
        """One-line summary for failure reports."""
        text = json.dumps(self.params, ensure_ascii=False, default=str)
        if len(text) > 200:
            text = text[:197] + "..."
        files = f" files={sorted(self.files)}" if self.files else ""
        return f"{self.method} -> {self.status} {text}{files}"


@dataclass
class _Pending:
    """An update waiting in the getUpdates queue."""

    update_id: int
    kind: str
    payload: bytes


@dataclass
class _Fault:
    """An injected error answer."""

    error_code: int
    description: str
    parameters: dict[str, int]


class _FloodControl:
    """Telegram-like flood limits as sliding windows over accepted messages (caller holds the lock)."""

    def __init__(self, per_second: int, group_per_minute: int) -> None:
        self.per_second = per_second
        self.group_per_minute = group_per_minute
        self.recent: deque[float] = deque()
        self.groups: dict[str, deque[float]] = {}

    def admit(self, chat_id: Any) -> int:
        """0 when a message to chat_id may go now (it is counted); else the seconds to wait."""
        now = time.monotonic()
        wait = self._wait(self.recent, now, 1.0, self.per_second)
        target = "" if chat_id is None else str(chat_id)
        window = self.groups.setdefault(target, deque()) if target.startswith(("-", "@")) else None
        if window is not None:
            wait = max(wait, self._wait(window, now, 60.0, self.group_per_minute))
        if wait > 0:
            return max(1, math.ceil(wait))
        self.recent.append(now)
        if window is not None:
            window.append(now)
        return 0

    @staticmethod
    def _wait(window: deque[float], now: float, span: float, limit: int) -> float:
        """Drop entries older than span; how long until the window has room (0 = now)."""
        while window and window[0] <= now - span:
            window.popleft()
        return window[0] + span - now if limit and len(window) >= limit else 0.0


class _RawJSON(bytes):
    """Already-serialized JSON result (getUpdates), spliced into the response as-is."""


class _Matcher:
    """Incrementally collects calls matching a method and predicate."""

    def __init__(self, method: str | None, predicate: Predicate | None) -> None:
        self.method = method.lower() if method else None
        self.predicate = predicate
        self.found: list[Call] = []
        self.source: list[Call] | None = None
        self.pos = 0

    def scan(self, calls: list[Call]) -> int:
        """Look at calls recorded since the last scan; return how many matched so far."""
        if calls is not self.source:
            self.source, self.pos, self.found = calls, 0, []
        for call in calls[self.pos :]:
            if self._matches(call):
                self.found.append(call)
        self.pos = len(calls)
        return len(self.found)

    def _matches(self, call: Call) -> bool:
        """Whether one call matches."""
        name = call.method.lower()
        if self.method is None:
            if name == "getupdates":
                return False
        elif name != self.method:
            return False
        return self.predicate is None or bool(self.predicate(call))


class _HTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its FakeBotApi and stays quiet on client errors."""

    daemon_threads = True
    allow_reuse_address = True
    fake: FakeBotApi

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Broken connections (bot shut down mid-poll) are expected; do not print."""


class _Handler(BaseHTTPRequestHandler):
    """Routes requests to the FakeBotApi."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _HTTPServer
    raw_requestline: bytes
    fields: dict[str, str]

    def setup(self) -> None:
        """Track the connection so stop() can close keep-alive sockets."""
        super().setup()
        self.server.fake._track(self.connection, add=True)

    def finish(self) -> None:
        """Forget the connection."""
        self.server.fake._track(self.connection, add=False)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """No per-request logging."""

    def parse_request(self) -> bool:
        """Lean HTTP/1.x request parsing (the stdlib one runs the email parser per request)."""
        self.command = ""
        self.request_version = "HTTP/0.9"
        self.close_connection = True
        self.requestline = self.raw_requestline.decode("iso-8859-1").rstrip("\r\n")
        parts = self.requestline.split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            self.send_error(400, "Bad request line")
            return False
        self.command, self.path, self.request_version = parts
        fields: dict[str, str] = {}
        while True:
            line = self.rfile.readline(65537)
            if len(line) > 65536 or len(fields) > 100:
                self.send_error(431)
                return False
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("iso-8859-1").partition(":")
            fields[name.strip().lower()] = value.strip()
        self.fields = fields
        self.headers = http.client.HTTPMessage()
        connection = fields.get("connection", "").lower()
        self.close_connection = connection == "close" or (
            self.request_version == "HTTP/1.0" and connection != "keep-alive"
        )
        if fields.get("expect", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return True

    def do_POST(self) -> None:
        """Bot API call (form, multipart or JSON body)."""
        self._route()

    def do_GET(self) -> None:
        """Bot API call with query parameters, or a file download."""
        self._route()

    def _route(self) -> None:
        """Dispatch by path: /bot<token>/<method> or /file/bot<token>/<path>."""
        fake = self.server.fake
        url = urlsplit(self.path)
        path = unquote(url.path)
        body = self._read_body()
        if path.startswith("/file/bot"):
            status, content = fake._download(path[len("/file/bot") :])
            self._send(status, content, "application/octet-stream")
            return
        token, _, method = path.removeprefix("/bot").partition("/")
        if not path.startswith("/bot") or not method:
            self._send_json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        try:
            raw, typed, files, filenames = self._parse(body, url.query)
            status, payload = fake._handle_call(token, method, raw, typed, files, filenames)
        except Exception as exc:  # a bug in the fake itself; surface it in assert_clean()
            fake._internal_error(method, exc)
            status = 500
            payload = {"ok": False, "error_code": 500, "description": f"fake server error: {exc!r}"}
        self._send_json(status, payload)

    def _read_body(self) -> bytes:
        """Read the request body (Content-Length or chunked)."""
        length = self.fields.get("content-length")
        if length is not None:
            return self.rfile.read(int(length)) if int(length) else b""
        if "chunked" in self.fields.get("transfer-encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        return b""

    def _parse(
        self, body: bytes, query: str
    ) -> tuple[dict[str, str], dict[str, Any], dict[str, bytes], dict[str, str]]:
        """Split a request into raw string params, typed (JSON) params and uploaded files."""
        raw: dict[str, str] = dict(parse_qsl(query, keep_blank_values=True))
        typed: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        filenames: dict[str, str] = {}
        ctype = self.fields.get("content-type", "")
        kind = ctype.split(";", 1)[0].strip().lower()
        if kind == "application/x-www-form-urlencoded":
            raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        elif kind == "multipart/form-data":
            parse_multipart(ctype, body, raw, files, filenames)
        elif kind == "application/json" and body:
            loaded = json.loads(body)
            if not isinstance(loaded, dict):
                raise ValueError("JSON body must be an object")
            typed.update(loaded)
        return raw, typed, files, filenames

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        """Write a JSON response; a _RawJSON result is spliced without re-encoding."""
        result = payload.get("result")
        if isinstance(result, _RawJSON):
            body = b'{"ok":true,"result":' + bytes(result) + b"}"
        else:
            body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        self._send(status, body, "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        """Write status line, headers and body in one write (keep-alive friendly)."""
        phrase = http.HTTPStatus(status).phrase
        head = (
            f"HTTP/1.1 {status} {phrase}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode("latin-1")
        try:
            self.wfile.write(head + body)
        except OSError:
            self.close_connection = True


def parse_multipart(
    content_type: str,
    body: bytes,
    raw: dict[str, str],
    files: dict[str, bytes],
    filenames: dict[str, str],
) -> None:
    """Parse multipart/form-data with the stdlib email parser into fields and files."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ValueError("multipart body without parts")
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = data
            filenames[name] = filename
        else:
            raw[name] = data.decode("utf-8")


class FakeBotApi:
    """In-process fake of the Telegram Bot API server (see module docstring)."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_id: int = 123456789,
        bot_username: str = "partner_test_bot",
        can_read_all_group_messages: bool = True,
        validate: bool = True,
        validate_updates: bool | None = None,
        first_update_id: int = 1,
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.validate = validate
        self.validate_updates = validate if validate_updates is None else validate_updates
        self.bot_user: dict[str, Any] = build.bot_user(
            bot_id, bot_username, can_read_all_group_messages=can_read_all_group_messages
        )
        self.base_url = ""
        self.base_file_url = ""
        self.port = 0
        self.violations: list[str] = []
        self.internal_errors: list[str] = []
        self.dropped_updates: list[dict[str, Any]] = []
        self._dropped_ids: set[int] = set()
        self._cond = threading.Condition(threading.RLock())
        self._stop_event = threading.Event()
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._calls: list[Call] = []
        self._pending: deque[_Pending] = deque()
        self._next_update_id = first_update_id
        self._poll_generation = 0
        self._confirmed_offset = 0
        self._allowed: frozenset[str] | None = None
        self._faults: dict[str, deque[_Fault]] = {}
        self._delays: dict[str, deque[float]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {bot_id: self.bot_user}
        self._members: dict[tuple[int, int], str] = {}
        self._member_counts: dict[int, int] = {}
        self._messages: OrderedDict[tuple[int, int], dict[str, Any]] = OrderedDict()
        self._last_by_chat: dict[int, dict[str, Any]] = {}
        self._commands: dict[str, list[dict[str, Any]]] = {}
        self._uploads: dict[str, bytes] = {}
        self._validator = default_validator() if validate or self.validate_updates else None
        self._flood: _FloodControl | None = None
        self.flood_rejections = 0  # 429 answers sent by the flood control (enable_flood_control)
        self.latency = 0.0  # seconds added before every call is answered (set_latency)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeBotApi:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        if self._server is not None:
            return self
        load_spec()
        server = _HTTPServer(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self.port = int(server.server_address[1])
        self.base_url = f"http://127.0.0.1:{self.port}/bot"
        self.base_file_url = f"http://127.0.0.1:{self.port}/file/bot"
        self._stop_event.clear()
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeBotApi:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; wakes long polls and closes keep-alive connections."""
        server = self._server
        if server is None:
            return
        self._stop_event.set()
        with self._cond:
            self._cond.notify_all()
        server.shutdown()
        with self._cond:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeBotApi:
        """Start serving."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop serving."""
        self.stop()

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        """Remember open client connections."""
        with self._cond:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # ------------------------------------------------------------------ configuration

    def set_can_read_all_group_messages(self, value: bool) -> None:
        """Privacy mode as reported by getMe (False = privacy mode on)."""
        with self._cond:
            self.bot_user["can_read_all_group_messages"] = value

    def set_chat_member(self, chat_id: int, user_id: int, status: str) -> None:
        """What getChatMember answers for (chat_id, user_id); default is "member"."""
        if status not in build.MEMBER_STATUSES:
            raise ValueError(f"unknown status {status!r}; use one of {build.MEMBER_STATUSES}")
        with self._cond:
            self._members[(chat_id, user_id)] = status

    def set_chat_member_count(self, chat_id: int, count: int) -> None:
        """What getChatMemberCount answers for chat_id (default 0)."""
        with self._cond:
            self._member_counts[chat_id] = count

    def add_chat(self, chat: dict[str, Any]) -> None:
        """Register a Chat object so answers about that chat id use it."""
        with self._cond:
            self._chats[int(chat["id"])] = dict(chat)

    def fail_next(
        self,
        method: str,
        *,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` with an error."""
        parameters: dict[str, int] = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        fault = _Fault(error_code, description, parameters)
        with self._cond:
            self._faults.setdefault(method.lower(), deque()).extend([fault] * times)

    def enable_flood_control(self, *, per_second: int = 30, group_per_minute: int = 20) -> None:
        """Answer like Telegram's flood control (off unless this is called).

        A send* call (not sendChatAction), copyMessage or forwardMessage is refused with 429
        "Too Many Requests: retry after N" (parameters.retry_after = N whole seconds) when
        `per_second` messages were accepted in the last second, or `group_per_minute` to the
        same group or channel (negative or @username chat_id) in the last minute. Refused
        calls do not count; they are recorded as calls with status 429 and counted in
        `flood_rejections`.
        """
        with self._cond:
            self._flood = _FloodControl(per_second, group_per_minute)

    def set_latency(self, seconds: float) -> None:
        """Add `seconds` to every call, like a far-away server (each call waits in its own thread)."""
        self.latency = seconds

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Hold the answer to the next `times` calls of `method` for `seconds`."""
        with self._cond:
            self._delays.setdefault(method.lower(), deque()).extend([seconds] * times)

    # ------------------------------------------------------------------ updates

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an Update for getUpdates; assigns an increasing update_id if absent."""
        return self.push_updates([update])[0]

    def push_updates(self, updates: list[dict[str, Any]]) -> list[int]:
        """Queue several Updates atomically; returns their update_ids."""
        prepared = [self._prepare(u) for u in updates]
        ids: list[int] = []
        with self._cond:
            for update, kind in prepared:
                update_id = update.get("update_id")
                if update_id is None:
                    update_id = self._next_update_id
                elif update_id < self._next_update_id:
                    raise ValueError(
                        f"update_id {update_id} must be >= {self._next_update_id} (ids increase)"
                    )
                update = {"update_id": update_id, **update}
                self._next_update_id = update_id + 1
                self._remember_entities(update)
                self._pending.append(_Pending(update_id, kind, json.dumps(update).encode()))
                ids.append(update_id)
            self._cond.notify_all()
        return ids

    def _prepare(self, update: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """Find the update's kind and validate it against the spec."""
        kinds = [k for k in update if k != "update_id"]
        if len(kinds) != 1:
            raise ValueError(f"an Update needs exactly one payload field, got {kinds}")
        if self.validate_updates and self._validator is not None:
            probe = update if "update_id" in update else {"update_id": 1, **update}
            errors = self._validator.validate_object("Update", probe)
            if errors:
                raise ValueError("invalid Update pushed:\n  " + "\n  ".join(errors))
        return update, kinds[0]

    def _remember_entities(self, update: dict[str, Any]) -> None:
        """Learn chats and users from an update so later answers can reuse them."""
        for obj in _walk_dicts(update):
            chat = obj.get("chat")
            if isinstance(chat, dict) and "id" in chat and "type" in chat:
                self._chats[int(chat["id"])] = chat
            sender = obj.get("from")
            if isinstance(sender, dict) and "id" in sender:
                self._users.setdefault(int(sender["id"]), sender)
            if "message_id" in obj and isinstance(chat, dict):
                build.note_message_id(int(chat["id"]), int(obj["message_id"]))

    @property
    def confirmed_offset(self) -> int:
        """Highest getUpdates offset the bot sent (updates with smaller ids are confirmed)."""
        with self._cond:
            return self._confirmed_offset

    def pending_count(self) -> int:
        """Number of queued updates not yet confirmed."""
        with self._cond:
            return len(self._pending)

    def wait_until_confirmed(self, update_id: int, timeout: float = 5.0) -> None:
        """Block until the bot confirmed `update_id` via getUpdates offset."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._is_confirmed(update_id):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"update {update_id} not confirmed within {timeout}s "
                        f"(confirmed_offset={self._confirmed_offset}, "
                        f"pending={len(self._pending)})\n{self._recent_calls()}"
                    )
                self._cond.wait(remaining)

    async def await_confirmed(self, update_id: int, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Async variant of wait_until_confirmed (polls without blocking the loop)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                if self._is_confirmed(update_id):
                    return
            if time.monotonic() >= deadline:
                self.wait_until_confirmed(update_id, timeout=0)
            await asyncio.sleep(0.005)

    def _is_confirmed(self, update_id: int) -> bool:
        """Whether update_id is below the confirmed offset or was dropped unseen."""
        return update_id < self._confirmed_offset or update_id in self._dropped_ids

    # ------------------------------------------------------------------ calls

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls in order; getUpdates only when asked for explicitly."""
        with self._cond:
            snapshot = list(self._calls)
        if method is None:
            return [c for c in snapshot if c.method.lower() != "getupdates"]
        wanted = method.lower()
        return [c for c in snapshot if c.method.lower() == wanted]

    def clear_calls(self) -> None:
        """Forget recorded calls (wait_for counts from here on); violations are kept."""
        with self._cond:
            self._calls = []

    def clear_violations(self) -> None:
        """Forget recorded violations (e.g. after asserting on an intentional bad call)."""
        with self._cond:
            self.violations.clear()

    def sent_texts(self, chat_id: int | None = None, *, plain: bool = False) -> list[str]:
        """Texts/captions the bot successfully sent or edited, in order (optionally one chat).

        `plain=True` gives the text after entity parsing (HTML tags stripped etc.).
        """
        texts: list[str] = []
        for call in self.calls():
            name = call.method.lower()
            if not call.ok or (chat_id is not None and call.chat_id != chat_id):
                continue
            key = "text" if name in TEXT_METHODS else "caption" if name in CAPTION_METHODS else None
            value = call.params.get(key) if key else None
            if isinstance(value, str):
                if plain:
                    mode = call.params.get("parse_mode")
                    value = visible_text(value, mode if isinstance(mode, str) else None)[0]
                texts.append(value)
        return texts

    def last_message(self, chat_id: int) -> dict[str, Any]:
        """The Message dict the server last returned for chat_id (sent or edited)."""
        with self._cond:
            msg = self._last_by_chat.get(chat_id)
            if msg is None:
                raise AssertionError(f"the bot has not sent anything to chat {chat_id}")
            return copy.deepcopy(msg)

    def wait_for(
        self,
        method: str | None,
        predicate: Predicate | None = None,
        *,
        count: int = 1,
        timeout: float = 5.0,
    ) -> list[Call]:
        """Block until `count` matching calls were recorded; return all matching calls."""
        matcher = _Matcher(method, predicate)
        deadline = time.monotonic() + timeout
        with self._cond:
            while matcher.scan(self._calls) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._timeout_report(method, count, matcher, timeout))
                self._cond.wait(remaining)
            return list(matcher.found)

    async def await_for(
        self,
        method: str | None,
        predicate: Predicate | None = None,
        *,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - mirrors wait_for's signature
    ) -> list[Call]:
        """Async wait_for: polls every 5 ms so the event loop (and the bot) keep running."""
        matcher = _Matcher(method, predicate)
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                if matcher.scan(self._calls) >= count:
                    return list(matcher.found)
                if time.monotonic() >= deadline:
                    raise AssertionError(self._timeout_report(method, count, matcher, timeout))
            await asyncio.sleep(0.005)

    def assert_clean(self) -> None:
        """Raise AssertionError listing every spec violation (and fake-internal error)."""
        with self._cond:
            problems = list(self.violations) + [f"internal: {e}" for e in self.internal_errors]
        if problems:
            raise AssertionError(f"{len(problems)} Bot API violation(s):\n  " + "\n  ".join(problems))

    def _timeout_report(self, method: str | None, count: int, matcher: _Matcher, timeout: float) -> str:
        """Failure message for wait_for/await_for."""
        return (
            f"timed out after {timeout}s waiting for {count} call(s) of {method or 'any method'}"
            f" (matched {len(matcher.found)}).\n{self._recent_calls()}"
        )

    def _recent_calls(self, limit: int = 20) -> str:
        """Recent calls, violations and queue state for failure messages."""
        with self._cond:
            recent = [c for c in self._calls if c.method.lower() != "getupdates"][-limit:]
            polls = sum(1 for c in self._calls if c.method.lower() == "getupdates")
            lines = [f"recent calls ({len(recent)} shown, {polls} getUpdates omitted):"]
            start = self._calls[0].at if self._calls else 0.0
            lines += [f"  +{c.at - start:7.3f}s {c.short()}" for c in recent] or ["  (none)"]
            if self.violations:
                lines.append("violations:")
                lines += [f"  {v}" for v in self.violations[-limit:]]
            lines.append(f"pending updates: {len(self._pending)}, confirmed_offset: {self._confirmed_offset}")
        return "\n".join(lines)

    def _internal_error(self, method: str, exc: Exception) -> None:
        """Record a bug of the fake itself."""
        with self._cond:
            self.internal_errors.append(f"{method}: {exc!r}")

    # ------------------------------------------------------------------ request handling

    def _handle_call(
        self,
        token: str,
        method: str,
        raw: dict[str, str],
        typed: dict[str, Any],
        files: dict[str, bytes],
        filenames: dict[str, str],
    ) -> tuple[int, dict[str, Any]]:
        """Validate, record and answer one Bot API call."""
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if self.latency:
            self._stop_event.wait(self.latency)
        params = decode_params(method, raw) if raw else {}
        params.update(typed)
        mspec = load_spec().method(method)
        if self.validate and self._validator is not None:
            violations = self._validator.validate_call(method, params, files.keys())
        else:
            violations = []
        call = Call(method, params, files, time.monotonic(), violations=violations, filenames=filenames)
        key = method.lower()
        with self._cond:
            if violations:
                self.violations.extend(violations)
                return self._fail(call, 400, "Bad Request: " + "; ".join(violations), {})
            fault = self._pop(self._faults, key)
            if fault is not None:
                return self._fail(call, fault.error_code, fault.description, fault.parameters)
            if self._flood is not None and (
                (key.startswith("send") and key != "sendchataction") or key in FLOOD_EXTRA_METHODS
            ):
                retry_after = self._flood.admit(params.get("chat_id"))
                if retry_after:
                    self.flood_rejections += 1
                    return self._fail(
                        call,
                        429,
                        f"Too Many Requests: retry after {retry_after}",
                        {"retry_after": retry_after},
                    )
            delay = self._pop(self._delays, key)
            if delay is None and key != "getupdates":
                call.result = self._dispatch(mspec, call)
                self._record(call)
                return 200, {"ok": True, "result": call.result}
            self._record(call)
        if delay is not None:
            self._stop_event.wait(delay)
        if key == "getupdates":
            result = self._get_updates(params)
            if result is None:
                call.status = 409
                call.result = CONFLICT
                return 409, {"ok": False, "error_code": 409, "description": CONFLICT}
            call.result = result
        else:
            with self._cond:
                call.result = self._dispatch(mspec, call)
        return 200, {"ok": True, "result": call.result}

    def _fail(
        self, call: Call, code: int, description: str, parameters: dict[str, int]
    ) -> tuple[int, dict[str, Any]]:
        """Record a failed call and build the error answer."""
        call.status = code
        call.result = description
        self._record(call)
        payload: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            payload["parameters"] = parameters
        return code, payload

    @staticmethod
    def _pop(queues: dict[str, deque[Any]], key: str) -> Any:
        """Pop the next injected item for a method, if any."""
        queue = queues.get(key)
        return queue.popleft() if queue else None

    def _record(self, call: Call) -> None:
        """Store a call and wake waiters (caller holds the lock)."""
        self._calls.append(call)
        self._cond.notify_all()

    def _download(self, path: str) -> tuple[int, bytes]:
        """GET /file/bot<token>/<file_path> for files uploaded earlier."""
        token, _, file_path = path.partition("/")
        if token != self.token:
            return 401, b"Unauthorized"
        with self._cond:
            data = self._uploads.get(file_path)
        return (200, data) if data is not None else (404, b"Not Found")

    # ------------------------------------------------------------------ getUpdates

    def _get_updates(self, params: dict[str, Any]) -> _RawJSON | None:
        """Long polling: honor offset, limit, timeout and allowed_updates.

        Returns None when a newer getUpdates request superseded this one (Telegram then
        answers 409 Conflict, as it does when two bot instances poll at once).
        """
        offset = int(params.get("offset", 0))
        limit = int(params.get("limit", 100))
        timeout = float(params.get("timeout", 0))
        deadline = time.monotonic() + timeout
        with self._cond:
            self._poll_generation += 1
            generation = self._poll_generation
            self._cond.notify_all()
            allowed = params.get("allowed_updates")
            if isinstance(allowed, list):
                self._allowed = frozenset(allowed) or None
            self._apply_offset(offset)
            while True:
                if generation != self._poll_generation:
                    return None
                batch = self._select(limit)
                remaining = deadline - time.monotonic()
                if batch or remaining <= 0 or self._stop_event.is_set():
                    break
                self._cond.wait(remaining)
        return _RawJSON(b"[" + b",".join(p.payload for p in batch) + b"]")

    def _apply_offset(self, offset: int) -> None:
        """Confirm (forget) updates below a positive offset; negative keeps the last -offset."""
        pending = self._pending
        if offset > 0:
            while pending and pending[0].update_id < offset:
                pending.popleft()
            if offset > self._confirmed_offset:
                self._confirmed_offset = offset
                self._cond.notify_all()
        elif offset < 0:
            while len(pending) > -offset:
                pending.popleft()
            if pending:
                self._confirmed_offset = max(self._confirmed_offset, pending[0].update_id)
                self._cond.notify_all()

    def _select(self, limit: int) -> list[_Pending]:
        """First `limit` deliverable updates; drops those excluded by allowed_updates."""
        batch: list[_Pending] = []
        rejected: list[_Pending] = []
        for item in self._pending:
            if (self._allowed is None and item.kind in OPT_IN_UPDATES) or (
                self._allowed is not None and item.kind not in self._allowed
            ):
                rejected.append(item)
                continue
            batch.append(item)
            if len(batch) >= limit:
                break
        if rejected:
            dropped = {id(r) for r in rejected}
            self._pending = deque(p for p in self._pending if id(p) not in dropped)
            self.dropped_updates.extend(json.loads(r.payload) for r in rejected)
            self._dropped_ids.update(r.update_id for r in rejected)
            self._cond.notify_all()
        return batch

    # ------------------------------------------------------------------ answers

    def _dispatch(self, mspec: MethodSpec | None, call: Call) -> Any:
        """Build the result of a successful call (caller holds the lock)."""
        if mspec is None:
            return True  # unknown method with validation off
        params = call.params
        name = mspec.name.lower()
        handler = _HANDLERS.get(name)
        if handler is not None:
            return handler(self, call)
        if "chat_id" in params and any(r.name == "Message" and not r.depth for r in mspec.returns):
            return self._send_message(call, _media_kind(name))
        return self._default_result(mspec)

    def _default_result(self, mspec: MethodSpec) -> Any:
        """Generic answer derived from the method's declared return type."""
        if not mspec.returns:
            return True
        ref = mspec.returns[0]
        if any(r.name in ("Boolean", "True") and not r.depth for r in mspec.returns):
            return True
        if ref.depth:
            return []
        if ref.name == "Integer":
            return 0
        if ref.name == "String":
            return ""
        if ref.name == "Float":
            return 0.0
        return build.minimal_object(ref.name)

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        """Chat object for a chat_id parameter (known chats first, then a guess by id)."""
        if isinstance(chat_id, str) and not chat_id.lstrip("-").isdigit():
            username = chat_id.lstrip("@")
            fake_id = -1000000000000 - (sum(map(ord, username)) % 10**9)
            return {"id": fake_id, "type": "channel", "title": username, "username": username}
        cid = int(chat_id)
        known = self._chats.get(cid)
        if known is not None:
            return dict(known)
        if cid > 0:
            known_user = self._users.get(cid)
            if known_user is not None:
                return build.private_chat(known_user)
            return {"id": cid, "type": "private", "first_name": f"User{cid}"}
        kind = "supergroup" if str(cid).startswith("-100") else "group"
        return {"id": cid, "type": kind, "title": f"Chat {cid}"}

    def _user(self, user_id: int) -> dict[str, Any]:
        """User object for a user id (bot, a user seen in updates, or a placeholder)."""
        known = self._users.get(user_id)
        if known is not None:
            return dict(known)
        return build.user(user_id, f"User{user_id}", language_code=None)

    def _store(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Remember a message the server returned (bounded), and return it."""
        chat_id = int(msg["chat"]["id"])
        key = (chat_id, int(msg["message_id"]))
        self._messages[key] = msg
        self._messages.move_to_end(key)
        while len(self._messages) > MAX_STORED_MESSAGES:
            self._messages.popitem(last=False)
        self._last_by_chat[chat_id] = msg
        return msg

    def _send_message(self, call: Call, media: str | None = None) -> dict[str, Any]:
        """A new Message from the bot for send* methods."""
        params = call.params
        chat = self._chat(params["chat_id"])
        msg: dict[str, Any] = {
            "message_id": build.next_message_id(int(chat["id"])),
            "from": self.bot_user,
            "chat": chat,
            "date": int(time.time()),
        }
        for key in ("message_thread_id", "has_protected_content"):
            if key in params:
                msg[key] = params[key]
        reply = self._reply_target(chat, params)
        if reply is not None:
            msg["reply_to_message"] = reply
        if isinstance(params.get("text"), str):
            msg["text"] = self._visible(params["text"], params.get("parse_mode"))
        if media:
            msg[media] = self._media_for(call, media)
        if isinstance(params.get("caption"), str) and params["caption"]:
            msg["caption"] = self._visible(params["caption"], params.get("parse_mode"))
        _copy_markup(params, msg)
        return self._store(msg)

    @staticmethod
    def _visible(text: str, parse_mode: Any) -> str:
        """Text after entity parsing, as Telegram echoes it back."""
        return visible_text(text, parse_mode if isinstance(parse_mode, str) else None)[0]

    def _reply_target(self, chat: dict[str, Any], params: dict[str, Any]) -> dict[str, Any] | None:
        """reply_to_message for reply_parameters / reply_to_message_id."""
        reply_id: Any = params.get("reply_to_message_id")
        reply_params = params.get("reply_parameters")
        if isinstance(reply_params, dict):
            reply_id = reply_params.get("message_id")
        if not isinstance(reply_id, int):
            return None
        stored = self._messages.get((int(chat["id"]), reply_id))
        if stored is not None:
            return {k: v for k, v in stored.items() if k != "reply_to_message"}
        return {"message_id": reply_id, "chat": chat, "date": int(time.time())}

    def _media_for(self, call: Call, kind: str) -> Any:
        """Media object for a sent file; uploads become downloadable via getFile."""
        source = call.params.get(kind)
        data = call.files.get(kind)
        obj = build.media_object(kind)
        if kind in ("location", "venue", "contact", "dice", "poll"):
            return self._media_from_params(kind, call.params, obj)
        items = obj if isinstance(obj, list) else [obj]
        for item in items:
            if data is not None:
                self._uploads[item["file_id"]] = data
                item["file_size"] = len(data)
            elif isinstance(source, str) and not source.startswith(("http", "attach://")):
                item["file_id"] = source
        if kind == "document" and kind in call.filenames and isinstance(obj, dict):
            obj["file_name"] = call.filenames[kind]
            guessed = mimetypes.guess_type(call.filenames[kind])[0]
            obj["mime_type"] = guessed or "application/octet-stream"
        return obj

    @staticmethod
    def _media_from_params(kind: str, params: dict[str, Any], obj: dict[str, Any]) -> Any:
        """Non-file content (location, contact, ...) echoed from the call parameters."""
        if kind == "location":
            obj.update({k: params[k] for k in ("latitude", "longitude") if k in params})
        elif kind == "contact":
            obj.update({k: params[k] for k in ("phone_number", "first_name") if k in params})
        elif kind == "dice" and isinstance(params.get("emoji"), str):
            obj["emoji"] = params["emoji"]
        elif kind == "poll" and isinstance(params.get("question"), str):
            obj["question"] = params["question"]
        return obj

    def _edit_message(self, call: Call, field_name: str | None) -> Any:
        """editMessageText/Caption/ReplyMarkup: update the stored message."""
        params = call.params
        if "inline_message_id" in params:
            return True
        chat = self._chat(params["chat_id"])
        message_id = int(params["message_id"])
        stored = self._messages.get((int(chat["id"]), message_id))
        if stored is None:
            stored = {"message_id": message_id, "from": self.bot_user, "chat": chat, "date": int(time.time())}
        msg = dict(stored)
        msg["edit_date"] = int(time.time())
        if field_name is not None:
            msg[field_name] = self._visible(params[field_name], params.get("parse_mode"))
        msg.pop("reply_markup", None)
        _copy_markup(params, msg)
        return self._store(msg)


# ---------------------------------------------------------------------- method handlers


def _h_get_me(fake: FakeBotApi, call: Call) -> Any:
    """getMe."""
    return dict(fake.bot_user)


def _h_delete_webhook(fake: FakeBotApi, call: Call) -> Any:
    """deleteWebhook (drop_pending_updates confirms everything queued)."""
    if call.params.get("drop_pending_updates") is True:
        fake.dropped_updates.extend(json.loads(p.payload) for p in fake._pending)
        fake._dropped_ids.update(p.update_id for p in fake._pending)
        fake._pending.clear()
        fake._confirmed_offset = max(fake._confirmed_offset, fake._next_update_id)
    return True


def _h_webhook_info(fake: FakeBotApi, call: Call) -> Any:
    """getWebhookInfo."""
    return {"url": "", "has_custom_certificate": False, "pending_update_count": len(fake._pending)}


def _h_send_message(fake: FakeBotApi, call: Call) -> Any:
    """sendMessage."""
    return fake._send_message(call)


def _h_edit_text(fake: FakeBotApi, call: Call) -> Any:
    """editMessageText."""
    return fake._edit_message(call, "text")


def _h_edit_caption(fake: FakeBotApi, call: Call) -> Any:
    """editMessageCaption."""
    return fake._edit_message(call, "caption" if "caption" in call.params else None)


def _h_edit_markup(fake: FakeBotApi, call: Call) -> Any:
    """editMessageReplyMarkup."""
    return fake._edit_message(call, None)


def _h_copy_message(fake: FakeBotApi, call: Call) -> Any:
    """copyMessage."""
    chat = fake._chat(call.params["chat_id"])
    return {"message_id": build.next_message_id(int(chat["id"]))}


def _h_copy_messages(fake: FakeBotApi, call: Call) -> Any:
    """copyMessages / forwardMessages."""
    chat = fake._chat(call.params["chat_id"])
    ids = call.params.get("message_ids") or []
    return [{"message_id": build.next_message_id(int(chat["id"]))} for _ in ids]


def _h_forward(fake: FakeBotApi, call: Call) -> Any:
    """forwardMessage: a new message in chat_id carrying the original content if known."""
    params = call.params
    msg = fake._send_message(call)
    source_chat = fake._chat(params["from_chat_id"])
    original = fake._messages.get((int(source_chat["id"]), int(params["message_id"])))
    if original is not None:
        for key in ("text", "caption", "photo", "document"):
            if key in original:
                msg[key] = original[key]
    msg["forward_origin"] = {"type": "chat", "date": int(time.time()), "sender_chat": source_chat}
    return msg


def _h_media_group(fake: FakeBotApi, call: Call) -> Any:
    """sendMediaGroup: one message per media item."""
    media = call.params.get("media") or []
    messages = []
    for item in media:
        kind = item.get("type", "document") if isinstance(item, dict) else "document"
        msg = fake._send_message(Call(call.method, {"chat_id": call.params["chat_id"]}, {}, 0.0))
        msg[kind] = build.media_object(kind)
        if isinstance(item, dict) and isinstance(item.get("caption"), str):
            msg["caption"] = fake._visible(item["caption"], item.get("parse_mode"))
        messages.append(msg)
    return messages


def _h_get_chat(fake: FakeBotApi, call: Call) -> Any:
    """getChat: a minimal ChatFullInfo for the chat."""
    chat = fake._chat(call.params["chat_id"])
    return build.minimal_object("ChatFullInfo", max_reaction_count=11, **chat)


def _h_get_chat_member(fake: FakeBotApi, call: Call) -> Any:
    """getChatMember: the status set via set_chat_member (default "member")."""
    chat = fake._chat(call.params["chat_id"])
    user_id = int(call.params["user_id"])
    status = fake._members.get((int(chat["id"]), user_id), "member")
    return build.chat_member(fake._user(user_id), status)


def _h_get_admins(fake: FakeBotApi, call: Call) -> Any:
    """getChatAdministrators: members set to creator/administrator."""
    chat_id = int(fake._chat(call.params["chat_id"])["id"])
    return [
        build.chat_member(fake._user(user_id), status)
        for (cid, user_id), status in fake._members.items()
        if cid == chat_id and status in ("creator", "administrator")
    ]


def _h_member_count(fake: FakeBotApi, call: Call) -> Any:
    """getChatMemberCount."""
    return fake._member_counts.get(int(fake._chat(call.params["chat_id"])["id"]), 0)


def _commands_key(params: dict[str, Any]) -> str:
    """Storage key of a command list: scope + language."""
    scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
    return f"{scope}|{params.get('language_code', '')}"


def _h_set_commands(fake: FakeBotApi, call: Call) -> Any:
    """setMyCommands."""
    fake._commands[_commands_key(call.params)] = list(call.params.get("commands") or [])
    return True


def _h_get_commands(fake: FakeBotApi, call: Call) -> Any:
    """getMyCommands: what setMyCommands stored for the same scope/language, else []."""
    return list(fake._commands.get(_commands_key(call.params), []))


def _h_delete_commands(fake: FakeBotApi, call: Call) -> Any:
    """deleteMyCommands."""
    fake._commands.pop(_commands_key(call.params), None)
    return True


def _h_get_file(fake: FakeBotApi, call: Call) -> Any:
    """getFile: File with a file_path downloadable from base_file_url."""
    file_id = str(call.params["file_id"])
    data = fake._uploads.get(file_id)
    result: dict[str, Any] = {
        "file_id": file_id,
        "file_unique_id": f"u{abs(hash(file_id))}",
        "file_path": file_id,
    }
    if data is not None:
        result["file_size"] = len(data)
    return result


_HANDLERS: dict[str, Callable[[FakeBotApi, Call], Any]] = {
    "getme": _h_get_me,
    "deletewebhook": _h_delete_webhook,
    "getwebhookinfo": _h_webhook_info,
    "sendmessage": _h_send_message,
    "editmessagetext": _h_edit_text,
    "editmessagecaption": _h_edit_caption,
    "editmessagereplymarkup": _h_edit_markup,
    "copymessage": _h_copy_message,
    "copymessages": _h_copy_messages,
    "forwardmessages": _h_copy_messages,
    "forwardmessage": _h_forward,
    "sendmediagroup": _h_media_group,
    "getchat": _h_get_chat,
    "getchatmember": _h_get_chat_member,
    "getchatadministrators": _h_get_admins,
    "getchatmembercount": _h_member_count,
    "setmycommands": _h_set_commands,
    "getmycommands": _h_get_commands,
    "deletemycommands": _h_delete_commands,
    "getfile": _h_get_file,
}


def _media_kind(method_lower: str) -> str | None:
    """Message field filled by a send* method ("sendPhoto" -> "photo"), if it has one."""
    if method_lower in MEDIA_FIELD:
        return MEDIA_FIELD[method_lower] or None
    if not method_lower.startswith("send"):
        return None
    kind = method_lower[len("send") :]
    return kind if kind in build.MEDIA_KINDS else None


def _copy_markup(params: dict[str, Any], msg: dict[str, Any]) -> None:
    """Echo an inline keyboard (the only reply_markup a Message carries)."""
    markup = params.get("reply_markup")
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        msg["reply_markup"] = markup


def _walk_dicts(value: Any) -> Iterator[dict[str, Any]]:
    """All dicts nested in `value` (depth-first)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(v for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend(item)
