"""Every handler of the bot: each module lists its own, and `all_handlers` puts them in order."""

from __future__ import annotations

from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers import (
    checkins,
    credit,
    forms,
    general,
    group,
    invitations,
    meetings,
    nudges,
    overview,
    partners,
    plan,
    practices,
    programme,
    rights,
    schedules,
    status,
    tasks,
)
from handlers import log as log_handlers
from handlers.common import command
from handlers.gate import answer_stale


def form_handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """The registry's guided flows (coordinator), joining and hand-over."""
    return [
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
        command("cancel", forms.cancel_command),
        CallbackQueryHandler(forms.flow_button, pattern=r"^f:"),
        CallbackQueryHandler(invitations.join_decision, pattern=r"^jr:"),
    ]


def all_handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """The handlers in the order they are tried: edits first, commands, typed answers, fallbacks."""
    return [
        *general.first_handlers(),  # an edited command is answered once, and nothing runs again
        *group.handlers(),
        *log_handlers.handlers(),
        *status.handlers(),
        *form_handlers(),
        *partners.handlers(),
        *plan.handlers(),
        *checkins.handlers(),
        *schedules.handlers(),
        *tasks.handlers(),
        *meetings.handlers(),
        *nudges.handlers(),
        *general.handlers(),
        *rights.handlers(),
        *credit.handlers(),
        *programme.handlers(),
        *overview.handlers(),
        *practices.handlers(),
        # Typed answers to a guided flow's question (last, so commands win).
        MessageHandler(filters.TEXT & ~filters.COMMAND, forms.flow_text),
        *general.last_handlers(),
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
