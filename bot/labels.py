"""Names shown for stored values (kinds, statuses, stages, channels...), as msgids to translate.

Kept apart from the flows so services that show these names need not import the flows.
"""

from __future__ import annotations

from bot.i18n import N_
from bot.models import JoinForm, PartnerKind, PartnerStatus, ResourceKind, Stage, TargetGroupKey
from bot.timing import Recurrence

PARTNER_KIND_LABELS: dict[str, str] = {
    PartnerKind.LIBRARY: N_("library"),
    PartnerKind.CULTURE_CENTRE: N_("culture centre"),
    PartnerKind.SCHOOL: N_("school"),
    PartnerKind.SOCIAL_WELFARE: N_("social welfare centre"),
    PartnerKind.MUNICIPAL_OFFICE: N_("municipal office"),
    PartnerKind.JOB_CENTRE: N_("job centre"),
    PartnerKind.SENIOR_CLUB: N_("senior club"),
    PartnerKind.UNIVERSITY_THIRD_AGE: N_("university of the third age"),
    PartnerKind.RURAL_WOMENS_CIRCLE: N_("rural women's circle"),
    PartnerKind.FIRE_BRIGADE: N_("volunteer fire brigade"),
    PartnerKind.PARISH: N_("parish"),
    PartnerKind.NGO: N_("NGO"),
    PartnerKind.HEALTH_CENTRE: N_("health centre"),
    PartnerKind.VILLAGE_COUNCIL: N_("village council"),
    PartnerKind.OTHER: N_("other"),
}
STATUS_LABELS: dict[str, str] = {
    PartnerStatus.CANDIDATE: N_("candidate"),
    PartnerStatus.INVITED: N_("invited"),
    PartnerStatus.JOINED: N_("joined"),
    PartnerStatus.ACTIVE: N_("active"),
    PartnerStatus.WITHDRAWN: N_("withdrawn"),
}
JOIN_FORM_LABELS: dict[str, str] = {
    JoinForm.SIGNED_AGREEMENT: N_("signed agreement"),
    JoinForm.DECLARATION: N_("declaration of cooperation"),
    JoinForm.ORAL: N_("oral agreement"),
}
RESOURCE_LABELS: dict[str, str] = {
    ResourceKind.ROOM: N_("room"),
    ResourceKind.COMPUTER_LAB: N_("computer lab"),
    ResourceKind.EQUIPMENT: N_("equipment"),
    ResourceKind.TRAINER: N_("trainer"),
    ResourceKind.VOLUNTEERS: N_("volunteers"),
    ResourceKind.NOTICE_BOARD: N_("notice board"),
    ResourceKind.WEBSITE: N_("website"),
    ResourceKind.FACEBOOK: N_("Facebook page"),
    ResourceKind.PARISH_ANNOUNCEMENTS: N_("parish announcements"),
    ResourceKind.LOCAL_EVENTS: N_("local events"),
}
STAGE_LABELS: dict[str, str] = {
    Stage.FORMING: N_("forming"),
    Stage.OPERATING: N_("operating"),
    Stage.CLOSING: N_("closing"),
    Stage.CLOSED: N_("closed"),
}
PLAN_CHANNEL_LABELS: dict[str, str] = {
    "chat": N_("this group chat"),
    "email": N_("e-mail"),
    "phone": N_("phone"),
    "meetings": N_("meetings"),
    "online": N_("online meetings"),
    "sms": N_("SMS"),
}
FREQUENCY_LABELS: dict[str, str] = {
    "monthly": N_("monthly"),
    "quarterly": N_("every three months"),
    "half_yearly": N_("twice a year"),
    "yearly": N_("once a year"),
}
TARGET_GROUP_LABELS: dict[str, str] = {
    TargetGroupKey.SENIORS: N_("seniors"),
    TargetGroupKey.UNEMPLOYED: N_("unemployed"),
    TargetGroupKey.PARENTS: N_("parents using the school e-register"),
    TargetGroupKey.DISABLED: N_("people with disabilities"),
    TargetGroupKey.FARMERS: N_("farmers"),
    TargetGroupKey.YOUTH: N_("young people"),
    TargetGroupKey.OTHER: N_("other residents"),
}
RECURRENCE_LABELS: dict[str, str] = {
    Recurrence.WEEKLY: N_("every week"),
    Recurrence.BIWEEKLY: N_("every two weeks"),
    Recurrence.MONTHLY: N_("every month"),
    Recurrence.CRON: N_("a cron expression"),
}
WEEKDAY_LABELS: dict[str, str] = {
    "0": N_("Monday"),
    "1": N_("Tuesday"),
    "2": N_("Wednesday"),
    "3": N_("Thursday"),
    "4": N_("Friday"),
    "5": N_("Saturday"),
    "6": N_("Sunday"),
}
