"""A fake Telegram Bot API server for tests: real HTTP on 127.0.0.1, spec-validated calls.

python-telegram-bot talks to it through ``ApplicationBuilder().base_url(fake.base_url)``.
Every call is decoded, validated against the Bot API spec, recorded as a ``Call`` and
answered with a valid Bot API object (or an error, when injected or when invalid).

The server is split by concern: `server_transport` (HTTP, `Call`), `server_state` (constants and
the shared attributes), `server_calls` (updates and inspecting calls), `server_requests`
(answering calls, getUpdates) and `server_methods` (per-method answers). `FakeBotApi` joins them.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections import OrderedDict, deque
from types import TracebackType
from typing import Any

from . import updates as build
from .server_calls import _CallsMixin
from .server_requests import _RequestsMixin
from .server_state import (
    CAPTION_METHODS,
    CONFLICT,
    DEFAULT_TOKEN,
    FLOOD_EXTRA_METHODS,
    MAX_STORED_MESSAGES,
    MEDIA_FIELD,
    OPT_IN_UPDATES,
    TEXT_METHODS,
)
from .server_transport import Call, Predicate, _Fault, _FloodControl, _Handler, _HTTPServer, parse_multipart
from .spec import default_validator, load_spec

__all__ = [
    "CAPTION_METHODS",
    "CONFLICT",
    "DEFAULT_TOKEN",
    "FLOOD_EXTRA_METHODS",
    "MAX_STORED_MESSAGES",
    "MEDIA_FIELD",
    "OPT_IN_UPDATES",
    "TEXT_METHODS",
    "Call",
    "FakeBotApi",
    "Predicate",
    "parse_multipart",
]


class FakeBotApi(_CallsMixin, _RequestsMixin):
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
        self.bot_user = build.bot_user(
            bot_id, bot_username, can_read_all_group_messages=can_read_all_group_messages
        )
        self.base_url = ""
        self.base_file_url = ""
        self.port = 0
        self.violations = []
        self.internal_errors = []
        self.dropped_updates = []
        self._dropped_ids = set()
        self._cond = threading.Condition(threading.RLock())
        self._stop_event = threading.Event()
        self._server = None
        self._thread = None
        self._connections = set()
        self._calls = []
        self._pending = deque()
        self._next_update_id = first_update_id
        self._poll_generation = 0
        self._confirmed_offset = 0
        self._allowed = None
        self._faults = {}
        self._delays = {}
        self._chats = {}
        self._users = {bot_id: self.bot_user}
        self._members = {}
        self._member_counts = {}
        self._messages = OrderedDict()
        self._last_by_chat = {}
        self._commands = {}
        self._uploads = {}
        self._validator = default_validator() if validate or self.validate_updates else None
        self._flood = None
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
