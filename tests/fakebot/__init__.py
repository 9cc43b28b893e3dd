"""Fake Telegram Bot API server for tests, validated against the official Bot API spec.

Typical use::

    with FakeBotApi() as fake:
        app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
        ...
        fake.push_update(message(private_chat(anna), anna, "/start"))
        fake.wait_for("sendMessage")
        fake.assert_clean()
"""

from .server import Call, FakeBotApi
from .spec import load_spec, validate_call, validate_object, visible_text
from .updates import (
    bot_user,
    callback_query,
    chat_member,
    chat_member_updated,
    edited_message,
    group,
    media_object,
    message,
    minimal_object,
    my_chat_member,
    private_chat,
    supergroup,
    user,
)

__all__ = [
    "Call",
    "FakeBotApi",
    "bot_user",
    "callback_query",
    "chat_member",
    "chat_member_updated",
    "edited_message",
    "group",
    "load_spec",
    "media_object",
    "message",
    "minimal_object",
    "my_chat_member",
    "private_chat",
    "supergroup",
    "user",
    "validate_call",
    "validate_object",
    "visible_text",
]
