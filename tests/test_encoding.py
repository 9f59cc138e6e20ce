"""Feeds and pages whose server labels them with a stale charset: read as what the
bytes are (aggregator.encoding), through the fast path, feedparser and the page reader."""

from __future__ import annotations

import pytest

from aggregator import encoding
from aggregator.parse import parse_feed
from aggregator.scrape import decode

TITLE = "Sprachkurs für Mütter — کلاس زبان — Курси для матерів — Kurs dla matek: źdźbło"


def rss(title: str = TITLE, declaration: str = '<?xml version="1.0" encoding="UTF-8"?>'
        ) -> str:
    return (f'{declaration}<rss version="2.0"><channel><title>Partner</title>'
            "<link>https://partner.example/</link><description>d</description>"
            f"<item><title>{title}</title><link>https://partner.example/1</link>"
            "<guid>https://partner.example/1</guid></item></channel></rss>")


LEGACY = ["windows-1252", "windows-1251", "iso-8859-2", "ISO-8859-1", "windows-1256",
          '"iso-8859-9"', "koi8-r", "utf8mb4"]


@pytest.mark.parametrize("fast", [True, False], ids=["fast path", "feedparser"])
@pytest.mark.parametrize("label", LEGACY)
def test_a_utf8_feed_under_a_legacy_label_is_read_as_utf8_and_the_partner_is_told(
        label: str, fast: bool) -> None:
    feed = parse_feed(rss().encode("utf-8"), f"application/rss+xml; charset={label}",
                      fast=fast)
    assert feed.entries[0].title == TITLE
    assert feed.warning is not None
    assert f"labelled {label.strip(chr(34))} but it is UTF-8" in feed.warning


@pytest.mark.parametrize("declaration", ['<?xml version="1.0"?>', ""])
def test_no_declaration_in_the_document_means_utf8_there_too(declaration: str) -> None:
    feed = parse_feed(rss(declaration=declaration).encode("utf-8"),
                      "text/xml; charset=windows-1251")
    assert feed.entries[0].title == TITLE


def test_a_feed_really_in_its_legacy_charset_is_read_by_it() -> None:
    title = "Курсы для матерей: запись открыта"
    body = rss(title, '<?xml version="1.0" encoding="windows-1251"?>').encode("cp1251")
    feed = parse_feed(body, "application/rss+xml; charset=windows-1251")
    assert feed.entries[0].title == title
    assert feed.warning is None
    # the server's label alone (the document declares nothing) is believed as well
    body = rss(title, "").encode("cp1251")
    assert parse_feed(body, "application/rss+xml; charset=windows-1251"
                      ).entries[0].title == title


@pytest.mark.parametrize("content_type", [
    "application/rss+xml; charset=windows-1252", "application/rss+xml", None])
@pytest.mark.parametrize("fast", [True, False], ids=["fast path", "feedparser"])
def test_a_stale_xml_declaration_is_overruled_by_the_bytes_too(content_type: str | None,
                                                               fast: bool) -> None:
    """A CMS whose database moved to UTF-8 while its charset setting did not writes
    the old name into the XML declaration (and often the header as well)."""
    body = rss(declaration='<?xml version="1.0" encoding="windows-1252"?>').encode()
    feed = parse_feed(body, content_type, fast=fast)
    assert feed.entries[0].title == TITLE
    assert "labelled windows-1252 but it is UTF-8" in (feed.warning or "")


@pytest.mark.parametrize("body, label, declared, expected", [
    ("Привет".encode(), "windows-1251", None, ["windows-1251"]),
    ("Привет".encode(), "windows-1251", "utf-8", ["windows-1251"]),
    ("Привет".encode(), None, "koi8-r", ["koi8-r"]),
    ("Привет".encode(), "utf-8", "koi8-r", ["koi8-r"]),  # the stale one is named
    ("Привет".encode(), "windows-1251", "cp1251", ["windows-1251", "cp1251"]),
    ("Привет".encode(), "no-such-charset", None, ["no-such-charset"]),
    ("Привет".encode("cp1251"), "windows-1251", None, []),  # not valid UTF-8
    (b"plain ASCII", "windows-1251", None, []),  # the label changes nothing
    ("Привет".encode(), "utf-8", None, []),  # nothing to overrule
    ("Привет".encode(), None, None, []),
    ("Привет".encode(), "utf-16", None, []),  # another shape of bytes
])
def test_stale_labels(body: bytes, label: str | None, declared: str | None,
                      expected: list[str]) -> None:
    assert encoding.stale_labels(body, label, declared) == expected


def test_the_charset_parameter_is_read_and_replaced() -> None:
    assert encoding.charset_of("text/xml; Charset='windows-1251'") == "windows-1251"
    assert encoding.charset_of("text/xml") is None
    assert encoding.with_charset('text/xml; charset="windows-1251"; x=y',
                                 "utf-8") == 'text/xml; charset="utf-8"; x=y'
    assert encoding.with_charset("text/xml", "utf-8") == "text/xml; charset=utf-8"
    assert encoding.declared_in_xml(b"\xef\xbb\xbf<?xml version='1.0' encoding='KOI8-R'?>"
                                    ) == "KOI8-R"
    assert encoding.declared_in_xml(b"<rss/>") is None


def test_a_page_under_a_stale_label_is_read_as_utf8() -> None:
    page = "<html><head><meta charset=utf-8></head><body>Привет, Größe</body></html>"
    assert "Привет, Größe" in decode(page.encode(), "text/html; charset=windows-1251")


def test_a_page_in_its_legacy_charset_is_read_by_it() -> None:
    page = '<html><head><meta charset="windows-1251"></head><body>Привет</body></html>'
    assert "Привет" in decode(page.encode("cp1251"), "text/html; charset=windows-1251")
    assert "Привет" in decode(page.encode("cp1251"))  # by its meta alone


def test_a_utf8_byte_order_mark_outweighs_the_servers_label() -> None:
    """As browsers read pages: the mark wins, even over bytes that are not all UTF-8."""
    page = "\ufeff<html><body>Größe".encode() + b"\xff</body></html>"
    assert decode(page, "text/html; charset=iso-8859-1").endswith(
        "<body>Größe\ufffd</body></html>")


@pytest.mark.parametrize("content_type, declaration, says", [
    ("application/rss+xml; charset=windows-1251", '<?xml version="1.0" encoding="UTF-8"?>',
     "labelled windows-1251 but it is UTF-8 (read as UTF-8); the charset of its "
     "Content-Type header should say utf-8"),
    ("application/rss+xml", '<?xml version="1.0" encoding="ISO-8859-1"?>',
     "labelled ISO-8859-1 but it is UTF-8 (read as UTF-8); its XML declaration should "
     "say utf-8"),
    ("application/rss+xml; charset=iso-8859-1", '<?xml version="1.0" encoding="iso-8859-1"?>',
     "labelled iso-8859-1 but it is UTF-8 (read as UTF-8); the charset of its Content-Type "
     "header and its XML declaration should say utf-8"),
])
def test_the_warning_names_the_label_the_partner_has_to_fix(
        content_type: str, declaration: str, says: str) -> None:
    feed = parse_feed(rss(declaration=declaration).encode(), content_type)
    assert feed.entries[0].title == TITLE
    assert feed.warning == f"the feed is {says}"
