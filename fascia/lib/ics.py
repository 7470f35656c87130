"""A minimal iCalendar (RFC 5545) file of events, for appointment reminders and booking confirmations."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import NamedTuple


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 §3.1)."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    start = 0
    while start < len(encoded):
        end = start + (75 if not parts else 74)
        while end < len(encoded) and (encoded[end] & 0xC0) == 0x80:  # never split a UTF-8 character
            end -= 1
        parts.append(encoded[start:end].decode())
        start = end
    return "\r\n ".join(parts)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


class Event(NamedTuple):
    uid: str
    start: datetime
    end: datetime
    summary: str
    location: str


def calendar(events: Sequence[Event], *, stamp: datetime) -> str:
    """A calendar of the events (a series of visits): one file, one VEVENT each."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Fascia//Appointment reminder//EN", "METHOD:PUBLISH"]
    for e in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{e.uid}",
            f"DTSTAMP:{_utc(stamp)}",
            f"DTSTART:{_utc(e.start)}",
            f"DTEND:{_utc(e.end)}",
            f"SUMMARY:{_escape(e.summary)}",
            f"LOCATION:{_escape(e.location)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def event(*, uid: str, start: datetime, end: datetime, summary: str, location: str, stamp: datetime) -> str:
    """A calendar of one event."""
    return calendar([Event(uid, start, end, summary, location)], stamp=stamp)
