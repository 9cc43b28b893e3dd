"""The flow engine and the flows' typed drafts: every flow is known, stored drafts parse into their
typed drafts, and a draft that lacks an answer saves nothing."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from bot.db import Database, stored_id
from bot.flows import FLOWS, FlowName, Key, Mark, engine
from bot.flows.duties import MeetingDraft, ScheduleDraft, TaskDraft
from bot.flows.membership import HandoverDraft, InviteDraft
from bot.flows.plan import SessionDraft, TrainedDraft
from bot.flows.registry import DetailField, DetailsDraft, StatusDraft
from bot.models import Partner, PartnerStatus
from bot.services import partnerships, registry
from bot.services.people import PersonInfo
from bot.timing import Recurrence

# Drafts as the form stores them: ids as the buttons' text, the pickers' data and the bookkeeping.
BOOKKEEPING = {
    Key.MESSAGE: 812,
    Key.SHOWN: {"reason": "zamknięta"},
    Key.PARTNERS: [[3, "Biblioteka", "active"]],
    Key.PEOPLE: [[501, "Ewa Lis"], [502, "Jan Kos"]],
    Key.TODAY: "2027-03-10",
}


def stored(**answers: object) -> dict[str, object]:
    """A draft's data after a round trip through the drafts table."""
    loaded: dict[str, object] = json.loads(json.dumps({**BOOKKEEPING, **answers}))
    return loaded


def test_every_flow_name_has_one_registered_flow() -> None:
    assert set(FLOWS) == set(FlowName)
    assert all(flow.name == name for name, flow in FLOWS.items())


def test_markers_and_keys_keep_their_stored_text() -> None:
    assert (Mark.DONE, Mark.SAVE, Mark.CANCEL) == ("=done", "=save", "=cancel")
    assert json.dumps({Key.MESSAGE: 1, Key.PARTNERS: []}) == '{"_msg": 1, "_partners": []}'


def test_registry_drafts_parse_from_stored_answers() -> None:
    status = StatusDraft.model_validate(stored(partner="3", status="withdrawn", reason="zamknięta"))
    assert (status.partner, status.status, status.reason) == (3, PartnerStatus.WITHDRAWN, "zamknięta")
    details = DetailsDraft.model_validate(stored(partner="3", field="gains", text="sala"))
    assert (details.field, details.text, details.choice) == (DetailField.GAINS, "sala", "")
    handover = HandoverDraft.model_validate(stored(person="502"))
    assert handover.person == 502 and dict(handover.people)[502] == "Jan Kos"
    assert InviteDraft.model_validate(stored(target="=supervisor")).target == "=supervisor"


def test_plan_and_duty_drafts_parse_dates_and_counts() -> None:
    session = SessionDraft.model_validate(
        stored(when="2027-03-12T17:30:00+01:00", topic="bank", group="2", place="=none", seats=12)
    )
    assert session.when == datetime(2027, 3, 12, 16, 30, tzinfo=UTC)
    assert session.when.date() == date(2027, 3, 12) and session.trainer == ""
    trained = TrainedDraft.model_validate(
        stored(session="5", registered=10, trained={"1": 8}, disabled=0, sources={"3": 5, "=other": 1})
    )
    assert trained.trained == {"1": 8} and trained.sources == {"3": 5, "=other": 1}
    task = TaskDraft.model_validate(stored(partner="3", text="plakaty", due="2027-03-20"))
    assert task.due == date(2027, 3, 20)
    meeting = MeetingDraft.model_validate(stored(when="2027-04-01T10:00:00+02:00", place="GOK", agenda="x"))
    assert meeting.when.utcoffset() is not None
    schedule = ScheduleDraft.model_validate(stored(recurrence="cron", cron="0 9 * * 1", question="Jak?"))
    assert (schedule.recurrence, schedule.time, schedule.weekday) == (Recurrence.CRON, "09:00", 0)


async def test_a_draft_without_an_answer_saves_nothing(database: Database) -> None:
    async with database.transaction() as session:
        registered = await partnerships.register(
            session,
            chat_id=-100_777,
            name="Partnerstwo Czarne",
            coordinator_user_id=7,
            coordinator_name="Anna Nowak",
            timezone="Europe/Warsaw",
        )
    person = PersonInfo(user_id=7, first_name="Anna")
    with pytest.raises(registry.RegistryError) as refused:
        async with database.transaction() as session:
            await engine.apply(
                session,
                flow=FLOWS[FlowName.PARTNER],
                data=stored(name="Biblioteka", kind="library"),
                partnership=registered.partnership,
                person=person,
            )
    assert refused.value.reason == "flow_unknown"
    async with database.transaction() as session:
        applied = await engine.apply(
            session,
            flow=FLOWS[FlowName.PARTNER],
            data=stored(name="Biblioteka", kind="library", status="candidate"),
            partnership=registered.partnership,
            person=person,
        )
    async with database.transaction() as session:  # read back: the status comes as its enum member
        partner = (await registry.partners_of(session, partnership_id=stored_id(registered.partnership)))[0]
    assert applied.values == {"name": "Biblioteka"}
    assert isinstance(partner, Partner) and partner.status is PartnerStatus.CANDIDATE
