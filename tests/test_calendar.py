"""Event calendars: an .ics with single, all-day, multi-day, over-midnight, weekly
recurring (with an exception, across the change to summer time), cancelled and
floating events in Europe/Berlin; each event an entry that shows when and where;
/events.ics and /source/{id}.ics for calendar apps."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest

from aggregator.calendar import MAX_EVENTS, parse_calendar, write_calendar
from aggregator.errors import CalendarError
from aggregator.models import Settings, SourceConfig, SourceKind
from aggregator.reading import parse_and_normalize
from aggregator.service import fetch_once
from aggregator.store import Store
from aggregator.update import Pipeline

from atomcheck import check_atom
from conftest import DATA, load_settings
from httpfixture import FixtureServer, Route

ICS = (DATA / "calendars" / "faust.ics").read_bytes()
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
SOURCE = SourceConfig(id="faust", name="Kulturzentrum Faust", url="https://faust.example/ics",
                      language="de", kind=SourceKind.ICAL)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# title -> (start, end, all day, location), in UTC; CET is UTC+1 until 29 March 2026
EXPECTED: list[tuple[str, str, str | None, bool, str | None]] = [
    ("Deutsch-Café", "2026-03-03T16:00Z", "2026-03-03T18:00Z", False, "Faust, Mephisto-Saal"),
    ("Deutsch-Café", "2026-03-10T16:00Z", "2026-03-10T18:00Z", False, "Faust, Mephisto-Saal"),
    ("Konzert: Ezgi & Band", "2026-03-12T17:00Z", "2026-03-12T19:00Z", False,
     "Kulturzentrum Faust, Zur Bettfedernfabrik 3, 30451 Hannover"),
    ("Lange Nacht der Kulturen", "2026-03-14T19:00Z", "2026-03-15T03:00Z", False,
     "60er-Jahre-Halle"),
    ("شب شعر فارسی", "2026-03-18T18:30Z", "2026-03-18T20:00Z", False, "Faust, Warenannahme"),
    ("Tag der offenen Tür", "2026-03-20T23:00Z", "2026-03-21T23:00Z", True, "Faust-Gelände"),
    ("Deutsch-Café", "2026-03-24T16:00Z", "2026-03-24T18:00Z", False, "Faust, Mephisto-Saal"),
    ("Festival Linden International", "2026-03-26T23:00Z", "2026-03-29T22:00Z", True,
     "Faust-Gelände, Hannover-Linden"),
    ("Deutsch-Café", "2026-03-31T15:00Z", "2026-03-31T17:00Z", False, "Faust, Mephisto-Saal"),
    ("Deutsch-Café", "2026-04-07T15:00Z", "2026-04-07T17:00Z", False, "Faust, Mephisto-Saal"),
]


def test_events_single_all_day_multi_day_and_weekly() -> None:
    parsed = parse_calendar(ICS, NOW)
    assert parsed.format == "ical20" and parsed.title == "Faust Programm"
    got = [(entry.title, entry.event) for entry in parsed.entries]
    assert len(got) == len(EXPECTED)  # the cancelled one and last December's are not there
    for (title, event), (want_title, start, end, all_day, location) in zip(
            got, EXPECTED, strict=True):
        assert title == want_title
        assert event is not None
        assert event.start == utc(start) and event.start.tzinfo is not None, title
        assert event.end == (utc(end) if end else None), title
        assert (event.all_day, event.location) == (all_day, location), title
    ids = [entry.id for entry in parsed.entries]
    assert len(set(ids)) == len(ids)  # each occurrence of the weekly event is its own entry
    konzert = parsed.entries[2]
    assert konzert.link == "https://faust.example/programm/ezgi-und-band"
    assert konzert.published == utc("2026-02-01T10:00Z")
    assert konzert.categories == ("Konzert", "Musik")
    assert parsed.entries[4].language == "fa"  # SUMMARY;LANGUAGE=fa


def test_the_window_is_bounded() -> None:
    later = parse_calendar(ICS, datetime(2026, 4, 20, tzinfo=UTC))  # 30 days back
    assert [entry.title for entry in later.entries] == [
        "Tag der offenen Tür", "Deutsch-Café", "Festival Linden International",
        "Deutsch-Café", "Deutsch-Café"]
    assert parse_calendar(ICS, datetime(2027, 6, 1, tzinfo=UTC)).entries == ()


def every(frequency: str, start: str = "20260101T000000Z") -> bytes:
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\n"
            f"BEGIN:VEVENT\r\nUID:flood@evil.example\r\nDTSTAMP:20260101T000000Z\r\n"
            f"DTSTART:{start}\r\nSUMMARY:Flood\r\nRRULE:FREQ={frequency}\r\n"
            f"END:VEVENT\r\nEND:VCALENDAR\r\n").encode()


@pytest.mark.parametrize("frequency", ["SECONDLY", "MINUTELY"])
def test_an_event_repeated_every_second_or_minute_counts_once(frequency: str) -> None:
    # millions of occurrences in the window: expanding them took gigabytes
    parsed = parse_calendar(every(frequency, "20260301T090000Z"), NOW)
    assert [(entry.title, entry.event.start if entry.event else None)
            for entry in parsed.entries] == [("Flood", datetime(2026, 3, 1, 9, tzinfo=UTC))]
    assert parsed.warning is not None
    assert "repeated every second or minute, taken once" in parsed.warning


def test_an_hourly_event_gives_the_first_thousand_occurrences() -> None:
    parsed = parse_calendar(every("HOURLY", "20260201T000000Z"), NOW)
    starts = [entry.event.start for entry in parsed.entries if entry.event]
    assert len(starts) == MAX_EVENTS
    assert starts[0] == datetime(2026, 2, 1, tzinfo=UTC)  # the first thousand, in order
    assert {later - earlier for earlier, later in itertools.pairwise(starts)} == {
        timedelta(hours=1)}
    assert parsed.warning is not None and f"only the first {MAX_EVENTS}" in parsed.warning


def test_a_calendar_that_floods_does_not_stop_the_pass(server: FixtureServer,
                                                       tmp_path: Path) -> None:
    url = server.add("/flood.ics", Route(body=every("SECONDLY"),
                                         headers={"Content-Type": "text/calendar"}))
    settings = load_settings(tmp_path, [{"id": "flood", "name": "Flood", "url": url,
                                         "kind": "ical"}], parse_timeout="20s")
    (result,), _ = asyncio.run(fetch_once(settings, list(settings.sources)))
    assert result.error is None  # its one occurrence is past: nothing new, no error
    assert result.warning is not None and "taken once" in result.warning


def test_an_unreadable_date_loses_only_that_date() -> None:
    broken = ICS.replace(b"CREATED:", b"CREATED:202\x1e", 1)
    assert broken != ICS
    assert [entry.title for entry in parse_calendar(broken, NOW).entries] == [
        title for title, *_ in EXPECTED]


def test_an_entry_shows_when_and_where_in_the_readers_language() -> None:
    _, entries = parse_and_normalize(ICS, SOURCE.url, "text/calendar", SOURCE, NOW)
    by_title = {entry.title: entry for entry in entries}
    konzert = by_title["Konzert: Ezgi & Band"]
    assert konzert.summary_html.startswith(
        '<p class="event"><time datetime="2026-03-12T18:00:00+01:00">'
        "Do., 12. März 2026, 18:00–20:00 Uhr</time> · Kulturzentrum Faust, "
        "Zur Bettfedernfabrik 3, 30451 Hannover</p>")
    assert "Anatolischer Folk trifft Jazz." in konzert.summary_html
    assert konzert.event is not None and konzert.language == "de"
    assert "Sa., 21. März 2026</time>" in by_title["Tag der offenen Tür"].summary_html
    assert "Fr., 27.\u2009–\u2009So., 29. März 2026" in by_title[
        "Festival Linden International"].summary_html
    assert "Sa., 14. März 2026, 20:00 – So., 15. März 2026, 04:00" in by_title[
        "Lange Nacht der Kulturen"].summary_html
    persian = by_title["شب شعر فارسی"]
    assert persian.language == "fa" and "مارس" in persian.summary_html  # in Persian


def test_not_a_calendar() -> None:
    with pytest.raises(CalendarError, match="does not begin with BEGIN:VCALENDAR"):
        parse_calendar(b"<html><body>Programm</body></html>", NOW)
    with pytest.raises(CalendarError, match="cannot be read"):
        parse_calendar(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\n"
                       b"END:VEVENT\r\nEND:VCALENDAR\r\n", NOW)


def calendar_settings(server: FixtureServer, folder: Path) -> Settings:
    url = server.add("/programm.ics", Route(body=ICS, headers={
        "Content-Type": "text/calendar; charset=utf-8"}, etag='"ics-1"'))
    return load_settings(folder, [{"id": "faust", "name": "Kulturzentrum Faust", "url": url,
                                   "kind": "ical", "language": "de",
                                   "homepage": "https://faust.example/"}])


async def _update_at(settings: Settings, now: datetime) -> Any:
    async with Pipeline(settings, clock=lambda: now) as pipeline:
        return await pipeline.update(settings.sources[0])


def test_events_are_stored_with_their_times_and_published_as_ics(server: FixtureServer,
                                                                  tmp_path: Path) -> None:
    settings = calendar_settings(server, tmp_path)
    result = asyncio.run(_update_at(settings, NOW))
    assert result.error is None and result.counts.new == 10
    store = Store.open(settings.database)
    try:
        rows = list(store.rows("SELECT * FROM entries ORDER BY event_start"))
        assert rows[0]["event_start"] == "2026-03-03T16:00:00+00:00"
        assert rows[0]["event_end"] == "2026-03-03T18:00:00+00:00"
        assert [row["event_all_day"] for row in rows].count(1) == 2
        upcoming = store.events(datetime(2026, 3, 20, tzinfo=UTC))
    finally:
        store.close()
    # past events leave the calendar output (the feeds keep them)
    assert [stored.entry.title for stored in upcoming] == [
        "Tag der offenen Tür", "Deutsch-Café", "Festival Linden International",
        "Deutsch-Café", "Deutsch-Café"]
    document = write_calendar("Faust", upcoming)
    assert document == write_calendar("Faust", upcoming)  # deterministic bytes
    calendar = icalendar.Calendar.from_ical(document)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 5
    offene_tuer = events[0]
    assert offene_tuer["DTSTART"].dt.isoformat() == "2026-03-21"  # a date, all day
    assert offene_tuer["DTEND"].dt.isoformat() == "2026-03-22"
    cafe = events[1]
    assert cafe["DTSTART"].dt == utc("2026-03-24T16:00Z")
    assert str(cafe["LOCATION"]) == "Faust, Mephisto-Saal"
    assert len({str(event["UID"]) for event in events}) == 5


def test_calendar_source_end_to_end(server: FixtureServer, tmp_path: Path) -> None:
    settings = calendar_settings(server, tmp_path)
    asyncio.run(_update_at(settings, NOW))  # in March 2026, when the events are ahead
    _, report = asyncio.run(fetch_once(settings, list(settings.sources)))  # published now
    out = settings.output_dir
    assert "events.ics" in report.written + report.unchanged
    assert (out / "source" / "faust.ics").exists()
    # today every fixture event is past: the calendar is empty, the feed keeps them all
    assert b"BEGIN:VEVENT" not in (out / "events.ics").read_bytes()
    atom = (out / "source" / "faust.atom").read_bytes()
    assert check_atom(atom) == []
    assert atom.count(b"<entry") == 10
    assert "Do., 12. März 2026, 18:00–20:00 Uhr".encode() in atom


def one_event(summary: str) -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//partner//EN\r\nBEGIN:VEVENT\r\n"
            "UID:e1@partner.example\r\nDTSTART:20260318T183000Z\r\n"
            f"DTEND:20260318T200000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


@pytest.mark.parametrize("summary, body_charset, content_type, read_as", [
    ("Frauencafé – Größe zählt", "cp1252", None, "windows-1252"),
    ("Встреча родителей", "cp1251", "text/calendar; charset=windows-1251", "windows-1251"),
    ("Frauencafé – شب شعر", "utf-16", None, "utf-16"),  # "Unicode" as some programs save
])
def test_a_calendar_that_is_not_utf8_is_read_by_its_charset_and_says_so(
        summary: str, body_charset: str, content_type: str | None, read_as: str) -> None:
    parsed = parse_calendar(one_event(summary).encode(body_charset), NOW,
                            content_type=content_type)
    assert [entry.title for entry in parsed.entries] == [summary]
    assert parsed.warning == f"the calendar is not UTF-8, as iCalendar requires; read as {read_as}"


def test_a_utf8_calendar_is_read_as_utf8_whatever_its_label() -> None:
    summary = "Встреча родителей – Größe"
    for content_type in (None, "text/calendar; charset=iso-8859-1"):
        parsed = parse_calendar(("\ufeff" + one_event(summary)).encode(), NOW,
                                content_type=content_type)
        assert [entry.title for entry in parsed.entries] == [summary]
        assert parsed.warning is None
