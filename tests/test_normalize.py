"""From parsed entries to clean Entry values: links, titles, languages, dates."""

from __future__ import annotations

from datetime import UTC, datetime

from aggregator.language import autonym, is_valid_tag, primary_code
from aggregator.models import ParsedEntry, ParsedFeed, SourceConfig
from aggregator.normalize import UNTITLED, clean_feed, normalize_feed

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SOURCE = SourceConfig(id="kargah", name="kargah e.V.", url="https://kargah.example/feed",
                      language="de")


def raw(**fields: object) -> ParsedEntry:
    values: dict[str, object] = dict(
        id=None, link=None, title="T", title_is_html=True, summary=None, summary_is_html=True,
        content=None, content_is_html=True, author=None, published=None, updated=None,
        language=None)
    values.update(fields)
    return ParsedEntry(**values)  # type: ignore[arg-type]


def feed(*entries: ParsedEntry, language: str | None = None,
         link: str | None = "https://kargah.example/") -> ParsedFeed:
    return ParsedFeed(format="rss20", title="F", link=link, id=None, updated=None,
                      language=language, entries=entries)


def test_language_comes_from_entry_then_feed_then_source() -> None:
    entries = normalize_feed(feed(raw(language="fa-IR"), raw(), language="de-DE"),
                             SOURCE, SOURCE.url, NOW)
    assert [(e.language, e.language_origin) for e in entries] == [("fa", "entry"), ("de", "feed")]
    fallback = normalize_feed(feed(raw()), SOURCE, SOURCE.url, NOW)[0]
    assert (fallback.language, fallback.language_origin) == ("de", "source")
    unknown = normalize_feed(feed(raw()), SourceConfig(id="x", name="x", url=SOURCE.url),
                             SOURCE.url, NOW)[0]
    assert (unknown.language, unknown.language_origin) == (None, "unknown")


def test_links_are_absolute_and_web_only() -> None:
    entries = normalize_feed(feed(raw(link="/a/1"), raw(link="javascript:alert(1)"),
                                  raw(link="mailto:x@y"), raw(link="https://other.example/b")),
                             SOURCE, SOURCE.url, NOW)
    assert [e.link for e in entries] == ["https://kargah.example/a/1", None, None,
                                         "https://other.example/b"]


def test_xml_base_wins_over_the_channel_link() -> None:
    entry = normalize_feed(feed(raw(link="x", base="https://cdn.example/dir/")),
                           SOURCE, SOURCE.url, NOW)[0]
    assert entry.link == "https://cdn.example/dir/x"


def test_titles_fall_back_to_the_text() -> None:
    entries = normalize_feed(feed(raw(title="  ", summary="<p>Kurz: Sprachcafé am Montag</p>"),
                                  raw(title=None)), SOURCE, SOURCE.url, NOW)
    assert entries[0].title == "Kurz: Sprachcafé am Montag"
    assert entries[1].title == UNTITLED


def test_plain_text_summary_is_escaped() -> None:
    entry = normalize_feed(feed(raw(summary="<b>literal</b>", summary_is_html=False)),
                           SOURCE, SOURCE.url, NOW)[0]
    assert entry.summary_html == "&lt;b&gt;literal&lt;/b&gt;"


def test_absurd_dates_become_none() -> None:
    entries = normalize_feed(feed(raw(published=datetime(1970, 1, 1, tzinfo=UTC)),
                                  raw(published=datetime(2026, 3, 12, tzinfo=UTC))),
                             SOURCE, SOURCE.url, NOW)
    assert entries[0].published is None
    assert entries[1].published == datetime(2026, 3, 12, tzinfo=UTC)


def test_same_input_same_output() -> None:
    parsed = feed(raw(id="1", title="<i>A</i>", summary="<p>x</p>"))
    assert normalize_feed(parsed, SOURCE, SOURCE.url, NOW) == normalize_feed(
        parsed, SOURCE, SOURCE.url, NOW)


def test_feed_metadata_is_cleaned() -> None:
    cleaned = clean_feed(ParsedFeed(format="atom10", title="<b>kargah</b> &amp; friends",
                                    link="/", id="95148ACD", updated=None, language=None,
                                    entries=()), SOURCE.url)
    assert cleaned.title == "kargah & friends"
    assert cleaned.link == "https://kargah.example/"
    assert cleaned.id is None  # not an absolute IRI, so not usable as atom:source id


def test_language_tags() -> None:
    assert primary_code("de-DE") == "de" and primary_code("ku-Arab") == "ckb"
    assert primary_code("ku") == "kmr" and primary_code("en_US") == "en"
    assert primary_code("und") is None and primary_code("klingon") is None
    assert is_valid_tag("ckb") and not is_valid_tag("xx") and not is_valid_tag(" de")
    assert autonym("tr") == "Türkçe" and autonym("fa") == "فارسی"
    assert autonym("kmr") == "kurdî (kurmancî)" and autonym("ckb") == "کوردیی ناوەندی"
    # CLDR has no locale for Dari: langcodes' name; for no language at all: the code
    assert autonym("prs") == "فارسی (افغانستان)" and autonym("xx") == "xx"
