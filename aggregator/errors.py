"""The one exception tree of the aggregator.

Every error the aggregator raises on purpose derives from :class:`AggregatorError`.
Library errors (httpx, feedparser, sqlite3, ...) are wrapped at the module that owns
the library with ``raise ... from``; programming errors are never wrapped.

::

    AggregatorError
    ├── ConfigError              feeds.toml or the environment is wrong (names file, source, key)
    ├── SourceError              one source failed; recorded on it, never stops the others
    │   ├── FetchError           getting the bytes failed
    │   │   ├── HTTPStatusError  the server answered with an error status (404, 500, 429, ...)
    │   │   │   └── GoneError    410 Gone: the source is retired
    │   │   ├── NetworkError     DNS, refused connection, TLS, reset, an answer that is not HTTP
    │   │   ├── FetchTimeout     connect/read timeout or the total deadline
    │   │   ├── TooLargeError    the body passed the size cap (after decompression)
    │   │   ├── RedirectError    too many hops, a loop, or a non-http(s) target
    │   │   └── BlockedAddressError  the host resolves to an address we refuse to contact
    │   └── ParseError           the bytes are not a usable feed
    │       ├── NotAFeedError    an HTML page, an empty body, or a feed that yields nothing
    │       │   └── NoFeedLinkError  a page (kind "feed") that links to no feed
    │       ├── SelectorError    a news page where the [source.html] selectors find nothing
    │       └── CalendarError    the bytes are not a usable iCalendar document
    ├── StoreError               the database cannot be read or written
    └── PublishError             an output file cannot be written

Each :class:`SourceError` has a short ``code`` (``"http_404"``, ``"timeout"``,
``"not_a_feed"``, ...) used for metrics and the status page, and a message meant for
people: what failed, where, and what to do.
"""

from __future__ import annotations


class AggregatorError(Exception):
    """Root of every error the aggregator raises on purpose."""


class ConfigError(AggregatorError):
    """The configuration is invalid: the message names the file, the source and the key."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        source: str | None = None,
        key: str | None = None,
    ) -> None:
        self.path = path
        self.source = source
        self.key = key
        where = ": ".join(
            part
            for part in (
                path,
                f"source {source!r}" if source else None,
                f"key {key!r}" if key else None,
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)


class SourceError(AggregatorError):
    """A source could not be updated. Recorded on the source; the others go on."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class FetchError(SourceError):
    code = "fetch"


class HTTPStatusError(FetchError):
    def __init__(self, message: str, *, status: int, retry_after: float | None = None) -> None:
        super().__init__(message, code=f"http_{status}")
        self.status = status
        self.retry_after = retry_after


class GoneError(HTTPStatusError):
    pass


class NetworkError(FetchError):
    code = "network"


class FetchTimeout(FetchError):
    code = "timeout"


class TooLargeError(FetchError):
    code = "too_large"


class RedirectError(FetchError):
    code = "redirect"


class BlockedAddressError(FetchError):
    code = "blocked_address"


class ParseError(SourceError):
    code = "parse"


class NotAFeedError(ParseError):
    code = "not_a_feed"


class NoFeedLinkError(NotAFeedError):
    """An HTML page where a feed was expected, and the page names no feed either."""


class SelectorError(ParseError):
    """A selector of ``[source.html]`` is invalid or matches nothing: the page's layout
    changed (or the selector is wrong). Never an empty success that looks like "no news"."""

    code = "selector"


class CalendarError(ParseError):
    code = "not_a_calendar"


class StoreError(AggregatorError):
    """The database cannot be opened, read or written."""


class PublishError(AggregatorError):
    """An output file cannot be written."""
