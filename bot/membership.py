"""Reading the bot's own membership changes, without Telegram types."""

from __future__ import annotations

from enum import StrEnum

PRESENT = frozenset({"member", "administrator", "creator", "owner", "restricted"})


class MembershipChange(StrEnum):
    """What happened to the bot in a chat."""

    JOINED = "joined"
    LEFT = "left"
    PROMOTED = "promoted"
    DEMOTED = "demoted"


def membership_change(
    old_status: str, new_status: str, *, old_is_member: bool = True, new_is_member: bool = True
) -> MembershipChange | None:
    """Classify a status change; restricted users count as present only while members."""
    was = old_status in PRESENT and (old_status != "restricted" or old_is_member)
    now = new_status in PRESENT and (new_status != "restricted" or new_is_member)
    if not was and now:
        return MembershipChange.JOINED
    if was and not now:
        return MembershipChange.LEFT
    if was and now and old_status != new_status:
        if new_status == "administrator":
            return MembershipChange.PROMOTED
        if old_status == "administrator":
            return MembershipChange.DEMOTED
    return None


def reads_all_messages(*, privacy_mode_off: bool, status: str) -> bool:
    """A bot sees every group message if privacy mode is off or it is an administrator."""
    return privacy_mode_off or status in {"administrator", "creator", "owner"}
