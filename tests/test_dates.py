"""Dates as people write them on pages, in the portal's languages (pure, no network)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aggregator.dates import clean, parse_date

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
