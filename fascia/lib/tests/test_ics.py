from datetime import datetime
from zoneinfo import ZoneInfo

from fascia.lib.ics import Event, calendar, event

NY = ZoneInfo("America/New_York")


def test_an_event_in_utc_with_escaped_text() -> None:
    text = event(
        uid="abc@fascia",
        start=datetime(2030, 1, 7, 10, tzinfo=NY),
        end=datetime(2030, 1, 7, 10, 45, tzinfo=NY),
        summary="Massage; follow-up",
        location="100 Harbor Way, Suite 200",
        stamp=datetime(2030, 1, 6, tzinfo=NY),
    )
    assert "DTSTART:20300107T150000Z\r\n" in text and "DTEND:20300107T154500Z\r\n" in text
    assert "SUMMARY:Massage\\; follow-up\r\n" in text and "LOCATION:100 Harbor Way\\, Suite 200\r\n" in text
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")


def test_long_lines_are_folded_at_75_octets() -> None:
    text = event(
        uid="u",
        start=datetime(2030, 1, 7, 10, tzinfo=NY),
        end=datetime(2030, 1, 7, 11, tzinfo=NY),
        summary="é" * 60,
        location="x",
        stamp=datetime(2030, 1, 6, tzinfo=NY),
    )
    for line in text.split("\r\n"):
        assert len(line.encode()) <= 75
    assert "".join(text.split("\r\n ")).count("é") == 60


def test_a_calendar_holds_one_event_per_visit() -> None:
    visits = [
        Event(
            f"v{n}@fascia",
            datetime(2030, 1, 7 + 7 * n, 10, tzinfo=NY),
            datetime(2030, 1, 7 + 7 * n, 11, tzinfo=NY),
            "Visit",
            "x",
        )
        for n in range(3)
    ]
    text = calendar(visits, stamp=datetime(2030, 1, 6, tzinfo=NY))
    assert text.count("BEGIN:VCALENDAR") == 1 and text.count("BEGIN:VEVENT") == 3 and text.count("END:VEVENT") == 3
    assert "UID:v2@fascia\r\nDTSTAMP:20300106T050000Z\r\nDTSTART:20300121T150000Z\r\n" in text
