"""The registry's flows: partners, their status, resources and details, the leader, the stage, the
communication plan, invitations, requests to join and the coordinator's hand-over."""

from __future__ import annotations

from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.flows.engine import (
    Applied,
    Data,
    Flow,
    FlowDraft,
    FlowInputError,
    FlowName,
    Key,
    Option,
    Preparing,
    Saving,
    Step,
    register,
)
from bot.flows.parsing import (
    MEMBERS,
    NOT_WITHDRAWN,
    choices,
    free_text,
    partner_options,
    required_text,
)
from bot.i18n import N_
from bot.labels import (
    FREQUENCY_LABELS,
    JOIN_FORM_LABELS,
    PARTNER_KIND_LABELS,
    PLAN_CHANNEL_LABELS,
    RESOURCE_LABELS,
    STAGE_LABELS,
    STATUS_LABELS,
)
from bot.models import JoinForm, Partner, PartnerKind, PartnerStatus, ResourceKind, Stage
from bot.services import registry
from bot.services.registry import RegistryError, clean_partner_name, parse_seats
from bot.text import fold


class DetailField(StrEnum):
    """What the details flow can record about a partner."""

    KIND = "kind"
    JOIN_FORM = "join_form"
    TARGET_GROUPS = "target_groups"
    GAINS = "gains"
    OBSTACLES = "obstacles"


PICKED_DETAILS = frozenset({DetailField.KIND, DetailField.JOIN_FORM})
DETAIL_FIELD_LABELS: dict[str, str] = {
    DetailField.KIND: N_("kind"),
    DetailField.JOIN_FORM: N_("how it joined"),
    DetailField.TARGET_GROUPS: N_("target groups it reaches"),
    DetailField.GAINS: N_("what it gains"),
    DetailField.OBSTACLES: N_("what may hold it back"),
}


# --------------------------------------------------------------------------- steps


def _partner_name(text: str, data: Data) -> str:
    """A new partner's name: well-formed and not a duplicate of an existing one."""
    try:
        name = clean_partner_name(text)
    except RegistryError:
        raise FlowInputError(N_("A name needs 2 to 120 characters. Type the organisation's name.")) from None
    existing = {fold(n): n for _pid, n, _status in data.get(Key.PARTNERS, [])}
    if fold(name) in existing:
        raise FlowInputError(
            N_(
                "“{existing}” is already in the registry. Type /partner {existing} to see it, "
                "or type another name."
            ),
            existing=existing[fold(name)],
        )
    return name


def seats(text: str, data: Data) -> int:
    """A seat count; for a session in a lab, at most the lab's seats."""
    try:
        value = parse_seats(text)
    except RegistryError:
        raise FlowInputError(
            N_("Type the number of seats as a whole number from 1 to 500, e.g. 12.")
        ) from None
    room = data.get(Key.PLACE_SEATS, {}).get(str(data.get("place")))
    if room and value > int(room):
        raise FlowInputError(
            N_("That room has only {seats} seats. Type a number from 1 to {seats}."), seats=room
        )
    return value


def _status_options(data: Data) -> list[Option]:
    """Every status but the partner's current one."""
    current = next((s for pid, _n, s in data.get(Key.PARTNERS, []) if str(pid) == data.get("partner")), None)
    return choices(STATUS_LABELS, exclude={current} if current else None)


def _detail_value_options(data: Data) -> list[Option]:
    """Pickers for the fields that have fixed values."""
    return choices(PARTNER_KIND_LABELS if data.get("field") == DetailField.KIND else JOIN_FORM_LABELS)


async def load_partners(session: AsyncSession, preparing: Preparing) -> Data:
    """What the registry's pickers need: partners, and people who could take over."""
    partnership = preparing.partnership
    partners = await registry.partners_of(session, partnership_id=preparing.partnership_id)
    people = await registry.successors(session, partnership_id=preparing.partnership_id)
    people.pop(partnership.coordinator_user_id, None)
    return {
        Key.PARTNERS: [[p.id, p.name, p.status] for p in partners],
        Key.PEOPLE: sorted(([uid, name] for uid, name in people.items()), key=lambda x: str(x[1]))[:20],
    }


async def partner_of(session: AsyncSession, saving: Saving, partner_id: int) -> Partner:
    """The partner a draft refers to, only if it belongs to this partnership."""
    partner = await registry.partner_by_id(
        session, partnership_id=saving.partnership_id, partner_id=partner_id
    )
    if partner is None:
        raise RegistryError("partner_unknown")
    return partner


# --------------------------------------------------------------------------- drafts and saves


class PartnerDraft(FlowDraft):
    """A new partner."""

    name: str
    kind: PartnerKind
    status: PartnerStatus


async def save_partner(session: AsyncSession, draft: PartnerDraft, saving: Saving) -> Applied:
    """Add the partner to the registry."""
    added = await registry.add_partner(
        session,
        partnership=saving.partnership,
        name=draft.name,
        kind=draft.kind,
        status=draft.status,
        by_user_id=saving.by,
    )
    return Applied(N_("Added “{name}” to the registry."), {"name": added.name})


class StatusDraft(FlowDraft):
    """A partner's new status, with the reason for a withdrawal."""

    partner: int
    status: PartnerStatus
    reason: str | None = None


async def save_status(session: AsyncSession, draft: StatusDraft, saving: Saving) -> Applied:
    """Move the partner to its new status."""
    partner = await partner_of(session, saving, draft.partner)
    await registry.change_status(
        session,
        partnership=saving.partnership,
        partner=partner,
        status=draft.status,
        by_user_id=saving.by,
        reason=draft.reason,
    )
    return Applied(
        N_("Saved: “{name}” is now {status}."), {"name": partner.name, "status": draft.status.value}
    )


class ResourceDraft(FlowDraft):
    """Something a partner contributes."""

    partner: int
    kind: ResourceKind
    description: str
    seats: int | None = None
    availability: str = ""


async def save_resource(session: AsyncSession, draft: ResourceDraft, saving: Saving) -> Applied:
    """Record the resource."""
    partner = await partner_of(session, saving, draft.partner)
    await registry.add_resource(
        session,
        partner=partner,
        kind=draft.kind,
        description=draft.description,
        seats=draft.seats,
        availability=draft.availability,
    )
    return Applied(N_("Saved the resource of “{name}”."), {"name": partner.name})


class DetailsDraft(FlowDraft):
    """One detail of a partner: a picked kind or form of joining, or typed text."""

    partner: int
    field: DetailField
    choice: str = ""
    text: str = ""


async def save_details(session: AsyncSession, draft: DetailsDraft, saving: Saving) -> Applied:
    """Record the detail."""
    partner = await partner_of(session, saving, draft.partner)
    match draft.field:
        case DetailField.KIND:
            await registry.update_details(session, partner=partner, kind=PartnerKind(draft.choice))
        case DetailField.JOIN_FORM:
            await registry.update_details(session, partner=partner, join_form=JoinForm(draft.choice))
        case DetailField.TARGET_GROUPS:
            await registry.update_details(session, partner=partner, target_groups=draft.text)
        case DetailField.GAINS:
            await registry.update_details(session, partner=partner, gains=draft.text)
        case DetailField.OBSTACLES:
            await registry.update_details(session, partner=partner, obstacles=draft.text)
    return Applied(N_("Saved the details of “{name}”."), {"name": partner.name})


class PartnerChoice(FlowDraft):
    """A flow that only picks a partner."""

    partner: int


async def save_leader(session: AsyncSession, draft: PartnerChoice, saving: Saving) -> Applied:
    """Make the partner the institutional leader."""
    partner = await partner_of(session, saving, draft.partner)
    await registry.set_leader(session, partnership=saving.partnership, partner=partner)
    return Applied(N_("“{name}” is now the institutional leader."), {"name": partner.name})


class StageDraft(FlowDraft):
    """The partnership's stage."""

    stage: Stage


async def save_stage(session: AsyncSession, draft: StageDraft, saving: Saving) -> Applied:
    """Set the stage."""
    await registry.set_stage(session, partnership=saving.partnership, stage=draft.stage)
    return Applied(N_("Saved the partnership's stage."))


class CommplanDraft(FlowDraft):
    """How partners keep in touch."""

    channels: list[str]
    frequency: str
    reporting: str


async def save_commplan(session: AsyncSession, draft: CommplanDraft, saving: Saving) -> Applied:
    """Record the communication plan."""
    await registry.set_communication_plan(
        session,
        partnership=saving.partnership,
        channels=draft.channels,
        frequency=draft.frequency,
        reporting=draft.reporting,
    )
    return Applied(N_("Saved the communication plan."))


# --------------------------------------------------------------------------- the flows

register(
    Flow(
        FlowName.PARTNER,
        N_("New partner"),
        [
            Step("name", N_("What is the organisation's name?"), parse=_partner_name),
            Step(
                "kind",
                N_("What kind of organisation is it?"),
                options=lambda d: choices(PARTNER_KIND_LABELS),
            ),
            Step(
                "status",
                N_("Where does it stand?"),
                options=lambda d: choices(STATUS_LABELS, exclude={PartnerStatus.WITHDRAWN.value}),
            ),
        ],
        PartnerDraft,
        save_partner,
        loaders=(load_partners,),
    ),
    Flow(
        FlowName.STATUS,
        N_("Partner status"),
        [
            Step("partner", N_("Which partner?"), options=partner_options),
            Step("status", N_("Move it to which status?"), options=_status_options),
            Step(
                "reason",
                N_("Why is it withdrawing? (a few words)"),
                parse=required_text,
                when=lambda d: d.get("status") == PartnerStatus.WITHDRAWN,
            ),
        ],
        StatusDraft,
        save_status,
        loaders=(load_partners,),
    ),
    Flow(
        FlowName.RESOURCE,
        N_("Declared resource"),
        [
            Step(
                "partner",
                N_("Which partner contributes it?"),
                options=lambda d: partner_options(d, statuses=NOT_WITHDRAWN),
            ),
            Step("kind", N_("What is it?"), options=lambda d: choices(RESOURCE_LABELS)),
            Step(
                "description",
                N_("Describe it in a few words (e.g. “room in the Rudniki village hall”)."),
                parse=required_text,
            ),
            Step(
                "seats",
                N_("How many seats (computers) does the lab have?"),
                parse=seats,
                when=lambda d: d.get("kind") == ResourceKind.COMPUTER_LAB,
            ),
            Step("availability", N_("When is it available? (type - to skip)"), parse=free_text),
        ],
        ResourceDraft,
        save_resource,
        loaders=(load_partners,),
    ),
    Flow(
        FlowName.DETAILS,
        N_("Partner details"),
        [
            Step("partner", N_("Which partner?"), options=partner_options),
            Step(
                "field",
                N_("What do you want to record?"),
                options=lambda d: choices(DETAIL_FIELD_LABELS),
            ),
            Step(
                "choice",
                N_("Choose:"),
                options=_detail_value_options,
                when=lambda d: d.get("field") in PICKED_DETAILS,
            ),
            Step(
                "text",
                N_("Type it (type - to clear):"),
                parse=free_text,
                when=lambda d: d.get("field") in set(DetailField) - PICKED_DETAILS,
            ),
        ],
        DetailsDraft,
        save_details,
        loaders=(load_partners,),
    ),
    Flow(
        FlowName.LEADER,
        N_("Institutional leader"),
        [
            Step(
                "partner",
                N_("Which partner leads the partnership?"),
                options=lambda d: partner_options(d, statuses=MEMBERS),
            ),
        ],
        PartnerChoice,
        save_leader,
        loaders=(load_partners,),
    ),
    Flow(
        FlowName.STAGE,
        N_("Partnership stage"),
        [Step("stage", N_("Which stage is the partnership in?"), options=lambda d: choices(STAGE_LABELS))],
        StageDraft,
        save_stage,
        loaders=(load_partners,),
    ),
    Flow(
        FlowName.COMMPLAN,
        N_("Communication plan"),
        [
            Step(
                "channels",
                N_("Which channels do partners use? Tap to select, then Done."),
                options=lambda d: choices(PLAN_CHANNEL_LABELS),
                multi=True,
            ),
            Step(
                "frequency",
                N_("How often do partners meet?"),
                options=lambda d: choices(FREQUENCY_LABELS),
            ),
            Step(
                "reporting",
                N_("Who reports what, and how often? (e.g. “schools report trained pupils monthly”)"),
                parse=required_text,
            ),
        ],
        CommplanDraft,
        save_commplan,
        loaders=(load_partners,),
    ),
)
