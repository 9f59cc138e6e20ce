"""Pure decisions: no I/O, no clock, no database. Tested with plain values.

* identity: which key identifies an entry within its source
* change: the content hash that tells whether an entry changed
* dates: which upstream dates to believe
* schedule: when to fetch a source again, after success or failure
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from .errors import GoneError, HTTPStatusError, SourceError
from .models import FetchResult, ParsedFeed, SourceConfig, SourceState

#: dates before this are placeholders (epoch zero, 1900-01-01, ...), not publication dates
EARLIEST_DATE = datetime(1995, 1, 1, tzinfo=UTC)
#: how far in the future a date may lie (time zones, clock skew) before we distrust it
FUTURE_SLACK = timedelta(days=1)


def _digest(*parts: str | None) -> str:
    joined = "\x1f".join(part or "" for part in parts)
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()


def identity_keys(items: Sequence[tuple[str | None, str | None, str, str]]) -> list[str]:
    """Keys for the entries of one feed document, in order.

    Each item is ``(upstream id, absolute link, title, text)``. The cascade:

    1. the upstream id, when it is unique within the document;
    2. id + link, when ids repeat (a CMS that gives every item the same guid);
    3. the link, for entries without an id;
    4. a hash of title and text, for entries with neither.

    A key is ``kind:digest`` so it stays short whatever the feed sends.
    """
    id_counts = Counter(item_id for item_id, _, _, _ in items if item_id)
    link_counts = Counter(link for item_id, link, _, _ in items if link and not item_id)
    keys = []
    for item_id, link, title, text in items:
        if item_id and id_counts[item_id] == 1:
            keys.append("id:" + _digest(item_id))
        elif item_id and link:
            keys.append("idlink:" + _digest(item_id, link))
        elif item_id:
            keys.append("idhash:" + _digest(item_id, title, text))
        elif link and link_counts[link] == 1:
            keys.append("link:" + _digest(link))
        elif link:
            keys.append("linkhash:" + _digest(link, title, text))
        else:
            keys.append("hash:" + _digest(title, text))
    return _unique(keys)


def _unique(keys: list[str]) -> list[str]:
    """Entries that are identical in every respect still get distinct keys, in order."""
    seen: Counter[str] = Counter()
    unique = []
    for key in keys:
        seen[key] += 1
        unique.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return unique


def content_hash(title: str, link: str | None, summary: str, content: str,
                 author: str | None, categories: Iterable[str]) -> str:
    """What a reader sees of an entry. Dates are left out on purpose: many CMSs
    regenerate them on every request, which is not a change to the story."""
    return _digest(title, link, summary, content, author, "\x1e".join(categories))


def trusted_date(value: datetime | None, now: datetime) -> datetime | None:
    """An upstream date, or None when it is missing or absurd (placeholder dates from
    before the web, or dates in the future). None means: use the first-seen time."""
    if value is None or value < EARLIEST_DATE or value > now + FUTURE_SLACK:
        return None
    return value


# -- when to fetch again ---------------------------------------------------------

#: adaptive intervals stay within these bounds
MIN_INTERVAL = timedelta(minutes=5)
MAX_INTERVAL = timedelta(hours=24)
#: the longest we wait after failures, and the longest a Retry-After is honoured
MAX_BACKOFF = timedelta(hours=24)
#: sources are spread by up to this fraction of their interval
JITTER = 0.1


def clamp(value: timedelta, low: timedelta = MIN_INTERVAL,
          high: timedelta = MAX_INTERVAL) -> timedelta:
    return low if value < low else high if value > high else value


def _max_age(cache_control: str | None) -> timedelta | None:
    for directive in (cache_control or "").lower().split(","):
        name, _, value = directive.strip().partition("=")
        if name in ("max-age", "s-maxage") and value.strip().strip('"').isdigit():
            return timedelta(seconds=int(value.strip().strip('"')))
    return None


def polling_interval(configured: timedelta, *, cache_control: str | None = None,
                     expires: datetime | None = None, ttl_minutes: int | None = None,
                     now: datetime | None = None) -> timedelta:
    """How long to wait before the next fetch of a healthy source.

    The configured interval, lengthened (never shortened) when the server or the feed
    asks us to come back later (``Cache-Control: max-age``, ``Expires``, RSS
    ``<ttl>``); a hint is clamped to 5 minutes .. 24 hours. A configured interval
    shorter than 5 minutes (tests, a local source) is honoured as it is.
    """
    hints = [_max_age(cache_control)]
    if expires is not None and now is not None:
        hints.append(expires - now)
    if ttl_minutes is not None and ttl_minutes > 0:
        hints.append(timedelta(minutes=ttl_minutes))
    asked = [clamp(hint) for hint in hints if hint is not None and hint > timedelta(0)]
    return max([configured, *asked])


def backoff(failures: int, interval: timedelta, retry_after: float | None = None) -> timedelta:
    """Wait after the ``failures``-th failure in a row: the interval doubled per failure,
    at most 24 hours; a server's ``Retry-After`` wins when it asks for longer (capped)."""
    wait = min(interval * (1 << min(max(0, failures - 1), 20)), MAX_BACKOFF)
    if retry_after is not None:
        wait = max(wait, min(timedelta(seconds=retry_after), MAX_BACKOFF))
    return max(wait, interval)


def jittered(now: datetime, wait: timedelta, spread: float) -> datetime:
    """``now + wait``, moved by up to ±JITTER of ``wait``; ``spread`` is a number in
    [0, 1) from the caller's random source (kept outside, so this stays pure)."""
    return now + wait * (1 + JITTER * (2 * spread - 1))


# -- a source's state after an attempt ---------------------------------------------

def after_success(state: SourceState, fetched: FetchResult, *, configured_url: str,
                  body_hash: str | None, feed: ParsedFeed | None, now: datetime,
                  wait: timedelta, spread: float) -> SourceState:
    """The state after a fetch that worked (200 or 304)."""
    moved = fetched.permanent_redirect
    changes: dict[str, object] = {
        "etag": fetched.etag or (state.etag if fetched.not_modified else None),
        "last_modified": fetched.last_modified or (
            state.last_modified if fetched.not_modified else None),
        "last_fetch": now, "last_success": now, "failures": 0, "retired": False,
        "last_error": None, "last_error_code": None, "last_error_at": None,
        "next_fetch": jittered(now, wait, spread),
    }
    if body_hash is not None:
        changes["body_hash"] = body_hash
    if moved:
        changes.update(moved_to=moved, moved_from=configured_url)
    if feed is not None:
        changes.update(feed_title=feed.title, feed_link=feed.link, feed_id=feed.id,
                       feed_updated=feed.updated, warning=feed.warning,
                       unparsed_dates=len(feed.unparsed_dates))
    return replace(state, **changes)  # type: ignore[arg-type]


def after_failure(state: SourceState, error: SourceError, *, now: datetime,
                  interval: timedelta, spread: float) -> SourceState:
    """The state after a failed attempt: the error in plain words, backoff, or retirement
    on 410 Gone. Entries, validators and the body hash are untouched."""
    failures = state.failures + 1
    retry_after = error.retry_after if isinstance(error, HTTPStatusError) else None
    return replace(
        state,
        last_fetch=now, last_error=str(error), last_error_code=error.code, last_error_at=now,
        failures=failures, retired=isinstance(error, GoneError),
        next_fetch=retry_time(now, failures, interval, retry_after, spread),
    )


def retry_time(now: datetime, failures: int, interval: timedelta, retry_after: float | None,
               spread: float) -> datetime:
    """When to try again after the ``failures``-th failure: the jittered backoff, but
    never before a server's ``Retry-After`` (jitter must not undercut what it asked for)
    and never more than a day away (unless the configured interval is longer)."""
    floor = now + min(timedelta(seconds=retry_after), MAX_BACKOFF) if retry_after else now
    ceiling = now + max(MAX_BACKOFF, interval)
    return min(max(jittered(now, backoff(failures, interval, retry_after), spread), floor),
               ceiling)


def reading_key(source: SourceConfig) -> str:
    """What in feeds.toml decides how a source is fetched and read (URL, kind,
    selectors, language settings), as a short digest. Not its name, tags, interval,
    priority or how it is published: changing those starts nothing afresh. (A version
    that adds a setting here starts every source afresh once: one full fetch each.)"""
    return _digest(repr((source.url, source.kind.value, source.html, source.language,
                         source.language_param, source.language_values)))[:16]


def for_source(state: SourceState, source: SourceConfig) -> SourceState:
    """The state to go on from for ``source`` as feeds.toml gives it now. When the state
    was made for another way of reading it (the operator fixed its URL, its kind or its
    selectors), the source starts afresh: no validators or body hash of before (a 304
    or an equal hash would keep the new reading from ever running), and no backoff,
    retirement, error, redirect or discovered feed of before; its entries and its
    feed's title stay. A state from before this was recorded (None) is taken as made
    for the source as it is."""
    reading = reading_key(source)
    if state.reading == reading:
        return state
    if state.reading is None:
        return replace(state, reading=reading)
    return replace(state, reading=reading, etag=None, last_modified=None, body_hash=None,
                   moved_to=None, moved_from=None, discovered_url=None, discovered_from=None,
                   failures=0, next_fetch=None, retired=False, last_error=None,
                   last_error_code=None, last_error_at=None, warning=None, unparsed_dates=0)


def for_sources(sources: Iterable[SourceConfig], states: Mapping[str, SourceState]
                ) -> dict[str, SourceState]:
    """:func:`for_source` for each configured source that has a state."""
    return {source.id: for_source(states[source.id], source)
            for source in sources if source.id in states}


def fetch_url(source_url: str, state: SourceState) -> str:
    """Where to fetch: a remembered permanent redirect, unless the operator has since
    changed the URL in feeds.toml."""
    if state.moved_to and state.moved_from == source_url:
        return state.moved_to
    return source_url


def is_due(state: SourceState, now: datetime) -> bool:
    return not state.retired and (state.next_fetch is None or state.next_fetch <= now)
