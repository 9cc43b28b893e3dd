"""The sandbox's people and chats, and everything that happened in them, as events for the page.

`World` sits beside the local Bot API server: it turns the page's actions (type a message, press
a button, add the bot to the group) into the Updates Telegram would send, and the bot's calls
back into messages the page draws. Every change is an event with a sequence number; the page
reads the state once and then follows the events.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from bot import clock
from sandbox import render
from sandbox import updates as tg
from sandbox.server import Call, FakeBotApi

GROUP_ID = -1001000000001
MAX_EVENTS = 20_000


@dataclass
class Person:
    """Someone the page can act as."""

    id: int
    first_name: str
    last_name: str
    language_code: str
    role: str  # coordinator, representative, supervisor, stranger, person

    def user(self) -> dict[str, Any]:
        """The Telegram User object."""
        return tg.user(
            self.id, self.first_name, last_name=self.last_name or None, language_code=self.language_code
        )

    @property
    def name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}".strip()


class LocalTelegram(FakeBotApi):
    """The fake Bot API server with a listener told about every call the bot makes."""

    listener: Callable[[Call], None] | None = None

    def _record(self, call: Call) -> None:
        """Record as the fake does, keep the list short, and tell the listener."""
        super()._record(call)
        if len(self._calls) > 2000:  # a new list, so a waiter scanning the old one starts afresh
            self._calls = self._calls[-1000:]
        if self.listener is not None and call.method.lower() != "getupdates":
            self.listener(call)


class World:
    """People, chats and the event log of one sandbox."""

    def __init__(self, telegram: LocalTelegram, *, group_title: str = "Partnerstwo") -> None:
        self.telegram = telegram
        self.cond = threading.Condition()
        self.events: list[dict[str, Any]] = []
        self.seq = 0
        self.people: dict[int, Person] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.raw: dict[tuple[int, int], dict[str, Any]] = {}
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.queries: dict[str, int] = {}
        self._ids = itertools.count(2001)
        self.group = tg.supergroup(GROUP_ID, group_title)
        self.chats[GROUP_ID] = {
            "id": GROUP_ID,
            "type": "group",
            "title": group_title,
            "bot": "left",
            "members": {},
        }
        telegram.add_chat(self.group)
        telegram.listener = self.on_call

    # ------------------------------------------------------------------ events

    def emit(self, kind: str, **data: Any) -> None:
        """Append an event and wake the page's streams."""
        with self.cond:
            self.seq += 1
            self.events.append({"seq": self.seq, "kind": kind, **data})
            if len(self.events) > MAX_EVENTS:
                del self.events[: MAX_EVENTS // 2]
            self.cond.notify_all()

    def since(self, seq: int, timeout: float) -> list[dict[str, Any]]:
        """Events after `seq`, waiting up to `timeout` seconds for one."""
        with self.cond:
            if self.seq <= seq:
                self.cond.wait(timeout)
            return [e for e in self.events if e["seq"] > seq]

    def state(self) -> dict[str, Any]:
        """Everything the page needs to draw itself from scratch."""
        with self.cond:
            return {
                "seq": self.seq,
                "people": [asdict(p) for p in self.people.values()],
                "chats": list(self.chats.values()),
                "messages": list(self.messages.values()),
                "commands": self.commands,
                "bot": {"id": self.telegram.bot_id, "username": self.telegram.bot_username},
                "now": clock.now().timestamp(),
            }

    def _put(self, record: dict[str, Any]) -> None:
        """Store a page message and tell the page."""
        with self.cond:
            if record.get("id") is not None:
                self.messages[(record["chat"], record["id"])] = record
            else:
                self.messages[(record["chat"], -self.seq - 1)] = record
        self.emit("message", message=record)

    # ------------------------------------------------------------------ people and chats

    def add_person(
        self,
        first_name: str,
        language_code: str,
        *,
        role: str = "person",
        last_name: str = "",
        in_group: bool = True,
        status: str = "member",
    ) -> Person:
        """A new person; members of the group are known to the Bot API server as such."""
        person = Person(
            next(self._ids),
            first_name.strip()[:64] or "?",
            last_name.strip()[:64],
            language_code if language_code in ("pl", "en") else "en",
            role,
        )
        with self.cond:
            self.people[person.id] = person
            self.chats[person.id] = {
                "id": person.id,
                "type": "private",
                "title": person.name,
                "with": person.id,
            }
        self.telegram._users[person.id] = person.user()
        if in_group:
            self._set_member(person.id, status)
        self.emit("person", person=asdict(person), chat=self.chats[person.id])
        return person

    def _set_member(self, user_id: int, status: str) -> None:
        """A member's status in the group, for the server's getChatMember and for the page."""
        self.telegram.set_chat_member(GROUP_ID, user_id, status)
        with self.cond:
            self.chats[GROUP_ID]["members"][str(user_id)] = status
        self.emit("chat", chat=self.chats[GROUP_ID])

    def person(self, person_id: int) -> Person:
        """A known person, or KeyError."""
        return self.people[int(person_id)]

    def chat_for(self, chat_id: int) -> dict[str, Any]:
        """The Telegram Chat object of the group or of a private chat with the bot."""
        if int(chat_id) == GROUP_ID:
            return self.group
        return tg.private_chat(self.person(chat_id).user())

    # ------------------------------------------------------------------ actions of the page

    def say(
        self, person_id: int, chat_id: int, text: str, reply_to: int | None = None, *, date: int | None = None
    ) -> int:
        """A person types a message (a command, an answer, or just talk); `date` backdates it."""
        who, chat = self.person(person_id), self.chat_for(chat_id)
        target = self.raw.get((int(chat["id"]), int(reply_to))) if reply_to else None
        update = tg.message(chat, who.user(), text[:4096], reply_to=target, date=date)
        msg = update["message"]
        self.raw[(int(chat["id"]), int(msg["message_id"]))] = msg
        self._put(render.user_message(msg, float(msg["date"])))
        return self.telegram.push_update(update)

    def press(self, person_id: int, chat_id: int, message_id: int, data: str) -> int:
        """A person presses an inline button under one of the bot's messages."""
        who = self.person(person_id)
        msg = self.raw[(int(chat_id), int(message_id))]
        update = tg.callback_query(who.user(), msg, data)
        self.queries[update["callback_query"]["id"]] = who.id
        return self.telegram.push_update(update)

    def bot_membership(self, person_id: int, status: str) -> int:
        """A group administrator adds the bot (member), removes it (left) or promotes it."""
        who = self.person(person_id)
        with self.cond:
            old = self.chats[GROUP_ID]["bot"]
            self.chats[GROUP_ID]["bot"] = status
        self.telegram.set_chat_member(GROUP_ID, self.telegram.bot_id, status)
        update = tg.my_chat_member(
            self.group, who.user(), old_status=old, new_status=status, bot_user=self.telegram.bot_user
        )
        self.emit("chat", chat=self.chats[GROUP_ID])
        self._put(render.service_message(GROUP_ID, f"bot_{status}", clock.now().timestamp(), who=who.name))
        return self.telegram.push_update(update)

    def set_status(self, person_id: int, user_id: int, status: str) -> int | None:
        """An administrator makes a member administrator (or member again); the bot is told."""
        who, member = self.person(person_id), self.person(user_id)
        old = self.chats[GROUP_ID]["members"].get(str(user_id), "left")
        self._set_member(member.id, status)
        self._put(
            render.service_message(
                GROUP_ID, f"member_{status}", clock.now().timestamp(), who=who.name, member=member.name
            )
        )
        update = tg.chat_member_updated(
            self.group, who.user(), member=member.user(), old_status=old, new_status=status
        )
        return self.telegram.push_update(update)

    # ------------------------------------------------------------------ the bot's calls

    def on_call(self, call: Call) -> None:
        """Turn one call of the bot into what the page shows (runs in the server's thread)."""
        method = call.method.lower()
        if not call.ok:
            self.emit("problem", method=call.method, text=str(call.result)[:500])
        elif method in render.MESSAGE_METHODS and isinstance(call.result, dict):
            self._bot_sent(method, call)
        elif method in render.EDIT_METHODS and isinstance(call.result, dict):
            self._bot_edited(method, call)
        elif method == "deletemessage":
            key = (int(call.params["chat_id"]), int(call.params["message_id"]))
            with self.cond:
                self.messages.pop(key, None)
            self.emit("delete", chat=key[0], id=key[1])
        elif method == "answercallbackquery" and call.params.get("text"):
            person = self.queries.pop(str(call.params.get("callback_query_id")), None)
            self.emit(
                "toast",
                person=person,
                text=str(call.params["text"]),
                alert=bool(call.params.get("show_alert")),
            )
        elif method == "setmycommands":
            self._commands(call.params)
        elif method == "leavechat":
            with self.cond:
                self.chats[GROUP_ID]["bot"] = "left"
            self.emit("chat", chat=self.chats[GROUP_ID])

    def _bot_sent(self, method: str, call: Call) -> None:
        """A new message from the bot."""
        result = call.result
        self.raw[(int(result["chat"]["id"]), int(result["message_id"]))] = result
        self._put(render.bot_message(method, call.params, result, clock.now().timestamp()))

    def _bot_edited(self, method: str, call: Call) -> None:
        """The bot changed one of its messages."""
        result = call.result
        key = (int(result["chat"]["id"]), int(result["message_id"]))
        self.raw[key] = result
        before = self.messages.get(key)
        if before is not None:
            self._put(render.edited(method, call.params, before))

    def _commands(self, params: dict[str, Any]) -> None:
        """The bot's command menu for a scope and language, for the page's "/" button."""
        scope = (params.get("scope") or {}).get("type", "default")
        key = f"{scope}|{params.get('language_code') or ''}"
        with self.cond:
            self.commands[key] = [
                {"command": str(c.get("command")), "description": str(c.get("description"))}
                for c in params.get("commands") or []
            ]
        self.emit("commands", commands=self.commands)

    def file(self, file_id: str) -> bytes | None:
        """The bytes of a photo or document the bot sent."""
        with self.telegram._cond:
            return self.telegram._uploads.get(file_id)
