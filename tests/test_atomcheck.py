"""Tests for the strict Atom 1.0 checker in tests/atomcheck.py.

Each broken document below is the minimal valid feed with exactly one rule
violated; the checker must report exactly one problem, tagged with that rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from atomcheck import (
    check_atom,
    check_atom_strict,
    is_absolute_iri,
    is_language_tag,
    parse_date_construct,
)

FEEDS_DIR = Path(__file__).parent / "data" / "feeds"

XML_DECL = '<?xml version="1.0" encoding="utf-8"?>'

ENTRY_1 = """  <entry>
    <id>tag:portal.example,2026:entry-1</id>
    <title>Neue Deutschkurse</title>
    <updated>2026-03-12T18:00:00+01:00</updated>
    <link href="https://portal.example/1"/>
  </entry>
"""

VALID = f"""{XML_DECL}
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de">
  <id>tag:portal.example,2026:feed</id>
  <title>Nachrichten aus Hannover</title>
  <updated>2026-03-12T17:00:00Z</updated>
  <link rel="self" href="https://portal.example/feed.atom"/>
  <author><name>Redaktion</name></author>
{ENTRY_1}</feed>
"""

FEED_AUTHOR = "  <author><name>Redaktion</name></author>\n"
ENTRY_LINK = '<link href="https://portal.example/1"/>'
ENTRY_UPDATED = "<updated>2026-03-12T18:00:00+01:00</updated>"
FEED_UPDATED = "<updated>2026-03-12T17:00:00Z</updated>"


def variant(old: str, new: str) -> bytes:
    """The minimal valid feed with its first occurrence of ``old`` replaced by ``new``."""
    assert old in VALID, old
    return VALID.replace(old, new, 1).encode("utf-8")


def with_entry_child(markup: str) -> bytes:
    """The minimal valid feed with ``markup`` added to the entry."""
    return variant(ENTRY_LINK, ENTRY_LINK + markup)


def with_feed_child(markup: str) -> bytes:
    return variant(FEED_UPDATED, FEED_UPDATED + markup)


def second_entry(entry_id: str = "tag:portal.example,2026:entry-2") -> str:
    return f"""  <entry>
    <id>{entry_id}</id>
    <title>Sprechstunde</title>
    <updated>2026-03-13T09:00:00Z</updated>
    <link href="https://portal.example/2"/>
  </entry>
"""


def with_second_entry(entry: str) -> bytes:
    return variant(ENTRY_1, ENTRY_1 + entry)


def test_minimal_valid_feed_passes() -> None:
    assert check_atom(VALID.encode("utf-8")) == []
    check_atom_strict(VALID.encode("utf-8"))


VALID_VARIANTS = [
    pytest.param(
        variant(FEED_AUTHOR, "").replace(
            ENTRY_LINK.encode(), (ENTRY_LINK + "<author><name>A</name></author>").encode()
        ),
        id="author-only-on-every-entry",
    ),
    pytest.param(
        variant(FEED_AUTHOR, "").replace(
            ENTRY_LINK.encode(),
            (
                ENTRY_LINK + "<source><id>tag:other.example,2026:f</id>"
                "<title>Partnerfeed</title><updated>2026-03-01T00:00:00Z</updated>"
                "<author><name>Partner</name></author></source>"
            ).encode(),
        ),
        id="author-via-source",
    ),
    pytest.param(
        with_entry_child(
            '<link rel="alternate" type="text/html" hreflang="tr" href="https://portal.example/tr/1"/>'
            '<link rel="http://www.iana.org/assignments/relation/alternate" type="text/html"'
            ' hreflang="ar" href="https://portal.example/ar/1"/>'
        ),
        id="alternates-differing-by-hreflang",
    ),
    pytest.param(
        variant(ENTRY_LINK, '<content type="html">&lt;p&gt;x&lt;/p&gt;</content>'),
        id="content-instead-of-alternate",
    ),
    pytest.param(
        with_entry_child(
            '<content type="image/png" src="https://portal.example/p.png"/><summary>Foto</summary>'
        ),
        id="out-of-line-content-with-summary",
    ),
    pytest.param(
        with_entry_child("<content type='application/xml'><x xmlns=''><y/></x></content>"),
        id="xml-content",
    ),
    pytest.param(
        with_entry_child("<content type='image/png'>iVBORw0KGgo=</content><summary>Bild</summary>"),
        id="base64-content-with-summary",
    ),
    pytest.param(
        with_entry_child(
            '<summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
            "<p>Hallo <b>Welt</b></p></div></summary>"
        ),
        id="xhtml-summary",
    ),
    pytest.param(
        variant(ENTRY_UPDATED, "<updated>2026-03-12T18:00:00.123-05:30</updated>"),
        id="fractional-seconds-negative-offset",
    ),
    pytest.param(
        variant(ENTRY_UPDATED, "<updated>2016-12-31T23:59:60Z</updated>"), id="leap-second"
    ),
    pytest.param(
        with_entry_child('<published xml:lang="">2026-03-12T18:00:00Z</published>'),
        id="empty-xml-lang",
    ),
    pytest.param(variant('xml:lang="de"', 'xml:lang="ckb-IQ"'), id="lang-ckb-IQ"),
    pytest.param(
        with_feed_child(
            '<ext:meta xmlns:ext="https://ext.example/ns"><title>foreign</title></ext:meta>'
        ),
        id="atom-element-inside-foreign-markup",
    ),
    pytest.param(with_second_entry(second_entry()), id="two-entries"),
    pytest.param(
        variant(
            "<title>Neue Deutschkurse</title>",
            "<title>Neue <!-- Kommentar --> Deutschkurse</title>",
        ),
        id="comment-inside-text-construct",
    ),
    pytest.param(
        with_feed_child(
            '<category term="sprachkurse" label="Sprachkurse"/>'
            "<contributor><name>B</name><email>b@portal.example</email></contributor>"
        ),
        id="category-and-contributor",
    ),
    pytest.param(
        variant(XML_DECL, '<?xml version="1.0" encoding="windows-1256"?>')
        .decode("utf-8")
        .replace("Nachrichten aus Hannover", "اخبار هانوفر پژوهش گچ")
        .encode("windows-1256"),
        id="declared-legacy-encoding",
    ),
]


@pytest.mark.parametrize("document", VALID_VARIANTS)
def test_valid_variants_pass(document: bytes) -> None:
    assert check_atom(document) == []


BROKEN = [
    # XML level
    pytest.param("xml", variant("</feed>", ""), id="not-well-formed"),
    pytest.param(
        "xml", variant("Nachrichten aus Hannover", "Kochen & Klönen"), id="bare-ampersand"
    ),
    pytest.param("xml", variant("Nachrichten", "&nbsp;Nachrichten"), id="undeclared-entity"),
    pytest.param("dtd", variant(XML_DECL, XML_DECL + "<!DOCTYPE feed>"), id="doctype"),
    pytest.param(
        "dtd",
        variant(XML_DECL, XML_DECL + '<!DOCTYPE feed [<!ENTITY ort "Hannover">]>'),
        id="internal-subset",
    ),
    pytest.param(
        "root",
        variant('xmlns="http://www.w3.org/2005/Atom"', 'xmlns="http://purl.org/atom/ns#"'),
        id="atom-0.3-namespace",
    ),
    pytest.param(
        "root",
        b'<rss version="2.0"><channel><title>t</title></channel></rss>',
        id="rss-root",
    ),
    # feed cardinality
    pytest.param(
        "cardinality", variant("<id>tag:portal.example,2026:feed</id>", ""), id="feed-without-id"
    ),
    pytest.param(
        "cardinality",
        with_feed_child("<id>tag:portal.example,2026:other</id>"),
        id="feed-with-two-ids",
    ),
    pytest.param(
        "cardinality",
        variant("<title>Nachrichten aus Hannover</title>", ""),
        id="feed-without-title",
    ),
    pytest.param(
        "cardinality", with_feed_child("<title>Noch ein Titel</title>"), id="feed-with-two-titles"
    ),
    pytest.param("cardinality", variant(FEED_UPDATED, ""), id="feed-without-updated"),
    pytest.param("cardinality", with_feed_child(FEED_UPDATED), id="feed-with-two-updated"),
    pytest.param(
        "cardinality",
        with_feed_child("<subtitle>a</subtitle><subtitle>b</subtitle>"),
        id="feed-with-two-subtitles",
    ),
    # authors
    pytest.param("author", variant(FEED_AUTHOR, ""), id="no-author-anywhere"),
    pytest.param(
        "author",
        variant(FEED_AUTHOR, "")
        .replace(ENTRY_LINK.encode(), (ENTRY_LINK + "<author><name>A</name></author>").encode())
        .replace(b"</feed>", second_entry().encode() + b"</feed>"),
        id="one-entry-without-author",
    ),
    pytest.param(
        "cardinality",
        variant("<name>Redaktion</name>", "<uri>https://x.example/</uri>"),
        id="person-without-name",
    ),
    # links
    pytest.param(
        "link-self",
        variant('<link rel="self" href="https://portal.example/feed.atom"/>', ""),
        id="feed-without-self-link",
    ),
    pytest.param(
        "link-alternate",
        with_entry_child('<link rel="alternate" href="https://portal.example/1-copy"/>'),
        id="entry-two-alternates-same-type-hreflang",
    ),
    pytest.param(
        "link-alternate",
        with_feed_child(
            '<link type="text/html" hreflang="de" href="https://portal.example/"/>'
            '<link rel="alternate" type="TEXT/HTML" hreflang="DE" href="https://portal.example/de"/>'
        ),
        id="feed-two-alternates-case-insensitive",
    ),
    pytest.param("link-href", with_entry_child('<link rel="related"/>'), id="link-without-href"),
    # entries
    pytest.param(
        "cardinality",
        variant("<id>tag:portal.example,2026:entry-1</id>", ""),
        id="entry-without-id",
    ),
    pytest.param(
        "cardinality", variant("<title>Neue Deutschkurse</title>", ""), id="entry-without-title"
    ),
    pytest.param("cardinality", variant(ENTRY_UPDATED, ""), id="entry-without-updated"),
    pytest.param("cardinality", with_entry_child(ENTRY_UPDATED), id="entry-with-two-updated"),
    pytest.param(
        "cardinality",
        with_entry_child("<published>2026-03-12T18:00:00Z</published>" * 2),
        id="entry-with-two-published",
    ),
    pytest.param(
        "entry-alternate-or-content",
        variant(ENTRY_LINK, "<summary>kurz</summary>"),
        id="entry-without-alternate-or-content",
    ),
    pytest.param(
        "entry-alternate-or-content",
        variant(ENTRY_LINK, '<link rel="related" href="https://portal.example/r"/>'),
        id="entry-with-only-related-link",
    ),
    # content
    pytest.param(
        "content-src",
        with_entry_child(
            '<content type="text/html" src="https://portal.example/1.html">Text'
            "</content><summary>s</summary>"
        ),
        id="content-src-with-text",
    ),
    pytest.param(
        "content-src",
        with_entry_child(
            '<content type="html" src="https://portal.example/1.html"/><summary>s</summary>'
        ),
        id="content-src-with-type-html",
    ),
    pytest.param(
        "content-src",
        with_entry_child('<content src="https://portal.example/1.txt"/><summary>s</summary>'),
        id="content-src-with-default-type-text",
    ),
    pytest.param(
        "content-type",
        with_entry_child('<content type="html5">x</content>'),
        id="content-type-not-mime",
    ),
    pytest.param(
        "content-type",
        with_entry_child('<content type="multipart/mixed">x</content>'),
        id="content-composite-type",
    ),
    pytest.param(
        "content-type",
        with_entry_child('<content type="html"><p>x</p></content>'),
        id="content-html-with-child-elements",
    ),
    pytest.param(
        "summary-required",
        with_entry_child('<content type="video/mp4" src="https://portal.example/1.mp4"/>'),
        id="out-of-line-content-without-summary",
    ),
    pytest.param(
        "summary-required",
        with_entry_child('<content type="image/png">iVBORw0KGgo=</content>'),
        id="base64-content-without-summary",
    ),
    # text constructs
    pytest.param(
        "text-type",
        variant(
            "<title>Neue Deutschkurse</title>", '<title type="text/plain">Neue Deutschkurse</title>'
        ),
        id="title-with-mime-type",
    ),
    pytest.param(
        "text-type",
        variant(
            "<title>Neue Deutschkurse</title>",
            '<title type="html">Neue <b xmlns="http://www.w3.org/1999/xhtml">Deutschkurse</b>'
            "</title>",
        ),
        id="html-title-with-unescaped-markup",
    ),
    pytest.param(
        "xhtml-div",
        variant(
            "<title>Neue Deutschkurse</title>", '<title type="xhtml">Neue Deutschkurse</title>'
        ),
        id="xhtml-title-without-div",
    ),
    pytest.param(
        "xhtml-div",
        with_entry_child(
            '<summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">a</div>'
            '<div xmlns="http://www.w3.org/1999/xhtml">b</div></summary>'
        ),
        id="xhtml-summary-two-divs",
    ),
    pytest.param(
        "xhtml-div",
        with_entry_child(
            '<summary type="xhtml">Hallo <div xmlns="http://www.w3.org/1999/xhtml">a</div>'
            "</summary>"
        ),
        id="xhtml-summary-text-outside-div",
    ),
    pytest.param(
        "xhtml-div",
        with_entry_child('<summary type="xhtml"><div xmlns="">a</div></summary>'),
        id="xhtml-summary-div-without-namespace",
    ),
    pytest.param(
        "xhtml-div",
        with_entry_child(
            '<content type="xhtml"><p xmlns="http://www.w3.org/1999/xhtml">a</p></content>'
        ),
        id="xhtml-content-without-div",
    ),
    # identifiers
    pytest.param(
        "iri",
        variant("<id>tag:portal.example,2026:feed</id>", "<id>/feed</id>"),
        id="relative-feed-id",
    ),
    pytest.param(
        "iri",
        variant(
            "<id>tag:portal.example,2026:entry-1</id>", "<id>tag:portal.example,2026:entry 1</id>"
        ),
        id="entry-id-with-space",
    ),
    pytest.param(
        "iri",
        variant(
            "<id>tag:portal.example,2026:entry-1</id>", "<id> tag:portal.example,2026:entry-1</id>"
        ),
        id="entry-id-with-leading-whitespace",
    ),
    pytest.param(
        "iri",
        variant("<id>tag:portal.example,2026:entry-1</id>", "<id>urn:</id>"),
        id="scheme-only",
    ),
    pytest.param(
        "iri",
        variant("<id>tag:portal.example,2026:entry-1</id>", "<id>https://x.example/%zz</id>"),
        id="bad-percent-escape",
    ),
    pytest.param(
        "id-unique",
        with_second_entry(second_entry("tag:portal.example,2026:entry-1")),
        id="duplicate-entry-ids",
    ),
    # dates
    *[
        pytest.param("date", variant(ENTRY_UPDATED, f"<updated>{value}</updated>"), id=case)
        for case, value in [
            ("date-lowercase-t", "2026-03-12t18:00:00Z"),
            ("date-lowercase-z", "2026-03-12T18:00:00z"),
            ("date-space-separator", "2026-03-12 18:00:00Z"),
            ("date-without-seconds", "2026-03-12T18:00Z"),
            ("date-without-offset", "2026-03-12T18:00:00"),
            ("date-compact-offset", "2026-03-12T18:00:00+0100"),
            ("date-only", "2026-03-12"),
            ("date-rfc822", "Thu, 12 Mar 2026 18:00:00 +0100"),
            ("date-february-30", "2026-02-30T18:00:00Z"),
            ("date-month-13", "2026-13-01T18:00:00Z"),
            ("date-hour-24", "2026-03-12T24:00:00Z"),
            ("date-offset-hour-24", "2026-03-12T18:00:00+24:00"),
            ("date-surrounding-whitespace", " 2026-03-12T18:00:00Z "),
            ("date-arabic-indic-digits", "٢٠٢٦-03-12T18:00:00Z"),
        ]
    ],
    pytest.param(
        "date", with_entry_child("<published>gestern</published>"), id="published-not-a-date"
    ),
    # atom:source
    pytest.param(
        "cardinality",
        with_entry_child(
            "<source><id>tag:a.example,2026:f</id><id>tag:b.example,2026:f</id></source>"
        ),
        id="source-with-two-ids",
    ),
    pytest.param(
        "cardinality",
        with_entry_child("<source><title>a</title><title>b</title></source>"),
        id="source-with-two-titles",
    ),
    pytest.param(
        "date",
        with_entry_child("<source><updated>2026-03-12</updated></source>"),
        id="source-with-bad-updated",
    ),
    pytest.param(
        "iri",
        with_entry_child("<source><id>partnerfeed</id></source>"),
        id="source-with-relative-id",
    ),
    # languages
    *[
        pytest.param("lang", variant('xml:lang="de"', f'xml:lang="{value}"'), id=case)
        for case, value in [
            ("lang-underscore", "de_DE"),
            ("lang-trailing-hyphen", "de-"),
            ("lang-too-long-primary", "deutschland"),
            ("lang-single-letter-subtag", "de-D"),
            ("lang-digits", "123"),
            ("lang-space", "de DE"),
        ]
    ],
    pytest.param(
        "lang", with_entry_child('<summary xml:lang="fa_IR">x</summary>'), id="lang-on-entry-child"
    ),
    pytest.param(
        "lang",
        with_entry_child('<link rel="alternate" hreflang="tr_TR" href="https://p.example/tr"/>'),
        id="hreflang-malformed",
    ),
    # vocabulary
    pytest.param(
        "unknown-element",
        with_entry_child("<image>https://p.example/1.png</image>"),
        id="undefined-atom-element",
    ),
    pytest.param(
        "unknown-element",
        with_entry_child("<modified>2026-03-12T18:00:00Z</modified>"),
        id="atom-0.3-element-in-atom-1.0-namespace",
    ),
    pytest.param(
        "misplaced-element", with_feed_child("<summary>x</summary>"), id="summary-in-feed"
    ),
    pytest.param("misplaced-element", with_entry_child("<entry/>"), id="entry-in-entry"),
    pytest.param("misplaced-element", with_entry_child("<name>x</name>"), id="name-in-entry"),
    pytest.param(
        "child-element",
        variant(
            "<id>tag:portal.example,2026:feed</id>",
            "<id>tag:portal.example,2026:feed<x xmlns=''/></id>",
        ),
        id="element-inside-id",
    ),
    pytest.param(
        "category-term",
        with_entry_child('<category label="Sprachkurse"/>'),
        id="category-without-term",
    ),
]


@pytest.mark.parametrize(("rule", "document"), BROKEN)
def test_each_rule_is_reported_alone(rule: str, document: bytes) -> None:
    problems = check_atom(document)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{rule}: "), problems


def test_every_rule_code_is_exercised() -> None:
    codes = {param.values[0] for param in BROKEN}
    documented = {
        "xml", "dtd", "root", "cardinality", "author", "link-self", "link-alternate", "link-href",
        "entry-alternate-or-content", "content-src", "content-type", "summary-required",
        "text-type", "xhtml-div", "iri", "id-unique", "date", "lang", "category-term",
        "unknown-element", "misplaced-element", "child-element",
    }  # fmt: skip
    assert codes == documented


def test_problems_name_line_and_path() -> None:
    [problem] = check_atom(variant(ENTRY_UPDATED, "<updated>2026-03-12</updated>"))
    assert problem.startswith("date: line 11: /feed/entry[1]/updated: ")
    assert "'2026-03-12'" in problem


def test_several_problems_are_all_reported() -> None:
    document = (
        variant(FEED_AUTHOR, "")
        .replace(b"<title>Neue Deutschkurse</title>", b"")
        .replace(b'xml:lang="de"', b'xml:lang="de_DE"')
    )
    rules = sorted(problem.split(":", 1)[0] for problem in check_atom(document))
    assert rules == ["author", "cardinality", "lang"]


def test_strict_raises_with_listing() -> None:
    with pytest.raises(AssertionError) as excinfo:
        check_atom_strict(variant(FEED_UPDATED, "<updated>gestern</updated>"))
    message = str(excinfo.value)
    assert "1 problems" in message
    assert "date: line 5: /feed/updated: 'gestern'" in message


def test_entity_expansion_is_not_performed() -> None:
    """A billion-laughs style document is rejected for its DTD, not expanded."""
    bomb = (
        XML_DECL
        + '<!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        + VALID.split("?>", 1)[1].replace("Nachrichten aus Hannover", "&b;")
    ).encode()
    problems = check_atom(bomb)
    assert [p.split(":", 1)[0] for p in problems] == ["dtd"]


@pytest.mark.parametrize(
    "value",
    ["de", "de-DE", "kmr", "ckb", "fa-IR", "zh-Hant-TW", "sr-Latn-RS", "de-CH-1996",
     "en-US-u-ca-islamic", "x-whatever", "i-klingon", "zh-min-nan", "es-419", "ar-Arab-x-hannover"],
)  # fmt: skip
def test_language_tag_accepts(value: str) -> None:
    assert is_language_tag(value)


@pytest.mark.parametrize(
    "value", ["", "d", "de_DE", "de-", "-de", "toolongtag", "de-DE-x", "en-a", "12", "de--DE"]
)
def test_language_tag_rejects(value: str) -> None:
    assert not is_language_tag(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("tag:kargah.example,2026:news/1", True),
        ("urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a", True),
        ("https://hannover-stadt.example/presse/ü", True),
        ("mailto:info@miso.example", True),
        ("/relative/path", False),
        ("kargah-news-1", False),
        ("1", False),
        ("http://x.example/a b", False),
        ("", False),
    ],
)
def test_absolute_iri(value: str, expected: bool) -> None:
    assert is_absolute_iri(value) is expected


def test_parse_date_construct_keeps_offset() -> None:
    parsed = parse_date_construct("2026-03-12T18:00:00+01:00")
    assert parsed is not None
    assert parsed.isoformat() == "2026-03-12T18:00:00+01:00"
    negative = parse_date_construct("2026-03-12T12:30:00-05:30")
    assert negative is not None
    assert negative.isoformat() == "2026-03-12T12:30:00-05:30"


@pytest.mark.parametrize("name", ["miso-atom-multi.atom", "ar-atom.atom", "ru-atom.atom"])
def test_atom_fixtures_are_valid(name: str) -> None:
    check_atom_strict((FEEDS_DIR / name).read_bytes())


@pytest.mark.parametrize("name", ["kargah-rss2-de.xml", "en-atom03.xml", "city-rss1-de.rdf"])
def test_non_atom_1_fixtures_are_rejected_at_the_root(name: str) -> None:
    problems = check_atom((FEEDS_DIR / name).read_bytes())
    assert [p.split(":", 1)[0] for p in problems] == ["root"]


def test_not_a_feed_fixture_is_rejected() -> None:
    assert check_atom((FEEDS_DIR / "not-a-feed.html").read_bytes())
