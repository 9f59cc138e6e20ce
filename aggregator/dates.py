"""Reading dates as people write them on web pages, in their languages. This module
owns dateparser (month and weekday names, word orders and relative dates for about
200 languages from CLDR), so nobody hand-writes tables of month names.

``12. März 2026``, ``Donnerstag, 12. März 2026``, ``Mai 18, 2022``, ``12.03.2026,
18:00 Uhr``, ``18 Mayıs 2022``, ``۱۲ مارس ۲۰۲۶`` (Persian digits), ``١٢ مارس ٢٠٢٦``
(Arabic-Indic digits), ``12 березня 2026``, ``12 marca 2026``, ``vor 2 Tagen``: each
is read in the source's language first, then the portal's languages. Numeric dates
are day-first (``12.03.2026`` is the 12th of March), as everywhere around the portal;
a page that writes them otherwise needs ``date_format``. A date without a time zone
is in Europe/Berlin. Pure: ``now`` is passed in (for relative dates and dates without
a year), nothing else is consulted.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, time, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from .models import ParsedFeed

#: where the portal is: dates without a zone are read as local time there
DEFAULT_ZONE = ZoneInfo("Europe/Berlin")
#: languages dateparser is asked about at most, so it does not guess among 200
MAX_LANGUAGES = 12
#: longer texts are not searched for a date inside them
MAX_SEARCH = 200
#: a feed's date as written is at most this long (longer texts are not dates) ...
MAX_DATE_TEXT = 64
#: ... and at most this many are read per document (see :func:`read_feed_dates`)
MAX_DATE_READS = 100

_BIDI_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"))
_SPACES = re.compile(r"\s+")


def parse_date(text: str | None, languages: Iterable[str | None], *, now: datetime,
               date_format: str | None = None, zone: tzinfo = DEFAULT_ZONE) -> datetime | None:
    """The moment ``text`` names, in UTC, or None when it names none.

    ``languages``: the source's language first, then the portal's; codes dateparser
    does not know (such as ``kmr``) are skipped. ``date_format`` (strptime) is tried
    first when given: the escape hatch for pages that write dates ambiguously.
    """
    cleaned = clean(text or "")
    if not cleaned:
        return None
    if date_format:
        found = _strptime(cleaned, date_format)
        if found is not None:
            return _utc(found, zone)
    found = _iso(cleaned) or _rfc822(cleaned)
    if found is None:
        found = _dateparser(cleaned, _known(tuple(languages)), now.astimezone(zone), zone)
    return _utc(found, zone) if found is not None else None


def read_feed_dates(feed: ParsedFeed, languages: Iterable[str | None], *, now: datetime
                    ) -> ParsedFeed:
    """The feed with the dates its parser could not read (``Mo, 12 Mär 2026 10:00``,
    ``12.03.2026``: RFC 822 in the feed's language, or no standard at all), or read in
    the wrong zone (a zone name it does not know, ``MEZ``, ``MSK``, taken as UTC), read
    as people write them; those nobody can read are listed in ``unparsed_dates``, and
    their entries keep no date (the time first seen stands in). Bounded: dateparser
    takes milliseconds per text (up to a tenth of a second on a long one), so at most
    ``MAX_DATE_READS`` texts of at most ``MAX_DATE_TEXT`` characters are read."""
    if not any(entry.date_text for entry in feed.entries):
        return feed
    wanted = tuple(languages)
    entries, unread, reads = [], [], 0
    for entry in feed.entries:
        text = entry.date_text
        if text:
            found = None
            if len(text) <= MAX_DATE_TEXT and reads < MAX_DATE_READS:
                reads += 1
                found = parse_date(text, wanted, now=now)
            if found is not None:
                entry = replace(entry, published=found)
            elif entry.published is None:  # else the feed parser's reading stands
                unread.append(text[:MAX_DATE_TEXT])
        entries.append(entry)
    if not unread:
        return replace(feed, entries=tuple(entries))
    said = (f"{len(unread)} of {len(entries)} dates could not be read (e.g. {unread[0]!r}); "
            "the first-seen time is used instead")
    return replace(feed, entries=tuple(entries),
                   unparsed_dates=feed.unparsed_dates + tuple(unread),
                   warning=f"{feed.warning}; {said}" if feed.warning else said)


def clean(text: str) -> str:
    """Whitespace collapsed, bidi marks dropped, every decimal digit (Persian,
    Arabic-Indic, Devanagari, ...) turned into its ASCII digit."""
    text = text.translate(_BIDI_MARKS)
    text = "".join(
        str(digit) if not char.isascii() and (digit := unicodedata.decimal(char, None)) is not None
        else char for char in text)
    return _SPACES.sub(" ", text).strip()


def _utc(found: datetime, zone: tzinfo) -> datetime:
    if found.tzinfo is None:
        found = found.replace(tzinfo=zone)
    return found.astimezone(UTC)


def format_problem(date_format: str) -> str | None:
    """Why ``date_format`` can never read a date (strptime's words, such as "'-' is a
    bad directive"), or None: a date written in it must read back (checking feeds.toml;
    reading ignores a format that fails)."""
    sample = datetime(2026, 3, 12, 18, 30, tzinfo=UTC)
    try:
        datetime.strptime(sample.strftime(date_format), date_format)
    except ValueError as error:
        return str(error)
    return None


def _strptime(text: str, date_format: str) -> datetime | None:
    try:
        return datetime.strptime(text, date_format)
    except ValueError:
        return None


def _iso(text: str) -> datetime | None:
    if not text[:4].isdigit() or len(text) < 10 or text[4] != "-":
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.combine(date.fromisoformat(text[:10]), time())
    except ValueError:
        return None


def _rfc822(text: str) -> datetime | None:
    """An RFC 822 date with a zone the standard library knows (numeric, GMT, EST, ...);
    with any other (``+03:00``, ``MSK``, ``MEZ``) or none it answers a naive time, and
    dateparser, which knows those, reads the text instead."""
    if not re.search(r"\d{1,2} [A-Za-z]{3} \d{4} \d{2}:\d{2}", text):
        return None
    try:
        found = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return found if found.tzinfo is not None else None


@lru_cache(maxsize=1)
def _library() -> Any:
    """dateparser, imported on first use: it takes a good part of a second to load, and
    most sources (feeds with machine-readable dates) never need it."""
    import dateparser
    import dateparser.search

    return dateparser


@lru_cache(maxsize=1)
def _supported() -> frozenset[str]:
    from dateparser.languages.loader import default_loader

    return frozenset(default_loader.get_locale_map())


@lru_cache(maxsize=256)
def _known(languages: tuple[str | None, ...]) -> tuple[str, ...]:
    supported = _supported()
    codes = dict.fromkeys(code for code in languages if code and code in supported)
    return tuple(codes)[:MAX_LANGUAGES] or ("de", "en")


def _dateparser(text: str, languages: tuple[str, ...], now: datetime,
                zone: tzinfo) -> datetime | None:
    settings = {
        "DATE_ORDER": "DMY",
        "PREFER_DATES_FROM": "past",
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "REQUIRE_PARTS": ["day", "month"],
    }
    library = _library()
    try:
        found = library.parse(text, languages=list(languages), settings=settings)
        if found is None and len(text) <= MAX_SEARCH:
            hits = library.search.search_dates(text, languages=list(languages),
                                               settings=settings)
            found = hits[0][1] if hits else None
    except (ValueError, OverflowError, TypeError):  # a library hiccup on odd input
        return None
    return found if isinstance(found, datetime) else None
