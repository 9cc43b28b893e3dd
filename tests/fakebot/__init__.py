"""Fake Telegram Bot API server for tests, validated against the official Bot API spec.

The server now lives in the product package `sandbox` (it is also the sandbox's local Telegram);
this package keeps the names the tests import, `tests.fakebot.server`/`.spec`/`.updates` included.

Typical use::

    with FakeBotApi() as fake:
        app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
        ...
        fake.push_update(message(private_chat(anna), anna, "/start"))
        fake.wait_for("sendMessage")
        fake.assert_clean()
"""

import sys

from sandbox import server, spec, updates
from sandbox.server import Call, FakeBotApi
from sandbox.spec import load_spec, validate_call, validate_object, visible_text
from sandbox.updates import (
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

# `from tests.fakebot.server import X` keeps working: the submodules are the sandbox's own.
for _module in (server, spec, updates):
    sys.modules[f"{__name__}.{_module.__name__.rpartition('.')[2]}"] = _module

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
    "server",
    "spec",
    "supergroup",
    "updates",
    "user",
    "validate_call",
    "validate_object",
    "visible_text",
]
