"""Unit tests for the pure decisions: permissions, parsing, text splitting, time, locales."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.access import POLICY, Action, Role, Verdict, Where, decide, effective_role
from bot.i18n import resolve_locale
from bot.membership import MembershipChange, membership_change, reads_all_messages
from bot.models import Channel
from bot.notifier import Button, split_text
from bot.services.log import ContactParseError, parse_channel, parse_contact_command
from bot.services.partnerships import InvalidName, clean_name
from bot.services.status import period_starts
from bot.text import fold, suggestions

WARSAW = ZoneInfo("Europe/Warsaw")

README = Path(__file__).resolve().parent.parent / "README.md"
# Which README row stands for which decision of bot/access.py (the command, or the row's first words).
README_ROWS = {
    "/log": Action.RECORD_CONTACT,
    "/history": Action.VIEW_HISTORY,
    "/status": Action.VIEW_STATUS,
    "/addpartner": Action.MANAGE_REGISTRY,
    "/partners": Action.VIEW_REGISTRY,
    "/join": Action.REQUEST_JOIN,
    "/handover": Action.HAND_OVER,
    "/period": Action.MANAGE_PLAN,
    "/export": Action.EXPORT,
    "/schedule": Action.MANAGE_SCHEDULES,
    "answer": Action.ANSWER_CHECKIN,
    "/retention": Action.MANAGE_PRIVACY,
    "/deletepartnership": Action.DELETE_PARTNERSHIP,
    "/thanks": Action.GIVE_CREDIT,
    "/closing": Action.CLOSE_PARTNERSHIP,
    "/visit": Action.RECORD_VISIT,
}
ROLE_WORDS = {
    "coordinator": Role.COORDINATOR,
    "representative": Role.REPRESENTATIVE,
    "supervisor": Role.SUPERVISOR,
    "ambassador": Role.AMBASSADOR,
}
EVERYONE_IN_GROUP = {Role.COORDINATOR, Role.REPRESENTATIVE, Role.SUPERVISOR, Role.AMBASSADOR, Role.MEMBER}


def _roles(words: str) -> set[Role]:
    """'coordinator, representatives, supervisors' -> the roles named."""
    return {role for word, role in ROLE_WORDS.items() if word in words}


def readme_matrix() -> dict[tuple[Action, Where], set[Role]]:
    """The permission matrix as the README's table "What people can do" states it."""
    table = README.read_text(encoding="utf-8").split("## What people can do", 1)[1].split("\n\n", 2)[1]
    rows: dict[str, tuple[str, str]] = {}
    for line in table.splitlines()[2:]:
        command, where, who = (cell.strip() for cell in line.strip("|").split("|")[:3])
        rows[command.strip("`").split()[0]] = (where, who)
    matrix: dict[tuple[Action, Where], set[Role]] = {}
    for key, action in README_ROWS.items():
        where, who = rows[key]
        while who.startswith("as `"):  # "as `/status`": the same places and people
            where, who = rows[who.removeprefix("as `").rstrip("`")]
        group: set[Role] = set()
        private: set[Role] = set()
        for part in (p.strip() for p in who.split(";")):
            if part in ("everyone in the group", "anyone in the group"):
                group |= EVERYONE_IN_GROUP
            elif part.endswith("privately"):
                private |= _roles(part)
            else:
                group |= _roles(part)
                private |= _roles(part) if "private" in where else set()
        matrix[(action, Where.GROUP)] = group
        matrix[(action, Where.PRIVATE)] = private if "private" in where else set()
    return matrix


EXPECTED = readme_matrix()


def test_the_readme_table_is_read() -> None:
    """The parsing above finds what a reader finds (so a parsing slip cannot hide a wrong rule)."""
    assert EXPECTED[(Action.VIEW_STATUS, Where.PRIVATE)] == {
        Role.COORDINATOR,
        Role.REPRESENTATIVE,
        Role.SUPERVISOR,
        Role.AMBASSADOR,
    }
    assert EXPECTED[(Action.EXPORT, Where.GROUP)] == {Role.COORDINATOR, Role.SUPERVISOR}
    assert EXPECTED[(Action.REQUEST_JOIN, Where.PRIVATE)] == set()
    assert EXPECTED[(Action.VIEW_HISTORY, Where.GROUP)] == EVERYONE_IN_GROUP


@pytest.mark.parametrize("action", [a for a in Action if a is not Action.REGISTER])
@pytest.mark.parametrize("where", list(Where))
@pytest.mark.parametrize("role", list(Role))
def test_permission_matrix(action: Action, where: Where, role: Role) -> None:
    verdict = decide(action, role=role, where=where)
    allowed = role in EXPECTED[(action, where)]
    assert (verdict is Verdict.ALLOWED) is allowed
    if not allowed:
        if role is Role.STRANGER:
            expected = Verdict.NOT_A_MEMBER
        elif (action, Where.PRIVATE) not in POLICY:
            expected = Verdict.GROUP_ONLY
        else:
            expected = Verdict.COORDINATOR_ONLY
        assert verdict is expected


def test_policy_covers_every_action_and_place() -> None:
    assert set(POLICY) == {key for key, roles in EXPECTED.items() if roles}


@pytest.mark.parametrize(
    ("where", "admin", "verdict"),
    [
        (Where.GROUP, True, Verdict.ALLOWED),
        (Where.GROUP, False, Verdict.ADMIN_ONLY),
        (Where.PRIVATE, True, Verdict.GROUP_ONLY),
        (Where.PRIVATE, False, Verdict.GROUP_ONLY),
    ],
)
def test_register_needs_a_group_administrator(where: Where, admin: bool, verdict: Verdict) -> None:
    for role in Role:
        assert decide(Action.REGISTER, role=role, where=where, is_group_admin=admin) is verdict


def test_effective_role_is_the_strongest_held() -> None:
    both = {Role.REPRESENTATIVE, Role.COORDINATOR}
    assert effective_role(both, where=Where.PRIVATE) is Role.COORDINATOR
    assert effective_role({Role.AMBASSADOR, Role.SUPERVISOR}, where=Where.GROUP) is Role.SUPERVISOR
    assert effective_role(set(), where=Where.GROUP) is Role.MEMBER
    assert effective_role(set(), where=Where.PRIVATE) is Role.STRANGER


@pytest.mark.parametrize(
    ("word", "channel"),
    [
        ("phone", Channel.PHONE),
        ("Telefon", Channel.PHONE),
        ("E-mail", Channel.EMAIL),
        ("spotkanie", Channel.MEETING),
        ("Osobiście", Channel.IN_PERSON),
        ("osobiscie", Channel.IN_PERSON),
        ("in_person", Channel.IN_PERSON),
        ("online", Channel.ONLINE_MEETING),
        ("SMS", Channel.SMS),
        ("pigeon", None),
    ],
)
def test_parse_channel(word: str, channel: Channel | None) -> None:
    assert parse_channel(word) is channel


def test_parse_contact_command() -> None:
    parsed = parse_contact_command("  telefon  Rozmowa z proboszczem\no ogłoszeniach ")
    assert parsed.channel is Channel.PHONE
    assert parsed.text == "Rozmowa z proboszczem\no ogłoszeniach"


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("pigeon hello", "channel"),
        ("phone", "text"),
        ("phone " + "x" * 2001, "text"),
    ],
)
def test_parse_contact_command_errors(args: str, reason: str) -> None:
    with pytest.raises(ContactParseError) as caught:
        parse_contact_command(args)
    assert caught.value.reason == reason


def test_fold_strips_polish_diacritics() -> None:
    assert fold("Łódź ŚWIĘTO") == "lodz swieto"


def test_clean_name() -> None:
    assert clean_name("  Partnerstwo   Czarne \n") == "Partnerstwo Czarne"
    for bad in ("", "ab", "x" * 121):
        with pytest.raises(InvalidName):
            clean_name(bad)


def test_split_text_respects_the_limit() -> None:
    assert split_text("short") == ["short"]
    text = "\n".join(f"line {i} " + "x" * 50 for i in range(200))
    pieces = split_text(text, limit=1000)
    assert all(len(p) <= 1000 for p in pieces)
    assert "\n".join(pieces) == text
    assert split_text("y" * 2500, limit=1000) == ["y" * 1000, "y" * 1000, "y" * 500]


def test_button_refuses_callback_data_over_64_bytes() -> None:
    Button("ok", "x" * 64)
    with pytest.raises(ValueError):
        Button("too long", "ż" * 33)  # 66 bytes
    with pytest.raises(ValueError):
        Button("empty", "")


@pytest.mark.parametrize(
    ("old", "new", "change"),
    [
        ("left", "member", MembershipChange.JOINED),
        ("kicked", "administrator", MembershipChange.JOINED),
        ("member", "left", MembershipChange.LEFT),
        ("administrator", "kicked", MembershipChange.LEFT),
        ("member", "administrator", MembershipChange.PROMOTED),
        ("administrator", "member", MembershipChange.DEMOTED),
        ("member", "member", None),
    ],
)
def test_membership_change(old: str, new: str, change: MembershipChange | None) -> None:
    assert membership_change(old, new) is change


def test_restricted_non_member_is_not_present() -> None:
    assert membership_change("restricted", "member", old_is_member=False) is MembershipChange.JOINED
    assert membership_change("member", "restricted", new_is_member=False) is MembershipChange.LEFT


def test_reads_all_messages() -> None:
    assert reads_all_messages(privacy_mode_off=True, status="member")
    assert reads_all_messages(privacy_mode_off=False, status="administrator")
    assert not reads_all_messages(privacy_mode_off=False, status="member")


def test_period_starts_in_local_time_across_dst() -> None:
    # Wednesday 1 April 2026, 00:30 in Warsaw (CEST, UTC+2) is still 31 March in UTC.
    now = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)
    week, month = period_starts(now, WARSAW)
    # Monday 30 March 00:00 CEST = 29 March 22:00 UTC; 1 April 00:00 CEST = 31 March 22:00 UTC.
    assert week == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    assert month == datetime(2026, 3, 31, 22, 0, tzinfo=UTC)
    # In winter (CET, UTC+1) the offset differs.
    week, month = period_starts(datetime(2026, 11, 24, 12, tzinfo=UTC), WARSAW)
    assert week == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
    assert month == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("chosen", "telegram", "default", "expected"),
    [
        ("en", "pl", "pl", "en"),
        (None, "en-GB", "pl", "en"),
        (None, "de", "pl", "pl"),
        (None, None, "en", "en"),
        ("xx", "pl-PL", "en", "pl"),
    ],
)
def test_resolve_locale(chosen: str | None, telegram: str | None, default: str, expected: str) -> None:
    assert resolve_locale(chosen, telegram, default) == expected


def test_suggestions_ignore_case_and_diacritics() -> None:
    names = ["Biblioteka Publiczna", "Ośrodek Pomocy Społecznej", "OSP Czarne", "Parafia św. Józefa"]
    assert suggestions("osrodek pomocy", names)[0] == "Ośrodek Pomocy Społecznej"
    assert suggestions("Biblioteka", names) == ["Biblioteka Publiczna"]
    assert suggestions("zzzz", names) == []


def test_button_target() -> None:
    from handlers.common import button_target

    assert button_target("ci:12:done") == (12, "done")
    assert button_target("ci:x:done") is None
    assert button_target("ci:12") is None
    assert button_target("ci:12:a:b") is None
