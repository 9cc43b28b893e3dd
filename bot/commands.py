"""The command menus Telegram shows, per place and role, derived from the permission policy."""

from __future__ import annotations

from dataclasses import dataclass

from bot.access import Action, Role, Verdict, Where, decide
from bot.i18n import N_


@dataclass(frozen=True)
class Command:
    """A command, what it does, and the action that decides who may use it (None: everyone)."""

    name: str
    description: str
    action: Action | None = None
    places: tuple[Where, ...] = (Where.GROUP, Where.PRIVATE)


COMMANDS: list[Command] = [
    Command("start", N_("Start and see what the bot can do"), places=(Where.PRIVATE,)),
    Command("status", N_("Activity, progress against the plan, partners"), Action.VIEW_STATUS),
    Command("plan", N_("Training plan and progress"), Action.VIEW_STATUS),
    Command("chart", N_("Chart: trained against targets"), Action.VIEW_STATUS),
    Command("history", N_("Latest entries of the communication log"), Action.VIEW_HISTORY),
    Command("partners", N_("Partner organisations and their people"), Action.VIEW_REGISTRY),
    Command("partner", N_("One partner's card: /partner name"), Action.VIEW_REGISTRY),
    Command("resources", N_("What partners contribute"), Action.VIEW_REGISTRY),
    Command("join", N_("Ask to represent your organisation"), Action.REQUEST_JOIN, places=(Where.GROUP,)),
    Command("log", N_("Record a contact: /log phone ..."), Action.RECORD_CONTACT),
    Command("checkin", N_("Ask the partners a check-in question now"), Action.MANAGE_SCHEDULES),
    Command("schedule", N_("Check-in schedules"), Action.MANAGE_SCHEDULES),
    Command("task", N_("A task for a partner"), Action.MANAGE_SCHEDULES),
    Command("meeting", N_("A partnership meeting"), Action.MANAGE_SCHEDULES),
    Command("nudge", N_("Preview and send recruitment nudges"), Action.MANAGE_SCHEDULES),
    Command("addpartner", N_("Add a partner or candidate"), Action.MANAGE_REGISTRY),
    Command("partnerstatus", N_("Change a partner's status"), Action.MANAGE_REGISTRY),
    Command("editpartner", N_("A partner's details"), Action.MANAGE_REGISTRY),
    Command("resource", N_("Record a partner's resource"), Action.MANAGE_REGISTRY),
    Command("invite", N_("Invitation link for a partner"), Action.MANAGE_REGISTRY),
    Command("leader", N_("The institutional leader"), Action.MANAGE_REGISTRY),
    Command("stage", N_("The partnership's stage"), Action.MANAGE_REGISTRY),
    Command("commplan", N_("The communication plan"), Action.MANAGE_REGISTRY),
    Command("period", N_("A plan period"), Action.MANAGE_PLAN),
    Command("target", N_("A target per target group"), Action.MANAGE_PLAN),
    Command("addgroup", N_("A target group of your own"), Action.MANAGE_PLAN),
    Command("session", N_("Add a training session"), Action.MANAGE_PLAN),
    Command("trained", N_("Record a session's outcome"), Action.MANAGE_PLAN),
    Command("export", N_("Export everything as XLSX and CSV"), Action.EXPORT),
    Command("handover", N_("Hand the coordinator role over"), Action.HAND_OVER),
    Command("brief", N_("The hand-over brief"), Action.HAND_OVER, places=(Where.PRIVATE,)),
    Command("pausereminders", N_("No reminders until a date")),
    Command("use", N_("Choose which partnership commands are about"), places=(Where.PRIVATE,)),
    Command("cancel", N_("Stop a form without saving")),
    Command("setup", N_("Register this group as a partnership (administrators)"), places=(Where.GROUP,)),
    Command("privacy", N_("What the bot records and why")),
    Command("mydata", N_("A copy of everything about you"), places=(Where.PRIVATE,)),
    Command("forgetme", N_("Erase your data"), places=(Where.PRIVATE,)),
    Command("retention", N_("How long texts are kept after closing"), Action.MANAGE_PRIVACY),
    Command("deletepartnership", N_("Delete a closed partnership for good"), Action.DELETE_PARTNERSHIP),
    Command("thanks", N_("The partnership card: every partner's contribution"), Action.GIVE_CREDIT),
    Command("certificate", N_("Certificates of cooperation for the partners"), Action.GIVE_CREDIT),
    Command("closing", N_("Start closing: ask the partners for recommendations"), Action.CLOSE_PARTNERSHIP),
    Command(
        "recommendations", N_("The partners' recommendations; doc: the document"), Action.CLOSE_PARTNERSHIP
    ),
    Command("conclusions", N_("Your conclusions for the recommendations"), Action.CLOSE_PARTNERSHIP),
    Command("decide", N_("Close the partnership or continue with new goals"), Action.CLOSE_PARTNERSHIP),
    Command("recommend", N_("Answer a closing question: /recommend 1 ..."), places=(Where.PRIVATE,)),
    # Programmes (issue 15): the overview and visits are a supervisor's, sharing a coordinator's.
    Command(
        "overview", N_("All your partnerships at a glance"), Action.RECORD_VISIT, places=(Where.PRIVATE,)
    ),
    Command("visit", N_("Record a visit or consultation"), Action.RECORD_VISIT, places=(Where.PRIVATE,)),
    Command("share", N_("Share a practice with the programme"), Action.MANAGE_REGISTRY),
    Command("practices", N_("Practices shared in the programme")),
    Command("programme", N_("A programme of partnerships (managers)"), places=(Where.PRIVATE,)),
    Command("language", N_("Choose your language")),
    Command("help", N_("What the bot can do")),
]


def menu(where: Where, role: Role) -> list[tuple[str, str]]:
    """(command, description) for what a person in a role can use in a place."""
    return [
        (c.name, c.description)
        for c in COMMANDS
        if where in c.places
        and (c.action is None or decide(c.action, role=role, where=where) is Verdict.ALLOWED)
        and not (c.name == "setup" and role is Role.COORDINATOR)  # the group is registered already
    ]


# The default menus: every group member, and a partner's representative in a private chat.
# The coordinator gets menus of their own (see handlers.menus), set when they take the role.
GROUP_COMMANDS: list[tuple[str, str]] = menu(Where.GROUP, Role.MEMBER)
PRIVATE_COMMANDS: list[tuple[str, str]] = menu(Where.PRIVATE, Role.REPRESENTATIVE)
COORDINATOR_GROUP_COMMANDS: list[tuple[str, str]] = menu(Where.GROUP, Role.COORDINATOR)
COORDINATOR_PRIVATE_COMMANDS: list[tuple[str, str]] = menu(Where.PRIVATE, Role.COORDINATOR)
