"""Which text encoding fetched bytes are in when their labels and the bytes disagree
(pure decisions; the standard library's codecs).

A server labels its answers (``Content-Type: ...; charset=``) and a document may
declare its own encoding (``<?xml ... encoding=?>``, ``<meta charset>``). Servers and
CMS setups often label everything with a legacy charset (windows-1251, iso-8859-2,
windows-1256, ...; a WordPress site whose database moved to UTF-8 while its
"blog charset" stayed ISO-8859-1 puts it in both places) while the feeds and pages
they serve have long been UTF-8. Read as labelled, every letter outside ASCII turns
into two or three wrong ones (``ÐŸÑ€Ð¸`` for ``При``), in every feed reader of every
subscriber.

Text in a legacy charset is practically never valid UTF-8 by chance: each byte above
ASCII would have to be followed by exactly the right continuation bytes, every time
(``Ã¤``, the very mojibake this avoids, is about the only way). So bytes that hold
something beyond ASCII and decode as UTF-8 are read as UTF-8, whatever the labels say.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["charset_of", "declared_in_xml", "stale_labels", "utf8_or_legacy", "with_charset"]

_CHARSET = re.compile(r"""(;\s*charset\s*=\s*["']?)([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(rb"""\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type, if any."""
    found = _CHARSET.search(content_type or "")
    return found[2] if found else None


def with_charset(content_type: str, charset: str) -> str:
    """The Content-Type with its ``charset`` parameter set to `charset`."""
    if _CHARSET.search(content_type):
        return _CHARSET.sub(lambda found: found[1] + charset, content_type, count=1)
    return f"{content_type}; charset={charset}"


def declared_in_xml(body: bytes) -> str | None:
    """The encoding an XML document declares at its start (after a UTF-8 BOM), if any."""
    found = _XML_DECLARATION.match(body.removeprefix(codecs.BOM_UTF8), 0, 512)
    return found[1].decode("ascii") if found else None


def stale_labels(body: bytes, *labels: str | None) -> list[str]:
    """Those of `labels` (the server's, the document's) that name a charset other than
    UTF-8 when `body` is UTF-8 all the same: it holds non-ASCII, all of it valid UTF-8.
    Empty when the labels say UTF-8 or nothing, or the bytes are not UTF-8 (then the
    labels are believed). The bytes are looked at once, whatever the number of labels."""
    stale = [label for label in labels if label and _legacy(label)]
    if not stale or body.isascii():
        return []  # nothing to overrule, or nothing a label would change
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return []
    return stale


def utf8_or_legacy(body: bytes, label: str | None) -> tuple[str, str]:
    """The text of a format that must be UTF-8 (iCalendar), and the charset it was read
    by: UTF-8 when the bytes are (a byte order mark dropped), UTF-16 when they start
    with its byte order mark (what some calendar programs save as "Unicode"), else the
    server's label, else windows-1252 (what exporters that ignore the rule mostly
    write); bytes the charset has no letter for become U+FFFD."""
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return body.decode("utf-16", errors="replace"), "utf-16"
    try:
        return body.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    if label and _legacy(label):
        try:
            return body.decode(label, errors="replace"), label
        except LookupError:
            pass
    return body.decode("windows-1252", errors="replace"), "windows-1252"


def _legacy(name: str) -> bool:
    """A charset other than UTF-8 that writes ASCII as ASCII. UTF-16 and UTF-32 do not
    count (their bytes look nothing like UTF-8); an unknown name (``utf8mb4``, a typo)
    does, as nothing could read by it anyway: valid UTF-8 is the best reading of what
    it labels."""
    return not _is_utf8(name) and _ascii_compatible(name)


def _is_utf8(name: str) -> bool:
    try:
        return codecs.lookup(name).name in ("utf-8", "utf-8-sig")
    except LookupError:
        return False


def _ascii_compatible(name: str) -> bool:
    """Whether the charset writes ASCII as ASCII; an unknown name counts as one."""
    try:
        return codecs.lookup(name).name not in ("utf-16", "utf-16-le", "utf-16-be",
                                               "utf-32", "utf-32-le", "utf-32-be")
    except LookupError:
        return True
