"""Database tables, one module per area; everything is importable from `bot.models`."""

from __future__ import annotations

from bot.models.base import (
    EnumText,
)
from bot.models.core import (
    HandledUpdate,
    LogEntry,
    LogEntryRevision,
    Partnership,
    PartnershipBase,
    Person,
)
from bot.models.credit import (
    RecommendationAnswer,
    RecommendationRound,
)
from bot.models.duties import (
    CheckinAnswer,
    CheckinRound,
    Delivery,
    Meeting,
    MeetingReply,
    ReminderPause,
    Schedule,
    Task,
)
from bot.models.enums import (
    AppointedRole,
    Channel,
    DeliveryKind,
    DeliveryStatus,
    EntryKind,
    EventKind,
    JoinForm,
    JoinRequestStatus,
    PartnerKind,
    PartnerStatus,
    ResourceKind,
    Stage,
    TargetGroupKey,
)
from bot.models.instances import (
    InboundUpdate,
    LaneClaim,
    SendSlot,
)
from bot.models.plan import (
    PlanPeriod,
    RecruitmentSource,
    Target,
    TargetGroup,
    TargetRevision,
    TrainedCount,
    TrainingSession,
)
from bot.models.registry import (
    PROMOTION_CHANNELS,
    Appointment,
    Draft,
    Invitation,
    JoinRequest,
    Partner,
    PartnerStatusChange,
    Representative,
    Resource,
)
from bot.models.rights import (
    ErasureRequest,
    RetentionRun,
)

__all__ = [
    "PROMOTION_CHANNELS",
    "AppointedRole",
    "Appointment",
    "Channel",
    "CheckinAnswer",
    "CheckinRound",
    "Delivery",
    "DeliveryKind",
    "DeliveryStatus",
    "Draft",
    "EntryKind",
    "EnumText",
    "ErasureRequest",
    "EventKind",
    "HandledUpdate",
    "InboundUpdate",
    "Invitation",
    "JoinForm",
    "JoinRequest",
    "JoinRequestStatus",
    "LaneClaim",
    "LogEntry",
    "LogEntryRevision",
    "Meeting",
    "MeetingReply",
    "Partner",
    "PartnerKind",
    "PartnerStatus",
    "PartnerStatusChange",
    "Partnership",
    "PartnershipBase",
    "Person",
    "PlanPeriod",
    "RecommendationAnswer",
    "RecommendationRound",
    "RecruitmentSource",
    "ReminderPause",
    "Representative",
    "Resource",
    "ResourceKind",
    "RetentionRun",
    "Schedule",
    "SendSlot",
    "Stage",
    "Target",
    "TargetGroup",
    "TargetGroupKey",
    "TargetRevision",
    "Task",
    "TrainedCount",
    "TrainingSession",
]
