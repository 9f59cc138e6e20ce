"""Property tests over parse -> sanitise -> publish: whatever a feed holds, what we
publish is valid, carries no script and no javascript: URL, and sanitising is
idempotent."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from aggregator.models import Document, FeedItem, SourceConfig, StoredEntry
from aggregator.publish import present
from aggregator.reading import parse_and_normalize
from aggregator.sanitize import clean_html
from aggregator.syndication import render_atom, render_rss

from atomcheck import check_atom
from formatcheck import check_rss

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SOURCE = SourceConfig(id="fuzz", name="Fuzz & <Co>", url="https://fuzz.example/feed",
                      homepage="https://fuzz.example/")
NASTY = ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">',
         '<a href="javascript:alert(1)">x</a>', '<a href="java&#x09;script:alert(1)">x</a>',
         '<a href=" JaVaScRiPt:alert(1)">x</a>', "<iframe src=//evil></iframe>",
         '<svg onload="alert(1)"><script>alert(2)</script></svg>', "<style>*{}</style>",
         '<form action="https://evil/"><input></form>', "<math><mi>x</mi></math>",
         "&lt;script&gt;alert(1)&lt;/script&gt;", "\u202e", "\x00\x1b\ufffe", "]]>",
         '<a href="data:text/html,<script>alert(1)</script>">d</a>', "<base href=//evil/>",
         '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', "&amp;amp;",
         '<div style="background:url(javascript:alert(1))">s</div>', "<!-- <script> -->"]
texts = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=40)), max_size=6).map(
    "".join)


def feed(titles: list[str], bodies: list[str], links: list[str]) -> bytes:
    items = "".join(
        f"<item><guid>{n}</guid><title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<description>{escape(body)}</description></item>"
        for n, (title, body, link) in enumerate(zip(titles, bodies, links, strict=False)))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>f</title><link>https://fuzz.example/</link><description>d</description>"
            f"{items}</channel></rss>").encode("utf-8", "surrogatepass")


def unsafe(fragment: str) -> list[str]:
    """Script, event handlers, style, and non-web URLs in an HTML fragment."""
    if not fragment.strip():
        return []
    problems = []
    tree = lxml_html.fragment_fromstring(fragment, create_parent="div")
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in ("script", "style", "iframe", "object", "embed", "form", "svg",
                           "meta", "base", "math"):
            problems.append(f"<{element.tag}>")
        for name, value in element.attrib.items():
            if name.startswith("on") or name == "style":
                problems.append(f"{element.tag}@{name}")
            if name in ("href", "src", "action", "formaction", "cite") and not value.startswith(
                    ("http://", "https://", "mailto:")):
                problems.append(f"{element.tag}@{name}={value!r}")
    return problems


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(titles=st.lists(texts, min_size=1, max_size=4), bodies=st.lists(texts, max_size=4),
       links=st.lists(st.sampled_from(["https://fuzz.example/a", "/relative", "javascript:x",
                                       "", "mailto:a@b", "https://fuzz.example/ä ö"]),
                      max_size=4))
def test_published_feeds_are_valid_and_safe(titles: list[str], bodies: list[str],
                                            links: list[str]) -> None:
    try:
        _, entries = parse_and_normalize(feed(titles, bodies, links), SOURCE.url,
                                         "application/rss+xml", SOURCE, NOW, ())
    except Exception as error:  # only our own, plain errors may come out
        from aggregator.errors import SourceError

        assert isinstance(error, SourceError), repr(error)
        return
    items = [FeedItem(uid=f"urn:uuid:00000000-0000-0000-0000-{n:012d}",
                      stored=StoredEntry(uid="", entry=entry, published=NOW, updated=NOW,
                                         first_seen=NOW), sequence=n)
             for n, entry in enumerate(entries)]
    stories = tuple(present(item, SOURCE, None) for item in items)
    document = Document(path="feed", title="Fuzz", self_url="https://portal.example/feed",
                        home_url="https://portal.example/", updated=NOW, stories=stories)
    atom = render_atom(document)
    assert check_atom(atom) == []
    assert check_rss(render_rss(document)) == []
    root = etree.fromstring(atom)
    for entry in root.iter("{http://www.w3.org/2005/Atom}entry"):
        title = entry.findtext("{http://www.w3.org/2005/Atom}title") or ""
        assert "<script" not in title.lower()
        for name in ("summary", "content"):
            fragment = entry.findtext(f"{{http://www.w3.org/2005/Atom}}{name}") or ""
            assert unsafe(fragment) == [], fragment
    for story in stories:
        assert "<script" not in story.title.lower() and story.title == story.title.strip()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=30)), max_size=8).map("".join))
def test_sanitising_is_idempotent_and_removes_everything_unsafe(dirty: str) -> None:
    once = clean_html(dirty, "https://fuzz.example/")
    assert clean_html(once, "https://fuzz.example/") == once
    assert unsafe(once) == []
