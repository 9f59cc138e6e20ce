"""A strict checker for Atom 1.0 feed documents (RFC 4287), for use in tests.

``check_atom(data)`` returns a list of human-readable problems; an empty list
means the document passed every check.  Each problem starts with a short rule
code, e.g. ``"date: line 7: /feed/entry[1]/updated: ..."``, so tests can assert
on the rule that fired without depending on the exact wording.

Rule codes:

==========================  ==================================================
xml                         not well-formed XML
dtd                         a document type declaration is present
root                        root element is not atom:feed
cardinality                 required element missing, or a singular element
                            repeated (feed, entry, source, person constructs)
author                      neither the feed nor the entry has an atom:author
link-self                   atom:feed has no link rel="self"
link-alternate              two rel="alternate" links with the same type and
                            hreflang in one feed/entry/source
link-href                   atom:link without href
entry-alternate-or-content  entry has neither link rel="alternate" nor content
content-src                 atom:content with src is not empty, or its type is
                            "text"/"html"/"xhtml"
content-type                atom:content type is not text/html/xhtml or a
                            (non-composite) MIME media type, or the content
                            does not fit its type
summary-required            entry with out-of-line or Base64 content has no
                            atom:summary (RFC 4287 4.1.1.1)
text-type                   a text construct's type is not text/html/xhtml, or
                            a text/html construct contains child elements
xhtml-div                   type="xhtml" but not exactly one xhtml:div child
iri                         atom:id is not an absolute IRI
id-unique                   two entries share an atom:id
date                        a date construct is not an RFC 3339 date-time
lang                        xml:lang or hreflang is not a well-formed
                            BCP 47 language tag
category-term               atom:category without term
unknown-element             element in the Atom namespace that RFC 4287 does
                            not define
misplaced-element           Atom element in a place RFC 4287 does not allow
child-element               child element inside a simple-text Atom element
==========================  ==================================================
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from collections.abc import Iterable

from lxml import etree

__all__ = ["ATOM_NS", "XHTML_NS", "check_atom", "check_atom_strict"]

ATOM_NS = "http://www.w3.org/2005/Atom"
XHTML_NS = "http://www.w3.org/1999/xhtml"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_IANA_REL_PREFIX = "http://www.iana.org/assignments/relation/"


def _q(local: str) -> str:
    """Clark notation for an Atom element name."""
    return f"{{{ATOM_NS}}}{local}"


# Elements RFC 4287 defines, with the Atom parents each may appear under.
# (Where an Atom element sits inside foreign markup, RFC 4287 says nothing
# about it, so only placement directly under an Atom element is checked.)
_ALLOWED_PARENTS: dict[str, frozenset[str]] = {
    "feed": frozenset(),
    "entry": frozenset({"feed"}),
    "source": frozenset({"entry"}),
    "author": frozenset({"feed", "entry", "source"}),
    "contributor": frozenset({"feed", "entry", "source"}),
    "name": frozenset({"author", "contributor"}),
    "uri": frozenset({"author", "contributor"}),
    "email": frozenset({"author", "contributor"}),
    "category": frozenset({"feed", "entry", "source"}),
    "link": frozenset({"feed", "entry", "source"}),
    "id": frozenset({"feed", "entry", "source"}),
    "title": frozenset({"feed", "entry", "source"}),
    "updated": frozenset({"feed", "entry", "source"}),
    "rights": frozenset({"feed", "entry", "source"}),
    "generator": frozenset({"feed", "source"}),
    "icon": frozenset({"feed", "source"}),
    "logo": frozenset({"feed", "source"}),
    "subtitle": frozenset({"feed", "source"}),
    "content": frozenset({"entry"}),
    "summary": frozenset({"entry"}),
    "published": frozenset({"entry"}),
}

_TEXT_CONSTRUCTS = frozenset({"title", "subtitle", "summary", "rights"})
# Elements whose content is plain character data (no child elements allowed).
_SIMPLE_ELEMENTS = frozenset(
    {"id", "updated", "published", "name", "uri", "email", "generator", "icon", "logo"}
)

# Cardinalities: element -> (minimum, maximum or None for unbounded).
_FEED_CARDINALITY: dict[str, tuple[int, int | None]] = {
    "id": (1, 1),
    "title": (1, 1),
    "updated": (1, 1),
    "generator": (0, 1),
    "icon": (0, 1),
    "logo": (0, 1),
    "rights": (0, 1),
    "subtitle": (0, 1),
}
_ENTRY_CARDINALITY: dict[str, tuple[int, int | None]] = {
    "id": (1, 1),
    "title": (1, 1),
    "updated": (1, 1),
    "content": (0, 1),
    "published": (0, 1),
    "rights": (0, 1),
    "source": (0, 1),
    "summary": (0, 1),
}
_SOURCE_CARDINALITY: dict[str, tuple[int, int | None]] = {
    name: (0, 1)
    for name in ("id", "title", "updated", "generator", "icon", "logo", "rights", "subtitle")
}
_PERSON_CARDINALITY: dict[str, tuple[int, int | None]] = {
    "name": (1, 1),
    "uri": (0, 1),
    "email": (0, 1),
}

# RFC 3339 date-time, with the RFC 4287 3.3 restriction to upper-case T and Z.
_DATE_TIME = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})(?:\.[0-9]+)?"
    r"(?:Z|(?P<off_sign>[+-])(?P<off_hour>[0-9]{2}):(?P<off_minute>[0-9]{2}))"
)

# Absolute IRI (RFC 3987): scheme ":" followed by at least one IRI character.
# Characters outside ASCII are accepted as ucschar/iprivate; ASCII is limited
# to unreserved, reserved and percent-encoded octets.
_IRI_CHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]]|%[0-9A-Fa-f]{2}|[^\x00-\x7f])"
_ABSOLUTE_IRI = re.compile(rf"[A-Za-z][A-Za-z0-9+.\-]*:{_IRI_CHAR}+")

# BCP 47 (RFC 5646 section 2.1) "Language-Tag" production, case-insensitive.
_ALNUM = "[A-Za-z0-9]"
_LANGTAG = (
    r"(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4}|[A-Za-z]{5,8})"  # language[-extlang]
    r"(?:-[A-Za-z]{4})?"  # script
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"  # region
    rf"(?:-(?:{_ALNUM}{{5,8}}|[0-9]{_ALNUM}{{3}}))*"  # variants
    rf"(?:-[0-9A-WYZa-wyz](?:-{_ALNUM}{{2,8}})+)*"  # extensions
    rf"(?:-[Xx](?:-{_ALNUM}{{1,8}})+)?"  # private use suffix
)
_PRIVATEUSE = rf"[Xx](?:-{_ALNUM}{{1,8}})+"
_IRREGULAR = (
    "en-GB-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|"
    "i-navajo|i-pwn|i-tao|i-tay|i-tsu|sgn-BE-FR|sgn-BE-NL|sgn-CH-DE"
)
# Regular grandfathered tags ("zh-min-nan", "art-lojban", ...) already match
# the langtag syntax, so only the irregular ones need listing.
_LANGUAGE_TAG = re.compile(rf"(?:{_LANGTAG}|{_PRIVATEUSE}|(?i:{_IRREGULAR}))")

# MIME media type (RFC 2045/6838): type "/" subtype, optional parameters.
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_MEDIA_TYPE = re.compile(
    rf"{_TOKEN}/{_TOKEN}(?:\s*;\s*{_TOKEN}=(?:{_TOKEN}|\"(?:[^\"\\]|\\.)*\"))*"
)
_COMPOSITE_TOP_LEVEL = frozenset({"multipart", "message"})


def is_language_tag(value: str) -> bool:
    """True if ``value`` is a well-formed BCP 47 language tag."""
    return _LANGUAGE_TAG.fullmatch(value) is not None


def is_absolute_iri(value: str) -> bool:
    """True if ``value`` is an absolute IRI (scheme, colon, non-empty rest)."""
    return _ABSOLUTE_IRI.fullmatch(value) is not None


def parse_date_construct(value: str) -> _dt.datetime | None:
    """Parse an Atom date construct; None if it is not a valid RFC 3339 date-time."""
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        return None
    fields = {k: int(v) for k, v in match.groupdict().items() if v is not None and k != "off_sign"}
    second = fields["second"]
    if second == 60:  # leap second: allowed by RFC 3339, unknown to datetime
        second = 59
    off_hour = fields.get("off_hour", 0)
    off_minute = fields.get("off_minute", 0)
    if off_hour > 23 or off_minute > 59:
        return None
    sign = -1 if match.group("off_sign") == "-" else 1
    try:
        offset = _dt.timedelta(hours=off_hour, minutes=off_minute) * sign
        return _dt.datetime(
            fields["year"],
            fields["month"],
            fields["day"],
            fields["hour"],
            fields["minute"],
            second,
            tzinfo=_dt.timezone(offset),
        )
    except ValueError:
        return None


def _local(el: etree._Element) -> str | None:
    """Local name if ``el`` is in the Atom namespace, else None."""
    qname = etree.QName(el)
    return qname.localname if qname.namespace == ATOM_NS else None


def _atom_children(el: etree._Element, local: str) -> list[etree._Element]:
    return list(el.iterchildren(_q(local)))


def _has_child_elements(el: etree._Element) -> bool:
    """True if ``el`` has element children (comments, PIs and entities don't count)."""
    return any(True for _ in el.iterchildren(etree.Element))


def _string_value(el: etree._Element) -> str:
    """XPath string value (concatenated text nodes, comments excluded)."""
    value = el.xpath("string()")
    assert isinstance(value, str)
    return value


def _normalise_rel(rel: str | None) -> str:
    rel = "alternate" if rel is None else rel.strip()
    if rel.startswith(_IANA_REL_PREFIX):
        rel = rel[len(_IANA_REL_PREFIX) :]
    return rel


class _Checker:
    def __init__(self, tree: etree._ElementTree) -> None:
        self.tree = tree
        self.problems: list[str] = []

    # -- reporting ---------------------------------------------------------

    def report(self, rule: str, el: etree._Element | None, message: str) -> None:
        if el is None:
            self.problems.append(f"{rule}: {message}")
            return
        path = self._path(el)
        self.problems.append(f"{rule}: line {el.sourceline}: {path}: {message}")

    def _path(self, el: etree._Element) -> str:
        """A short, prefix-free path such as /feed/entry[2]/title."""
        steps: list[str] = []
        node: etree._Element | None = el
        while node is not None:
            qname = etree.QName(node)
            name = (
                qname.localname
                if qname.namespace in (ATOM_NS, None)
                else f"{{{qname.namespace}}}{qname.localname}"
            )
            parent = node.getparent()
            if parent is not None and qname.localname == "entry" and qname.namespace == ATOM_NS:
                index = _atom_children(parent, "entry").index(node) + 1
                name = f"entry[{index}]"
            steps.append(name)
            node = parent
        return "/" + "/".join(reversed(steps))

    # -- document ----------------------------------------------------------

    def run(self) -> None:
        docinfo = self.tree.docinfo
        root = self.tree.getroot()
        # (getattr: lxml-stubs lacks DocInfo.doctype.)
        doctype: str = getattr(docinfo, "doctype", "")
        if doctype or docinfo.internalDTD is not None or docinfo.system_url:
            self.report("dtd", None, f"document type declaration not allowed: {doctype}")
        if root.tag != _q("feed"):
            self.report("root", root, f"root element must be atom:feed, found {root.tag}")
            return
        self.check_vocabulary(root)
        self.check_languages(root)
        self.check_feed(root)

    def check_vocabulary(self, root: etree._Element) -> None:
        """Unknown Atom elements, misplaced Atom elements, children of simple elements."""
        for el in self._elements_outside_content_payload(root):
            local = _local(el)
            if local is None:
                continue
            if local not in _ALLOWED_PARENTS:
                self.report("unknown-element", el, f"atom:{local} is not defined by RFC 4287")
                continue
            parent = el.getparent()
            parent_local = _local(parent) if parent is not None else None
            if parent_local is not None and parent_local not in _ALLOWED_PARENTS[local]:
                self.report(
                    "misplaced-element", el, f"atom:{local} is not allowed in atom:{parent_local}"
                )
            if local in _SIMPLE_ELEMENTS and _has_child_elements(el):
                self.report("child-element", el, f"atom:{local} must contain only text")

    def _elements_outside_content_payload(self, root: etree._Element) -> Iterable[etree._Element]:
        """All elements except the descendants of atom:content (arbitrary payload)."""
        stack = [root]
        while stack:
            el = stack.pop()
            yield el
            if el.tag == _q("content"):
                continue
            stack.extend(reversed([c for c in el.iterchildren() if isinstance(c.tag, str)]))

    def check_languages(self, root: etree._Element) -> None:
        for el in root.iter(etree.Element):
            lang = el.get(_XML_LANG)
            # xml:lang="" is allowed by XML 1.0 and RFC 4287 (no language).
            if lang is not None and lang != "" and not is_language_tag(lang):
                self.report("lang", el, f"xml:lang={lang!r} is not a well-formed BCP 47 tag")
        for link in root.iter(_q("link")):
            hreflang = link.get("hreflang")
            if hreflang is not None and not is_language_tag(hreflang):
                self.report("lang", link, f"hreflang={hreflang!r} is not a well-formed BCP 47 tag")

    # -- feed and entries --------------------------------------------------

    def check_feed(self, feed: etree._Element) -> None:
        self.check_cardinality(feed, _FEED_CARDINALITY)
        self.check_common_children(feed)
        self.check_links(feed)
        if not any(
            _normalise_rel(link.get("rel")) == "self" for link in _atom_children(feed, "link")
        ):
            self.report("link-self", feed, 'atom:feed should contain a link with rel="self"')

        entries = _atom_children(feed, "entry")
        feed_has_author = bool(_atom_children(feed, "author"))
        seen_ids: dict[str, etree._Element] = {}
        for entry in entries:
            self.check_entry(entry, feed_has_author)
            for id_el in _atom_children(entry, "id"):
                entry_id = _string_value(id_el)
                if entry_id in seen_ids:
                    first = seen_ids[entry_id]
                    self.report(
                        "id-unique",
                        id_el,
                        f"atom:id {entry_id!r} already used on line {first.sourceline}",
                    )
                else:
                    seen_ids[entry_id] = id_el

    def check_entry(self, entry: etree._Element, feed_has_author: bool) -> None:
        self.check_cardinality(entry, _ENTRY_CARDINALITY)
        self.check_common_children(entry)
        self.check_links(entry)

        sources = _atom_children(entry, "source")
        has_author = bool(_atom_children(entry, "author")) or any(
            _atom_children(source, "author") for source in sources
        )
        if not (has_author or feed_has_author):
            self.report(
                "author",
                entry,
                "entry has no atom:author and neither its atom:source nor the feed provides one",
            )

        contents = _atom_children(entry, "content")
        has_alternate = any(
            _normalise_rel(link.get("rel")) == "alternate" for link in _atom_children(entry, "link")
        )
        if not has_alternate and not contents:
            self.report(
                "entry-alternate-or-content",
                entry,
                'entry needs a link rel="alternate" or an atom:content',
            )
        for content in contents:
            needs_summary = self.check_content(content)
            if needs_summary and not _atom_children(entry, "summary"):
                self.report(
                    "summary-required",
                    entry,
                    "entry with out-of-line or Base64-encoded content needs an atom:summary",
                )
        for summary in _atom_children(entry, "summary"):
            self.check_text_construct(summary)
        for el in _atom_children(entry, "published"):
            self.check_date(el)
        for source in sources:
            self.check_source(source)

    def check_source(self, source: etree._Element) -> None:
        self.check_cardinality(source, _SOURCE_CARDINALITY)
        self.check_common_children(source)
        self.check_links(source)

    def check_common_children(self, parent: etree._Element) -> None:
        """Checks shared by feed, entry and source children."""
        for id_el in _atom_children(parent, "id"):
            value = _string_value(id_el)
            if not is_absolute_iri(value):
                self.report("iri", id_el, f"atom:id {value!r} is not an absolute IRI")
        for el in _atom_children(parent, "updated"):
            self.check_date(el)
        for local in ("title", "subtitle", "rights"):
            for el in _atom_children(parent, local):
                self.check_text_construct(el)
        for local in ("author", "contributor"):
            for person in _atom_children(parent, local):
                self.check_cardinality(person, _PERSON_CARDINALITY)
        for category in _atom_children(parent, "category"):
            if not category.get("term"):
                self.report("category-term", category, "atom:category needs a term attribute")

    def check_cardinality(
        self, parent: etree._Element, rules: dict[str, tuple[int, int | None]]
    ) -> None:
        counts = Counter(_local(child) for child in parent.iterchildren(etree.Element))
        parent_name = _local(parent)
        for local, (minimum, maximum) in rules.items():
            found = counts.get(local, 0)
            if found < minimum:
                self.report(
                    "cardinality",
                    parent,
                    f"atom:{parent_name} must contain at least {minimum} atom:{local} "
                    f"(found {found})",
                )
            elif maximum is not None and found > maximum:
                self.report(
                    "cardinality",
                    parent,
                    f"atom:{parent_name} must contain at most {maximum} atom:{local} "
                    f"(found {found})",
                )

    def check_links(self, parent: etree._Element) -> None:
        alternates: dict[tuple[str | None, str | None], etree._Element] = {}
        for link in _atom_children(parent, "link"):
            if link.get("href") is None:
                self.report("link-href", link, "atom:link needs an href attribute")
            if _normalise_rel(link.get("rel")) != "alternate":
                continue
            link_type = link.get("type")
            hreflang = link.get("hreflang")
            key = (
                link_type.strip().lower() if link_type else None,
                hreflang.strip().lower() if hreflang else None,
            )
            if key in alternates:
                self.report(
                    "link-alternate",
                    link,
                    f'second rel="alternate" link with type={link_type!r} '
                    f"hreflang={hreflang!r} (first on line {alternates[key].sourceline})",
                )
            else:
                alternates[key] = link

    # -- constructs --------------------------------------------------------

    def check_date(self, el: etree._Element) -> None:
        value = _string_value(el)
        if parse_date_construct(value) is None:
            self.report(
                "date",
                el,
                f"{value!r} is not an RFC 3339 date-time (YYYY-MM-DDThh:mm:ss[.f](Z|±hh:mm))",
            )

    def check_text_construct(self, el: etree._Element) -> None:
        text_type = el.get("type", "text")
        if text_type not in ("text", "html", "xhtml"):
            self.report("text-type", el, f'type={text_type!r} must be "text", "html" or "xhtml"')
        elif text_type == "xhtml":
            self.check_xhtml_div(el)
        elif _has_child_elements(el):
            self.report("text-type", el, f'type="{text_type}" must not contain child elements')

    def check_xhtml_div(self, el: etree._Element) -> None:
        children = list(el.iterchildren(etree.Element))
        stray_text = (el.text or "").strip() or any((c.tail or "").strip() for c in children)
        if len(children) != 1 or children[0].tag != f"{{{XHTML_NS}}}div" or stray_text:
            self.report(
                "xhtml-div",
                el,
                'type="xhtml" requires exactly one xhtml:div child and no other content',
            )

    def check_content(self, content: etree._Element) -> bool:
        """Check atom:content; return True if the entry must also have a summary."""
        content_type = content.get("type", "text")
        src = content.get("src")
        has_payload = bool(_string_value(content).strip()) or _has_child_elements(content)
        if src is not None:
            problems = []
            if has_payload:
                problems.append("must be empty")
            if content_type in ("text", "html", "xhtml"):
                problems.append(f'type must be a MIME media type, not "{content_type}"')
            if problems:
                self.report(
                    "content-src", content, "atom:content with src " + " and ".join(problems)
                )
            elif not _MEDIA_TYPE.fullmatch(content_type):
                self.report(
                    "content-type", content, f"type={content_type!r} is not a MIME media type"
                )
            return True

        if content_type in ("text", "html"):
            if _has_child_elements(content):
                self.report(
                    "content-type",
                    content,
                    f'type="{content_type}" must not contain child elements',
                )
            return False
        if content_type == "xhtml":
            self.check_xhtml_div(content)
            return False
        if not _MEDIA_TYPE.fullmatch(content_type):
            self.report(
                "content-type",
                content,
                f'type={content_type!r} is neither "text", "html", "xhtml" nor a MIME media type',
            )
            return False
        media = content_type.split(";", 1)[0].strip().lower()
        top_level, subtype = media.split("/", 1)
        if top_level in _COMPOSITE_TOP_LEVEL:
            self.report("content-type", content, f"composite media type {media!r} is not allowed")
            return False
        is_xml = media in (
            "text/xml",
            "application/xml",
            "text/xml-external-parsed-entity",
            "application/xml-external-parsed-entity",
            "application/xml-dtd",
        ) or subtype.endswith("+xml")
        if is_xml:
            return False
        if top_level == "text":
            if _has_child_elements(content):
                self.report(
                    "content-type", content, f"type={media!r} must not contain child elements"
                )
            return False
        # Any other media type: Base64-encoded inline content (RFC 4287 4.1.3.3).
        if _has_child_elements(content):
            self.report("content-type", content, f"type={media!r} must be Base64 text, not markup")
        return True


def check_atom(data: bytes) -> list[str]:
    """Return the problems found in the Atom 1.0 document ``data`` (empty if valid)."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        return [f"xml: not well-formed: {exc}"]
    checker = _Checker(root.getroottree())
    checker.run()
    return checker.problems


def check_atom_strict(data: bytes) -> None:
    """Raise AssertionError listing every problem if ``data`` is not valid Atom 1.0."""
    problems = check_atom(data)
    if problems:
        listing = "\n".join(f"  - {problem}" for problem in problems)
        raise AssertionError(f"invalid Atom document ({len(problems)} problems):\n{listing}")
