"""The one place that wires the application together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats
from telegram.ext import Application, ApplicationBuilder

import handlers
from bot.answers import AnsweringNotifier
from bot.commands import GROUP_COMMANDS, PRIVATE_COMMANDS
from bot.config import SUPPORTED_LOCALES, Settings
from bot.db import Database
from bot.i18n import check_catalogs, translations
from bot.pacing import ChatPacer, Pace, SharedPacer
from bot.polling import ConfirmingPoller
from bot.runtime import CONTEXT_TYPES, SERVICES_KEY, Services, services_of
from bot.services import partnerships
from bot.startup import migrate_or_explain, until_reachable
from bot.telegram_notifier import TelegramNotifier
from scheduler import jobs
from scheduler.outcomes import bot_removed
from scheduler.runner import Dispatcher

log = logging.getLogger(__name__)


def build_application(
    settings: Settings, *, rate_limit: bool = True, pace: Pace | None = None, pacer: ChatPacer | None = None
) -> Application:  # type: ignore[type-arg]
    """The Application with its handlers; resources are made in post_init.

    Every Bot API call goes through one ChatPacer: with `rate_limit=False` (tests) it paces
    nothing but is still the one place that retries.
    """
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .context_types(CONTEXT_TYPES)  # handlers get BotContext: context.services
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_base_file_url)
        .updater(None)  # bot.polling confirms updates only after storing them
        .post_init(_post_init(settings))
        .post_shutdown(_post_shutdown)
        .rate_limiter(pacer or ChatPacer(pace or (Pace() if rate_limit else Pace.unpaced())))
        .read_timeout(settings.telegram_timeout)
        .write_timeout(settings.telegram_timeout)
    )
    app = builder.build()
    handlers.register(app)
    return app


def telegram_pace() -> ChatPacer:
    """The production pacer: a short burst per quiet chat, 19 a minute per group, 28/s overall."""
    return ChatPacer(Pace())


def _post_init(settings: Settings):  # type: ignore[no-untyped-def]
    """Create the database and notifier, and publish the command menus."""

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        db = Database(settings.database_url)

        async def migrated(old_chat_id: int, new_chat_id: int) -> None:
            async with db.transaction() as session:
                await partnerships.follow_migration(session, old_chat_id=old_chat_id, new_chat_id=new_chat_id)

        async def unreachable(chat_id: int, _reason: str) -> None:
            if chat_id < 0:  # a group: the bot was removed or the group is gone
                await bot_removed(db, chat_id)

        notifier = TelegramNotifier(app.bot, on_migrated=migrated, on_unreachable=unreachable)
        dispatcher = Dispatcher(db, notifier, default_locale=settings.default_locale)
        app.bot_data[SERVICES_KEY] = Services(  # handlers' answers after a commit are kept until sent
            settings=settings,
            db=db,
            notifier=AnsweringNotifier(notifier, db),
            bot_username=app.bot.username,
            dispatcher=dispatcher,
        )
        jobs.install(app, settings.scheduler_interval)
        await publish_commands(app, settings)

    return post_init


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    """Let a woken scheduler tick finish, then dispose of the database connections."""
    services = services_of(app.bot_data)
    if isinstance(services.wake_scheduler, jobs.Waker):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(services.wake_scheduler.settle(), timeout=10)
    await services.db.dispose()


async def publish_commands(app: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    """setMyCommands for group and private chats, in every language and as the default."""
    scopes = (
        (BotCommandScopeAllGroupChats(), GROUP_COMMANDS),
        (BotCommandScopeAllPrivateChats(), PRIVATE_COMMANDS),
    )
    for scope, commands in scopes:
        for code in (None, *SUPPORTED_LOCALES):
            tr = translations(code or settings.default_locale)
            await app.bot.set_my_commands(
                [BotCommand(name, tr.gettext(description)) for name, description in commands],
                scope=scope,
                language_code=code,
            )


async def start_application(app: Application) -> None:  # type: ignore[type-arg]
    """Initialise, run post_init (PTB only calls it from run_polling) and start."""
    await app.initialize()
    await finish_start(app)


async def finish_start(app: Application) -> None:  # type: ignore[type-arg]
    """Run post_init and start an initialised application."""
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()


async def stop_application(app: Application) -> None:  # type: ignore[type-arg]
    """Stop, shut down and run post_shutdown, mirroring start_application."""
    if app.running:
        await app.stop()
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)


async def run_bot(settings: Settings, *, webhook: bool = False) -> None:
    """Migrate the database, start the application and serve until a signal arrives."""
    check_catalogs()
    await migrate_or_explain(settings.database_url)
    # Webhook instances on PostgreSQL may be several: they share the send rate (bot.pacing).
    shared = webhook and not settings.database_url.startswith("sqlite")
    app = build_application(settings, pacer=SharedPacer(settings.database_url) if shared else None)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # Telegram unreachable at start is retried with backoff; a rejected token ends the bot.
    if not await until_reachable(app.initialize, stop):
        await app.shutdown()
        return
    await finish_start(app)
    try:
        db = services_of(app.bot_data).db
        if webhook:
            from bot.webhook import run_webhook

            await run_webhook(app, db, settings, stop)
        else:
            await app.bot.delete_webhook(drop_pending_updates=False)  # polling needs no webhook set
            log.info("partnerbot is polling as @%s", app.bot.username)
            poller = ConfirmingPoller(app, db, timeout=settings.polling_timeout)
            await poller.run(stop)
    finally:
        await stop_application(app)
