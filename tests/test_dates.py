"""Dates as people write them on pages, in the portal's languages (pure, no network)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aggregator import dates
from aggregator.dates import clean, parse_date, read_feed_dates
from aggregator.parse import parse_feed

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
PORTAL = ["de", "en", "tr", "ar", "fa", "ru", "uk", "kmr", "ckb", "vi", "pl"]

# (text, the source's language, expected moment in UTC); dates without a time are
# midnight in Europe/Berlin (CET = UTC+1 before 29 March 2026, CEST = UTC+2 after)
CASES = [
    ("Donnerstag, 12. März 2026", "de", "2026-03-11T23:00:00+00:00"),
    ("Mai 18, 2022", "de", "2022-05-17T22:00:00+00:00"),
    ("12.03.2026, 18:00 Uhr", "de", "2026-03-12T17:00:00+00:00"),
    ("12.03.2026", "de", "2026-03-11T23:00:00+00:00"),  # day first, not 3 December
    ("Mi., 11.03.2026 - 10:15", "de", "2026-03-11T09:15:00+00:00"),
    ("Veröffentlicht am 12. März 2026 von Redaktion", "de", "2026-03-11T23:00:00+00:00"),
    ("18 Mayıs 2022", "tr", "2022-05-17T22:00:00+00:00"),
    ("12 Mart 2026 Perşembe", "tr", "2026-03-11T23:00:00+00:00"),
    ("۱۲ مارس ۲۰۲۶", "fa", "2026-03-11T23:00:00+00:00"),  # Persian digits
    ("پنجشنبه ۱۲ مارس ۲۰۲۶", "fa", "2026-03-11T23:00:00+00:00"),
    ("١٢ مارس ٢٠٢٦", "ar", "2026-03-11T23:00:00+00:00"),  # Arabic-Indic digits
    ("12 марта 2026", "ru", "2026-03-11T23:00:00+00:00"),
    ("12 березня 2026, 18:00", "uk", "2026-03-12T17:00:00+00:00"),
    ("12 marca 2026, 9:30", "pl", "2026-03-12T08:30:00+00:00"),
    ("March 5, 2026", "en", "2026-03-04T23:00:00+00:00"),
    ("1. Juli 2026", "de", "2026-06-30T22:00:00+00:00"),  # summer time
    ("2026-03-12T18:00:00+01:00", "de", "2026-03-12T17:00:00+00:00"),
    ("2026-03-12", "de", "2026-03-11T23:00:00+00:00"),
    ("Thu, 12 Mar 2026 18:00:00 +0000", "en", "2026-03-12T18:00:00+00:00"),
    ("12. März", "de", "2026-03-11T23:00:00+00:00"),  # no year: the last such day
    ("vor 2 Tagen", "de", "2026-03-18T12:00:00+00:00"),  # relative to now
    ("\u200f۱۲ مارس ۲۰۲۶\u200f", "fa", "2026-03-11T23:00:00+00:00"),  # bidi marks
]


@pytest.mark.parametrize(("text", "language", "expected"), CASES)
def test_reads(text: str, language: str, expected: str) -> None:
    found = parse_date(text, [language, *PORTAL], now=NOW)
    assert found is not None, text
    assert found.tzinfo is not None and found.utcoffset() == UTC.utcoffset(None)
    assert found == datetime.fromisoformat(expected)


@pytest.mark.parametrize("text", ["Frühjahr 2026", "März 2026", "2026", "demnächst", "",
                                  "   ", "Kategorie: Neuigkeiten"])
def test_unreadable_is_none_not_a_guess(text: str) -> None:
    assert parse_date(text, ["de", *PORTAL], now=NOW) is None


def test_date_format_is_the_escape_hatch_for_ambiguous_pages() -> None:
    # an American page writing month first: without a format it is read day first
    assert parse_date("03/12/2026", ["en"], now=NOW) == datetime(2026, 12, 2, 23, tzinfo=UTC)
    assert parse_date("03/12/2026", ["en"], now=NOW, date_format="%m/%d/%Y") == datetime(
        2026, 3, 11, 23, tzinfo=UTC)
    # a format that does not fit falls back to reading the text
    assert parse_date("12. März 2026", ["de"], now=NOW, date_format="%d.%m.%Y") == datetime(
        2026, 3, 11, 23, tzinfo=UTC)


def test_languages_the_library_does_not_know_are_skipped() -> None:
    assert parse_date("12. März 2026", ["kmr", "de"], now=NOW) == datetime(
        2026, 3, 11, 23, tzinfo=UTC)
    assert parse_date("12. März 2026", ["kmr"], now=NOW) is not None  # falls back to de/en


def test_clean_turns_every_digit_into_ascii() -> None:
    assert clean(" ۱۲\u200f  مارس\n ٢٠٢٦ ") == "12 مارس 2026"


# -- feeds whose dates their parser cannot read ------------------------------------------

def feed_with_dates(*dates: str, language: str = "de") -> bytes:
    items = "".join(f"<item><title>Item {n}</title><link>https://p.example/{n}</link>"
                    f"<pubDate>{date}</pubDate></item>" for n, date in enumerate(dates))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>P'
            f"</title><link>https://p.example/</link><description>d</description>"
            f"<language>{language}</language>{items}</channel></rss>").encode()


@pytest.mark.parametrize("fast", [True, False], ids=["fast path", "feedparser"])
def test_dates_in_the_feeds_language_are_read_as_people_write_them(fast: bool) -> None:
    parsed = parse_feed(feed_with_dates(
        "Do, 12 Mär 2026 10:00:00 +0100",  # RFC 822, in German
        "12.03.2026 18:30",
        "Donnerstag, 12. März 2026",
        "Thu, 12 Mar 2026 10:00:00 +0100",  # the feed parser reads this one itself
        "kein Datum"), "application/rss+xml", fast=fast)
    assert [entry.date_text for entry in parsed.entries] == [
        "Do, 12 Mär 2026 10:00:00 +0100", "12.03.2026 18:30", "Donnerstag, 12. März 2026",
        None, "kein Datum"]
    feed = read_feed_dates(parsed, ("de", "en"), now=NOW)
    assert [entry.published for entry in feed.entries] == [
        datetime(2026, 3, 12, 9, 0, tzinfo=UTC), datetime(2026, 3, 12, 17, 30, tzinfo=UTC),
        datetime(2026, 3, 11, 23, 0, tzinfo=UTC), datetime(2026, 3, 12, 9, 0, tzinfo=UTC),
        None]
    assert feed.unparsed_dates == ("kein Datum",)
    assert feed.warning == ("1 of 5 dates could not be read (e.g. 'kein Datum'); the "
                            "first-seen time is used instead")


def test_dates_in_turkish_and_russian_feeds() -> None:
    for language, text in (("tr", "12 Mart 2026 Perşembe 10:00"),
                           ("ru", "12 марта 2026 10:00")):
        feed = read_feed_dates(parse_feed(feed_with_dates(text, language=language)),
                               (language, "de"), now=NOW)
        assert feed.entries[0].published == datetime(2026, 3, 12, 9, 0, tzinfo=UTC), text


def test_reading_dates_is_bounded_whatever_a_feed_holds(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """dateparser takes milliseconds per text: a thousand items with made-up dates
    must not make a document overrun its parse budget."""
    calls: list[str] = []

    def counted(text: str, *args: object, **kwargs: object) -> None:
        calls.append(text)
        return None

    monkeypatch.setattr(dates, "parse_date", counted)
    texts = ["x" * (dates.MAX_DATE_TEXT + 1)] * 10  # no date is this long
    texts += [f"kein Datum {n}" for n in range(dates.MAX_DATE_READS + 50)]
    feed = read_feed_dates(parse_feed(feed_with_dates(*texts)), ("de",), now=NOW)
    assert len(calls) == dates.MAX_DATE_READS
    assert all(len(text) <= dates.MAX_DATE_TEXT for text in calls)
    assert len(feed.unparsed_dates) == len(texts)
    assert all(entry.published is None for entry in feed.entries)


@pytest.mark.parametrize("text, expected", [
    ("Thu, 12 Mar 2026 10:00:00 +03:00", datetime(2026, 3, 12, 7, 0, tzinfo=UTC)),
    ("Thu, 12 Mar 2026 10:00:00 MSK", datetime(2026, 3, 12, 7, 0, tzinfo=UTC)),
    ("Thu, 12 Mar 2026 10:00:00 MEZ", datetime(2026, 3, 12, 9, 0, tzinfo=UTC)),
    ("Fri, 12 Jun 2026 10:00:00 CEST", datetime(2026, 6, 12, 8, 0, tzinfo=UTC)),
    ("Thu, 12 Mar 2026 10:00:00 GMT", datetime(2026, 3, 12, 10, 0, tzinfo=UTC)),
    ("Thu, 12 Mar 2026 10:00:00", datetime(2026, 3, 12, 9, 0, tzinfo=UTC)),  # Berlin
])
def test_an_rfc822_date_keeps_its_zone_whatever_it_is_called(text: str, expected: datetime
                                                              ) -> None:
    assert parse_date(text, ["de", "en"], now=NOW) == expected


@pytest.mark.parametrize("fast", [True, False], ids=["fast path", "feedparser"])
def test_a_zone_name_the_feed_parser_takes_for_utc_is_read_again(fast: bool) -> None:
    """feedparser knows the North American zone names and GMT; any other (MEZ, CEST,
    MSK) it silently reads as UTC, one to three hours off."""
    parsed = parse_feed(feed_with_dates(
        "Thu, 12 Mar 2026 10:00:00 MEZ", "Thu, 12 Mar 2026 10:00:00 MSK",
        "Thu, 12 Mar 2026 10:00:00 EST", "Thu, 12 Mar 2026 10:00:00 +0100"),
        "application/rss+xml", fast=fast)
    assert [entry.date_text for entry in parsed.entries] == [
        "Thu, 12 Mar 2026 10:00:00 MEZ", "Thu, 12 Mar 2026 10:00:00 MSK", None, None]
    feed = read_feed_dates(parsed, ("de",), now=NOW)
    assert [entry.published for entry in feed.entries] == [
        datetime(2026, 3, 12, 9, 0, tzinfo=UTC), datetime(2026, 3, 12, 7, 0, tzinfo=UTC),
        datetime(2026, 3, 12, 15, 0, tzinfo=UTC), datetime(2026, 3, 12, 9, 0, tzinfo=UTC)]
    assert feed.unparsed_dates == ()
