"""Guided flows: the engine (`bot.flows.engine`) and each domain's flows, declared in its own module.

To add a flow: declare its steps, its typed draft and its save in the module of its domain
(`registry`, `membership`, `plan`, `duties`) and pass the `Flow` to `register`; a handler starts it
with `handlers.forms.start_flow` (or a command made by `handlers.forms.flow_command`).
"""

from __future__ import annotations

from bot.flows import duties, engine, membership, plan, registry
from bot.flows.engine import (
    CANCEL,
    DONE,
    FLOWS,
    SAVE,
    Applied,
    Data,
    Flow,
    FlowInputError,
    FlowName,
    Hints,
    Key,
    Mark,
    Option,
    Step,
    choose,
    current_step,
    options_for,
    public_answers,
    shown_value,
    type_in,
)
from bot.flows.membership import ROLE_TARGET_LABELS, RoleTarget
from bot.flows.registry import DETAIL_FIELD_LABELS
from bot.labels import (
    FREQUENCY_LABELS,
    JOIN_FORM_LABELS,
    PARTNER_KIND_LABELS,
    PLAN_CHANNEL_LABELS,
    RECURRENCE_LABELS,
    RESOURCE_LABELS,
    STAGE_LABELS,
    STATUS_LABELS,
    TARGET_GROUP_LABELS,
    WEEKDAY_LABELS,
)

__all__ = [
    "CANCEL",
    "DETAIL_FIELD_LABELS",
    "DONE",
    "FLOWS",
    "FREQUENCY_LABELS",
    "JOIN_FORM_LABELS",
    "PARTNER_KIND_LABELS",
    "PLAN_CHANNEL_LABELS",
    "RECURRENCE_LABELS",
    "RESOURCE_LABELS",
    "ROLE_TARGET_LABELS",
    "SAVE",
    "STAGE_LABELS",
    "STATUS_LABELS",
    "TARGET_GROUP_LABELS",
    "WEEKDAY_LABELS",
    "Applied",
    "Data",
    "Flow",
    "FlowInputError",
    "FlowName",
    "Hints",
    "Key",
    "Mark",
    "Option",
    "RoleTarget",
    "Step",
    "choose",
    "current_step",
    "duties",
    "engine",
    "membership",
    "options_for",
    "plan",
    "public_answers",
    "registry",
    "shown_value",
    "type_in",
]
