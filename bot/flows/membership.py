"""The flows of membership: invitations, requests to join and the coordinator's hand-over."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import Action, Role
from bot.flows.engine import (
    Applied,
    Data,
    Flow,
    FlowDraft,
    FlowName,
    Key,
    Option,
    Saving,
    Step,
    register,
)
from bot.flows.parsing import NOT_WITHDRAWN, choices, partner_options
from bot.flows.registry import PartnerChoice, load_partners, partner_of
from bot.i18n import N_
from bot.models import Partner
from bot.services import registry
from bot.services.people import PersonInfo
from bot.services.registry import RegistryError
from bot.text import parse_id


class RoleTarget(StrEnum):
    """An invitation for a role rather than for a partner (partners are picked by id)."""

    SUPERVISOR = "=supervisor"
    AMBASSADOR = "=ambassador"


ROLE_TARGET_LABELS: dict[str, str] = {
    RoleTarget.SUPERVISOR: N_("a supervisor (sees, does not change)"),
    RoleTarget.AMBASSADOR: N_("an ambassador (local authority)"),
}


def _people_options(data: Data) -> list[Option]:
    """People who could take over as coordinator."""
    return [Option(str(uid), name, translate=False) for uid, name in data.get(Key.PEOPLE, [])]


class InviteDraft(FlowDraft):
    """Whom an invitation is for: a partner's id, or a role."""

    target: str


async def save_invite(session: AsyncSession, draft: InviteDraft, saving: Saving) -> Applied:
    """Create the invitation link."""
    invited: Partner | None = None
    if draft.target in (RoleTarget.SUPERVISOR, RoleTarget.AMBASSADOR):
        role = Role(draft.target.removeprefix("="))
    else:
        partner_id = parse_id(draft.target)
        if partner_id is None:
            raise RegistryError("partner_unknown")
        invited = await partner_of(session, saving, partner_id)
        role = Role.REPRESENTATIVE
    invitation = await registry.create_invitation(
        session, partnership=saving.partnership, by_user_id=saving.by, partner=invited, role=role
    )
    return Applied(
        N_("Invitation created. Send this link to the person; it works once and expires in {days} days:"),
        {"days": registry.INVITATION_DAYS},
        invitation_token=invitation.token,
    )


async def save_join(session: AsyncSession, draft: PartnerChoice, saving: Saving) -> Applied:
    """Ask the coordinator to approve the person as the partner's representative."""
    partner = await partner_of(session, saving, draft.partner)
    request = await registry.request_join(session, partner=partner, person=saving.person)
    return Applied(
        N_("Your request to represent “{name}” is waiting for the coordinator."),
        {"name": partner.name},
        join_request_id=request.id,
    )


class HandoverDraft(FlowDraft):
    """Who becomes the coordinator, with the names the picker showed."""

    person: int
    people: list[tuple[int, str]] = Field(default_factory=list, alias=Key.PEOPLE.value)


async def save_handover(session: AsyncSession, draft: HandoverDraft, saving: Saving) -> Applied:
    """Hand the partnership over to the chosen person."""
    names = dict(draft.people)
    to = PersonInfo(user_id=draft.person, first_name=names.get(draft.person, "?"))
    await registry.hand_over(session, partnership=saving.partnership, to=to, by_user_id=saving.by)
    return Applied(
        N_("{name} is now the coordinator. I sent them a hand-over brief privately."),
        {"name": to.display_name},
        new_coordinator=to,
    )


register(
    Flow(
        FlowName.INVITE,
        N_("Invitation"),
        [
            Step(
                "target",
                N_("Whom is the invitation for?"),
                options=lambda d: partner_options(d, statuses=NOT_WITHDRAWN) + choices(ROLE_TARGET_LABELS),
            ),
        ],
        InviteDraft,
        save_invite,
        loaders=(load_partners,),
    ),
    Flow(
        FlowName.JOIN,
        N_("Request to join"),
        [
            Step(
                "partner",
                N_("Which organisation do you represent?"),
                options=lambda d: partner_options(d, statuses=NOT_WITHDRAWN),
            ),
        ],
        PartnerChoice,
        save_join,
        action=Action.REQUEST_JOIN,
        loaders=(load_partners,),
    ),
    Flow(
        FlowName.HANDOVER,
        N_("Coordinator hand-over"),
        [Step("person", N_("Who becomes the coordinator?"), options=_people_options)],
        HandoverDraft,
        save_handover,
        action=Action.HAND_OVER,
        loaders=(load_partners,),
        nothing_to_choose=N_(
            "Nobody can take over yet: the new coordinator must first represent a partner. "
            "Send them an invitation with /invite, then type /handover again."
        ),
    ),
)
