"""Why the registry and the plan refused something, in the user's language."""

from __future__ import annotations

from bot.i18n import N_
from bot.markup import html, join
from bot.services.registry import RegistryError
from handlers.common import Request

ERRORS: dict[str, str] = {
    "duplicate": N_("“{existing}” is already in the registry. Type /partner {existing} to see it."),
    "name_length": N_("A name needs 2 to 120 characters."),
    "text_length": N_("That is too long: at most 1000 characters."),
    "seats": N_("Type the number of seats as a whole number from 1 to 500, e.g. 12."),
    "same_status": N_("The partner already has that status. Nothing was changed."),
    "reason_needed": N_("A withdrawal needs a reason. Nothing was changed."),
    "leader_not_member": N_("Only a partner that has joined can lead. Nothing was changed."),
    "description_needed": N_("Describe the resource in a few words. Nothing was saved."),
    "partner_unknown": N_("That partner is not in this partnership's registry. Nothing was saved."),
    "invitation_unknown": N_("I don't know this invitation. Ask your coordinator for a new link."),
    "invitation_used": N_("This invitation has already been used. Ask your coordinator for a new link."),
    "invitation_expired": N_("This invitation has expired. Ask your coordinator for a new link."),
    "already_representative": N_("You already represent “{partner}”."),
    "request_unknown": N_("I don't know that request."),
    "request_decided": N_("That request has already been decided."),
    "already_coordinator": N_("That person is already the coordinator."),
    "flow_unknown": N_("Nothing was saved."),
    "round_unknown": N_("That check-in is not from this partnership."),
    "due_past": N_("That date has passed. Nothing was saved."),
    "meeting_past": N_("That time has passed. Nothing was saved."),
    "task_unknown": N_("I don't know that task."),
    "meeting_unknown": N_("I don't know that meeting."),
    "period_dates": N_("A period must end after it starts and last at most three years. Nothing was saved."),
    "period_overlap": N_("That overlaps the period “{existing}”. Nothing was saved."),
    "count": N_("Type a number from 0 to 100000. Nothing was saved."),
    "more_than_room": N_("That room has only {seats} seats. Nothing was saved."),
    "no_period": N_(
        "That date is outside every plan period. Add a period with /period first. Nothing was saved."
    ),
    "negative": N_("Counts cannot be negative. Nothing was saved."),
    "more_than_registered": N_("More trained than registered? Check the numbers. Nothing was saved."),
    "more_than_seats": N_("More trained than the {seats} seats? Check the numbers. Nothing was saved."),
    "disability_over": N_("More people with a disability than trained? Nothing was saved."),
    "sources_over": N_("More recruited than registered? Check the numbers. Nothing was saved."),
}
NOTHING_SAVED_SUFFIX = N_("Nothing was saved.")


def error_text(req: Request, error: RegistryError) -> str:
    """A registry refusal in the user's language."""
    details = {k: str(v) for k, v in error.details.items()}
    return html(req._(ERRORS.get(error.reason, ERRORS["flow_unknown"])), **details)


def not_found_text(req: Request, name: str, close: list[str]) -> str:
    """'No such partner' with 'did you mean' suggestions."""
    text = html(req._("There is no partner called “{name}”."), name=name)
    if close:
        text += " " + html(
            req._("Did you mean: {names}?"),
            names=join(", ", (html(req._("“{name}”"), name=n) for n in close)),
        )
    return text + " " + req._("Type /partners to see them all.")
