"""End to end: the partnership's registry through guided flows, deep links and buttons."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.db import Database, utcnow
from bot.models import (
    AppointedRole,
    LogEntry,
    Partner,
    PartnerKind,
    Partnership,
    PartnerStatus,
    PartnerStatusChange,
    Representative,
    Resource,
)
from bot.services import registry
from bot.services.people import PersonInfo
from tests.e2e_fixtures import GROUP_ID, register_group
from tests.fakebot import updates as tg
from tests.harness import BotUnderTest

COORD = tg.user(3001, "Claire", last_name="Coordinator", language_code="en")
REP = tg.user(3002, "Rob", last_name="Rep", language_code="en")
OTHER = tg.user(3003, "Olga", language_code="en")
PL_COORD = tg.user(3004, "Anna", last_name="Nowak", language_code="pl")


async def press(bot: BotUnderTest, who: dict[str, Any], chat_id: int, data: str) -> None:
    """Press a button on the bot's latest message in a chat."""
    await bot.deliver(tg.callback_query(who, bot.fake.last_message(chat_id), data))


async def say(
    bot: BotUnderTest, who: dict[str, Any], chat: dict[str, Any], text: str, *, reply: bool = False
) -> None:
    """Type a message (in a group, optionally as a reply to the bot's latest message)."""
    reply_to = bot.fake.last_message(chat["id"]) if reply else None
    await bot.deliver(tg.message(chat, who, text, reply_to=reply_to))


def last_text(bot: BotUnderTest, chat_id: int) -> str:
    """The latest text the bot sent or edited in a chat."""
    return bot.fake.sent_texts(chat_id)[-1]


def buttons(bot: BotUnderTest, chat_id: int) -> dict[str, str]:
    """Label -> callback data of the bot's latest message in a chat."""
    markup = bot.fake.last_message(chat_id).get("reply_markup", {})
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


async def _partnership(database: Database) -> Partnership:
    async with database.transaction() as session:
        found = (await session.exec(select(Partnership))).first()
    assert found is not None
    return found


async def _add(database: Database, name: str, status: PartnerStatus = PartnerStatus.JOINED) -> Partner:
    partnership = await _partnership(database)
    async with database.transaction() as session:
        return await registry.add_partner(
            session, partnership=partnership, name=name, kind=PartnerKind.LIBRARY, status=status, by_user_id=1
        )


async def _represent(database: Database, partner: Partner, who: dict[str, Any]) -> None:
    async with database.transaction() as session:
        fresh = await session.get(Partner, partner.id)
        assert fresh is not None
        await registry.add_representative(
            session, partner=fresh, person=PersonInfo(who["id"], who["first_name"])
        )


async def _partners(database: Database) -> list[Partner]:
    async with database.transaction() as session:
        return list(await session.exec(select(Partner).order_by(Partner.id)))  # type: ignore[arg-type]


async def test_add_partner_with_pickers_and_confirmation(
    running_bot: BotUnderTest, database: Database
) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    await say(running_bot, COORD, chat, "/addpartner Biblioteka Publiczna w Czarnem")
    assert "What kind of organisation is it?" in last_text(running_bot, GROUP_ID)
    assert "Biblioteka Publiczna w Czarnem" in last_text(running_bot, GROUP_ID)
    await press(running_bot, COORD, GROUP_ID, buttons(running_bot, GROUP_ID)["library"])
    assert "Where does it stand?" in last_text(running_bot, GROUP_ID)
    assert "withdrawn" not in buttons(running_bot, GROUP_ID)
    await press(running_bot, COORD, GROUP_ID, buttons(running_bot, GROUP_ID)["joined"])
    summary = last_text(running_bot, GROUP_ID)
    assert "Save this?" in summary and "<i>library</i>" in summary and "<i>joined</i>" in summary
    assert await _partners(database) == []  # nothing is saved before confirming
    await press(running_bot, COORD, GROUP_ID, buttons(running_bot, GROUP_ID)["✔ Save"])
    assert last_text(running_bot, GROUP_ID) == "Added “Biblioteka Publiczna w Czarnem” to the registry."
    (partner,) = await _partners(database)
    assert (partner.kind, partner.status) == ("library", "joined")
    async with database.transaction() as session:
        history = list(await session.exec(select(PartnerStatusChange)))
    assert [h.status for h in history] == ["joined"]


async def test_cancelled_or_abandoned_flow_saves_nothing(
    running_bot: BotUnderTest, database: Database
) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    await say(running_bot, COORD, chat, "/addpartner Parafia")
    await press(running_bot, COORD, GROUP_ID, buttons(running_bot, GROUP_ID)["parish"])
    await press(running_bot, COORD, GROUP_ID, buttons(running_bot, GROUP_ID)["✖ Cancel"])
    assert last_text(running_bot, GROUP_ID) == "Cancelled. Nothing was saved."
    await say(running_bot, COORD, chat, "/addpartner OSP Czarne")  # abandoned halfway
    stale_kind = buttons(running_bot, GROUP_ID)["parish"]
    await say(running_bot, COORD, chat, "/stage")  # starting another flow replaces it
    await press(running_bot, COORD, GROUP_ID, buttons(running_bot, GROUP_ID)["operating"])
    await press(running_bot, COORD, GROUP_ID, buttons(running_bot, GROUP_ID)["✔ Save"])
    assert await _partners(database) == []
    assert (await _partnership(database)).stage == "operating"
    # A stale button from the abandoned flow is refused, not applied.
    running_bot.fake.clear_calls()
    await press(running_bot, COORD, GROUP_ID, stale_kind)
    toast = running_bot.fake.calls("answerCallbackQuery")[-1].params.get("text", "")
    assert toast == "This form has ended. Start again with the command."
    assert await _partners(database) == [] and running_bot.fake.calls("sendMessage") == []
    await say(running_bot, COORD, chat, "/cancel")
    assert last_text(running_bot, GROUP_ID) == "There is nothing to cancel."


async def test_duplicates_refused_whatever_the_case_or_diacritics(
    running_bot: BotUnderTest, database: Database
) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    await _add(database, "Ośrodek Pomocy Społecznej")
    await say(running_bot, COORD, chat, "/addpartner osrodek pomocy spolecznej")
    answer = running_bot.fake.sent_texts(GROUP_ID)[-1]
    assert "“Ośrodek Pomocy Społecznej” is already in the registry" in answer
    assert "/partner Ośrodek Pomocy Społecznej" in answer
    assert len(await _partners(database)) == 1


async def test_resource_flow_with_typed_answers_and_bad_input(
    running_bot: BotUnderTest, database: Database
) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    await _add(database, "Szkoła Podstawowa w Rudnikach")
    await say(running_bot, COORD, chat, "/resource szkola podstawowa")
    await press(running_bot, COORD, GROUP_ID, buttons(running_bot, GROUP_ID)["computer lab"])
    prompt = running_bot.fake.calls("sendMessage")[-1]
    assert "Describe it in a few words" in prompt.params["text"]
    # A short prompt for the person filling the form only (selective, with them mentioned).
    assert prompt.params["reply_markup"] == {"force_reply": True, "selective": True}
    assert 'tg://user?id=3001' in prompt.params["text"]
    # In a group, only a reply to the bot's question counts as an answer.
    await say(running_bot, COORD, chat, "Pracownia informatyczna")
    assert "Describe it in a few words" in last_text(running_bot, GROUP_ID)
    await say(running_bot, COORD, chat, "Pracownia informatyczna", reply=True)
    assert "How many seats" in last_text(running_bot, GROUP_ID)
    await say(running_bot, COORD, chat, "lots", reply=True)
    assert "whole number from 1 to 500" in last_text(running_bot, GROUP_ID)
    await say(running_bot, COORD, chat, "12", reply=True)
    await say(running_bot, COORD, chat, "weekday afternoons", reply=True)
    await press(running_bot, COORD, GROUP_ID, buttons(running_bot, GROUP_ID)["✔ Save"])
    assert last_text(running_bot, GROUP_ID) == "Saved the resource of “Szkoła Podstawowa w Rudnikach”."
    async with database.transaction() as session:
        (resource,) = list(await session.exec(select(Resource)))
    assert (resource.kind, resource.description, resource.seats, resource.availability) == (
        "lab",
        "Pracownia informatyczna",
        12,
        "weekday afternoons",
    )
    await say(running_bot, OTHER, chat, "/resources")
    listing = last_text(running_bot, GROUP_ID)
    assert "<b>computer lab</b>" in listing and "Pracownia informatyczna (12 seats)" in listing


async def test_unknown_partner_gets_did_you_mean(running_bot: BotUnderTest, database: Database) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    await _add(database, "Biblioteka Publiczna")
    await _add(database, "Koło Gospodyń Wiejskich")
    await say(running_bot, OTHER, chat, "/partner Biblotekа Publ")
    answer = last_text(running_bot, GROUP_ID)
    assert "There is no partner called" in answer and "Did you mean: “Biblioteka Publiczna”?" in answer
    await say(running_bot, OTHER, chat, "/partner kolo gospodyn wiejskich")
    assert "<b>Koło Gospodyń Wiejskich</b>" in last_text(running_bot, GROUP_ID)


@pytest.mark.calendar
async def test_invitation_deep_link_is_single_use_and_expires(
    running_bot: BotUnderTest, database: Database
) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    await _add(database, "Parafia św. Józefa", status=PartnerStatus.CANDIDATE)
    await say(running_bot, COORD, chat, "/invite parafia")
    await press(running_bot, COORD, GROUP_ID, buttons(running_bot, GROUP_ID)["✔ Save"])
    text = last_text(running_bot, GROUP_ID)
    match = re.search(r"https://t\.me/partner_test_bot\?start=([A-Za-z0-9_-]+)", text)
    assert match and "expires in 14 days" in text
    token = match.group(1)
    (partner,) = await _partners(database)
    assert partner.status == "invited"
    await running_bot.deliver(tg.message(tg.private_chat(REP), REP, f"/start {token}"))
    assert "You now represent “Parafia św. Józefa”" in last_text(running_bot, REP["id"])
    (partner,) = await _partners(database)
    assert partner.status == "joined"
    await running_bot.deliver(tg.message(tg.private_chat(OTHER), OTHER, f"/start {token}"))
    assert "already been used" in last_text(running_bot, OTHER["id"])
    async with database.transaction() as session:
        expired = await registry.create_invitation(
            session,
            partnership=await _partnership(database),
            by_user_id=COORD["id"],
            partner=partner,
            now=utcnow() - timedelta(days=15),
        )
    await running_bot.deliver(tg.message(tg.private_chat(OTHER), OTHER, f"/start {expired.token}"))
    assert "has expired" in last_text(running_bot, OTHER["id"])
    await running_bot.deliver(tg.message(tg.private_chat(OTHER), OTHER, "/start nonsense-token"))
    assert "I don't know this invitation" in last_text(running_bot, OTHER["id"])
    async with database.transaction() as session:
        reps = list(await session.exec(select(Representative)))
    assert [r.user_id for r in reps] == [REP["id"]]


async def test_supervisor_invitation_grants_view_only(running_bot: BotUnderTest, database: Database) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    await say(running_bot, COORD, chat, "/invite")
    await press(
        running_bot, COORD, GROUP_ID, buttons(running_bot, GROUP_ID)["a supervisor (sees, does not change)"]
    )
    await press(running_bot, COORD, GROUP_ID, buttons(running_bot, GROUP_ID)["✔ Save"])
    token = re.search(r"start=([A-Za-z0-9_-]+)", last_text(running_bot, GROUP_ID))
    assert token
    supervisor = tg.user(3010, "Sam", language_code="en")
    private = tg.private_chat(supervisor)
    await running_bot.deliver(tg.message(private, supervisor, f"/start {token.group(1)}"))
    assert "a supervisor" in last_text(running_bot, supervisor["id"])
    await running_bot.deliver(tg.message(private, supervisor, "/partners"))
    assert "Partners of “Partnerstwo Czarne”" in last_text(running_bot, supervisor["id"])
    await running_bot.deliver(tg.message(private, supervisor, "/addpartner Sneaky"))
    assert "Only the partnership's coordinator can do this" in last_text(running_bot, supervisor["id"])
    assert await _partners(database) == []


async def test_member_asks_to_join_and_coordinator_approves(
    running_bot: BotUnderTest, database: Database
) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    await _add(database, "OSP Czarne")
    await say(running_bot, REP, chat, "/join")
    await press(running_bot, REP, GROUP_ID, buttons(running_bot, GROUP_ID)["OSP Czarne"])
    await press(running_bot, REP, GROUP_ID, buttons(running_bot, GROUP_ID)["✔ Save"])
    assert "asks to represent “OSP Czarne”" in last_text(running_bot, GROUP_ID)
    approve = buttons(running_bot, GROUP_ID)["✔ Approve"]
    await press(running_bot, OTHER, GROUP_ID, approve)  # not the coordinator: refused, to them only
    refusal = running_bot.fake.calls("answerCallbackQuery")[-1].params
    assert "Only the partnership's coordinator" in refusal["text"] and refusal["show_alert"]
    assert "Only the partnership's coordinator" not in last_text(running_bot, GROUP_ID)
    async with database.transaction() as session:
        assert list(await session.exec(select(Representative))) == []
    await running_bot.deliver(tg.callback_query(COORD, running_bot.fake.last_message(GROUP_ID), approve))
    assert "Approved: Rob Rep represents “OSP Czarne”." in running_bot.fake.sent_texts(GROUP_ID)
    # Their group messages are now attributed to the fire brigade.
    await say(running_bot, REP, chat, "Plakaty rozwieszone w remizie")
    async with database.transaction() as session:
        entry = (
            await session.exec(select(LogEntry).where(LogEntry.text == "Plakaty rozwieszone w remizie"))
        ).one()
    (partner,) = await _partners(database)
    assert entry.partner_id == partner.id
    await say(running_bot, OTHER, chat, "/partners")
    overview = last_text(running_bot, GROUP_ID)
    assert "<b>OSP Czarne</b> · joined · Rob Rep · last heard" in overview
    await say(running_bot, OTHER, chat, "/partner OSP Czarne")
    assert "Plakaty rozwieszone w remizie" in last_text(running_bot, GROUP_ID)


async def test_withdrawal_needs_a_reason_and_is_kept_in_history(
    running_bot: BotUnderTest, database: Database
) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    await _add(database, "Klub Seniora")
    private = tg.private_chat(COORD)
    await running_bot.deliver(tg.message(private, COORD, "/partnerstatus klub seniora"))
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["withdrawn"])
    assert "Why is it withdrawing?" in last_text(running_bot, COORD["id"])
    await running_bot.deliver(tg.message(private, COORD, "   "))
    assert "This cannot be empty" in last_text(running_bot, COORD["id"])
    await running_bot.deliver(tg.message(private, COORD, "No volunteers left this year"))
    await press(running_bot, COORD, COORD["id"], buttons(running_bot, COORD["id"])["✔ Save"])
    assert last_text(running_bot, COORD["id"]) == "Saved: “Klub Seniora” is now withdrawn."
    await say(running_bot, OTHER, chat, "/partner Klub Seniora")
    card = last_text(running_bot, GROUP_ID)
    assert "Status: withdrawn" in card and "withdrawn — No volunteers left this year" in card


async def test_handover_gives_the_role_and_a_private_brief(
    running_bot: BotUnderTest, database: Database
) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    library = await _add(database, "Biblioteka")
    await _add(database, "Parafia")
    await _represent(database, library, REP)
    await running_bot.deliver(tg.message(tg.private_chat(REP), REP, "/help"))  # the bot knows Rob now
    await say(running_bot, REP, chat, "Dzień dobry")
    await say(running_bot, COORD, chat, "/handover")
    await press(running_bot, COORD, GROUP_ID, buttons(running_bot, GROUP_ID)["Rob"])
    await press(running_bot, COORD, GROUP_ID, buttons(running_bot, GROUP_ID)["✔ Save"])
    assert "Rob is now the coordinator" in running_bot.fake.sent_texts(GROUP_ID)[-1]
    brief = last_text(running_bot, REP["id"])
    assert "Hand-over brief: Partnerstwo Czarne" in brief
    assert "“Parafia” has no representative yet" in brief and "Dzień dobry" in brief
    partnership = await _partnership(database)
    assert partnership.coordinator_user_id == REP["id"]
    await say(running_bot, COORD, chat, "/addpartner Nowy")
    assert "Only the partnership's coordinator" in last_text(running_bot, GROUP_ID)
    await running_bot.deliver(tg.message(tg.private_chat(REP), REP, "/history"))
    assert "Coordinator role handed over: Claire Coordinator → Rob" in last_text(running_bot, REP["id"])


async def test_handover_to_someone_who_never_opened_a_private_chat(
    running_bot: BotUnderTest, database: Database
) -> None:
    chat = await register_group(running_bot, coordinator=COORD)
    await _represent(database, await _add(database, "Biblioteka"), REP)
    await say(running_bot, REP, chat, "hello")
    await say(running_bot, COORD, chat, "/handover")
    await press(running_bot, COORD, GROUP_ID, buttons(running_bot, GROUP_ID)["Rob"])
    running_bot.fake.fail_next(
        "sendMessage", error_code=403, description="Forbidden: bot can't initiate conversation with a user"
    )
    await press(running_bot, COORD, GROUP_ID, buttons(running_bot, GROUP_ID)["✔ Save"])
    assert "please open a private chat with me and type /brief" in last_text(running_bot, GROUP_ID)
    assert (await _partnership(database)).is_active  # a person's chat, not the group, was unreachable
    await running_bot.deliver(tg.message(tg.private_chat(REP), REP, "/brief"))
    assert "Hand-over brief" in last_text(running_bot, REP["id"])


async def test_registry_in_polish(running_bot: BotUnderTest, database: Database) -> None:
    chat = await register_group(running_bot, coordinator=PL_COORD)
    await say(running_bot, PL_COORD, chat, "/addpartner Gminny Ośrodek Kultury")
    await press(running_bot, PL_COORD, GROUP_ID, buttons(running_bot, GROUP_ID)["dom kultury"])
    await press(running_bot, PL_COORD, GROUP_ID, buttons(running_bot, GROUP_ID)["aktywny"])
    await press(running_bot, PL_COORD, GROUP_ID, buttons(running_bot, GROUP_ID)["✔ Zapisz"])
    assert "Gminny Ośrodek Kultury" in last_text(running_bot, GROUP_ID)
    await say(running_bot, PL_COORD, chat, "/partners")
    assert "(1 organizacja)" in last_text(running_bot, GROUP_ID)


async def test_appointed_roles_matrix(running_bot: BotUnderTest, database: Database) -> None:
    """Every registry command for every role, in the group and privately."""
    chat = await register_group(running_bot, coordinator=COORD)
    library = await _add(database, "Biblioteka")
    await _represent(database, library, REP)
    supervisor, ambassador = (
        tg.user(3020, "Sue", language_code="en"),
        tg.user(3021, "Amb", language_code="en"),
    )
    partnership = await _partnership(database)
    async with database.transaction() as session:
        await registry.appoint(
            session, partnership=partnership, person=PersonInfo(3020, "Sue"), role=AppointedRole.SUPERVISOR
        )
        await registry.appoint(
            session, partnership=partnership, person=PersonInfo(3021, "Amb"), role=AppointedRole.AMBASSADOR
        )
    people = {
        "coordinator": COORD,
        "representative": REP,
        "supervisor": supervisor,
        "ambassador": ambassador,
        "member": OTHER,
    }
    view = ["/partners", "/resources", "/partner Biblioteka", "/status", "/history"]
    manage = [
        "/addpartner X",
        "/partnerstatus Biblioteka",
        "/resource Biblioteka",
        "/leader",
        "/stage",
        "/commplan",
        "/invite",
        "/handover",
        "/log phone hello there",
    ]
    # What each command answers when it is allowed: its own content, not just "no refusal"
    # (a handler that crashed would apologise, and that must fail here).
    shows = {
        "/partners": "<b>Partners of “Partnerstwo Czarne”</b> (1 organisation)",
        "/resources": "<b>Resources of “Partnerstwo Czarne”</b>",
        "/partner Biblioteka": "<b>Biblioteka</b>\nKind: library",
        "/status": "<b>Partnerstwo Czarne</b>\nCoordinator: Claire Coordinator",
        "/history": "<b>Communication log: Partnerstwo Czarne</b>",
        "/addpartner X": "A name needs 2 to 120 characters",
        "/partnerstatus Biblioteka": "<b>Partner status</b>",
        "/resource Biblioteka": "<b>Declared resource</b>",
        "/leader": "<b>Institutional leader</b>",
        "/stage": "<b>Partnership stage</b>",
        "/commplan": "<b>Communication plan</b>",
        "/invite": "<b>Invitation</b>",
        "/handover": "<b>Coordinator hand-over</b>",
        "/log phone hello there": "Recorded in the log of “Partnerstwo Czarne”: phone, “hello there”.",
    }
    refused = "Only the partnership's coordinator can do this"
    for role, person in people.items():
        for where in ("group", "private"):
            target = chat if where == "group" else tg.private_chat(person)
            for command in view + manage:
                await running_bot.deliver(tg.message(target, person, command))
                answer = last_text(running_bot, target["id"])
                if where == "private" and role == "member":
                    expected = "You are not part of any partnership yet" in answer
                elif command in manage and role != "coordinator":
                    expected = refused in answer
                else:  # allowed: the command's own answer
                    expected = answer.startswith(shows[command])
                assert expected, (role, where, command, answer)
                await running_bot.deliver(tg.message(target, person, "/cancel"))
    assert [p.name for p in await _partners(database)] == ["Biblioteka"]
