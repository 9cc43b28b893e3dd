"""Every handler of the bot, registered from one ordered list."""

from __future__ import annotations

from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers import checkins, general, group, plan, registry, status
from handlers import log as log_handlers


def all_handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """The handlers in the order they are tried."""
    return [
        # The bot's own place in a group: joined, removed, promoted; supergroup migration.
        ChatMemberHandler(group.bot_membership, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, group.chat_migrated),
        # Registering a partnership (group administrators, in the group).
        CommandHandler("setup", group.setup),
        # The communication log and status (access decided in bot.access).
        CommandHandler("log", log_handlers.log_contact),
        CommandHandler("history", log_handlers.history),
        CallbackQueryHandler(log_handlers.history_page, pattern=r"^hist:"),
        CommandHandler("status", status.status),
        # The registry: guided flows (coordinator), views (everyone), joining, hand-over.
        CommandHandler("addpartner", registry.add_partner_command),
        CommandHandler("partnerstatus", registry.status_command),
        CommandHandler("editpartner", registry.details_command),
        CommandHandler("resource", registry.resource_command),
        CommandHandler("leader", registry.leader_command),
        CommandHandler("stage", registry.stage_command),
        CommandHandler("commplan", registry.commplan_command),
        CommandHandler("invite", registry.invite_command),
        CommandHandler("join", registry.join_command),
        CommandHandler("handover", registry.handover_command),
        CommandHandler("brief", registry.brief_command),
        CommandHandler("cancel", registry.cancel_command),
        CallbackQueryHandler(registry.flow_button, pattern=r"^f:"),
        CallbackQueryHandler(registry.join_decision, pattern=r"^jr:"),
        CommandHandler("partners", registry.partners_command),
        CommandHandler("resources", registry.resources_command),
        CommandHandler("partner", registry.partner_command),
        # The training plan: flows (coordinator), views (everyone), chart and export.
        CommandHandler("period", plan.period_command),
        CommandHandler("target", plan.target_command),
        CommandHandler("session", plan.session_command),
        CommandHandler("trained", plan.trained_command),
        CommandHandler("addgroup", plan.add_group_command),
        CommandHandler("plan", plan.plan_command),
        CommandHandler("chart", plan.chart_command),
        CommandHandler("export", plan.export_command),
        # Check-ins: schedules (coordinator), answers (everyone in the group), pausing reminders.
        CommandHandler("checkin", checkins.checkin_now),
        CommandHandler("schedule", checkins.schedule_command),
        CallbackQueryHandler(checkins.schedule_button, pattern=r"^sch:"),
        CallbackQueryHandler(checkins.answer_button, pattern=r"^ci:"),
        CommandHandler("pausereminders", checkins.pause_reminders_command),
        CommandHandler("task", checkins.task_command),
        CallbackQueryHandler(checkins.task_done_button, pattern=r"^task:"),
        CommandHandler("meeting", checkins.meeting_command),
        CommandHandler("nudge", checkins.nudge_command),
        CallbackQueryHandler(checkins.nudge_send_button, pattern=r"^nudge:"),
        CallbackQueryHandler(checkins.rsvp_button, pattern=r"^rsvp:"),
        # For everyone: greeting, help, privacy notice, language, choosing a partnership.
        CommandHandler("start", general.start),
        CommandHandler("help", general.help_command),
        CommandHandler("privacy", general.privacy),
        CommandHandler("language", general.language),
        CallbackQueryHandler(general.language_chosen, pattern=r"^lang:"),
        CommandHandler("use", general.use_command),
        CallbackQueryHandler(general.use_chosen, pattern=r"^use:"),
        # Typed answers to a guided flow's question (last, so commands win).
        MessageHandler(filters.TEXT & ~filters.COMMAND, registry.flow_text),
        # Anything else that looks like a command, privately (in groups it may be for another bot).
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, general.unknown_command),
    ]


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add every handler, and the error handler, to the application."""
    app.add_handlers([commands_not_edits(h) for h in all_handlers()])
    app.add_error_handler(general.on_error)


def commands_not_edits(handler: BaseHandler) -> BaseHandler:  # type: ignore[type-arg]
    """Commands answer new messages only: editing a /log must not record a second contact."""
    if isinstance(handler, CommandHandler) and handler.filters is filters.UpdateType.MESSAGES:
        handler.filters = filters.UpdateType.MESSAGE
    return handler
