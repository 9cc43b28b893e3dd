"""An iCalendar (.ics) file for a meeting, so it lands in people's calendars."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import clock


def _escape(text: str) -> str:
    """Escape text values as RFC 5545 requires."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold lines longer than 75 octets (RFC 5545, 3.1)."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def meeting_ics(
    *,
    uid: str,
    starts_at: datetime,
    title: str,
    place: str,
    agenda: str,
    duration: timedelta = timedelta(hours=2),
    stamp: datetime | None = None,
) -> bytes:
    """A one-event calendar in UTC."""
    fmt = "%Y%m%dT%H%M%SZ"
    start = starts_at.astimezone(UTC)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//partnerbot//meetings//PL",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{(stamp or clock.now()).astimezone(UTC).strftime(fmt)}",
        f"DTSTART:{start.strftime(fmt)}",
        f"DTEND:{(start + duration).strftime(fmt)}",
        f"SUMMARY:{_escape(title)}",
        f"LOCATION:{_escape(place)}",
        f"DESCRIPTION:{_escape(agenda)}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")
