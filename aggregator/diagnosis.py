"""``aggregator check URL``: what a URL is as a source, in plain words, for partners and
operators.

It fetches the URL as the worker would (same limits, same autodiscovery, same
parsers) and says what it is (a feed of which format and version; an HTML page and
the feeds it links to; a calendar; or not usable), how many entries it yields with
their titles, dates and languages, what is wrong (invalid XML at line N, no ids,
dates missing, HTTP errors, redirects) and how to fix it, and prints a ready-to-paste
``[[source]]`` block. With selectors (``--html item=... title=...``) it tries them on
the page and shows what each matches.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from . import discover
from .errors import SourceError
from .fetch import Fetcher, user_agent
from .l10n import format_span
from .language import primary_code
from .models import (
    Entry,
    FetchRequest,
    FetchResult,
    HtmlSelectors,
    PageInfo,
    ParsedFeed,
    Settings,
    SourceConfig,
    SourceKind,
)
from .reading import parse_and_normalize
from .scrape import Matches, read_page, try_selectors

ZONE = ZoneInfo("Europe/Berlin")
#: how many entries are listed
SHOWN = 10

FORMATS = {
    "rss090": "RSS 0.90", "rss091n": "RSS 0.91 (Netscape)", "rss091u": "RSS 0.91 (Userland)",
    "rss092": "RSS 0.92", "rss093": "RSS 0.93", "rss094": "RSS 0.94", "rss20": "RSS 2.0",
    "rss10": "RSS 1.0 (RDF)", "rss": "RSS (version not given)", "atom01": "Atom 0.1",
    "atom02": "Atom 0.2", "atom03": "Atom 0.3", "atom10": "Atom 1.0",
    "atom": "Atom (version not given)", "cdf": "CDF", "json10": "JSON Feed 1.0",
    "json11": "JSON Feed 1.1", "json": "JSON Feed (version not given)",
    "ical20": "iCalendar 2.0", "html": "an HTML page read with selectors",
}


@dataclass
class Report:
    """The lines of a check, and whether the URL works as a source."""

    lines: list[str] = field(default_factory=list)
    usable: bool = False

    def say(self, text: str) -> None:
        self.lines.append(text)

    def text(self) -> str:
        return "\n".join(self.lines)


async def check_url(settings: Settings, url: str, *, selectors: HtmlSelectors | None = None,
                    language: str | None = None) -> tuple[str, bool]:
    """Fetch ``url`` and explain it as a source; the report and whether it is usable."""
    report = Report([f"checking {url}"])
    async with Fetcher(settings.limits, user_agent(settings.contact),
                       allow_private=settings.allow_private_networks) as fetcher:
        fetched = await _fetch(fetcher, url, report)
        if fetched is None:
            return report.text(), False
        body = fetched.body or b""
        now = datetime.now(UTC)
        if selectors is not None:
            _check_selectors(report, settings, fetched, selectors, language, now)
        elif _is_calendar(body, fetched.content_type):
            source = SourceConfig(id="check", name="check", url=url, kind=SourceKind.ICAL,
                                  language=language)
            _check_entries(report, settings, fetched, source, now)
        elif discover.is_page(body, fetched.content_type):
            await _check_page(report, settings, fetcher, fetched, language, now)
        else:
            source = SourceConfig(id="check", name="check", url=url, language=language)
            _check_entries(report, settings, fetched, source, now)
    return report.text(), report.usable


async def _fetch(fetcher: Fetcher, url: str, report: Report) -> FetchResult | None:
    try:
        fetched = await fetcher.fetch(FetchRequest(url))
    except SourceError as error:
        report.say(f"  not usable: {error}")
        return None
    if fetched.permanent_redirect:
        report.say(f"  moved permanently to {fetched.permanent_redirect}: use that URL in "
                   "feeds.toml")
    elif fetched.url != url:
        report.say(f"  redirected (temporarily) to {fetched.url}")
    report.say(f"  HTTP {fetched.status}, {len(fetched.body or b''):,} bytes, "
               f"Content-Type {fetched.content_type or 'not given'}")
    return fetched


def _is_calendar(body: bytes, content_type: str | None) -> bool:
    media = (content_type or "").split(";")[0].strip().lower()
    return media == "text/calendar" or body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").upper(
    ).startswith(b"BEGIN:VCALENDAR")


def _titled(title: str | None) -> str:
    return f"titled {title!r}" if title else "without a title"


async def _check_page(report: Report, settings: Settings, fetcher: Fetcher,
                      fetched: FetchResult, language: str | None, now: datetime) -> None:
    page = read_page(fetched.body or b"", fetched.url, fetched.content_type)
    report.say(f"  an HTML page {_titled(page.title)}, language "
               f"{page.language or 'not declared (<html lang> is missing)'}"
               + (f", made with {page.generator}" if page.generator else ""))
    chosen = discover.choose_feed(page.feeds, language or page.language)
    if chosen is None:
        report.say("  not usable: the server sent an HTML page, not a feed, and the page "
                   "links to no feed (no <link rel=\"alternate\" type=\"application/rss+xml\">"
                   ", Atom or JSON Feed)")
        _advice(report, page)
        return
    report.say(f"  it links to {len(page.feeds)} feed{'s' if len(page.feeds) != 1 else ''} "
               "(autodiscovery):")
    for feed in page.feeds:
        mark = "->" if feed is chosen else "  "
        details = ", ".join(part for part in (feed.type, feed.language, feed.title) if part)
        report.say(f"   {mark} {feed.url} ({details})")
    report.say(f"  following the preferred one: {chosen.url}")
    followed = await _fetch(fetcher, chosen.url, report)
    if followed is None:
        return
    if discover.is_page(followed.body or b"", followed.content_type):
        report.say("  not usable: that feed is a web page too")
        return
    source = SourceConfig(id="check", name="check", url=fetched.url,
                          language=language or primary_code(page.language))
    _check_entries(report, settings, followed, source, now, page=page,
                   feed_url=followed.permanent_redirect or chosen.url)


def _advice(report: Report, page: PageInfo) -> None:
    hints = discover.cms_hints(page.generator)
    for hint in hints:
        report.say(f"  to the partner: {hint}")
    if not hints:
        report.say("  to the partner: most CMSs can publish a feed (WordPress: /feed/, "
                   "Joomla: ?format=feed&type=rss on a blog or category page); link it in "
                   "the page head with <link rel=\"alternate\" type=\"application/rss+xml\">")
    report.say("  or read the page itself: aggregator check URL --html item=SELECTOR "
               "title=SELECTOR [date=...] [link=...] [summary=...] [image=...]")


def _check_entries(report: Report, settings: Settings, fetched: FetchResult,
                   source: SourceConfig, now: datetime, *, page: PageInfo | None = None,
                   feed_url: str | None = None) -> None:
    try:
        parsed, entries = parse_and_normalize(fetched.body or b"", fetched.url,
                                              fetched.content_type, source, now,
                                              settings.languages)
    except SourceError as error:
        report.say(f"  not usable: {error}")
        return
    what = "a calendar" if source.kind is SourceKind.ICAL else "a feed"
    noun = ("event", "events") if source.kind is SourceKind.ICAL else ("entry", "entries")
    report.say(f"  {what} ({parsed.format}) = {FORMATS.get(parsed.format, parsed.format)}, "
               f"{_titled(parsed.title)}, with {len(entries)} {noun[len(entries) != 1]}")
    _problems(report, parsed, entries, source)
    _listing(report, entries)
    report.usable = bool(entries) or source.kind is SourceKind.ICAL
    if not entries and source.kind is not SourceKind.ICAL:
        report.say("  not usable yet: it has no entries")
        return
    _paste(report, parsed, source, fetched, page=page, feed_url=feed_url)


def _problems(report: Report, parsed: ParsedFeed, entries: Sequence[Entry],
              source: SourceConfig) -> None:
    if parsed.warning:
        report.say(f"  warning: {parsed.warning}")
    if source.kind is SourceKind.FEED and entries and not any(
            entry.guid for entry in entries):
        report.say("  the entries have no ids (guid/id): links or content identify them "
                   "instead; an edited entry may then appear twice")
    undated = sum(1 for entry in entries if entry.published is None)
    if undated and source.kind is not SourceKind.ICAL:
        report.say(f"  {undated} of {len(entries)} entries have no usable date (missing, "
                   "unreadable or absurd): the time we first see them is used instead")
    languages = Counter(entry.language or "?" for entry in entries)
    if entries:
        report.say("  languages: " + ", ".join(f"{code} {count}" for code, count in
                                               languages.most_common()))
    if entries and not parsed.language and not source.language:
        report.say("  the feed declares no language: set language = \"..\" in the "
                   "[[source]] block")


def _listing(report: Report, entries: Sequence[Entry]) -> None:
    for entry in entries[:SHOWN]:
        if entry.event is not None:
            when = format_span(entry.event.start, entry.event.end, entry.event.all_day,
                               entry.language)
            where = f" @ {entry.event.location}" if entry.event.location else ""
            report.say(f"  - [{when}{where}] [{entry.language or '?'}] {entry.title}")
            continue
        when = (entry.published.astimezone(ZONE).strftime("%Y-%m-%d %H:%M %Z")
                if entry.published else "no date")
        report.say(f"  - [{when}] [{entry.language or '?'}] {entry.title}"
                   + (f" <{entry.link}>" if entry.link else " (no link)"))
    if len(entries) > SHOWN:
        report.say(f"  ... and {len(entries) - SHOWN} more")


def _check_selectors(report: Report, settings: Settings, fetched: FetchResult,
                     selectors: HtmlSelectors, language: str | None, now: datetime) -> None:
    body = fetched.body or b""
    page = read_page(body, fetched.url, fetched.content_type)
    report.say(f"  an HTML page {_titled(page.title)}, language "
               f"{page.language or 'not declared'}; trying the selectors")
    try:
        _, matches = try_selectors(body, fetched.url, fetched.content_type, selectors,
                                   (language, *settings.languages), now)
    except SourceError as error:
        report.say(f"  not usable: {error}")
        return
    _matches(report, selectors, matches)
    source = SourceConfig(id="check", name="check", url=fetched.url, kind=SourceKind.HTML,
                          html=selectors, language=language or primary_code(page.language))
    _check_entries(report, settings, fetched, source, now, page=page)


def _matches(report: Report, selectors: HtmlSelectors, matches: Matches) -> None:
    report.say(f"  item {selectors.item!r} matched {matches.items} elements; inside them:")
    for key, count in (("title", matches.titles), ("link", matches.links),
                       ("date", matches.dates), ("summary", matches.summaries),
                       ("image", matches.images)):
        selector = getattr(selectors, key)
        label = repr(selector) if selector else {
            "link": "(default: the title's link)", "date": "(default: 'time')"}.get(
            key, "(not given)")
        if selector or count:
            report.say(f"    {key} {label}: found in {count} of {matches.items}")


def _paste(report: Report, parsed: ParsedFeed, source: SourceConfig, fetched: FetchResult,
           *, page: PageInfo | None, feed_url: str | None) -> None:
    url = fetched.permanent_redirect or (page.url if page else fetched.url)
    homepage = parsed.link if source.kind is SourceKind.FEED and parsed.link else None
    if page is not None:
        parts = urlsplit(page.url)
        homepage = homepage or f"{parts.scheme}://{parts.netloc}/"
    language = source.language or primary_code(parsed.language)
    name = (page.title if page else None) or parsed.title or "CHANGE ME"
    lines = ["", "ready to paste into feeds.toml:", "", "[[source]]", 'id = "CHANGE-ME"',
             f"name = {_toml(name)}", f"url = {_toml(url)}"]
    if feed_url:
        lines[-1] += f"   # autodiscovery; the feed found now: {feed_url}"
    if homepage:
        lines.append(f"homepage = {_toml(homepage)}")
    if language:
        lines.append(f"language = {_toml(language)}")
    if source.kind is not SourceKind.FEED:
        lines.append(f"kind = {_toml(source.kind.value)}")
    if source.kind is SourceKind.HTML and source.html is not None:
        lines += ["", "[source.html]"]
        for key in ("item", "title", "link", "date", "summary", "image", "date_format"):
            value = getattr(source.html, key)
            if value:
                lines.append(f"{key} = {_toml(value)}")
    report.lines += lines


def _toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
