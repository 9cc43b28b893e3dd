"""Runs the real Application, with the confirming poller, against the fake Bot API server."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from telegram.ext import Application

from bot.app import build_application, start_application, stop_application
from bot.config import Settings, load_settings
from bot.polling import ConfirmingPoller
from bot.runtime import services_of
from scheduler.jobs import Waker
from scheduler.runner import Dispatcher
from tests.fakebot import FakeBotApi


class BotUnderTest:
    """The bot as it runs in production, started and stopped by a test."""

    def __init__(self, fake: FakeBotApi, database_url: str, **settings: Any) -> None:
        settings.setdefault("scheduler_interval", 0)  # tests run the scheduler's tick themselves
        self.fake = fake
        self.settings: Settings = load_settings(
            telegram_bot_token=fake.token,
            telegram_api_base_url=fake.base_url,
            database_url=database_url,
            polling_timeout=2,
            **settings,
        )
        self.app: Application = build_application(self.settings, rate_limit=False)  # type: ignore[type-arg]
        self.stop_event = asyncio.Event()
        self.poller: ConfirmingPoller | None = None
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> BotUnderTest:
        """Initialise the application and start polling in the background."""
        await start_application(self.app)
        self.poller = ConfirmingPoller(
            self.app,
            services_of(self.app.bot_data).db,
            timeout=self.settings.polling_timeout,
            backoff=0.05,
        )
        self.task = asyncio.create_task(self.poller.run(self.stop_event))
        return self

    async def stop(self) -> None:
        """Stop polling and shut the application down, as on SIGTERM."""
        self.stop_event.set()
        await self.settle()
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self.task, timeout=10)
        await stop_application(self.app)

    @property
    def dispatcher(self) -> Dispatcher:
        """The scheduler's dispatcher inside the running application."""
        found = services_of(self.app.bot_data).dispatcher
        assert found is not None
        return found

    async def deliver(self, *updates: dict[str, Any]) -> list[int]:
        """Push updates and wait until the bot has confirmed (so stored and handled) them."""
        ids = self.fake.push_updates(list(updates))
        await self.fake.await_confirmed(ids[-1], timeout=10)
        await self.settle()
        return ids

    async def settle(self) -> None:
        """Wait for the scheduler ticks that handlers woke (they run in the background)."""
        wake = services_of(self.app.bot_data).wake_scheduler
        if isinstance(wake, Waker):
            await wake.settle()
