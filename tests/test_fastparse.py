"""The lxml fast path against feedparser: for every document the fast path accepts, the
parsed feed (every field of the feed and of each entry, before and therefore after
sanitising) is the one feedparser's path gives. Run over the project's fixtures,
documents written to hit feedparser's quirks, and the real-world corpus."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from aggregator import fastparse
from aggregator.errors import AggregatorError
from aggregator.models import ParsedFeed
from aggregator.parse import MAX_TAGS, parse_feed

from conftest import CORPUS

FIXTURES = Path(__file__).parent / "data" / "feeds"
RSS = ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
       'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
       'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" '
       'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
       'xmlns:media="http://search.yahoo.com/mrss/">'
       '<channel><title>kargah e.V.</title><link>https://kargah.example/</link>'
       '<language>de</language>{channel}<item>{item}</item></channel></rss>')
ATOM = ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
        '{attrs}><title>MiSO</title><id>urn:miso</id>{feed}<entry>{entry}</entry></feed>')


def rss(item: str, channel: str = "") -> bytes:
    return RSS.format(item=item, channel=channel).encode()


def atom(entry: str, feed: str = "", attrs: str = "") -> bytes:
    return ATOM.format(entry=entry, feed=feed, attrs=attrs).encode()


def both(body: bytes, content_type: str | None = None) -> tuple[object, object]:
    """The fast path's answer and feedparser's (a parsed feed, or the error's text)."""
    def run(fast: bool) -> ParsedFeed | str:
        try:
            return parse_feed(body, content_type, fast=fast)
        except AggregatorError as error:
            return f"{type(error).__name__}: {error}"
    return run(True), run(False)


def takes_fast_path(body: bytes, content_type: str | None = None) -> bool:
    return fastparse.read(body, content_type, max_tags=MAX_TAGS) is not None


QUIRKS = {
    "a permalink guid is the link when there is none":
        rss("<title>Fest</title><guid>https://kargah.example/fest</guid>"),
    "a guid that is no permalink is not": rss(
        '<title>Fest</title><guid isPermaLink="false">p=12</guid>'),
    "a link after the guid wins": rss(
        "<guid>https://kargah.example/a</guid><link>https://kargah.example/b</link>"),
    "content without description is the summary too": rss(
        "<title>x</title><content:encoded><![CDATA[<p>Lang</p>]]></content:encoded>"),
    "description after content": rss(
        "<content:encoded>&lt;p>full&lt;/p></content:encoded><description>short</description>"),
    "a summary after a description is content": rss(
        "<description>eins</description><atom:summary>zwei</atom:summary>"),
    "html-looking titles become html": rss("<title>Caf&amp;eacute; &lt;b>neu&lt;/b></title>"),
    "plain titles with markup characters stay text": rss("<title>1 &lt; 2 &amp; x</title>"),
    "utf-8 read as latin-1 is mended": rss("<title>GrÃ¼ÃŸe</title>"),
    "windows-1252 controls become their characters": rss("<title>a &#150; b&#128;</title>"),
    "query ampersands in links": rss(
        "<link>https://kargah.example/?a=1&amp;amp;b=2&amp;c;</link><title>q</title>"),
    "an author with an address": rss("<author>info@kargah.example (Team)</author>"),
    "dc creator": rss("<dc:creator>Leyla</dc:creator><dc:date>2026-11-01T10:00:00+01:00</dc:date>"),
    "categories, domains and duplicates": rss(
        '<category domain="d">Kultur</category><category>Kultur</category><category>Kultur'
        '</category><category domain="e"></category><category>Beratung</category>'
        "<dc:subject>Sprache</dc:subject>"),
    "odd and missing dates": rss(
        "<pubDate>Mon, 31 Feb 2026 10:00:00 GMT</pubDate><title>x</title>"),
    "an item in another language": rss(
        '<title xml:lang="fa">جشن</title><description>خبر</description>'),
    "channel image, text input and ttl": rss(
        "<title>x</title>",
        "<ttl> 90 </ttl><image><title>Logo</title><url>https://kargah.example/l.png</url>"
        "<link>https://kargah.example/</link></image><textInput><title>Suche</title><name>q"
        "</name><link>https://kargah.example/s</link><description>d</description></textInput>"
        '<atom:link rel="self" href="https://kargah.example/feed"/>'
        "<lastBuildDate>Sun, 01 Nov 2026 12:00:00 +0000</lastBuildDate>"),
    "an atom alternate link in an item": rss(
        '<title>x</title><atom:link rel="alternate" type="text/html" href="/rel"/>'),
    "harmless podcast parts": rss(
        '<title>x</title><enclosure url="https://kargah.example/a.mp3" length="1" '
        'type="audio/mpeg"/>'
        '<media:thumbnail url="https://kargah.example/t.jpg"/><comments>https://kargah.example/c'
        "</comments><source url=\"https://other.example/\">Other</source>"),
    "an id before the links, the alternate chosen by language": atom(
        "<id>https://miso.example/1</id><title>t</title>"
        '<link rel="alternate" hreflang="en" href="/en/1"/>'
        '<link rel="ALTERNATE" hreflang="de" href="/de/1"/><updated>2026-11-01T10:00:00Z</updated>',
        attrs='xml:base="https://miso.example/news/" xml:lang="de"'),
    "only a self link: the id is the link": atom(
        '<id>urn:uuid:1</id><link rel="self" href="https://miso.example/e/1"/><title>t</title>'),
    "typed text": atom(
        '<title type="html">&lt;b&gt;Neu&lt;/b&gt;</title><summary>kurz</summary>'
        '<content type="html">&lt;p&gt;lang&lt;/p&gt;</content>'),
    "content before summary": atom(
        '<content type="text">lang</content>'
        '<summary type="html">&lt;i&gt;kurz&lt;/i&gt;</summary>'),
    "an author with an address and a contributor": atom(
        "<author><name>B</name><email>b@miso.example</email>"
        "<uri>/b</uri></author><contributor><name>C</name></contributor>",
        attrs='xml:base="https://miso.example/"'),
    "an author with only an address": atom("<author><email>x@miso.example</email></author>"),
    "categories with labels": atom(
        '<category term="kultur" label="Kultur"/><category term="kultur" label="Kultur"/>'
        '<category scheme="s" term="a"/>'),
    "published and updated": atom(
        "<published>2026-10-31T23:10:00+01:00</published><updated>2026-11-01T08:00:00Z</updated>"),
    "an empty language stops inheritance": atom(
        '<title xml:lang="">t</title><summary>s</summary>', attrs='xml:lang="ar"'),
    "WordPress's bases: the feed's, each content's own": atom(
        '<id>https://miso.example/?p=7</id><link href="/2026/11/fest/"/>'
        '<summary type="html" xml:base="https://miso.example/2026/11/fest/">'
        '&lt;a href="programm"&gt;Programm&lt;/a&gt;</summary>'
        '<content type="html" xml:base="/2026/11/fest/">&lt;img src="bild.jpg"&gt;</content>',
        attrs='xml:base="https://miso.example/wp-atom.php"'),
    "a base on an entry, relative to the feed's": atom(
        '<id>8</id><link href="fest"/><title>t</title>',
        feed='<entry xml:base="b/"><id>7</id><link href="fest"/><title>t</title></entry>',
        attrs='xml:base="https://miso.example/a/"'),
    "an unsafe base is not taken": atom(
        '<link href="x"/><content type="html" xml:base="javascript:alert(1)//">c</content>',
        attrs='xml:base="https://miso.example/"'),
    "a link with a trailing newline and a relative id": atom(
        '<id>/items/1</id><link href="\n /items/1 \n"/>', attrs='xml:base="https://miso.example/"'),
}


@pytest.mark.parametrize("name", list(QUIRKS))
def test_the_fast_path_answers_what_feedparser_answers(name: str) -> None:
    body = QUIRKS[name]
    assert takes_fast_path(body), "the case should exercise the fast path"
    fast, slow = both(body)
    assert isinstance(fast, ParsedFeed)
    assert fast == slow


NOT_OURS = {
    "a DOCTYPE": b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e "x">]><rss version="2.0">'
                 b"<channel><title>&e;</title><item><title>t</title></item></channel></rss>",
    "another encoding": '<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel>'
                        "<item><title>Grüße</title></item></channel></rss>".encode("iso-8859-1"),
    "RSS 0.91": b'<rss version="0.91"><channel><title>x</title><item><title>t</title></item>'
                b"</channel></rss>",
    "RSS 1.0": b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
               b'xmlns="http://purl.org/rss/1.0/"><item><title>t</title></item></rdf:RDF>',
    "malformed": rss("<title>t</title><description>a < b</description>"),
    "an undeclared prefix": rss("<title>t</title><wp:id>1</wp:id>"),
    "a base below the root": atom('<id>x</id><link href="a" xml:base="https://other.example/"/>'),
    "XHTML content": atom('<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
                          "<p>x</p></div></content>"),
    "out-of-line content": atom('<content src="https://miso.example/c" type="text/html"/>'),
    "an iTunes summary": rss("<title>t</title><itunes:summary>s</itunes:summary>"),
    "a media title": rss('<title>t</title><media:content url="u"><media:title>m</media:title>'
                         "</media:content>"),
    "two titles": rss("<title></title><title>t</title>"),
    "two authors (the second takes the first one's address)": rss(
        "<dc:creator>Team (info@kargah.example)</dc:creator><atom:author><atom:name>Leyla"
        "</atom:name></atom:author>"),
    "a title with markup inside": atom("<title>a<b>c</b></title>"),
    "an image in an item": rss("<title>t</title><image><title>i</title></image>"),
}


@pytest.mark.parametrize("name", list(NOT_OURS))
def test_what_the_fast_path_does_not_follow_goes_to_feedparser(name: str) -> None:
    # (then parse_feed's answer is feedparser's by construction: nothing to compare)
    assert not takes_fast_path(NOT_OURS[name])


@pytest.mark.parametrize("content_type, fast", [
    (None, True), ("application/rss+xml", True), ("application/xml; charset=UTF-8", True),
    ("text/xml; charset=utf-8", True), ("text/xml", False),
    ("application/rss+xml; charset=iso-8859-1", False), ("text/html", False)])
def test_the_declared_media_type_and_charset_decide_too(content_type: str | None,
                                                          fast: bool) -> None:
    body = QUIRKS["dc creator"]
    assert takes_fast_path(body, content_type) is fast
    first, second = both(body, content_type)
    assert first == second


def test_the_cap_on_categories_holds_on_the_fast_path() -> None:
    body = rss("".join(f"<category>c{n}</category>" for n in range(MAX_TAGS + 50)))
    assert takes_fast_path(body)
    fast, slow = both(body)
    assert isinstance(fast, ParsedFeed) and len(fast.entries[0].categories) == MAX_TAGS
    assert fast == slow


def agreement(files: list[Path]) -> tuple[int, list[str]]:
    """How many files the fast path read, and those where it disagreed."""
    taken, differ = 0, []
    for path in files:
        body = path.read_bytes()
        if not takes_fast_path(body):
            continue
        taken += 1
        fast, slow = both(body)
        if fast != slow:
            differ.append(str(path))
    return taken, differ


def test_both_paths_agree_on_the_project_fixtures() -> None:
    taken, differ = agreement(sorted(FIXTURES.iterdir()))
    assert differ == []
    assert taken >= 10  # the partners' usual formats take the fast path


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not here")
def test_both_paths_agree_on_the_whole_corpus() -> None:
    files = sorted(path for path in CORPUS.rglob("*") if path.is_file() and path.suffix != ".md")
    taken, differ = agreement(files)
    assert differ == []
    assert taken > len(files) // 3, (taken, len(files))


#: bits of feeds put into well-formed documents (or tags dropped from them) by the
#: mutation test: each exercises a rule of feedparser's that the fast path follows
SNIPPETS = [
    b"<title>x</title>", b'<category domain="">', b"</category>", b'xml:lang="de_AT"',
    b"<link/>", b'<guid isPermaLink="false"/>', b"&amp;", b"&#150;", b"<dc:creator/>",
    b"<author><name>a</name></author>", b'<content type="html">y</content>', b"<summary/>",
    b"<description/>", b' rel="ALTERNATE" ', b'<atom:link href="/x"/>', b"<id>/rel</id>",
    b'<link href="y" rel="alternate" hreflang="de"/>', b"<updated>2026-01-01</updated>",
    b"<pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate>", b"<ttl>x</ttl>", b"<comments>c</comments>",
    b'<summary type="html">&lt;b&gt;</summary>', b'<title type="html">a &amp;amp; b</title>',
    b"<dc:subject>s</dc:subject>", b'<media:thumbnail url="t"/>', b'<enclosure url="e"/>',
    b'<category term="t" scheme="s"/>', b"<language>en</language>", b"<name>n</name>",
    b"<content:encoded>c</content:encoded>", b"<email>e@x.org</email>", "Ã¼".encode(),
    b"<![CDATA[<p>x</p>]]>", b'<source url="u">s</source>',
]


def mutated(documents: list[bytes], count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        body = bytearray(rng.choice(documents))
        for _ in range(rng.randint(1, 3)):
            end = body.find(b">", rng.randrange(len(body)))
            if end < 0:
                continue
            start = body.find(b"<", end + 1)
            stop = body.find(b">", start) if start >= 0 else -1
            if rng.random() < 0.2 and stop >= 0:
                del body[start:stop + 1]  # drop a tag
            else:
                body[end + 1:end + 1] = rng.choice(SNIPPETS)
        out.append(bytes(body))
    return out


def test_both_paths_agree_on_mutated_documents() -> None:
    """Feeds with elements added, doubled or dropped at random: wherever the fast path
    still takes the document, feedparser's answer is the same."""
    seeds = [path.read_bytes() for path in sorted(FIXTURES.iterdir())]
    seeds += list(QUIRKS.values())
    if CORPUS.is_dir():
        seeds += [path.read_bytes() for path in sorted(CORPUS.rglob("*.xml"))[::7]]
    seeds = [body for body in seeds if takes_fast_path(body)]
    taken, differ = 0, []
    for body in mutated(seeds, 3000, seed=3):
        if takes_fast_path(body):
            taken += 1
            fast, slow = both(body)
            if fast != slow:
                differ.append(body[:300])
    assert differ == []
    assert taken > 450  # enough of them still well-formed to mean something
