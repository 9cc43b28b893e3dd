"""Webhook mode: Telegram posts each update; the answer 200 means it is stored.

Each update is stored in the inbox first (`inbound_update`, shared by every instance), and the
200 goes back as soon as that committed: from then on the update is the bot's, not Telegram's.
It is handled under its chat's claim (bot.inbox), so one chat's updates are handled in order
and once even when a load balancer spreads them over several instances; chats are handled side
by side. If the instance that stored it dies before handling it, another one picks the chat up
once the claim ran out (bot.inbox's sweep).
A post without the right secret token is refused with 403 before anything is read or stored.
If the process dies before answering, Telegram (or nginx, see deploy/nginx) posts the update
again; it is stored once, and the handled-mark stored with its effects (bot.once) keeps what
was done from being done twice.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application as WebApplication
from tornado.web import RequestHandler

from bot.config import Settings
from bot.db import Database
from bot.inbox import InboxLanes
from bot.polling import ALLOWED_UPDATES, lane_of, lane_of_payload

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookSettingsError(ValueError):
    """Webhook mode needs a public URL and a secret."""


def webhook_path(settings: Settings) -> str:
    """The path Telegram posts to, taken from the public URL."""
    if not settings.webhook_url.startswith("https://") and not settings.webhook_url.startswith("http://"):
        raise WebhookSettingsError("WEBHOOK_URL must be the public https:// address Telegram posts to")
    if not settings.webhook_secret:
        raise WebhookSettingsError("WEBHOOK_SECRET must be set (A-Z, a-z, 0-9, _ and -)")
    return urlsplit(settings.webhook_url).path or "/"


class UpdateHandler(RequestHandler):
    """POST: check the secret, store the update, answer; its chat's lane handles it."""

    def initialize(self, receiver: WebhookReceiver) -> None:
        """Tornado passes the receiver in."""
        self.receiver = receiver

    async def post(self) -> None:
        """One update from Telegram."""
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.receiver.secret.encode()):
            self.set_status(403)
            self.finish("forbidden")
            return
        try:
            payload = self.request.body.decode()
            update_id, lane = self.receiver.address(json.loads(payload))
        except (ValueError, TypeError, KeyError, AttributeError):
            self.set_status(400)
            self.finish("bad update")
            return
        try:
            await self.receiver.lanes.receive(update_id, lane, payload)
        except SQLAlchemyError:
            self.set_status(503)  # not stored: Telegram delivers it again
            self.finish("database unavailable")
            return
        # Stored in the inbox that every instance shares: whichever holds the chat handles it.
        self.set_header("Content-Type", "application/json")
        self.finish("{}")


class WebhookReceiver:
    """The HTTP endpoint and the lanes behind it."""

    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        db: Database,
        *,
        secret: str,
        path: str,
        owner: str | None = None,
    ) -> None:
        self.app = app
        self.secret = secret
        self.path = path
        self.lanes = InboxLanes(app, db, owner=owner)
        self.stop = self.lanes.stop
        self._server: HTTPServer | None = None
        self.port = 0

    def address(self, data: Any) -> tuple[int, int]:
        """The update's id and its chat's lane, read from the JSON as posted (raises if malformed).

        The common shapes are read straight from the JSON: decoding the whole update here
        and again where it is handled was a tenth of an instance's time.
        """
        lane = lane_of_payload(data) if isinstance(data, dict) else None
        if lane is None:
            update = Update.de_json(data, self.app.bot)
            return update.update_id, lane_of(update)
        return int(data["update_id"]), lane

    def listen(self, host: str, port: int) -> int:
        """Start serving; returns the port (0 picks a free one)."""
        web = WebApplication([(self.path, UpdateHandler, {"receiver": self})])
        self._server = HTTPServer(web, xheaders=True)
        sockets = bind_sockets(port, address=host)
        self._server.add_sockets(sockets)
        self.port = int(sockets[0].getsockname()[1])
        self.lanes.start()
        return self.port

    async def close(self) -> None:
        """Stop accepting, let lanes finish what they handle."""
        if self._server is not None:
            self._server.stop()
        await self.lanes.close(within=10)


async def run_webhook(
    app: Application,  # type: ignore[type-arg]
    db: Database,
    settings: Settings,
    stop: asyncio.Event,
) -> None:
    """Register the webhook with Telegram and serve until stopped."""
    logging.getLogger("tornado.access").setLevel(logging.WARNING)  # a line per update is too much
    receiver = WebhookReceiver(app, db, secret=settings.webhook_secret, path=webhook_path(settings))
    receiver.listen(settings.webhook_listen, settings.webhook_port)
    await app.bot.set_webhook(
        url=settings.webhook_url,
        secret_token=settings.webhook_secret,
        allowed_updates=ALLOWED_UPDATES,
        drop_pending_updates=False,
    )
    log.info(
        "webhook: listening on %s:%d for %s", settings.webhook_listen, receiver.port, settings.webhook_url
    )
    try:
        await stop.wait()
    finally:
        await receiver.close()
