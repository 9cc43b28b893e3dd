"""Every handler of the bot, registered from one ordered list."""

from __future__ import annotations

from typing import Any

from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers import checkins, forms, general, group, invitations, plan, registry, rights, status
from handlers import log as log_handlers
from handlers.common import answer_stale


def command(name: str, callback: Any) -> CommandHandler:  # type: ignore[type-arg]
    """A command in a new message; an edited command never runs again (it is only logged)."""
    return CommandHandler(name, callback, filters=filters.UpdateType.MESSAGE)


def all_handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """The handlers in the order they are tried."""
    return [
        # An edited command is answered once ("send it again"), and nothing runs a second time.
        MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.COMMAND, general.edited_command),
        # The bot's own place in a group: joined, removed, promoted; supergroup migration.
        ChatMemberHandler(group.bot_membership, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, group.chat_migrated),
        # Registering a partnership (group administrators, in the group).
        command("setup", group.setup),
        # The communication log and status (access decided in bot.access).
        command("log", log_handlers.log_contact),
        command("history", log_handlers.history),
        CallbackQueryHandler(log_handlers.history_page, pattern=r"^hist:"),
        command("status", status.status),
        # The registry: guided flows (coordinator), views (everyone), joining, hand-over.
        command("addpartner", forms.add_partner_command),
        command("partnerstatus", forms.status_command),
        command("editpartner", forms.details_command),
        command("resource", forms.resource_command),
        command("leader", forms.leader_command),
        command("stage", forms.stage_command),
        command("commplan", forms.commplan_command),
        command("invite", forms.invite_command),
        command("join", forms.join_command),
        command("handover", forms.handover_command),
        command("brief", registry.brief_command),
        command("cancel", forms.cancel_command),
        CallbackQueryHandler(forms.flow_button, pattern=r"^f:"),
        CallbackQueryHandler(invitations.join_decision, pattern=r"^jr:"),
        command("partners", registry.partners_command),
        command("resources", registry.resources_command),
        command("partner", registry.partner_command),
        # The training plan: flows (coordinator), views (everyone), chart and export.
        command("period", plan.period_command),
        command("target", plan.target_command),
        command("session", plan.session_command),
        command("trained", plan.trained_command),
        command("addgroup", plan.add_group_command),
        command("plan", plan.plan_command),
        command("chart", plan.chart_command),
        command("export", plan.export_command),
        # Check-ins: schedules (coordinator), answers (everyone in the group), pausing reminders.
        command("checkin", checkins.checkin_now),
        command("schedule", checkins.schedule_command),
        CallbackQueryHandler(checkins.schedule_button, pattern=r"^sch:"),
        CallbackQueryHandler(checkins.answer_button, pattern=r"^ci:"),
        command("pausereminders", checkins.pause_reminders_command),
        command("task", checkins.task_command),
        CallbackQueryHandler(checkins.task_done_button, pattern=r"^task:"),
        command("meeting", checkins.meeting_command),
        command("nudge", checkins.nudge_command),
        CallbackQueryHandler(checkins.nudge_send_button, pattern=r"^nudge:"),
        CallbackQueryHandler(checkins.rsvp_button, pattern=r"^rsvp:"),
        # For everyone: greeting, help, privacy notice, language, choosing a partnership.
        command("start", general.start),
        command("help", general.help_command),
        command("privacy", rights.privacy),
        # People's data rights: a copy, erasure, retention, deleting a closed partnership.
        command("mydata", rights.mydata),
        command("forgetme", rights.forgetme),
        CallbackQueryHandler(rights.forget_confirmed, pattern=r"^forget:"),
        command("retention", rights.retention_command),
        command("deletepartnership", rights.delete_partnership_command),
        CallbackQueryHandler(rights.delete_partnership_confirmed, pattern=r"^delp:"),
        command("language", general.language),
        CallbackQueryHandler(general.language_chosen, pattern=r"^lang:"),
        command("use", general.use_command),
        CallbackQueryHandler(general.use_chosen, pattern=r"^use:"),
        # Typed answers to a guided flow's question (last, so commands win).
        MessageHandler(filters.TEXT & ~filters.COMMAND, forms.flow_text),
        # Anything else that looks like a command, privately (in groups it may be for another bot).
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.COMMAND & filters.ChatType.PRIVATE, general.unknown_command
        ),
        # Anything else sent privately (a photo, a sticker, a file): say what the bot understands.
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.COMMAND,
            general.not_text,
        ),
        # Any other button (malformed, forged, or from an older version): answered, never left spinning.
        CallbackQueryHandler(answer_stale),
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
