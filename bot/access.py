"""Who may do what: the one place where permissions are decided."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A person's role in one partnership, as far as permissions go."""

    COORDINATOR = "coordinator"
    SUPERVISOR = "supervisor"
    REPRESENTATIVE = "representative"
    AMBASSADOR = "ambassador"
    MEMBER = "member"  # in the partnership's group chat, with no role in the registry
    STRANGER = "stranger"


class Action(StrEnum):
    """Things people ask the bot to do with a partnership."""

    REGISTER = "register"
    RECORD_CONTACT = "record_contact"
    VIEW_HISTORY = "view_history"
    VIEW_STATUS = "view_status"
    MANAGE_REGISTRY = "manage_registry"  # partners, statuses, resources, leader, stage, plan, invitations
    VIEW_REGISTRY = "view_registry"  # /partners, /resources, /partner
    REQUEST_JOIN = "request_join"  # ask to represent a partner organisation
    HAND_OVER = "hand_over"  # give the coordinator role to someone else
    MANAGE_PLAN = "manage_plan"  # periods, targets, sessions, outcomes
    EXPORT = "export"  # the whole partnership as a spreadsheet
    MANAGE_SCHEDULES = "manage_schedules"  # check-in schedules, a check-in now
    ANSWER_CHECKIN = "answer_checkin"  # press an answer button under a check-in
    MANAGE_PRIVACY = "manage_privacy"  # the privacy notice's controller statement, the retention period
    DELETE_PARTNERSHIP = "delete_partnership"  # remove a closed partnership's personal data for good
    GIVE_CREDIT = "give_credit"  # the partnership card and the partners' certificates
    CLOSE_PARTNERSHIP = "close_partnership"  # the closing stage: recommendations round, document, decision
    RECORD_VISIT = "record_visit"  # a supervisor's visit or consultation, the visit rhythm


class Where(StrEnum):
    """Where a command was typed."""

    GROUP = "group"
    PRIVATE = "private"


class Verdict(StrEnum):
    """The decision, with the reason the user is told on refusal."""

    ALLOWED = "allowed"
    COORDINATOR_ONLY = "coordinator_only"
    ADMIN_ONLY = "admin_only"
    GROUP_ONLY = "group_only"
    NOT_A_MEMBER = "not_a_member"


_READERS = frozenset({Role.COORDINATOR, Role.SUPERVISOR, Role.REPRESENTATIVE, Role.AMBASSADOR, Role.MEMBER})

# (action, where) -> roles allowed. Anything absent is refused.
POLICY: dict[tuple[Action, Where], frozenset[Role]] = {
    (Action.RECORD_CONTACT, Where.GROUP): frozenset({Role.COORDINATOR}),
    (Action.RECORD_CONTACT, Where.PRIVATE): frozenset({Role.COORDINATOR}),
    (Action.VIEW_HISTORY, Where.GROUP): _READERS,
    (Action.VIEW_HISTORY, Where.PRIVATE): _READERS - {Role.MEMBER},
    (Action.VIEW_STATUS, Where.GROUP): _READERS,
    (Action.VIEW_STATUS, Where.PRIVATE): _READERS - {Role.MEMBER},
    (Action.MANAGE_REGISTRY, Where.GROUP): frozenset({Role.COORDINATOR}),
    (Action.MANAGE_REGISTRY, Where.PRIVATE): frozenset({Role.COORDINATOR}),
    (Action.VIEW_REGISTRY, Where.GROUP): _READERS,
    (Action.VIEW_REGISTRY, Where.PRIVATE): _READERS - {Role.MEMBER},
    (Action.REQUEST_JOIN, Where.GROUP): _READERS,
    (Action.HAND_OVER, Where.GROUP): frozenset({Role.COORDINATOR}),
    (Action.HAND_OVER, Where.PRIVATE): frozenset({Role.COORDINATOR}),
    (Action.MANAGE_PLAN, Where.GROUP): frozenset({Role.COORDINATOR}),
    (Action.MANAGE_PLAN, Where.PRIVATE): frozenset({Role.COORDINATOR}),
    (Action.EXPORT, Where.GROUP): frozenset({Role.COORDINATOR, Role.SUPERVISOR}),
    (Action.EXPORT, Where.PRIVATE): frozenset({Role.COORDINATOR, Role.SUPERVISOR}),
    (Action.MANAGE_SCHEDULES, Where.GROUP): frozenset({Role.COORDINATOR}),
    (Action.MANAGE_SCHEDULES, Where.PRIVATE): frozenset({Role.COORDINATOR}),
    (Action.ANSWER_CHECKIN, Where.GROUP): _READERS,
    (Action.MANAGE_PRIVACY, Where.GROUP): frozenset({Role.COORDINATOR}),
    (Action.MANAGE_PRIVACY, Where.PRIVATE): frozenset({Role.COORDINATOR}),
    (Action.DELETE_PARTNERSHIP, Where.GROUP): frozenset({Role.COORDINATOR}),
    (Action.DELETE_PARTNERSHIP, Where.PRIVATE): frozenset({Role.COORDINATOR}),
    (Action.GIVE_CREDIT, Where.GROUP): frozenset({Role.COORDINATOR}),
    (Action.GIVE_CREDIT, Where.PRIVATE): frozenset({Role.COORDINATOR}),
    (Action.CLOSE_PARTNERSHIP, Where.GROUP): frozenset({Role.COORDINATOR}),
    (Action.CLOSE_PARTNERSHIP, Where.PRIVATE): frozenset({Role.COORDINATOR}),
    (Action.RECORD_VISIT, Where.PRIVATE): frozenset({Role.SUPERVISOR}),
}


def decide(action: Action, *, role: Role, where: Where, is_group_admin: bool = False) -> Verdict:
    """Whether a person in a role may do an action here, and if not, why."""
    if action is Action.REGISTER:
        # Registering happens before any role exists: it needs a group and its administrator.
        if where is not Where.GROUP:
            return Verdict.GROUP_ONLY
        return Verdict.ALLOWED if is_group_admin else Verdict.ADMIN_ONLY
    allowed = POLICY.get((action, where), frozenset())
    if role in allowed:
        return Verdict.ALLOWED
    if role is Role.STRANGER:
        return Verdict.NOT_A_MEMBER
    elsewhere = POLICY.get((action, Where.GROUP), frozenset())
    if where is Where.PRIVATE and role in elsewhere | {Role.MEMBER} and (action, Where.PRIVATE) not in POLICY:
        return Verdict.GROUP_ONLY
    return Verdict.COORDINATOR_ONLY


ROLE_STRENGTH = (Role.COORDINATOR, Role.SUPERVISOR, Role.REPRESENTATIVE, Role.AMBASSADOR)


def effective_role(roles: set[Role], *, where: Where) -> Role:
    """The role that decides permissions: the strongest held, else member or stranger."""
    held = next((r for r in ROLE_STRENGTH if r in roles), None)
    if held is not None:
        return held
    return Role.MEMBER if where is Where.GROUP else Role.STRANGER


class ProgrammeRole(StrEnum):
    """A person's place in a programme of partnerships (not tied to one partnership)."""

    MANAGER = "manager"  # created the programme: sees every partnership in it
    SUPERVISOR = "supervisor"  # an animator: sees the partnerships assigned to them
    COORDINATOR = "coordinator"  # coordinates a partnership of the programme: sees only their own
    NONE = "none"


class ProgrammeAction(StrEnum):
    """Things people ask the bot to do with a programme."""

    MANAGE = "manage"  # links for partnerships and supervisors, assignments
    OVERVIEW = "overview"  # /overview, the programme's export and chart
    SHARE_PRACTICE = "share_practice"  # /share
    VIEW_PRACTICES = "view_practices"  # /practices and the thank button


# What each programme role may do; every programme command is private. Which partnerships a
# supervisor sees is decided by `bot.services.programme_scope`, not here.
PROGRAMME_POLICY: dict[ProgrammeAction, frozenset[ProgrammeRole]] = {
    ProgrammeAction.MANAGE: frozenset({ProgrammeRole.MANAGER}),
    ProgrammeAction.OVERVIEW: frozenset({ProgrammeRole.MANAGER, ProgrammeRole.SUPERVISOR}),
    ProgrammeAction.SHARE_PRACTICE: frozenset({ProgrammeRole.COORDINATOR}),
    ProgrammeAction.VIEW_PRACTICES: frozenset(
        {ProgrammeRole.MANAGER, ProgrammeRole.SUPERVISOR, ProgrammeRole.COORDINATOR}
    ),
}


def may(action: ProgrammeAction, roles: set[ProgrammeRole]) -> bool:
    """Whether any of a person's programme roles allows the action."""
    return bool(roles & PROGRAMME_POLICY[action])
