"""The one place where URLs are canonicalised, resolved and checked.

``canonical_url`` produces an *identity key* for a link: two links that a reader
would consider "the same page" map to the same string.  The result is for
comparison and storage as a key only, never for display (it may even point at
a URL that does not exist, e.g. ``https://`` for a site only served over
``http://``, or the bare host for ``m.example.org``).

What is folded together (documented contract, covered by ``tests/test_urls.py``):

* scheme and host are case-insensitive; ``http`` and ``https`` are the same
  (the result always says ``https``);
* a leading ``www.`` or ``m.`` host label is dropped (``www.hannover.de``,
  ``m.hannover.de`` and ``hannover.de`` are one site) as long as at least two
  labels remain; international host names are IDNA-encoded (``xn--...``);
* default ports ``:80`` and ``:443`` (either, as the schemes are folded) and
  user info (``user:pw@``) are dropped; the fragment (``#...``) is dropped;
* tracking parameters are removed from the query (``utm_*``, ``fbclid``,
  ``gclid``, ... see ``TRACKING_PARAMS`` / ``TRACKING_PREFIXES``), the
  remaining parameters are sorted, an empty query disappears;
* percent-encoding is normalised (unreserved characters decoded, escapes in
  upper case, non-ASCII encoded as UTF-8), ``.``/``..`` segments resolved;
* a trailing ``index.html``/``index.htm``/``index.php`` and a trailing ``/``
  are folded (``/news/``, ``/news/index.html`` and ``/news`` are one page);
  anything else in the path is kept as is, e.g. ``/news/a.html`` and
  ``/news/a`` stay different, and path case is kept.

Anything that is not an absolute ``http``/``https`` URL with a plausible host
is returned stripped but otherwise unchanged, so the function never raises and
is idempotent on every input.

Library choice: w3lib (Scrapy's URL toolkit) does the RFC 3986 work
(percent-encoding normalisation, query sorting, dot segments, IDNA, fragment).
Measured against url-normalize 3.1 on a set of feed links and garbage:
url-normalize does not sort the query, keeps fragments, silently rewrites
``a..b.com`` to ``a.b.com`` and raises ``UnicodeError`` on over-long host
labels; w3lib's ``canonicalize_url`` sorts, normalises and drops fragments and
only raises ``ValueError`` on a few malformed netlocs (bad port, broken IPv6
literal), which are caught here.  Neither drops default ports, folds
``www.``/``m.``, http/https or ``index.html``, so those few rules live below.
This module is the only one in the project that imports w3lib.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import SplitResult, parse_qs, unquote, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as _w3lib_canonicalize_url
from w3lib.url import url_query_cleaner

__all__ = [
    "TRACKING_PARAMS",
    "TRACKING_PREFIXES",
    "absolute_url",
    "canonical_url",
    "is_http_url",
]

#: Query parameters (compared case-insensitively) that only track the reader.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "igsh",
        "_hsenc",
        "_hsmi",
        "_hsmkt",
        "__hssc",
        "__hstc",
        "__hsfp",
        "hsctatracking",
        "yclid",
        "ysclid",
        "ref_src",
        "ref_url",
        "twclid",
        "ttclid",
        "li_fat_id",
        "s_cid",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "vero_conv",
        "rb_clickid",
        "wt_mc",
        "wt.mc_id",
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "_ga",
        "_gl",
        "spm",
        "share",
        "cmpid",
        "xtor",
    }
)

#: Query parameter prefixes (case-insensitive) that only track the reader.
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "pk_", "mtm_", "matomo_", "piwik_", "hmb_")

_INDEX_FILES: tuple[str, ...] = ("index.html", "index.htm", "index.php")
_HOST_PREFIXES: tuple[str, ...] = ("www.", "m.")
_DEFAULT_PORTS: frozenset[int] = frozenset({80, 443})
_HTTP_SCHEMES: frozenset[str] = frozenset({"http", "https"})

# A registered-name host after IDNA encoding: dot-separated labels of
# letters, digits, hyphen and (seen in the wild) underscore; no empty label.
_HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}\.?$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*\.?$"
)
_IPV4_RE = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_IPV6_RE = re.compile(r"^\[[0-9a-f:.]+\]$")
_PORT_RE = re.compile(r"^\d{1,5}$")
# Characters browsers strip from anywhere in a URL (tab, LF, CR).
_STRIP_INSIDE = str.maketrans("", "", "\t\n\r")


def _valid_host(host: str) -> bool:
    if _IPV6_RE.match(host):
        return True
    if _IPV4_RE.match(host):
        return all(int(part) <= 255 for part in host.split("."))
    return bool(_HOSTNAME_RE.match(host))


def _split_netloc(netloc: str) -> tuple[str, str] | None:
    """``netloc`` without user info -> (host, port); None if malformed."""
    hostport = netloc.rpartition("@")[2]
    if hostport.startswith("["):
        end = hostport.find("]")
        if end == -1:
            return None
        host, rest = hostport[: end + 1], hostport[end + 1 :]
        if rest and not rest.startswith(":"):
            return None
        port = rest[1:]
    else:
        host, _, port = hostport.partition(":")
    if port and not (_PORT_RE.match(port) and int(port) <= 65535):
        return None
    return host.lower(), port


def _parsed_http(url: str) -> SplitResult | None:
    """Split ``url`` if it is an absolute http(s) URL with a plausible host."""
    try:
        parts = urlsplit(url.strip().translate(_STRIP_INSIDE))
    except ValueError:
        return None
    if parts.scheme.lower() not in _HTTP_SCHEMES or not parts.netloc:
        return None
    split = _split_netloc(parts.netloc)
    if split is None:
        return None
    host = split[0]
    if host.isascii():
        return parts if _valid_host(host) else None
    try:
        encoded = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    return parts if _valid_host(encoded) else None


def is_http_url(url: str) -> bool:
    """True if ``url`` is an absolute ``http``/``https`` URL with a usable host."""
    if not isinstance(url, str):
        return False
    return _parsed_http(url) is not None


def absolute_url(href: str, base: str) -> str | None:
    """Resolve ``href`` (possibly relative) against ``base``.

    Returns the resolved URL (not canonicalised: fit for display and fetching)
    or ``None`` unless the result is an absolute ``http``/``https`` URL, e.g.
    for ``javascript:``, ``mailto:`` or a relative ``href`` on a non-http base.
    """
    if not isinstance(href, str) or not isinstance(base, str):
        return None
    href = href.strip().translate(_STRIP_INSIDE)
    base = base.strip().translate(_STRIP_INSIDE)
    try:
        joined = urljoin(base, href) if base else href
    except ValueError:
        return None
    return joined if is_http_url(joined) else None


def _is_tracking(pair: str) -> bool:
    name = unquote(pair.partition("=")[0]).lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def _fold_host(host: str) -> str:
    host = host.rstrip(".")
    changed = True
    while changed:
        changed = False
        for prefix in _HOST_PREFIXES:
            rest = host[len(prefix) :]
            if host.startswith(prefix) and "." in rest:
                host = rest
                changed = True
    return host


def _fold_path(path: str) -> str:
    while True:
        lowered = path.lower()
        for name in _INDEX_FILES:
            if lowered.endswith("/" + name):
                path = path[: -len(name)]
                break
        else:
            if len(path) > 1 and path.endswith("/"):
                path = path.rstrip("/") or "/"
                continue
            return path or "/"


def _canonical_once(url: str) -> str | None:
    parts = _parsed_http(url)
    if parts is None:
        return None
    try:
        normalised = _w3lib_canonicalize_url(urlunsplit(parts), keep_fragments=False)
        parts = urlsplit(normalised)
    except ValueError:
        return None
    split = _split_netloc(parts.netloc)
    if split is None:
        return None
    host, port = split
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            return None
    if not _valid_host(host):
        return None
    host = _fold_host(host)
    # http and https are folded together, so both default ports are dropped.
    netloc = f"{host}:{int(port)}" if port and int(port) not in _DEFAULT_PORTS else host
    query = "&".join(pair for pair in parts.query.split("&") if pair and not _is_tracking(pair))
    return urlunsplit(("https", netloc, _fold_path(parts.path), query, ""))


def canonical_url(url: str) -> str:
    """Identity key for ``url`` (see module docstring); never raises.

    >>> canonical_url("HTTP://www.Example.org:80/news/index.html?utm_source=x&b=2&a=1#top")
    'https://example.org/news?a=1&b=2'
    """
    if not isinstance(url, str):
        return ""
    stripped = url.strip()
    current = stripped
    # Each rule is a fold towards a fixed point; iterate (boundedly) so that
    # canonical_url(canonical_url(u)) == canonical_url(u) even for odd inputs
    # like "/index.html/index.html" or "www.www.example.org".
    for _ in range(8):
        try:
            result = _canonical_once(current)
        except Exception:  # defensive: never raise on garbage from feeds
            result = None
        if result is None:
            return current
        if result == current:
            return result
        current = result
    return current


#: what may not stand in an IRI as it is (RFC 3987): space, controls, "<>\\^`{|}
_NOT_IN_IRI = re.compile(r'[\x00-\x20"<>\\^`{|}\x7f]')


def web_address(url: str) -> str:
    """``url`` as every reader can follow it: the characters no IRI may hold as they
    are (a space, a quote, ``<``, ...) percent-encoded; everything else as it was (a
    German umlaut stays, as IRIs allow). Partners' CMSs write links with spaces."""
    return _NOT_IN_IRI.sub(lambda found: f"%{ord(found[0]):02X}", url)


def query_value(url: str, name: str) -> str | None:
    """The value of query parameter ``name`` in ``url`` (the first one), if any."""
    values = parse_qs(urlsplit(url).query, keep_blank_values=False).get(name)
    return values[0] if values else None


def without_query(url: str, names: Sequence[str]) -> str:
    """``url`` without the query parameters ``names`` (e.g. a CMS's language switch)."""
    return url_query_cleaner(url, list(names), remove=True, keep_fragments=True)
