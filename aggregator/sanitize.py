"""Making untrusted text safe to republish. This module owns nh3 (the Ammonia
allowlist sanitiser, in Rust: fast, and maintained against real XSS vectors).

Two kinds of field:

* HTML fields (summaries, content) go through :func:`clean_html`: an allowlist of
  tags and attributes, http/https/mailto URLs only, relative URLs resolved against
  the entry's base, ``rel="noopener noreferrer"`` on links.
* Text fields (titles, author names, categories) go through :func:`plain_text`:
  markup is reduced to its text, entities are decoded once, control characters
  and whitespace runs are removed. They are escaped exactly once, on output.
"""

from __future__ import annotations

import html
import re
from contextlib import suppress
from copy import deepcopy
from functools import lru_cache

import nh3

URL_SCHEMES = {"http", "https", "mailto"}
TAGS = set(nh3.ALLOWED_TAGS) - {"area", "map"}
ATTRIBUTES = deepcopy(nh3.ALLOWED_ATTRIBUTES)
ATTRIBUTES.setdefault("*", set()).update({"lang", "dir"})
ATTRIBUTES["abbr"] = {"title"}
ATTRIBUTES["time"] = {"datetime"}
# whose *content* goes too, not just the tag
DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript",
                     "svg", "math", "form", "select", "textarea", "button"}

# C0/C1 controls except tab, newline, carriage return; non-characters; lone surrogates
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
_SPACE = re.compile(r"\s+")


_EMBEDDINGS = "\u202a\u202b\u202d\u202e"  # LRE RLE LRO RLO, closed by PDF
_ISOLATES = "\u2066\u2067\u2068"  # LRI RLI FSI, closed by PDI
_PDF, _PDI = "\u202c", "\u2069"
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_TEXT_RUN = re.compile("[^<>]+")


def balance_bidi(text: str) -> str:
    """Close every bidi embedding, override and isolate that the text opens, and drop
    closers that close nothing, so a field cannot flip the text around it (an
    unterminated U+202E in a title would reverse everything after it in a reader's
    list). Marks (U+200E, U+200F) and joiners (U+200C, U+200D) are not touched."""
    if not _BIDI.search(text):
        return text
    out: list[str] = []
    stack: list[str] = []
    for character in text:
        if character in _EMBEDDINGS or character in _ISOLATES:
            stack.append(character)
        elif character == _PDF:
            if not stack or stack[-1] not in _EMBEDDINGS:
                continue  # closes nothing
            stack.pop()
        elif character == _PDI:
            if not any(opener in _ISOLATES for opener in stack):
                continue
            while stack.pop() not in _ISOLATES:  # a PDI also ends embeddings inside it
                pass
        out.append(character)
    out.extend(_PDI if opener in _ISOLATES else _PDF for opener in reversed(stack))
    return "".join(out)


def strip_controls(text: str) -> str:
    """Remove control characters and non-characters that no reader should ever get."""
    return _CONTROL.sub("", text)


def clean_html(fragment: str, base: str | None = None) -> str:
    """Sanitise an HTML fragment; relative URLs are resolved against ``base``."""
    if not fragment:
        return ""
    # controls go before (they could hide markup) and after: the cleaner decodes
    # character references, and "&#1;" is a control character no XML may hold
    cleaned = strip_controls(_cleaner(base or None).clean(strip_controls(fragment)))
    # balance bidi controls within each run of text, so none leaks past its element
    if _BIDI.search(cleaned):
        cleaned = _TEXT_RUN.sub(lambda run: balance_bidi(run.group()), cleaned)
    return cleaned.strip()


@lru_cache(maxsize=256)
def _cleaner(base: str | None) -> nh3.Cleaner:
    """The allowlist, built once per base (a feed's entries share one): building it
    costs more than cleaning a typical fragment. A base nh3 cannot parse (a feed's
    ``xml:base`` with an invalid host name) resolves nothing: relative URLs go."""
    if base:
        with suppress(ValueError):
            return _allowlist(("rewrite_with_base", base))
    return _allowlist("deny")


def _allowlist(url_relative: nh3.UrlRelative) -> nh3.Cleaner:
    return nh3.Cleaner(tags=TAGS, clean_content_tags=DROP_WITH_CONTENT, attributes=ATTRIBUTES,
                       url_schemes=URL_SCHEMES, url_relative=url_relative,
                       link_rel="noopener noreferrer")


def escape_text(text: str) -> str:
    """Plain text as an HTML fragment (for ``text/plain`` content)."""
    return html.escape(strip_controls(text), quote=False).replace("\n", "<br>")


# a tag holds no "<" (nh3 escapes it everywhere else): "<<p>" is the text "<" and a
# tag, as _BREAK (which reads the same way) sees it too
_TAG = re.compile(r"<[^<>]*>")
# elements that end a line of text: words on either side never run together
# (``[^<>]*``: a scan never runs past the next tag, so hostile input stays linear)
_BREAK = re.compile(r"</?(?:br|p|div|li|ul|ol|dl|dt|dd|h[1-6]|tr|td|th|table|"
                    r"blockquote|pre|hr|section|article|header|footer|figcaption)\b[^<>]*>",
                    re.IGNORECASE)


def text_of(cleaned_html: str, *, lines: bool = False) -> str:
    """The text of HTML that :func:`clean_html` already made safe: a cheap pass (the
    allowlist parse is not repeated; on pathological nesting it costs seconds).
    With ``lines``, block elements and ``<br>`` end lines (headings and list items
    rarely end with a full stop, and comparison splits sentences at line ends)."""
    if lines:
        text = strip_controls(html.unescape(_TAG.sub(" ", _BREAK.sub("\n", cleaned_html))))
        # each line's whitespace runs -> one space, blank lines dropped (a regex
        # substitution per space and per line break costs three times as much)
        return balance_bidi("\n".join([line for raw in text.split("\n")
                                       if (line := " ".join(raw.split()))]))
    text = html.unescape(_TAG.sub(" ", cleaned_html))
    # whitespace runs -> one space, ends stripped (as _SPACE.sub(" ", ...).strip(),
    # str.split and \s agree on what whitespace is), without a regex match per space
    return balance_bidi(" ".join(strip_controls(text).split()))


def plain_text(value: str, *, is_html: bool = True) -> str:
    """Reduce a title-like field to one line of plain text.

    With ``is_html`` the value is treated as markup: tags go (script and style with
    their content), entities are decoded once. ``"<b>Tom &amp; Jerry</b>"`` ->
    ``"Tom & Jerry"``.
    """
    # Controls first: they could hide markup from the reduction ("<\x08?" -> "<?").
    # Decoding can reveal markup that was escaped (``&lt;script&gt;``), in text titles
    # too: reduce again until nothing changes, so no reader that renders titles as
    # HTML ever gets a tag.
    value = strip_controls(value)
    for _ in range(10):
        if "<" not in value and not (is_html and "&" in value):
            break
        reduced = strip_controls(html.unescape(nh3.clean(
            _BREAK.sub(" ", value), tags=set(), clean_content_tags=DROP_WITH_CONTENT)))
        if reduced == value:
            break
        value = reduced
    return balance_bidi(_SPACE.sub(" ", value).strip())
