"""Reading a fetched body: the CPU-bound middle of the spine, parse -> normalise ->
fingerprint, in one call that runs in a parser process (:mod:`aggregator.pool`).

Its own module, apart from :mod:`aggregator.update`, so that the parser processes load
the parsing code and nothing of the fetching and storing around it (httpx, SQLite:
about 13 MB less in the fork server, and the workers forked from it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from .errors import ParseError, SourceError
from .models import Entry, ParsedFeed, SourceConfig, SourceKind


def parse_and_normalize(body: bytes, url: str, content_type: str | None,
                        source: SourceConfig, now: datetime, languages: Sequence[str] = ()
                        ) -> tuple[ParsedFeed, list[Entry]]:
    """The CPU-bound middle of the spine, parse -> normalise -> fingerprint, in one call
    so it can run in another process. ``languages``: the portal's, to identify
    languages and read dates on news pages. Returns the feed's head (its raw entries
    left out: they would travel back from a parser process for nothing, a third of
    what it sends) and the entries."""
    from . import dedupe
    from .normalize import clean_feed, normalize_feed

    try:
        parsed = clean_feed(parse_source(body, url, content_type, source, now, languages), url)
        entries = normalize_feed(parsed, source, url, now, languages)
        return replace(parsed, entries=()), [dedupe.prepare(entry) for entry in entries]
    except SourceError:
        raise
    except Exception as error:
        # a bug that a stranger's document runs into: that source fails, in words, and
        # the pass goes on with the others
        raise ParseError(f"reading the document failed: {type(error).__name__}: {error}"[:500]
                         + " (a bug in the aggregator: please report it with the URL)",
                         code="parse_crash") from error


def parse_source(body: bytes, url: str, content_type: str | None, source: SourceConfig,
                 now: datetime, languages: Sequence[str] = ()) -> ParsedFeed:
    """Bytes -> :class:`ParsedFeed`, by the source's kind: a feed (RSS, Atom, JSON Feed),
    a news page read with the selectors of ``[source.html]``, or an iCalendar file."""
    if source.kind is SourceKind.HTML and source.html is not None:
        from .scrape import parse_page

        return parse_page(body, url, content_type, source.html,
                          (source.language, *languages), now)
    if source.kind is SourceKind.ICAL:
        from .calendar import parse_calendar

        return parse_calendar(body, now, content_type=content_type)
    from .dates import read_feed_dates
    from .language import primary_code
    from .parse import parse_feed

    feed = parse_feed(body, content_type)
    return read_feed_dates(feed, (primary_code(feed.language), source.language, *languages),
                           now=now)
