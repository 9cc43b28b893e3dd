"""The local Bot API server's transport: HTTP plumbing, recorded calls and waiting helpers.

`_Handler` decodes each request (query, form, multipart or JSON) and hands it to the server's
`FakeBotApi`; the small records here (`Call`, `_Pending`, `_Fault`) are what it keeps.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import http
import http.client
import json
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

if TYPE_CHECKING:
    from .server import FakeBotApi

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
