"""FakeBotApi's side for tests and the sandbox: pushing updates, and inspecting and awaiting calls."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Iterator
from typing import Any

from . import updates as build
from .server_state import CAPTION_METHODS, TEXT_METHODS, _State
from .server_transport import Call, Predicate, _Matcher, _Pending
from .spec import visible_text


class _CallsMixin(_State):
    """Updates queued for getUpdates, and the recorded calls: inspection, waiting, failure reports."""

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
