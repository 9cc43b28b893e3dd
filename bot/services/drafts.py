"""Drafts of guided flows (one per person and chat), and what confirming each flow saves."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.dates import example_date
from bot.db import utcnow
from bot.flows import FLOWS, Data
from bot.i18n import N_
from bot.models import (
    AppointedRole,
    Draft,
    JoinForm,
    Partner,
    PartnerKind,
    Partnership,
    PartnerStatus,
    ResourceKind,
    Stage,
    TargetGroup,
    TrainingSession,
)
from bot.services import duties, nudges, plan, registry, scheduling
from bot.services.people import PersonInfo
from bot.text import parse_id
from bot.timing import Recurrence, RecurrenceSpec, SendingRules, next_fire


@dataclass
class Applied:
    """What a confirmed flow saved, as a message for the user (msgid and its values)."""

    message: str
    values: dict[str, Any] = field(default_factory=dict)
    invitation_token: str | None = None
    join_request_id: int | None = None
    new_coordinator: PersonInfo | None = None
    first_run_at: datetime | None = None
    asked_run_at: datetime | None = None  # the time asked for, when quiet hours moved the first run
    task_id: int | None = None
    meeting_id: int | None = None


async def get(session: AsyncSession, *, user_id: int, chat_id: int) -> tuple[Draft, Data] | None:
    """The person's flow in progress in this chat, with its answers."""
    draft = await session.get(Draft, (user_id, chat_id))
    if draft is None:
        return None
    return draft, json.loads(draft.data)


async def start(
    session: AsyncSession, *, user_id: int, chat_id: int, partnership_id: int, flow: str, data: Data
) -> Draft:
    """Begin a flow, replacing any unfinished one in this chat."""
    await drop(session, user_id=user_id, chat_id=chat_id)
    draft = Draft(
        user_id=user_id,
        chat_id=chat_id,
        partnership_id=partnership_id,
        flow=flow,
        step="",
        data=json.dumps(data),
        updated_at=utcnow(),
    )
    session.add(draft)
    await session.flush()
    return draft


async def store(session: AsyncSession, *, draft: Draft, data: Data) -> None:
    """Keep the answers given so far (the draft may come from an earlier session)."""
    current = await session.get(Draft, (draft.user_id, draft.chat_id))
    if current is None:
        return  # cancelled meanwhile
    current.data = json.dumps(data)
    current.updated_at = utcnow()
    await session.flush()


async def drop(session: AsyncSession, *, user_id: int, chat_id: int) -> bool:
    """Forget a flow in progress; True if there was one."""
    existing = await session.get(Draft, (user_id, chat_id))
    if existing is None:
        return False
    await session.delete(existing)
    await session.flush()
    return True


async def context_for(session: AsyncSession, *, partnership: Partnership) -> Data:
    """What the flows' pickers need: partners, and people who could take over."""
    assert partnership.id is not None
    partners = await registry.partners_of(session, partnership_id=partnership.id)
    people = await registry.successors(session, partnership_id=partnership.id)
    people.pop(partnership.coordinator_user_id, None)
    return {
        "_partners": [[p.id, p.name, p.status] for p in partners],
        "_people": sorted(([uid, name] for uid, name in people.items()), key=lambda x: str(x[1]))[:20],
    }


async def plan_context(
    session: AsyncSession,
    *,
    partnership: Partnership,
    now: datetime,
    group_label: Callable[[TargetGroup], str],
) -> Data:
    """What the plan flows' pickers and parsers need; labels come translated from the caller."""
    assert partnership.id is not None
    zone = ZoneInfo(partnership.timezone)
    groups = await plan.target_groups(session, partnership_id=partnership.id)
    periods = await plan.periods(session, partnership_id=partnership.id)
    places = await registry.resources_of(session, partnership_id=partnership.id)
    sessions = await plan.sessions_of(session, partnership_id=partnership.id)
    partners = await registry.partners_of(session, partnership_id=partnership.id)
    past = [s for s in sessions if s.starts_at <= now][-12:]
    names = {g.id: group_label(g) for g in groups}
    today = now.astimezone(zone).date()
    return {
        "_today": today.isoformat(),
        "_date_example": example_date(today + timedelta(days=7)),
        "_period_spans": [[p.name, p.starts_on.isoformat(), p.ends_on.isoformat()] for p in periods],
        "_place_seats": {str(r.id): r.seats for r, _p in places if r.seats},
        "_session_seats": {str(s.id): s.seats for s in past},
        "_zone": partnership.timezone,
        "_periods": [[p.id, p.name] for p in periods],
        "_group_names": [[g.id, names[g.id]] for g in groups],
        "_places": [
            [r.id, f"{r.description} ({p.name})"[:60]]
            for r, p in places
            if r.kind in (ResourceKind.ROOM.value, ResourceKind.COMPUTER_LAB.value)
        ],
        "_sessions": [[s.id, f"{s.starts_at.astimezone(zone):%d.%m %H:%M} {s.topic}"[:60]] for s in past],
        "_session_groups": {str(s.id): s.target_group_id for s in past},
        "_partners_named": [[p.id, p.name] for p in partners],
        "_example": ", ".join(f"{n} 8" for n in list(names.values())[:2]),
        "_sources_example": ", ".join(f"{p.name} 5" for p in partners[:2]) or "…",
    }


async def apply(
    session: AsyncSession, *, flow: str, data: Data, partnership: Partnership, person: PersonInfo
) -> Applied:
    """Save what a confirmed flow collected, in the caller's transaction."""
    assert FLOWS[flow]
    attached = await session.get(Partnership, partnership.id)
    if attached is None:
        raise registry.RegistryError("flow_unknown")
    partnership = attached
    by = person.user_id
    if flow in ("period", "target", "session", "trained"):
        return await _apply_plan(session, flow=flow, data=data, partnership=partnership, by=by)
    if flow in ("task", "meeting"):
        return await _apply_duty(session, flow=flow, data=data, partnership=partnership, by=by)
    if flow == "schedule":
        hour, minute = (int(x) for x in str(data.get("time", "09:00")).split(":"))
        spec = RecurrenceSpec(
            Recurrence(data["recurrence"]),
            at=time(hour, minute),
            weekday=int(data.get("weekday", 0)),
            day=int(data.get("day", 1)),
            cron=str(data.get("cron", "")),
        )
        now = utcnow()
        schedule = await scheduling.add_schedule(
            session,
            partnership=partnership,
            spec=spec,
            question=data["question"],
            by_user_id=by,
            now=now,
            rules=SendingRules(),
        )
        asked = next_fire(spec, after=now, zone=ZoneInfo(partnership.timezone))
        return Applied(
            N_("Check-in scheduled. The first one: {when}."),
            {"when": schedule.next_run_at.isoformat()},
            first_run_at=schedule.next_run_at,
            asked_run_at=asked if asked != schedule.next_run_at else None,
        )
    partner = await _partner(session, partnership, data.get("partner"))
    if flow == "partner":
        added = await registry.add_partner(
            session,
            partnership=partnership,
            name=data["name"],
            kind=PartnerKind(data["kind"]),
            status=PartnerStatus(data["status"]),
            by_user_id=by,
        )
        return Applied(N_("Added “{name}” to the registry."), {"name": added.name})
    if flow == "status":
        assert partner is not None
        await registry.change_status(
            session,
            partnership=partnership,
            partner=partner,
            status=PartnerStatus(data["status"]),
            by_user_id=by,
            reason=data.get("reason"),
        )
        return Applied(
            N_("Saved: “{name}” is now {status}."), {"name": partner.name, "status": data["status"]}
        )
    if flow == "resource":
        assert partner is not None
        await registry.add_resource(
            session,
            partner=partner,
            kind=ResourceKind(data["kind"]),
            description=data["description"],
            seats=data.get("seats"),
            availability=data.get("availability", ""),
        )
        return Applied(N_("Saved the resource of “{name}”."), {"name": partner.name})
    if flow == "details":
        assert partner is not None
        field_name = data["field"]
        changes: dict[str, Any] = {}
        if field_name == "kind":
            changes["kind"] = PartnerKind(data["choice"])
        elif field_name == "join_form":
            changes["join_form"] = JoinForm(data["choice"])
        else:
            changes[field_name] = data["text"]
        await registry.update_details(session, partner=partner, **changes)
        return Applied(N_("Saved the details of “{name}”."), {"name": partner.name})
    if flow == "leader":
        assert partner is not None
        await registry.set_leader(session, partnership=partnership, partner=partner)
        return Applied(N_("“{name}” is now the institutional leader."), {"name": partner.name})
    if flow == "stage":
        await registry.set_stage(session, partnership=partnership, stage=Stage(data["stage"]))
        return Applied(N_("Saved the partnership's stage."))
    if flow == "commplan":
        await registry.set_communication_plan(
            session,
            partnership=partnership,
            channels=data["channels"],
            frequency=data["frequency"],
            reporting=data["reporting"],
        )
        return Applied(N_("Saved the communication plan."))
    if flow == "invite":
        target = str(data["target"])
        invited = await _partner(session, partnership, target) if not target.startswith("=") else None
        role = target.removeprefix("=") if invited is None else "representative"
        if invited is None and role not in (AppointedRole.SUPERVISOR, AppointedRole.AMBASSADOR):
            raise registry.RegistryError("partner_unknown")
        invitation = await registry.create_invitation(
            session, partnership=partnership, by_user_id=by, partner=invited, role=role
        )
        return Applied(
            N_("Invitation created. Send this link to the person; it works once and expires in {days} days:"),
            {"days": registry.INVITATION_DAYS},
            invitation_token=invitation.token,
        )
    if flow == "join":
        assert partner is not None
        request = await registry.request_join(session, partner=partner, person=person)
        return Applied(
            N_("Your request to represent “{name}” is waiting for the coordinator."),
            {"name": partner.name},
            join_request_id=request.id,
        )
    if flow == "handover":
        names = {str(uid): name for uid, name in data.get("_people", [])}
        chosen = str(data["person"])
        to = PersonInfo(user_id=int(chosen), first_name=names.get(chosen, "?"))
        await registry.hand_over(session, partnership=partnership, to=to, by_user_id=by)
        return Applied(
            N_("{name} is now the coordinator. I sent them a hand-over brief privately."),
            {"name": to.display_name},
            new_coordinator=to,
        )
    raise registry.RegistryError("flow_unknown")


async def _apply_duty(
    session: AsyncSession, *, flow: str, data: Data, partnership: Partnership, by: int
) -> Applied:
    """Save a task or a meeting; their announcements and reminders are queued as deliveries."""
    now = utcnow()
    if flow == "task":
        partner = await _partner(session, partnership, data.get("partner"))
        if partner is None:
            raise registry.RegistryError("partner_unknown")
        task = await duties.add_task(
            session,
            partnership=partnership,
            partner=partner,
            text=data["text"],
            due_on=date.fromisoformat(data["due"]),
            by_user_id=by,
            now=now,
            rules=SendingRules(),
        )
        return Applied(
            N_("Task saved for “{name}”; I will tell them and remind them before it is due."),
            {"name": partner.name},
            task_id=task.id,
        )
    meeting = await duties.add_meeting(
        session,
        partnership=partnership,
        starts_at=datetime.fromisoformat(data["when"]),
        place=data["place"],
        agenda=data["agenda"],
        by_user_id=by,
        now=now,
        rules=SendingRules(),
    )
    return Applied(
        N_("Meeting saved; the invitation goes to the group now, reminders a week and a day before."),
        meeting_id=meeting.id,
    )


async def _apply_plan(
    session: AsyncSession, *, flow: str, data: Data, partnership: Partnership, by: int
) -> Applied:
    """Save what a plan flow collected."""
    assert partnership.id is not None
    if flow == "period":
        added = await plan.add_period(
            session,
            partnership_id=partnership.id,
            name=data["name"],
            starts_on=date.fromisoformat(data["start"]),
            ends_on=date.fromisoformat(data["end"]),
        )
        return Applied(
            N_("Added the plan period “{name}”. Now set its targets with /target."), {"name": added.name}
        )
    groups = {str(g.id): g for g in await plan.target_groups(session, partnership_id=partnership.id)}
    if flow == "target":
        periods = {str(p.id): p for p in await plan.periods(session, partnership_id=partnership.id)}
        period, group = periods.get(str(data["period"])), groups.get(str(data["group"]))
        if period is None or group is None:
            raise registry.RegistryError("flow_unknown")
        await plan.set_target(
            session,
            period=period,
            group=group,
            count=int(data["count"]),
            by_user_id=by,
            reason=data.get("reason", ""),
        )
        # With targets set, a daily check starts watching for lagging groups (it re-queues itself).
        await nudges.queue_next_check(session, partnership=partnership, after=utcnow(), rules=SendingRules())
        return Applied(
            N_("Saved the target for “{period}”: {count}."), {"period": period.name, "count": data["count"]}
        )
    if flow == "session":
        group = groups.get(str(data["group"]))
        if group is None:
            raise registry.RegistryError("flow_unknown")
        resource = None
        if str(data["place"]) != "=none":
            places = {
                str(r.id): r for r, _p in await registry.resources_of(session, partnership_id=partnership.id)
            }
            resource = places.get(str(data["place"]))
            if resource is None:
                raise registry.RegistryError("partner_unknown")
        starts = datetime.fromisoformat(data["when"])
        await plan.add_session(
            session,
            partnership_id=partnership.id,
            starts_at=starts,
            topic=data["topic"],
            group=group,
            seats=int(data["seats"]),
            resource=resource,
            trainer=data.get("trainer", ""),
            local_day=starts.date(),
        )
        return Applied(N_("Added the session “{topic}”."), {"topic": data["topic"]})
    training = await session.get(TrainingSession, int(data["session"]))
    if training is None or training.partnership_id != partnership.id:
        raise registry.RegistryError("flow_unknown")
    sources: dict[int | None, int] = {}
    for key, count in data.get("sources", {}).items():
        partner_key = None if key == "=other" else int(key)
        sources[partner_key] = sources.get(partner_key, 0) + int(count)
    outcome = plan.Outcome(
        registered=int(data["registered"]),
        trained={int(k): int(v) for k, v in data["trained"].items() if str(k) in groups},
        with_disability=int(data["disabled"]),
        sources=sources,
    )
    await plan.record_outcome(session, training=training, outcome=outcome)
    return Applied(N_("Recorded the outcome of “{topic}”."), {"topic": training.topic})


async def _partner(session: AsyncSession, partnership: Partnership, value: object) -> Partner | None:
    """The partner a draft refers to, only if it belongs to this partnership."""
    partner_id = parse_id(str(value)) if value is not None else None
    if partner_id is None:
        return None
    assert partnership.id is not None
    partner = await registry.partner_by_id(session, partnership_id=partnership.id, partner_id=partner_id)
    if partner is None:
        raise registry.RegistryError("partner_unknown")
    return partner
