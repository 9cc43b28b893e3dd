"""Builders for valid Bot API payloads (Update dicts and the objects inside them).

All builders return plain dicts shaped exactly like the JSON Telegram sends; they validate
against the spec's ``types`` section. ``update_id`` is left out: ``FakeBotApi.push_update``
assigns it.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from bot import clock

from .spec import TypeRef, load_spec

MEDIA_KINDS = (
    "photo",
    "document",
    "voice",
    "video",
    "sticker",
    "audio",
    "video_note",
    "location",
    "contact",
    "poll",
    "animation",
    "dice",
    "venue",
)
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")

_lock = threading.Lock()
_message_ids: dict[int, int] = {}
_file_counter = itertools.count(1)
_query_counter = itertools.count(1)


# --------------------------------------------------------------------------- ids and time


def now() -> int:
    """Current Unix time as Telegram sends it, by the bot's clock (tests set it)."""
    return int(clock.now().timestamp())


def next_message_id(chat_id: int) -> int:
    """Next message_id in a chat (shared by builders and the fake server, thread-safe)."""
    with _lock:
        value = _message_ids.get(chat_id, 0) + 1
        _message_ids[chat_id] = value
        return value


def note_message_id(chat_id: int, message_id: int) -> None:
    """Make sure later auto ids in `chat_id` are greater than `message_id`."""
    with _lock:
        if _message_ids.get(chat_id, 0) < message_id:
            _message_ids[chat_id] = message_id


def new_file_id(kind: str = "file") -> tuple[str, str]:
    """A fresh (file_id, file_unique_id) pair."""
    n = next(_file_counter)
    return f"{kind}-{n:06d}-fake", f"u{kind[:3]}{n:06d}"


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of MessageEntity offsets."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------- users and chats


def user(
    user_id: int,
    first_name: str = "Anna",
    *,
    language_code: str | None = "pl",
    username: str | None = None,
    last_name: str | None = None,
    is_bot: bool = False,
) -> dict[str, Any]:
    """A User object."""
    result: dict[str, Any] = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if last_name is not None:
        result["last_name"] = last_name
    if username is not None:
        result["username"] = username
    if language_code is not None:
        result["language_code"] = language_code
    return result


def bot_user(
    bot_id: int,
    username: str,
    *,
    first_name: str = "Partnerbot",
    can_read_all_group_messages: bool = True,
) -> dict[str, Any]:
    """The User object getMe returns for a bot."""
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": first_name,
        "username": username,
        "can_join_groups": True,
        "can_read_all_group_messages": can_read_all_group_messages,
        "supports_inline_queries": False,
    }


def group(chat_id: int = -1001, title: str = "Partnerstwo", *, type: str = "group") -> dict[str, Any]:
    """A Chat object of a (basic) group, or of `type` ("supergroup", "channel")."""
    return {"id": chat_id, "type": type, "title": title}


def supergroup(chat_id: int = -1001234567890, title: str = "Partnerstwo") -> dict[str, Any]:
    """A Chat object of a supergroup."""
    return group(chat_id, title, type="supergroup")


def private_chat(of_user: dict[str, Any]) -> dict[str, Any]:
    """The private Chat with `of_user`."""
    chat: dict[str, Any] = {"id": of_user["id"], "type": "private"}
    for key in ("first_name", "last_name", "username"):
        if key in of_user:
            chat[key] = of_user[key]
    return chat


# --------------------------------------------------------------------------- generic objects


def _default_scalar(type_name: str, field_name: str) -> Any:
    """Placeholder for a required scalar field."""
    if type_name == "Integer":
        return 0
    if type_name == "Float":
        return 0.0
    if type_name in ("Boolean", "True"):
        return False
    if field_name in ("file_id", "file_unique_id"):
        return new_file_id()[0 if field_name == "file_id" else 1]
    return ""


def minimal_object(type_name: str, _depth: int = 0, **overrides: Any) -> dict[str, Any]:
    """An instance of spec type `type_name` with every required field set to a placeholder."""
    spec = load_spec()
    tspec = spec.types[type_name]
    if tspec.subtypes:
        return minimal_object(tspec.subtypes[0], _depth, **overrides)
    result: dict[str, Any] = {}
    for fspec in tspec.fields.values():
        if not fspec.required or fspec.name in overrides:
            continue
        result[fspec.name] = _minimal_value(fspec.types[0], fspec.name, fspec.constant, _depth)
    result.update(overrides)
    return result


def _minimal_value(ref: TypeRef, field_name: str, constant: str | None, depth: int) -> Any:
    """Placeholder value for one required field."""
    if constant is not None:
        return constant
    if ref.depth:
        return []
    if ref.name in load_spec().types:
        if depth > 8:
            raise RecursionError(f"required-field cycle while building {ref.name}")
        return minimal_object(ref.name, depth + 1)
    return _default_scalar(ref.name, field_name)


def photo_sizes(file_size: int = 1024) -> list[dict[str, Any]]:
    """PhotoSize list of one uploaded photo (thumbnail and full size)."""
    sizes = []
    for width, height in ((90, 60), (1280, 853)):
        file_id, unique = new_file_id("photo")
        sizes.append(
            {
                "file_id": file_id,
                "file_unique_id": unique,
                "width": width,
                "height": height,
                "file_size": file_size,
            }
        )
    return sizes


def media_object(kind: str, **overrides: Any) -> Any:
    """Minimal valid content for Message.<kind> ("photo" gives a PhotoSize list)."""
    if kind == "photo":
        return photo_sizes()
    file_id, unique = new_file_id(kind)
    ids = {"file_id": file_id, "file_unique_id": unique}
    base: dict[str, Any]
    if kind == "document":
        base = {**ids, "file_name": "file.pdf", "mime_type": "application/pdf", "file_size": 2048}
    elif kind == "voice":
        base = {**ids, "duration": 3, "mime_type": "audio/ogg", "file_size": 4096}
    elif kind in ("video", "animation"):
        base = {**ids, "width": 640, "height": 360, "duration": 5}
    elif kind == "sticker":
        base = {
            **ids,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
    elif kind == "audio":
        base = {**ids, "duration": 180, "title": "Song", "performer": "Band"}
    elif kind == "video_note":
        base = {**ids, "length": 240, "duration": 5}
    elif kind == "location":
        base = {"latitude": 52.2297, "longitude": 21.0122}
    elif kind == "venue":
        base = {"location": media_object("location"), "title": "Biblioteka", "address": "ul. Koszykowa 26"}
    elif kind == "contact":
        base = {"phone_number": "+48123456789", "first_name": "Jan"}
    elif kind == "dice":
        base = {"emoji": "🎲", "value": 4}
    elif kind == "poll":
        base = minimal_object(
            "Poll",
            id=str(next(_query_counter)),
            question="Kiedy spotkanie?",
            options=[
                minimal_object("PollOption", persistent_id=str(i), text=text)
                for i, text in enumerate(("Wtorek", "Czwartek"))
            ],
            type="regular",
            is_anonymous=True,
        )
    else:
        raise ValueError(f"unknown media kind {kind!r}; expected one of {MEDIA_KINDS}")
    base.update(overrides)
    return base


def command_entities(text: str | None) -> list[dict[str, Any]]:
    """A bot_command entity for a leading "/command[@bot]" word."""
    if not text or not text.startswith("/"):
        return []
    word = text.split(maxsplit=1)[0]
    if len(word) < 2:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(word)}]


# --------------------------------------------------------------------------- messages


def message(
    chat: dict[str, Any],
    from_user: dict[str, Any],
    text: str | None = None,
    *,
    message_id: int | None = None,
    date: int | None = None,
    reply_to_message_id: int | None = None,
    reply_to: dict[str, Any] | None = None,
    caption: str | None = None,
    media: str | None = None,
    bot_username: str | None = None,
    migrate_to_chat_id: int | None = None,
    migrate_from_chat_id: int | None = None,
    new_chat_members: list[dict[str, Any]] | None = None,
    left_chat_member: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An Update with a new incoming `message`.

    `bot_username` turns "/cmd args" into "/cmd@bot_username args". `reply_to` (a full
    Message dict, e.g. ``server.last_message(chat_id)``) wins over `reply_to_message_id`.
    """
    if message_id is None:
        message_id = next_message_id(chat["id"])
    else:
        note_message_id(chat["id"], message_id)
    msg: dict[str, Any] = {
        "message_id": message_id,
        "from": from_user,
        "chat": chat,
        "date": now() if date is None else date,
    }
    if reply_to is not None:
        msg["reply_to_message"] = _strip_reply(reply_to)
    elif reply_to_message_id is not None:
        msg["reply_to_message"] = {"message_id": reply_to_message_id, "chat": chat, "date": msg["date"]}
    if text is not None:
        if bot_username and text.startswith("/"):
            word, _, rest = text.partition(" ")
            if "@" not in word:
                text = f"{word}@{bot_username}" + (f" {rest}" if rest else "")
        msg["text"] = text
        entities = command_entities(text)
        if entities:
            msg["entities"] = entities
    if media is not None:
        msg[media] = media_object(media)
    if caption is not None:
        msg["caption"] = caption
    _set_service_fields(msg, migrate_to_chat_id, migrate_from_chat_id, new_chat_members, left_chat_member)
    return {"message": msg}


def _set_service_fields(
    msg: dict[str, Any],
    migrate_to_chat_id: int | None,
    migrate_from_chat_id: int | None,
    new_chat_members: list[dict[str, Any]] | None,
    left_chat_member: dict[str, Any] | None,
) -> None:
    """Add the optional service-message fields that were given."""
    if migrate_to_chat_id is not None:
        msg["migrate_to_chat_id"] = migrate_to_chat_id
    if migrate_from_chat_id is not None:
        msg["migrate_from_chat_id"] = migrate_from_chat_id
    if new_chat_members is not None:
        msg["new_chat_members"] = new_chat_members
    if left_chat_member is not None:
        msg["left_chat_member"] = left_chat_member


def _strip_reply(msg: dict[str, Any]) -> dict[str, Any]:
    """A message as it appears in reply_to_message (Telegram does not nest replies)."""
    return {k: v for k, v in msg.items() if k != "reply_to_message"}


def _unwrap_message(value: dict[str, Any]) -> dict[str, Any]:
    """Accept either a Message dict or an Update dict holding one."""
    if "message_id" not in value:
        for key in ("message", "edited_message", "channel_post"):
            if key in value:
                inner: dict[str, Any] = value[key]
                return inner
    return value


def edited_message(
    original_update: dict[str, Any], new_text: str, *, edit_date: int | None = None
) -> dict[str, Any]:
    """An Update with `edited_message`: the original message with new text and edit_date."""
    original = _unwrap_message(original_update)
    msg = {k: v for k, v in original.items() if k not in ("text", "entities", "edit_date")}
    msg["text"] = new_text
    entities = command_entities(new_text)
    if entities:
        msg["entities"] = entities
    msg["edit_date"] = max(now(), int(original["date"])) if edit_date is None else edit_date
    return {"edited_message": msg}


def callback_query(
    from_user: dict[str, Any],
    message: dict[str, Any],
    data: str,
    *,
    query_id: str | None = None,
    chat_instance: str | None = None,
) -> dict[str, Any]:
    """An Update with a `callback_query` pressed on `message` (Message or Update dict)."""
    msg = _unwrap_message(message)
    return {
        "callback_query": {
            "id": query_id or f"{from_user['id']}{next(_query_counter):08d}",
            "from": from_user,
            "message": msg,
            "chat_instance": chat_instance or f"ci{abs(int(msg['chat']['id']))}",
            "data": data,
        }
    }


# --------------------------------------------------------------------------- chat members


_ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_pin_messages": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
}
_STATUS_TYPES = {
    "creator": "ChatMemberOwner",
    "administrator": "ChatMemberAdministrator",
    "member": "ChatMemberMember",
    "restricted": "ChatMemberRestricted",
    "left": "ChatMemberLeft",
    "kicked": "ChatMemberBanned",
}


def chat_member(member: dict[str, Any], status: str, **fields: Any) -> dict[str, Any]:
    """A valid ChatMember* object for `status` (creator/administrator/member/restricted/...)."""
    try:
        type_name = _STATUS_TYPES[status]
    except KeyError:
        raise ValueError(f"unknown chat member status {status!r}; use {MEMBER_STATUSES}") from None
    base: dict[str, Any] = {"status": status, "user": member}
    if status == "creator":
        base["is_anonymous"] = False
    elif status == "administrator":
        base.update(_ADMIN_RIGHTS)
    elif status == "restricted":
        base["is_member"] = True
        base["until_date"] = 0
    elif status == "kicked":
        base["until_date"] = 0
    base.update(fields)
    return minimal_object(type_name, **base)


def my_chat_member(
    chat: dict[str, Any],
    from_user: dict[str, Any],
    *,
    old_status: str,
    new_status: str,
    bot_user: dict[str, Any],
    date: int | None = None,
) -> dict[str, Any]:
    """An Update with `my_chat_member`: the bot's status in `chat` changed."""
    return {"my_chat_member": _member_updated(chat, from_user, bot_user, old_status, new_status, date)}


def chat_member_updated(
    chat: dict[str, Any],
    from_user: dict[str, Any],
    *,
    member: dict[str, Any],
    old_status: str,
    new_status: str,
    date: int | None = None,
) -> dict[str, Any]:
    """An Update with `chat_member`: another member's status changed (needs allowed_updates)."""
    return {"chat_member": _member_updated(chat, from_user, member, old_status, new_status, date)}


def _member_updated(
    chat: dict[str, Any],
    from_user: dict[str, Any],
    member: dict[str, Any],
    old_status: str,
    new_status: str,
    date: int | None,
) -> dict[str, Any]:
    """A ChatMemberUpdated object."""
    return {
        "chat": chat,
        "from": from_user,
        "date": now() if date is None else date,
        "old_chat_member": chat_member(member, old_status),
        "new_chat_member": chat_member(member, new_status),
    }
