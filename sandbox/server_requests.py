"""FakeBotApi's side facing the bot: each call validated, recorded and answered; getUpdates."""

from __future__ import annotations

import json
import mimetypes
import time
from collections import deque
from typing import Any

from . import updates as build
from .server_methods import _HANDLERS, _copy_markup, _media_kind
from .server_state import CONFLICT, FLOOD_EXTRA_METHODS, MAX_STORED_MESSAGES, OPT_IN_UPDATES, _State
from .server_transport import Call, _Pending, _RawJSON
from .spec import MethodSpec, decode_params, load_spec, visible_text


class _RequestsMixin(_State):
    """Request handling, long polling and the answers built for successful calls."""

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
            refusal = self._flood_refusal(call, key)
            if refusal is not None:
                return refusal
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

    def _flood_refusal(self, call: Call, key: str) -> tuple[int, dict[str, Any]] | None:
        """The 429 answer when the flood control refuses a message-posting call (caller holds the lock)."""
        if self._flood is None or not (
            (key.startswith("send") and key != "sendchataction") or key in FLOOD_EXTRA_METHODS
        ):
            return None
        retry_after = self._flood.admit(call.params.get("chat_id"))
        if not retry_after:
            return None
        self.flood_rejections += 1
        return self._fail(
            call,
            429,
            f"Too Many Requests: retry after {retry_after}",
            {"retry_after": retry_after},
        )

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
