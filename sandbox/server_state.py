"""The local Bot API server's shared state, declared once for the core class and its mixins."""

from __future__ import annotations

import socket
import threading
from collections import OrderedDict, deque
from typing import Any

from .server_transport import Call, _Fault, _FloodControl, _HTTPServer, _Pending
from .spec import Validator

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


class _State:
    """Attributes of a FakeBotApi (set in FakeBotApi.__init__), typed for its mixins."""

    token: str
    bot_id: int
    bot_username: str
    validate: bool
    validate_updates: bool
    bot_user: dict[str, Any]
    base_url: str
    base_file_url: str
    port: int
    violations: list[str]
    internal_errors: list[str]
    dropped_updates: list[dict[str, Any]]
    _dropped_ids: set[int]
    _cond: threading.Condition
    _stop_event: threading.Event
    _server: _HTTPServer | None
    _thread: threading.Thread | None
    _connections: set[socket.socket]
    _calls: list[Call]
    _pending: deque[_Pending]
    _next_update_id: int
    _poll_generation: int
    _confirmed_offset: int
    _allowed: frozenset[str] | None
    _faults: dict[str, deque[_Fault]]
    _delays: dict[str, deque[float]]
    _chats: dict[int, dict[str, Any]]
    _users: dict[int, dict[str, Any]]
    _members: dict[tuple[int, int], str]
    _member_counts: dict[int, int]
    _messages: OrderedDict[tuple[int, int], dict[str, Any]]
    _last_by_chat: dict[int, dict[str, Any]]
    _commands: dict[str, list[dict[str, Any]]]
    _uploads: dict[str, bytes]
    _validator: Validator | None
    _flood: _FloodControl | None
    flood_rejections: int  # 429 answers sent by the flood control (enable_flood_control)
    latency: float  # seconds added before every call is answered (set_latency)
