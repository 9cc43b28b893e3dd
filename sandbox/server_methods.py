"""Answers of the Bot API methods the local server models beyond their declared return type.

Each handler gets the server (its lock held) and the call; `_HANDLERS` maps lowercase method
names to them. Other methods get a generic answer built from the spec.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import updates as build
from .server_state import MEDIA_FIELD
from .server_transport import Call

if TYPE_CHECKING:
    from .server_requests import _RequestsMixin


def _h_get_me(fake: _RequestsMixin, call: Call) -> Any:
    """getMe."""
    return dict(fake.bot_user)


def _h_delete_webhook(fake: _RequestsMixin, call: Call) -> Any:
    """deleteWebhook (drop_pending_updates confirms everything queued)."""
    if call.params.get("drop_pending_updates") is True:
        fake.dropped_updates.extend(json.loads(p.payload) for p in fake._pending)
        fake._dropped_ids.update(p.update_id for p in fake._pending)
        fake._pending.clear()
        fake._confirmed_offset = max(fake._confirmed_offset, fake._next_update_id)
    return True


def _h_webhook_info(fake: _RequestsMixin, call: Call) -> Any:
    """getWebhookInfo."""
    return {"url": "", "has_custom_certificate": False, "pending_update_count": len(fake._pending)}


def _h_send_message(fake: _RequestsMixin, call: Call) -> Any:
    """sendMessage."""
    return fake._send_message(call)


def _h_edit_text(fake: _RequestsMixin, call: Call) -> Any:
    """editMessageText."""
    return fake._edit_message(call, "text")


def _h_edit_caption(fake: _RequestsMixin, call: Call) -> Any:
    """editMessageCaption."""
    return fake._edit_message(call, "caption" if "caption" in call.params else None)


def _h_edit_markup(fake: _RequestsMixin, call: Call) -> Any:
    """editMessageReplyMarkup."""
    return fake._edit_message(call, None)


def _h_copy_message(fake: _RequestsMixin, call: Call) -> Any:
    """copyMessage."""
    chat = fake._chat(call.params["chat_id"])
    return {"message_id": build.next_message_id(int(chat["id"]))}


def _h_copy_messages(fake: _RequestsMixin, call: Call) -> Any:
    """copyMessages / forwardMessages."""
    chat = fake._chat(call.params["chat_id"])
    ids = call.params.get("message_ids") or []
    return [{"message_id": build.next_message_id(int(chat["id"]))} for _ in ids]


def _h_forward(fake: _RequestsMixin, call: Call) -> Any:
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


def _h_media_group(fake: _RequestsMixin, call: Call) -> Any:
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


def _h_get_chat(fake: _RequestsMixin, call: Call) -> Any:
    """getChat: a minimal ChatFullInfo for the chat."""
    chat = fake._chat(call.params["chat_id"])
    return build.minimal_object("ChatFullInfo", max_reaction_count=11, **chat)


def _h_get_chat_member(fake: _RequestsMixin, call: Call) -> Any:
    """getChatMember: the status set via set_chat_member (default "member")."""
    chat = fake._chat(call.params["chat_id"])
    user_id = int(call.params["user_id"])
    status = fake._members.get((int(chat["id"]), user_id), "member")
    return build.chat_member(fake._user(user_id), status)


def _h_get_admins(fake: _RequestsMixin, call: Call) -> Any:
    """getChatAdministrators: members set to creator/administrator."""
    chat_id = int(fake._chat(call.params["chat_id"])["id"])
    return [
        build.chat_member(fake._user(user_id), status)
        for (cid, user_id), status in fake._members.items()
        if cid == chat_id and status in ("creator", "administrator")
    ]


def _h_member_count(fake: _RequestsMixin, call: Call) -> Any:
    """getChatMemberCount."""
    return fake._member_counts.get(int(fake._chat(call.params["chat_id"])["id"]), 0)


def _commands_key(params: dict[str, Any]) -> str:
    """Storage key of a command list: scope + language."""
    scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
    return f"{scope}|{params.get('language_code', '')}"


def _h_set_commands(fake: _RequestsMixin, call: Call) -> Any:
    """setMyCommands."""
    fake._commands[_commands_key(call.params)] = list(call.params.get("commands") or [])
    return True


def _h_get_commands(fake: _RequestsMixin, call: Call) -> Any:
    """getMyCommands: what setMyCommands stored for the same scope/language, else []."""
    return list(fake._commands.get(_commands_key(call.params), []))


def _h_delete_commands(fake: _RequestsMixin, call: Call) -> Any:
    """deleteMyCommands."""
    fake._commands.pop(_commands_key(call.params), None)
    return True


def _h_get_file(fake: _RequestsMixin, call: Call) -> Any:
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


_HANDLERS: dict[str, Callable[[_RequestsMixin, Call], Any]] = {
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
