"""The stable words stored in the tables: kinds, statuses, stages (StrEnums, stored as their values)."""

from __future__ import annotations

from enum import StrEnum


class EntryKind(StrEnum):
    """What a communication-log entry records."""

    MESSAGE = "message"  # a message in the partnership's group chat
    CONTACT = "contact"  # a contact outside the chat, recorded by the coordinator
    EVENT = "event"  # something that happened to the partnership itself
    CHECKIN = "checkin"  # an answer to a check-in question


class Channel(StrEnum):
    """Channels of contact a coordinator can record."""

    PHONE = "phone"
    EMAIL = "email"
    MEETING = "meeting"
    IN_PERSON = "in_person"
    ONLINE_MEETING = "online_meeting"
    SMS = "sms"


class EventKind(StrEnum):
    """Things that happen to a partnership, recorded in its log."""

    REGISTERED = "registered"
    BOT_REMOVED = "bot_removed"
    BOT_RETURNED = "bot_returned"
    MIGRATED = "migrated"
    PARTNER_ADDED = "partner_added"
    PARTNER_STATUS = "partner_status"
    PERSON_JOINED = "person_joined"
    HANDOVER = "handover"


class PartnerKind(StrEnum):
    """Kinds of partner organisation found in municipal partnerships."""

    LIBRARY = "library"
    CULTURE_CENTRE = "culture_centre"
    SCHOOL = "school"
    SOCIAL_WELFARE = "social_welfare"
    MUNICIPAL_OFFICE = "municipal_office"
    JOB_CENTRE = "job_centre"
    SENIOR_CLUB = "senior_club"
    UNIVERSITY_THIRD_AGE = "u3a"
    RURAL_WOMENS_CIRCLE = "kgw"
    FIRE_BRIGADE = "osp"
    PARISH = "parish"
    NGO = "ngo"
    HEALTH_CENTRE = "health_centre"
    VILLAGE_COUNCIL = "village_council"
    OTHER = "other"


class PartnerStatus(StrEnum):
    """Where a partner organisation stands: candidate -> invited -> joined -> active -> withdrawn."""

    CANDIDATE = "candidate"
    INVITED = "invited"
    JOINED = "joined"
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class JoinForm(StrEnum):
    """How a partner formalised joining."""

    SIGNED_AGREEMENT = "agreement"
    DECLARATION = "declaration"
    ORAL = "oral"


class ResourceKind(StrEnum):
    """What a partner can contribute."""

    ROOM = "room"
    COMPUTER_LAB = "lab"
    EQUIPMENT = "equipment"
    TRAINER = "trainer"
    VOLUNTEERS = "volunteers"
    NOTICE_BOARD = "notice_board"
    WEBSITE = "website"
    FACEBOOK = "facebook"
    PARISH_ANNOUNCEMENTS = "parish_announcements"
    LOCAL_EVENTS = "local_events"


class Stage(StrEnum):
    """The partnership's stage of life."""

    FORMING = "forming"
    OPERATING = "operating"
    CLOSING = "closing"
    CLOSED = "closed"


class AppointedRole(StrEnum):
    """Roles given to people other than the coordinator and representatives."""

    SUPERVISOR = "supervisor"
    AMBASSADOR = "ambassador"


class JoinRequestStatus(StrEnum):
    """Where a request to represent a partner stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class TargetGroupKey(StrEnum):
    """Target groups every partnership starts with; coordinators can add their own."""

    SENIORS = "seniors"
    UNEMPLOYED = "unemployed"
    PARENTS = "parents"
    DISABLED = "disabled"
    FARMERS = "farmers"
    YOUTH = "youth"
    OTHER = "other"


class DeliveryStatus(StrEnum):
    """Where a due occurrence stands."""

    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    MISSED = "missed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class AnswerState(StrEnum):
    """Where an answer kept in `pending_answer` stands (a sent one is deleted)."""

    PENDING = "pending"  # recorded, not yet known to be sent: sent when its update comes again
    UNCERTAIN = "uncertain"  # the send timed out: it may have arrived, so it is not repeated
    FAILED = "failed"  # Telegram refused it or could not be reached: not repeated either


class DeliveryKind(StrEnum):
    """What a due occurrence does when it is sent."""

    CHECKIN = "checkin"  # open a check-in round in the group
    CHECKIN_REMINDER = "checkin_reminder"  # remind those who have not answered
    CHECKIN_CLOSE = "checkin_close"  # close the round, tell the coordinator
    TASK_ASSIGNED = "task_assigned"  # tell the partner about a new task
    TASK_REMINDER = "task_reminder"  # remind the partner the day before it is due
    MEETING_INVITE = "meeting_invite"  # invitation with RSVP buttons and an .ics file
    MEETING_REMINDER = "meeting_reminder"  # a week and a day before
    NUDGE_CHECK = "nudge_check"  # daily: is any target group behind? (re-queues itself)
    NUDGE = "nudge"  # ask the partners who reach a lagging group to push promotion
    DIGEST = "digest"  # weekly, to the coordinator: what happened, who is quiet, what is due
    WATCH = "watch"  # daily: look for silent partners, ending periods, an idle coordinator
    ALERT = "alert"  # one alert to one person (queued by the daily watch, sent once)
    MISSED_NOTE = "missed_note"  # to the coordinator: what was missed during downtime
    RECOMMEND_ASK = "recommend_ask"  # closing: ask each partner's representatives the three questions
    RECOMMEND_REMINDER = "recommend_reminder"  # remind the partners that have not answered
    RECOMMEND_CLOSE = "recommend_close"  # the round ends: the coordinator gets the summary
    PERIOD_CARD = "period_card"  # a plan period ended: the card to the coordinator, to confirm for the group
    VISIT_DUE = "visit_due"  # to a supervisor: a partnership is due a visit (programme)
    SUPERVISOR_DIGEST = "supervisor_digest"  # weekly, to a supervisor: partnerships turned amber or red
    COORDINATORS_DIGEST = "coordinators_digest"  # monthly, to a coordinator: new practices, who is ahead
    AMBASSADOR_NOTE = "ambassador_note"  # monthly, privately to an ambassador: results and a public sentence


class ProgrammeLinkKind(StrEnum):
    """What a programme's invitation link does for the one who opens it."""

    PARTNERSHIP = "partnership"  # the coordinator who opens it brings their partnership in
    SUPERVISOR = "supervisor"  # the opener becomes a supervisor (animator) of the programme


class VisitKind(StrEnum):
    """How a supervisor was in touch with a partnership."""

    VISIT = "visit"  # on site
    MODERATED_MEETING = "meeting"  # a partnership meeting the supervisor moderated
    PHONE = "phone"  # a phone consultation
