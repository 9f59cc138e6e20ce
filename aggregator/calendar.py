"""Event calendars, both ways. This module owns icalendar (RFC 5545 reading and
writing, time zones) and recurring-ical-events (RRULE, RDATE, EXDATE and moved
occurrences expanded correctly, which is harder than it looks).

* :func:`parse_calendar`: an .ics document -> :class:`~aggregator.models.ParsedFeed`,
  one entry per event occurrence within a bounded window around now, each with its
  :class:`~aggregator.models.Event` (start, end, all-day, location);
* :func:`write_calendar`: stored calendar entries -> an .ics document for calendar
  apps (``/events.ics``, ``/source/{id}.ics``). Deterministic: the same entries give
  the same bytes, so an unchanged calendar is not rewritten.

Times without a zone ("floating") are Europe/Berlin, where the portal is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from . import __version__, encoding
from .errors import CalendarError
from .models import Event, ParsedEntry, ParsedFeed, StoredEntry
from .sanitize import plain_text

DEFAULT_ZONE = ZoneInfo("Europe/Berlin")
#: occurrences are expanded from this long ago...
WINDOW_BEFORE = timedelta(days=30)
#: ...to this far ahead: a weekly event does not become thousands of entries
WINDOW_AFTER = timedelta(days=180)
#: at most this many occurrences from one calendar
MAX_EVENTS = 1000
#: events repeated this often are taken once (see :func:`_without_floods`)
_FLOODING = frozenset({"SECONDLY", "MINUTELY"})
PRODID = f"-//aggregator//{__version__}//EN"


def parse_calendar(body: bytes, now: datetime, zone: tzinfo = DEFAULT_ZONE, *,
                   content_type: str | None = None) -> ParsedFeed:
    """The events of an iCalendar document that happen in the window around ``now``."""
    text, charset = encoding.utf8_or_legacy(body, encoding.charset_of(content_type))
    if not text[:512].lstrip("\ufeff \t\r\n").upper().startswith("BEGIN:VCALENDAR"):
        raise CalendarError("the document is not an iCalendar (.ics) file: it does not begin "
                            "with BEGIN:VCALENDAR")
    try:
        calendar = icalendar.Calendar.from_ical(text)
        flooding = _without_floods(calendar)
        occurrences = recurring_ical_events.of(calendar).between(
            (now - WINDOW_BEFORE).astimezone(zone), (now + WINDOW_AFTER).astimezone(zone))
    except Exception as error:  # the libraries raise ValueError, KeyError, ... on bad input
        raise CalendarError(f"the calendar cannot be read: {error}") from error
    recurring = {str(event.get("UID")) for event in calendar.walk("VEVENT")
                 if event.get("RRULE") or event.get("RDATE") or event.get("RECURRENCE-ID")}
    entries = []
    for component in occurrences[:MAX_EVENTS]:
        entry = _entry(component, recurring, zone)
        if entry is not None:
            entries.append(entry)
    entries.sort(key=lambda entry: entry.event.start if entry.event else now)
    name = calendar.get("X-WR-CALNAME") or calendar.get("NAME")
    version = str(calendar.get("VERSION") or "2.0")
    warnings = []
    if charset != "utf-8":
        warnings.append(f"the calendar is not UTF-8, as iCalendar requires; read as {charset}")
    if flooding:
        warnings.append(f"{len(flooding)} event(s) repeated every second or minute, taken "
                        f"once, at their start: {', '.join(flooding[:3])}")
    if len(occurrences) > MAX_EVENTS:
        warnings.append(f"the calendar has {len(occurrences)} events in the next months; "
                        f"only the first {MAX_EVENTS} are taken")
    return ParsedFeed(
        format=f"ical{version.replace('.', '')}", title=str(name) if name else None,
        link=None, id=None, updated=None, language=None, entries=tuple(entries),
        warning="; ".join(warnings) or None)


def _without_floods(calendar: icalendar.Calendar) -> list[str]:
    """Take the rule off events that repeat every second or minute (a typo, or an attack:
    millions of occurrences in the window, gigabytes to expand them) and name them; such
    an event is no event people go to, and counts once, at its start."""
    flooding = []
    for event in calendar.walk("VEVENT"):
        rules = event.get("RRULE")
        if rules is None:
            continue
        if not isinstance(rules, list):  # several RRULE lines give a list
            rules = [rules]
        if any(str(frequency).upper() in _FLOODING for rule in rules
               for frequency in rule.get("FREQ", ())):
            del event["RRULE"]
            flooding.append(str(event.get("SUMMARY") or event.get("UID") or "an event"))
    return flooding


def _entry(component: Any, recurring: set[str], zone: tzinfo) -> ParsedEntry | None:
    if str(component.get("STATUS", "")).upper() == "CANCELLED" or "DTSTART" not in component:
        return None
    start_value = component["DTSTART"].dt
    all_day = not isinstance(start_value, datetime)
    start = _moment(start_value, zone)
    end = _end(component, start, all_day, zone)
    uid = str(component.get("UID") or "").strip() or None
    identity = f"{uid}/{start.astimezone(UTC).isoformat()}" if uid in recurring else uid
    description = component.get("X-ALT-DESC")
    is_html = description is not None and str(
        getattr(description, "params", {}).get("FMTTYPE", "")).lower() == "text/html"
    if not is_html:
        description = component.get("DESCRIPTION")
    summary = component.get("SUMMARY")
    location = _text(component.get("LOCATION"))
    return ParsedEntry(
        id=identity, link=_text(component.get("URL")),
        title=_text(summary), title_is_html=False,
        summary=_text(description), summary_is_html=is_html,
        content=None, content_is_html=False,
        author=_organizer(component.get("ORGANIZER")),
        published=_stamp(component.get("CREATED")),
        updated=_stamp(component.get("LAST-MODIFIED")),
        language=_text(getattr(summary, "params", {}).get("LANGUAGE")) if summary else None,
        categories=_categories(component.get("CATEGORIES")),
        event=Event(start=start, end=end, all_day=all_day, location=location),
    )


def _moment(value: date | datetime, zone: tzinfo) -> datetime:
    if not isinstance(value, datetime):
        return datetime.combine(value, time(), zone)
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def _end(component: Any, start: datetime, all_day: bool, zone: tzinfo) -> datetime | None:
    if "DTEND" in component:
        end = _moment(component["DTEND"].dt, zone)
    elif "DURATION" in component:
        end = start + component["DURATION"].dt
    else:
        return start + timedelta(days=1) if all_day else None
    return end if end > start else None


def _stamp(value: Any) -> datetime | None:
    try:
        moment = getattr(value, "dt", None)
    except ValueError:  # a date icalendar could not read (its BrokenCalendarProperty)
        return None
    if not isinstance(moment, datetime):
        return None
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).astimezone(UTC)


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _organizer(value: Any) -> str | None:
    if value is None:
        return None
    name = getattr(value, "params", {}).get("CN")
    return _text(name)


def _categories(value: Any) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value] if value is not None else []
    found: list[str] = []
    for item in values:
        found += [str(category) for category in getattr(item, "cats", [])]
    return tuple(found)


# -- writing -----------------------------------------------------------------------

def write_calendar(name: str, entries: Sequence[StoredEntry], *,
                   zone: tzinfo = DEFAULT_ZONE) -> bytes:
    """An iCalendar document of ``entries`` (those that carry an event), for calendar
    apps: times in UTC, all-day events as dates."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", str(zone))
    for stored in entries:
        event = stored.entry.event
        if event is None:
            continue
        component = icalendar.Event()
        component.add("uid", stored.uid.removeprefix("urn:uuid:") + "@aggregator")
        component.add("dtstamp", stored.updated.astimezone(UTC))
        component.add("summary", stored.entry.title)
        if event.all_day:
            component.add("dtstart", event.start.astimezone(zone).date())
            if event.end:
                component.add("dtend", event.end.astimezone(zone).date())
        else:
            component.add("dtstart", event.start.astimezone(UTC))
            if event.end:
                component.add("dtend", event.end.astimezone(UTC))
        if event.location:
            component.add("location", event.location)
        if stored.entry.link:
            component.add("url", stored.entry.link)
        description = plain_text(stored.entry.content_html or stored.entry.summary_html,
                                 is_html=True)
        if description:
            component.add("description", description)
        calendar.add_component(component)
    return bytes(calendar.to_ical())
