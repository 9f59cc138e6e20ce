"""Near-duplicate detection for feed entries: pure building blocks.

Pipeline contract (nothing here touches a database or the network):

1. For every new entry compute ``fp = fingerprint(title, text)`` and store
   ``fp.signature`` / ``fp.shingles`` (``Fingerprint.to_bytes`` gives a compact
   BLOB) together with ``FINGERPRINT_VERSION``.
2. Store ``band_keys(fp)`` in an indexed table ``band(key INTEGER, entry)``;
   the keys are signed 64-bit integers, so SQLite indexes them natively.
3. Candidates for a new entry are the stored entries sharing at least one band
   key (``SELECT DISTINCT entry FROM band WHERE key IN (...)``) plus entries
   with the same canonical link.  That is sub-quadratic: the cost per new
   entry depends on the number of candidates, not on the number of entries.
4. ``same_story(new, candidate)`` decides; it is pure and explains itself.

Text model
----------
Title and text are normalised (markup remnants and HTML entities removed,
NFKC, casefold, all Unicode decimal digits mapped to ASCII, Arabic diacritics
and tatweel removed, Arabic/Persian letter variants folded, zero-width
characters and apostrophes removed, "read more" phrases dropped), split into
sentences and words (each character of a script written without spaces
counts as a word) and turned into a set of word shingles of ``SHINGLE_WORDS``
consecutive words within a sentence: title and text are shingled separately
and sentences too, so an edited title or reordered sentences only touch few
shingles.  Numbers are kept (leading zeros dropped), so dates change shingles.
The set is summarised by a MinHash of ``NUM_PERM`` permutations (datasketch 2's
scheme ``affine32``, fixed seed, computed by :func:`_minhash`); the estimated
Jaccard similarity of two signatures is the fraction of equal positions.  ``same_story`` uses the
estimate only to skip clearly different pairs and then compares the exact
shingle sets, dates and numbers, and the word sequences of the two texts.

The thresholds below were chosen from ``bench/dedup`` (see its RESULTS.md):
a synthetic, labelled multilingual corpus of republications, edited copies
and hard negatives.  Changing any constant that affects signatures or band
keys requires bumping ``FINGERPRINT_VERSION`` and re-fingerprinting.

datasketch itself is a test dependency only: the reference the signatures are
checked against.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import html
import re
import struct
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final
from urllib.parse import urlsplit

import numpy as np

from aggregator.urls import canonical_url, is_http_url

__all__ = [
    "BANDS",
    "FINGERPRINT_VERSION",
    "NUM_PERM",
    "ROWS",
    "SHINGLE_WORDS",
    "Fingerprint",
    "MergeDecision",
    "StoryFacts",
    "band_keys",
    "fingerprint",
    "same_story",
    "similarity",
]

# --------------------------------------------------------------------------
# Parameters.  Signature/banding parameters are part of the stored format.
# --------------------------------------------------------------------------

#: Bump when anything that changes signatures or band keys changes.
FINGERPRINT_VERSION: Final = 1
#: MinHash permutations (signature length).
NUM_PERM: Final = 128
#: LSH banding: BANDS bands of ROWS signature values each (BANDS * ROWS == NUM_PERM).
#: Candidate probability for Jaccard s is 1 - (1 - s**ROWS)**BANDS: about 0.30 at
#: s=0.3, 0.87 at s=0.5 and 0.999 at s=0.7 for 32 x 4.
BANDS: Final = 32
ROWS: Final = 4
#: Words per shingle.
SHINGLE_WORDS: Final = 3
_SEED: Final = 20240311
_SCHEME: Final = "affine32"  # datasketch's name for the scheme of _minhash

#: Decision thresholds (see bench/dedup/RESULTS.md for how they were chosen),
#: applied to the exact shingle sets of the pair.  Texts with at least
#: SHORT_SHINGLES shingles on both sides merge at this Jaccard similarity ...
TEXT_THRESHOLD: Final = 0.7
#: With unrelated titles (less than half of the shorter title's words in the
#: other) the texts must be this similar: a roundup "events this week" made
#: mostly of one announcement is not that announcement.
UNRELATED_TITLES_THRESHOLD: Final = 0.85
#: ... or when the smaller text is almost contained in the larger one
#: (shortened teaser), the Jaccard similarity is not too low and the titles
#: are related (half of the shorter title's words in the other): a roundup
#: "events this week" also contains whole announcements, under its own title.
CONTAINMENT_THRESHOLD: Final = 0.8
CONTAINMENT_MIN_JACCARD: Final = 0.2
#: Below this many shingles on either side a text counts as short and only
#: merges when nearly identical ...
SHORT_SHINGLES: Final = 12
SHORT_THRESHOLD: Final = 0.9
#: ... and below this many it never merges on text (a generic title such as
#: "Offene Sprechstunde" says nothing about which event it is).
MIN_SHINGLES: Final = 3
#: Two entries with the same canonical link whose texts are both substantial
#: (>= SHORT_SHINGLES) but share less than this part of the smaller one are
#: different stories: the link is a listing page a feed gives for all items.
LINK_MIN_CONTAINMENT: Final = 0.5
#: Similar texts where *both* bodies have at least this many shingles the
#: other lacks are different stories: edits of a republication add (credit
#: line), drop (shortened teaser) or move text on one side; two different
#: stories sharing a boilerplate footer differ on both sides.
TWO_SIDED_UNIQUE: Final = 4
#: Pairs whose MinHash estimate is below this skip the exact comparison: any
#: text merge needs an exact Jaccard >= CONTAINMENT_MIN_JACCARD (0.2), and an
#: estimate from 128 permutations falls below 0.08 then with p < 5e-4.
PREFILTER_SIMILARITY: Final = 0.08
#: Texts that speak of a weekday or "today"/"tomorrow" without an explicit date
#: are only merged when published this close together (weekly events).
RELATIVE_WINDOW: Final = timedelta(days=3)

_MAX_SIGNATURE_VALUE: Final = (1 << 32) - 1


# --------------------------------------------------------------------------
# Text normalisation
# --------------------------------------------------------------------------


def _build_char_map() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0x10000):
        ch = chr(cp)
        if ch.isdecimal() and not ("0" <= ch <= "9"):
            table[cp] = str(unicodedata.decimal(ch))
    # Arabic diacritics (harakat, Quranic marks), superscript alef, tatweel.
    for cp in [*range(0x0610, 0x061B), *range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06EE)]:
        table[cp] = ""
    table[0x0640] = ""
    # Zero-width characters, soft hyphen, BOM, combining dot above (from "İ").
    for cp in (0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, 0x00AD, 0x0307):
        table[cp] = ""
    # Arabic and Persian letter variants.
    for src, dst in (
        ("أ", "ا"),
        ("إ", "ا"),
        ("آ", "ا"),
        ("ٱ", "ا"),
        ("ي", "ی"),
        ("ى", "ی"),
        ("ئ", "ی"),
        ("ك", "ک"),
        ("ۀ", "ه"),
    ):
        table[ord(src)] = dst
    # Apostrophes join words: Ukrainian п'ятниця, Turkish Hannover'da.
    for src in ("'", "’", "ʼ", "‘", "`", "´"):
        table[ord(src)] = ""
    return table


_CHAR_MAP: Final = _build_char_map()
_TAG_RE: Final = re.compile(r"<[^<>]{0,2000}>")
_READ_MORE: Final = (
    "weiterlesen",
    "mehr lesen",
    "mehr erfahren",
    "read more",
    "continue reading",
    "devamını oku",
    "devamı",
    "читать далее",
    "подробнее",
    "читати далі",
    "детальніше",
    "اقرأ المزيد",
    "ادامه مطلب",
    "czytaj więcej",
    "xem thêm",
)


def _char_class(codepoints: Iterable[int]) -> str:
    """A regular expression character class of ``codepoints``, as ranges."""
    ranges: list[list[int]] = []
    for cp in sorted(codepoints):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "[" + "".join(
        re.escape(chr(low)) + (f"-{re.escape(chr(high))}" if high > low else "")
        for low, high in ranges) + "]"


#: the characters _CHAR_MAP changes: only these call back into Python
#: (``str.translate`` looks every character of non-ASCII text up in the dict)
_CHAR_MAP_RE: Final = re.compile(_char_class(_CHAR_MAP))


def _map_char(match: re.Match[str]) -> str:
    return _CHAR_MAP[ord(match[0])]


def _fold(text: str) -> str:
    """``unicodedata.normalize("NFKC", text).casefold().translate(_CHAR_MAP)``."""
    return _CHAR_MAP_RE.sub(_map_char, unicodedata.normalize("NFKC", text).casefold())


def _normalise(text: str) -> str:
    for _ in range(2):  # feeds double-escape: "&amp;nbsp;"
        text = html.unescape(text)
    text = _fold(_TAG_RE.sub(" ", text))
    # the phrases are literal: a substring test tells cheaply whether any occurs
    if any(phrase in text for phrase in _READ_MORE_PHRASES):
        text = _READ_MORE_RE.sub(" ", text)
    return text


# Scripts written without spaces: every character is a word of its own.
_NOSPACE: Final = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
)
_WORD_RE: Final = re.compile(rf"[{_NOSPACE}]|[^\W_{_NOSPACE}]+")


def _words(normalised: str) -> list[str]:
    words: list[str] = _WORD_RE.findall(normalised)
    if "0" not in normalised:  # only numbers with leading zeros change
        return words
    return [(w.lstrip("0") or "0") if w.isdigit() else w for w in words]


# Sentence ends: . ! ? ; (not after a digit, so "12.03." stays together),
# Arabic question mark and semicolon, line breaks.
# Written to start with a character class, so the regular expression engine skips
# quickly to the candidates: r"(?<!\d)[.!?;؟؛]+(?=\s|$)|\n+".
_SENTENCE_END_RE: Final = re.compile(
    r"[.!?;؟؛\n](?:(?<=\n)\n*|(?<!\d[.!?;؟؛])[.!?;؟؛]*(?=\s|$))")


def _shingles(normalised: str) -> set[str]:
    """Word n-grams within sentences (reordered sentences keep their shingles)."""
    n = SHINGLE_WORDS
    result: set[str] = set()
    for sentence in _SENTENCE_END_RE.split(normalised):
        words = _words(sentence)
        if len(words) <= n:
            if words:
                result.add(" ".join(words))
            continue
        # the n-grams: zip stops at the shortest, words[n - 1:]
        result.update(map(" ".join, zip(*[words[i:] for i in range(n)], strict=False)))
    return result


# --------------------------------------------------------------------------
# Facts that must agree: dates, times, weekdays, course levels, numbers
# --------------------------------------------------------------------------

# Lexicons.  An entry ending in "*" is a stem (inflecting languages), an
# entry with a space spans two words.  Entries are normalised like texts.
# Month names only count next to a day or a year.
_MONTHS: Final[dict[int, tuple[str, ...]]] = {
    1: (
        "januar",
        "jänner",
        "january",
        "jan",
        "ocak*",
        "январ*",
        "січ*",
        "stycz*",
        "يناير",
        "كانون الثاني",
        "ژانویه",
        "rêbendan",
        "kanûna paşîn",
    ),
    2: (
        "februar",
        "feber",
        "february",
        "feb",
        "şubat*",
        "subat",
        "феврал*",
        "лют*",
        "lut*",
        "فبراير",
        "شباط",
        "فوریه",
        "sibat",
        "reşemeh",
    ),
    3: (
        "märz",
        "maerz",
        "march",
        "mar",
        "mart*",
        "март*",
        "берез*",
        "marc*",
        "marz*",
        "مارس",
        "آذار",
        "adar*",
    ),
    4: (
        "april",
        "apr",
        "nisan*",
        "апрел*",
        "квіт*",
        "kwie*",
        "أبريل",
        "إبريل",
        "نيسان",
        "آوریل",
        "nîsan*",
    ),
    5: (
        "mai",
        "may",
        "mayıs*",
        "mayis*",
        "май",
        "мая",
        "мае",
        "трав*",
        "maj*",
        "مايو",
        "أيار",
        "مه",
        "gulan*",
    ),
    6: (
        "juni",
        "june",
        "jun",
        "haziran*",
        "июн*",
        "черв*",
        "czerw*",
        "يونيو",
        "يونيه",
        "حزيران",
        "ژوئن",
        "hezîran*",
    ),
    7: (
        "juli",
        "july",
        "jul",
        "temmuz*",
        "июл*",
        "лип*",
        "lip*",
        "يوليو",
        "يوليه",
        "تموز",
        "ژوئیه",
        "جولای",
        "tîrmeh*",
    ),
    8: (
        "august",
        "aug",
        "ağustos*",
        "agustos*",
        "август*",
        "серп*",
        "sierp*",
        "أغسطس",
        "آب",
        "اوت",
        "آگوست",
        "tebax*",
    ),
    9: (
        "september",
        "sept",
        "sep",
        "eylül*",
        "eylul*",
        "сентябр*",
        "верес*",
        "wrzes*",
        "wrześ*",
        "سبتمبر",
        "أيلول",
        "سپتامبر",
        "îlon*",
        "ilon*",
    ),
    10: (
        "oktober",
        "october",
        "okt",
        "oct",
        "ekim*",
        "октябр*",
        "жовт*",
        "październik*",
        "أكتوبر",
        "تشرين الأول",
        "اکتبر",
        "cotmeh*",
    ),
    11: (
        "november",
        "nov",
        "kasım*",
        "kasim*",
        "ноябр*",
        "листопад*",
        "listopad*",
        "نوفمبر",
        "تشرين الثاني",
        "نوامبر",
        "mijdar*",
    ),
    12: (
        "dezember",
        "december",
        "dez",
        "dec",
        "aralık*",
        "aralik*",
        "декабр*",
        "груд*",
        "grudz*",
        "grudni*",
        "ديسمبر",
        "كانون الأول",
        "دسامبر",
        "berfanbar*",
    ),
}
# Solar Hijri months (Persian): another calendar, so facts of their own.
_SOLAR_MONTHS: Final = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
_WEEKDAYS: Final[dict[int, tuple[str, ...]]] = {
    1: (
        "montag*",
        "monday*",
        "pazartesi*",
        "понедельник*",
        "понеділ*",
        "щопонеділ*",
        "poniedział*",
        "الاثنين",
        "الإثنين",
        "دوشنبه",
        "duşem*",
    ),
    2: (
        "dienstag*",
        "tuesday*",
        "salı*",
        "sali",
        "вторник*",
        "вівтор*",
        "щовівтор*",
        "wtor*",
        "الثلاثاء",
        "سه‌شنبه",
        "سه شنبه",
        "sêşem*",
    ),
    3: (
        "mittwoch*",
        "wednesday*",
        "çarşamba*",
        "carsamba*",
        "среда",
        "среды",
        "среду",
        "среде",
        "середа",
        "середи",
        "середу",
        "щосеред*",
        "środa",
        "środę",
        "środy",
        "الأربعاء",
        "چهارشنبه",
        "چهار شنبه",
        "çarşem*",
    ),
    4: (
        "donnerstag*",
        "thursday*",
        "perşembe*",
        "persembe*",
        "четверг*",
        "четвер",
        "четверга",
        "четвергу",
        "щочетвер*",
        "czwart*",
        "الخميس",
        "پنجشنبه",
        "پنج‌شنبه",
        "پنج شنبه",
        "pêncşem*",
    ),
    5: (
        "freitag*",
        "friday*",
        "cuma",
        "cumaya",
        "cumadan",
        "cumaları",
        "пятниц*",
        "п'ятниц*",
        "щоп'ятниц*",
        "piąt*",
        "الجمعة",
        "جمعه",
        "înî",
    ),
    6: (
        "samstag*",
        "sonnabend*",
        "saturday*",
        "cumartesi*",
        "суббот*",
        "субот*",
        "щосубот*",
        "sobot*",
        "السبت",
        "شنبه",
        "şemî",
    ),
    7: (
        "sonntag*",
        "sunday*",
        "pazar",
        "pazarı",
        "pazarları",
        "воскресень*",
        "воскресен*",
        "неділ*",
        "щонеділ*",
        "niedziel*",
        "الأحد",
        "یکشنبه",
        "یک‌شنبه",
        "یک شنبه",
        "yekşem*",
    ),
}
_RELATIVE_DAYS: Final = (
    "heute",
    "morgen",
    "today",
    "tomorrow",
    "tonight",
    "bugün",
    "yarın",
    "сегодня",
    "завтра",
    "сьогодні",
    "امروز",
    "فردا",
    "اليوم",
    "غدا",
    "dzisiaj",
    "jutro",
    "îro",
    "sibê",
)


def _normalise_word(entry: str) -> str:
    return _fold(entry)


@dataclass(frozen=True)
class _Lexicon:
    """Word -> value lookup with exact forms, stems and two-word forms."""

    exact: dict[str, str]
    pairs: dict[tuple[str, str], str]
    stems: dict[str, tuple[tuple[str, str], ...]]  # first 3 letters -> (stem, value)

    @classmethod
    def build(cls, table: dict[str, tuple[str, ...]]) -> _Lexicon:
        exact: dict[str, str] = {}
        pairs: dict[tuple[str, str], str] = {}
        stems: dict[str, list[tuple[str, str]]] = {}
        for value, entries in table.items():
            for entry in entries:
                word = _normalise_word(entry)
                if word.endswith("*"):
                    stem = word[:-1]
                    stems.setdefault(stem[:3], []).append((stem, value))
                elif " " in word:
                    first, second = word.split(" ", 1)
                    pairs[(first, second)] = value
                else:
                    exact[word] = value
        return cls(exact, pairs, {k: tuple(v) for k, v in stems.items()})

    def at(self, words: list[str], index: int) -> tuple[str, int] | None:
        """(value, number of words) for a lexicon entry starting at words[index]."""
        if index >= len(words):
            return None
        word = words[index]
        if index + 1 < len(words):
            value = self.pairs.get((word, words[index + 1]))
            if value is not None:
                return value, 2
        value = self.exact.get(word)
        if value is not None:
            return value, 1
        for stem, value in self.stems.get(word[:3], ()):
            if word.startswith(stem):
                return value, 1
        return None


_MONTH_LEXICON: Final = _Lexicon.build(
    {
        **{str(k): v for k, v in _MONTHS.items()},
        **{f"sh{i + 1}": (name,) for i, name in enumerate(_SOLAR_MONTHS)},
    }
)
_WEEKDAY_LEXICON: Final = _Lexicon.build({str(k): v for k, v in _WEEKDAYS.items()})
_RELATIVE_WORDS: Final = frozenset(_normalise_word(w) for w in _RELATIVE_DAYS)
_READ_MORE_PHRASES: Final = tuple(
    sorted({_normalise_word(p) for p in _READ_MORE}, key=lambda p: (-len(p), p)))
_READ_MORE_RE: Final = re.compile(
    r"(?<!\w)(?:" + "|".join(re.escape(p) for p in _READ_MORE_PHRASES) + r")(?!\w)"
)
_ISO_DATE_RE: Final = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUM_DATE_RE: Final = re.compile(
    r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2}(?!\d))?"
    r"|(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?!\d)"
)
_TIME_RE: Final = re.compile(r"(?<![\d.:])(\d{1,2})[:.](\d{2})(?!\d)")
_DAY_RE: Final = re.compile(r"(\d{1,2})(?:st|nd|rd|th|ê|e|го|е|ci|cı|inci|ıncı|nci|ncı)?")
_YEAR_RE: Final = re.compile(r"\d{4}")
_LEVEL_RE: Final = re.compile(r"([abcавс])([12])")
_DIGITS_RE: Final = re.compile(r"\d+")
_LEVEL_LETTER: Final = {"a": "a", "b": "b", "c": "c", "а": "a", "в": "b", "с": "c"}
_FILLERS: Final = frozenset({"of", "de", "ال"})


@dataclass(frozen=True)
class _TextFacts:
    facts: frozenset[str]
    dated: bool  # mentions an explicit calendar date
    relative: bool  # mentions a weekday or today/tomorrow


def _num(digits: str) -> str:
    return digits.lstrip("0") or "0"


def _year(digits: str) -> str:
    return str(2000 + int(digits)) if len(digits) == 2 else _num(digits)


def _text_facts(normalised: str) -> _TextFacts:
    """Dates, times, weekdays, levels and other numbers named in a text."""
    facts: set[str] = set()
    dated = False

    def blank(match: re.Match[str]) -> str:
        return " " * (match.end() - match.start())

    def add_date(day: str, month: str, year: str | None) -> None:
        nonlocal dated
        dated = True
        facts.add(f"date:{_num(day)}.{month}")
        facts.add(f"num:{_num(day)}")
        if year:
            facts.add(f"num:{_year(year)}")

    def iso(m: re.Match[str]) -> str:
        if 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31:
            add_date(m.group(3), _num(m.group(2)), m.group(1))
            return blank(m)
        return m.group(0)

    def numeric(m: re.Match[str]) -> str:
        day, month, year = m.group(1, 2, 3) if m.group(1) else m.group(4, 5, 6)
        if 1 <= int(day) <= 31 and 1 <= int(month) <= 12:
            add_date(day, _num(month), year)
            return blank(m)
        return m.group(0)

    def clock(m: re.Match[str]) -> str:
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour <= 24 and minute < 60:
            facts.add(f"time:{hour}:{minute:02d}")
            facts.add(f"num:{hour}")
            return blank(m)
        return m.group(0)

    text = _ISO_DATE_RE.sub(iso, normalised)
    text = _NUM_DATE_RE.sub(numeric, text)
    text = _TIME_RE.sub(clock, text)
    words: list[str] = _WORD_RE.findall(text)
    relative = False
    used: set[int] = set()

    def day_at(index: int) -> str | None:
        if index < len(words) and index not in used:
            m = _DAY_RE.fullmatch(words[index])
            if m and 1 <= int(m.group(1)) <= 31:
                return m.group(1)
        return None

    def year_at(index: int) -> str | None:
        if index < len(words) and index not in used and _YEAR_RE.fullmatch(words[index]):
            return words[index]
        return None

    for i, word in enumerate(words):
        if i in used:
            continue
        first = word[:1]
        if first.isdigit():
            day = day_at(i)
            if day is not None:
                j = i + 1 + (i + 1 < len(words) and words[i + 1] in _FILLERS)
                month = _MONTH_LEXICON.at(words, j)
                if month is not None:
                    value, width = month
                    year = year_at(j + width)
                    add_date(day, value, year)
                    used.update(range(i, j + width + (year is not None)))
                    continue
            facts.update(f"num:{_num(d)}" for d in _DIGITS_RE.findall(word))
            continue
        level = _LEVEL_RE.fullmatch(word)
        if level is not None:
            facts.add(f"level:{_LEVEL_LETTER[level.group(1)]}{level.group(2)}")
            continue
        month = _MONTH_LEXICON.at(words, i)
        if month is not None:
            value, width = month
            day = day_at(i + width)
            if day is not None and year_at(i + width) is None:
                year = year_at(i + width + 1)
                add_date(day, value, year)
                used.update(range(i, i + width + 1 + (year is not None)))
                continue
            year = year_at(i + width)
            if year is not None:
                facts.add(f"month:{value}")
                facts.add(f"num:{_num(year)}")
                used.update(range(i, i + width + 1))
                continue
        weekday = _WEEKDAY_LEXICON.at(words, i)
        if weekday is not None:
            relative = True
            facts.add(f"weekday:{weekday[0]}")
            used.update(range(i, i + weekday[1]))
            continue
        if word in _RELATIVE_WORDS:
            relative = True
    return _TextFacts(frozenset(facts), dated, relative)


def _is_fact_word(word: str) -> bool:
    return (
        any(c.isdigit() for c in word)
        or _MONTH_LEXICON.at([word], 0) is not None
        or _WEEKDAY_LEXICON.at([word], 0) is not None
    )


def _slot_substitutions(text_a: str, text_b: str) -> list[tuple[str, str]]:
    """Short substitutions between two otherwise aligned texts.

    Republication edits insert (credit line), delete (shortened teaser) or
    move (reordered sentences) text; a template filled in twice *substitutes*
    a slot value inside identical context: "Repair-Café in List" vs
    "Repair-Café in Linden".  Returns the substituted word groups (1-3 words on
    both sides, at least two equal words before and after, six when they end
    the text); spelling variants (character similarity >= 0.8) do not count.
    """
    words_a = _words(_normalise(text_a))
    words_b = _words(_normalise(text_b))
    if not words_a or not words_b:
        return []
    opcodes = difflib.SequenceMatcher(None, words_a, words_b, autojunk=False).get_opcodes()
    found: list[tuple[str, str]] = []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag != "replace" or not (1 <= i2 - i1 <= 3 and 1 <= j2 - j1 <= 3):
            continue
        before = opcodes[index - 1] if index > 0 else None
        after = opcodes[index + 1] if index + 1 < len(opcodes) else None
        context_before = before is not None and before[0] == "equal" and before[2] - before[1] >= 2
        # A substitution right before the last few words is a signature or
        # credit line ("Quelle: X" / "Foto: X"), not a template slot.
        final = index + 2 == len(opcodes)
        context_after = (
            after is not None and after[0] == "equal" and after[2] - after[1] >= (6 if final else 2)
        )
        if not (context_before and context_after):
            continue
        if all(_is_fact_word(w) for w in words_a[i1:i2] + words_b[j1:j2]):
            continue  # dates and numbers are compared as facts ("12.03." = "12. März")
        old, new = " ".join(words_a[i1:i2]), " ".join(words_b[j1:j2])
        if difflib.SequenceMatcher(None, old, new, autojunk=False).ratio() >= 0.8:
            continue
        found.append((old, new))
    return found


@functools.lru_cache(maxsize=1024)
def _facts_of(title: str, text: str) -> _TextFacts:
    """Cached: a new entry meets each of its candidates with the same title and text."""
    return _text_facts(_normalise(title) + "\n" + _normalise(text))


# --------------------------------------------------------------------------
# Fingerprints and LSH band keys
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Fingerprint:
    """MinHash signature of an entry's title+text and its number of shingles."""

    signature: tuple[int, ...]
    shingles: int  # number of distinct shingles (text length signal)

    def __post_init__(self) -> None:
        if len(self.signature) != NUM_PERM:
            raise ValueError(f"signature must have {NUM_PERM} values, got {len(self.signature)}")
        if self.shingles < 0:
            raise ValueError("shingles must be >= 0")

    def to_bytes(self) -> bytes:
        """Compact encoding for storage (version, shingles, 32-bit values)."""
        return _BLOB.pack(FINGERPRINT_VERSION, self.shingles, *self.signature)

    @classmethod
    def from_bytes(cls, data: bytes) -> Fingerprint:
        """Inverse of ``to_bytes``; ValueError for another version or length."""
        if len(data) != _BLOB.size:
            raise ValueError("fingerprint blob has the wrong length")
        version, shingles, *values = _BLOB.unpack(data)
        if version != FINGERPRINT_VERSION:
            raise ValueError(f"fingerprint version {version}, expected {FINGERPRINT_VERSION}")
        return cls(tuple(values), shingles)


_BLOB: Final = struct.Struct(f"<HI{NUM_PERM}I")
_SIGNATURE: Final = struct.Struct(f"<{NUM_PERM}I")


@functools.cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The ``NUM_PERM`` affine permutations ``h -> a * h + b (mod 2**32)``, ``a`` odd, drawn
    from ``_SEED`` exactly as datasketch 2's ``MinHash(scheme="affine32")`` draws them."""
    generator = np.random.RandomState(_SEED)
    a = generator.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def _minhash(hashes: np.ndarray) -> np.ndarray:
    """The MinHash signature of 32-bit shingle hashes: datasketch 2's ``affine32`` scheme
    (the MurmurHash3 finalizer as a pre-mix, then each permutation, the minimum of each),
    written out here because importing datasketch imports scipy (about 60 MB in every
    parser process and 0.6 s at start) for these few array operations. The test suite
    checks against datasketch itself that the signatures are the same
    (tests/test_similarity.py)."""
    mixed = hashes ^ (hashes >> np.uint32(16))
    mixed = mixed * np.uint32(0x85EBCA6B)
    mixed = mixed ^ (mixed >> np.uint32(13))
    mixed = mixed * np.uint32(0xC2B2AE35)
    mixed = mixed ^ (mixed >> np.uint32(16))
    a, b = _permutations()
    result: np.ndarray = (mixed.reshape(-1, 1) * a + b).min(axis=0)
    return result


_EMPTY_SIGNATURE: Final = (_MAX_SIGNATURE_VALUE,) * NUM_PERM


def _shingles_of(title: str, text: str) -> frozenset[str]:
    return frozenset(_shingles(_normalise(title)) | _shingles(_normalise(text)))


#: for comparisons, where an entry meets several candidates and a candidate several
#: new entries; a set of a typical text weighs about 30 kB, so the cache stays small
#: (a fingerprint, computed once per entry, does not go through it)
_shingle_set: Final = functools.lru_cache(maxsize=256)(_shingles_of)


def fingerprint(title: str, text: str) -> Fingerprint:
    """Fingerprint of an entry from its title and (plain or HTML) text."""
    shingles = _shingles_of(title, text)
    if not shingles:
        return Fingerprint(_EMPTY_SIGNATURE, 0)
    # datasketch's default hash (sha1_hash32: the first 4 bytes of SHA-1, little-endian)
    # computed here for all shingles at once, without a Python call per shingle
    digests = b"".join([_sha1(s.encode("utf-8")).digest() for s in shingles])
    hashes = np.frombuffer(digests, dtype="<u4")[:: _SHA1_WORDS].astype(np.uint32)
    return Fingerprint(tuple(_minhash(hashes).tolist()), len(shingles))


_sha1: Final = hashlib.sha1
_SHA1_WORDS: Final = hashlib.sha1().digest_size // 4


_BAND_PERSON: Final = f"aggdedup{FINGERPRINT_VERSION}".encode()


def band_keys(fp: Fingerprint) -> list[int]:
    """LSH band keys of ``fp``: ``BANDS`` signed 64-bit ints (none if empty).

    Two fingerprints share at least one key with probability
    ``1 - (1 - s**ROWS)**BANDS`` for Jaccard similarity ``s``.  The band index
    is folded into each key, so one flat indexed column suffices.
    """
    if fp.shingles == 0:
        return []
    # the hashed message of a band: its index (<H), then its ROWS values (<I each)
    values = _SIGNATURE.pack(*fp.signature)
    width = 4 * ROWS
    keys: list[int] = []
    for band, prefix in enumerate(_BAND_PREFIXES):
        hasher = _BAND_HASHER.copy()
        hasher.update(prefix + values[band * width : (band + 1) * width])
        keys.append(int.from_bytes(hasher.digest(), "little", signed=True))
    return keys


_BAND_HASHER: Final = hashlib.blake2b(digest_size=8, person=_BAND_PERSON)
_BAND_PREFIXES: Final = tuple(struct.pack("<H", band) for band in range(BANDS))


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated Jaccard similarity of the shingle sets (0.0 if either is empty)."""
    if a.shingles == 0 or b.shingles == 0:
        return 0.0
    equal = sum(1 for x, y in zip(a.signature, b.signature, strict=True) if x == y)
    return equal / NUM_PERM


def _titles_related(a: str, b: str) -> bool:
    """At least half of the shorter title's words occur in the other title."""
    words_a, words_b = set(_words(_normalise(a))), set(_words(_normalise(b)))
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) >= 0.5 * min(len(words_a), len(words_b))


def _overlap(a: StoryFacts, b: StoryFacts) -> tuple[float, float, int]:
    """Exact (Jaccard, containment, smaller set size) of the shingle sets.

    Candidates come from the MinHash band keys; the decision itself uses the
    exact sets (cheap for one pair, and free of the estimate's +-0.04 noise).
    """
    set_a, set_b = _shingle_set(a.title, a.text), _shingle_set(b.title, b.text)
    smaller = min(len(set_a), len(set_b))
    if smaller == 0:
        return 0.0, 0.0, 0
    common = len(set_a & set_b)
    return common / (len(set_a) + len(set_b) - common), common / smaller, smaller


# --------------------------------------------------------------------------
# The decision
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class StoryFacts:
    """What ``same_story`` needs to know about an entry."""

    canonical_link: str | None
    title: str
    text: str
    published: datetime
    fingerprint: Fingerprint


@dataclass(frozen=True)
class MergeDecision:
    same: bool
    reason: str
    score: float


@functools.lru_cache(maxsize=4096)
def _story_link(link: str | None) -> str | None:
    """Canonical link if it can identify a story (not a site's root page)."""
    if not link or not is_http_url(link):
        return None
    canonical = canonical_url(link)
    parts = urlsplit(canonical)
    if parts.path in ("", "/") and not parts.query:
        return None
    return canonical


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _describe(facts: frozenset[str]) -> str:
    shown = sorted(facts)[:3]
    return ", ".join(f.partition(":")[2] for f in shown) + (" ..." if len(facts) > 3 else "")


def _conflict(a: _TextFacts, b: _TextFacts) -> tuple[frozenset[str], frozenset[str]] | None:
    only_a, only_b = a.facts - b.facts, b.facts - a.facts
    if only_a and only_b:
        return only_a, only_b
    return None


def _conflict_kind(only_a: frozenset[str], only_b: frozenset[str]) -> str:
    kinds = {f.partition(":")[0] for f in only_a | only_b}
    if kinds & {"date", "time", "weekday", "month"}:
        return "dates"
    if "level" in kinds:
        return "levels"
    return "numbers"


def _days(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 86400:.1f} days"


def same_story(
    a: StoryFacts, b: StoryFacts, *, window: timedelta = timedelta(days=14)
) -> MergeDecision:
    """Decide whether two entries tell the same story.  Pure; explains itself.

    1. The same canonical story link (not a site's root page) means the same
       story, unless the texts name different dates or are unrelated (a
       listing-page link given for several items).
    2. Otherwise entries published more than ``window`` apart are different,
       and so are different story links on the same site.
    3. Otherwise the texts decide (exact shingle sets; the MinHash estimate
       only skips pairs far below every threshold): Jaccard >= TEXT_THRESHOLD,
       or containment >= CONTAINMENT_THRESHOLD with Jaccard >=
       CONTAINMENT_MIN_JACCARD; short texts need >= SHORT_THRESHOLD and very
       short ones never merge.
    4. Similar texts are still different stories when they name different
       dates, times, weekdays, levels or numbers (neither side's facts a
       subset of the other's), when both bodies have content the other lacks
       (shared boilerplate), when they differ by a short substitution inside
       identical context (a template filled in twice), or when, undated but
       naming a weekday or "today", they were published more than
       RELATIVE_WINDOW apart (weekly events).

    ``score`` is the similarity behind the decision: 1.0 for the same link,
    else the (estimated, for early exits) Jaccard or the containment.
    """
    link_a, link_b = _story_link(a.canonical_link), _story_link(b.canonical_link)
    if link_a is not None and link_a == link_b:
        sim, contained, shingles = _overlap(a, b)
        conflict = _conflict(_facts_of(a.title, a.text), _facts_of(b.title, b.text))
        if conflict is not None and _conflict_kind(*conflict) == "dates":
            only_a, only_b = conflict
            return MergeDecision(
                False,
                f"same canonical URL but different dates in text ({_describe(only_a)} vs "
                f"{_describe(only_b)})",
                sim,
            )
        if shingles >= SHORT_SHINGLES and contained < LINK_MIN_CONTAINMENT:
            return MergeDecision(
                False,
                f"same canonical URL but unrelated texts (listing page?, "
                f"contained {contained:.2f})",
                sim,
            )
        return MergeDecision(True, "same canonical URL", 1.0)

    estimate = similarity(a.fingerprint, b.fingerprint)
    delta = abs(_aware(a.published) - _aware(b.published))
    if delta > window:
        return MergeDecision(
            False, f"published {_days(delta)} apart (window {_days(window)})", estimate
        )
    if link_a is not None and link_b is not None:
        host_a, host_b = urlsplit(link_a).netloc, urlsplit(link_b).netloc
        if host_a == host_b:
            return MergeDecision(
                False, f"different story links on the same site ({host_a})", estimate
            )
    if estimate < PREFILTER_SIMILARITY:
        return MergeDecision(False, f"text similarity {estimate:.2f} (estimated)", estimate)

    sim, contained, shingles = _overlap(a, b)
    if shingles < MIN_SHINGLES:
        return MergeDecision(False, f"too little text to compare ({shingles} shingles)", sim)
    if shingles < SHORT_SHINGLES:
        if sim < SHORT_THRESHOLD:
            return MergeDecision(False, f"short text similarity {sim:.2f}", sim)
        verdict, score = f"short text nearly identical ({sim:.2f})", sim
    elif sim >= TEXT_THRESHOLD and (
        sim >= UNRELATED_TITLES_THRESHOLD or _titles_related(a.title, b.title)
    ):
        verdict, score = f"text similarity {sim:.2f}", sim
    elif (
        contained >= CONTAINMENT_THRESHOLD
        and sim >= CONTAINMENT_MIN_JACCARD
        and _titles_related(a.title, b.title)
    ):
        verdict, score = f"text contained {contained:.2f} (similarity {sim:.2f})", contained
    else:
        return MergeDecision(False, f"text similarity {sim:.2f}", sim)

    facts_a, facts_b = _facts_of(a.title, a.text), _facts_of(b.title, b.text)
    conflict = _conflict(facts_a, facts_b)
    if conflict is not None:
        only_a, only_b = conflict
        return MergeDecision(
            False,
            f"different {_conflict_kind(only_a, only_b)} in template text "
            f"({_describe(only_a)} vs {_describe(only_b)}; similarity {sim:.2f})",
            score,
        )
    body_a, body_b = _shingle_set("", a.text), _shingle_set("", b.text)
    if body_a and body_b:
        unique_a, unique_b = len(body_a - body_b), len(body_b - body_a)
        if min(unique_a, unique_b) >= TWO_SIDED_UNIQUE:
            return MergeDecision(
                False,
                f"both texts have content the other lacks ({unique_a} / {unique_b} shingles; "
                f"shared boilerplate?, similarity {sim:.2f})",
                score,
            )
    substitutions = _slot_substitutions(a.text, b.text)
    if substitutions:
        shown = "; ".join(f"{x} / {y}" for x, y in substitutions[:3])
        return MergeDecision(
            False,
            f"same template text, different slot values ({shown}; similarity {sim:.2f})",
            score,
        )
    undated = not (facts_a.dated or facts_b.dated)
    if (facts_a.relative or facts_b.relative) and undated and delta > RELATIVE_WINDOW:
        return MergeDecision(
            False, f"undated weekday/today text published {_days(delta)} apart", score
        )
    return MergeDecision(True, verdict, score)
