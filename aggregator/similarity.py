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
characters removed, "read more" phrases dropped), split into words (each
character of a script written without spaces counts as a word) and turned
into a set of word shingles of ``SHINGLE_WORDS`` consecutive words; title and
text are shingled separately, so an edited title only touches its own
shingles.  Numbers are kept (leading zeros dropped), so dates change shingles.
The set is summarised by a MinHash of ``NUM_PERM`` permutations (datasketch,
scheme ``affine32``, fixed seed); the estimated Jaccard similarity of two
signatures is the fraction of equal positions.

The thresholds below were chosen from ``bench/dedup`` (see its RESULTS.md):
a synthetic, labelled multilingual corpus of republications, edited copies
and hard negatives.  Changing any constant that affects signatures or band
keys requires bumping ``FINGERPRINT_VERSION`` and re-fingerprinting.

This module is the only one in the project that imports datasketch.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import html
import re
import struct
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final
from urllib.parse import urlsplit

import numpy as np
from datasketch import MinHash

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
_SCHEME: Final = "affine32"

#: Decision thresholds (see bench/dedup/RESULTS.md for how they were chosen).
#: Texts with at least SHORT_SHINGLES shingles on both sides merge at this
#: estimated Jaccard similarity ...
TEXT_THRESHOLD: Final = 0.5
#: ... or when the smaller text is almost contained in the larger one
#: (shortened teaser) and the Jaccard similarity is not too low.
CONTAINMENT_THRESHOLD: Final = 0.9
CONTAINMENT_MIN_JACCARD: Final = 0.3
#: Below this many shingles on either side a text counts as short and only
#: merges when nearly identical ...
SHORT_SHINGLES: Final = 12
SHORT_THRESHOLD: Final = 0.9
#: ... and below this many it never merges on text (a generic title such as
#: "Offene Sprechstunde" says nothing about which event it is).
MIN_SHINGLES: Final = 4
#: Two entries with the same canonical link whose texts are both substantial
#: (>= SHORT_SHINGLES) yet share almost nothing are different stories: the
#: link is a listing page that a feed gives for all its items.
LINK_MIN_SIMILARITY: Final = 0.1
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
    # Apostrophe variants (Ukrainian п'ятниця, Turkish Hannover'da).
    for src in ("’", "ʼ", "‘", "`", "´"):
        table[ord(src)] = "'"
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


def _normalise(text: str) -> str:
    for _ in range(2):  # feeds double-escape: "&amp;nbsp;"
        text = html.unescape(text)
    text = _TAG_RE.sub(" ", text)
    text = unicodedata.normalize("NFKC", text).casefold().translate(_CHAR_MAP)
    return _READ_MORE_RE.sub(" ", text)


# Scripts written without spaces: every character is a word of its own.
_NOSPACE: Final = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD_RE: Final = re.compile(rf"[{_NOSPACE}]|[^\W_{_NOSPACE}]+")


def _words(normalised: str) -> list[str]:
    words = _WORD_RE.findall(normalised)
    return [(w.lstrip("0") or "0") if w.isdigit() else w for w in words]


def _shingles(words: list[str]) -> set[str]:
    n = SHINGLE_WORDS
    if not words:
        return set()
    if len(words) <= n:
        return {" ".join(words)}
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


# --------------------------------------------------------------------------
# Facts that must agree: dates, times, weekdays, course levels, numbers
# --------------------------------------------------------------------------

# Month names per month number, several languages; "\w*" stems only for
# inflecting languages.  Month names only count next to a day or a year.
_MONTHS: Final[dict[int, tuple[str, ...]]] = {
    1: ("januar", "jänner", "january", "jan", "ocak", "январ\\w*", "січ\\w*", "stycz\\w*",
        "يناير", "كانون الثاني", "ژانویه", "rêbendan", "kanûna paşîn"),
    2: ("februar", "feber", "february", "feb", "şubat", "феврал\\w*", "лют\\w*", "lut\\w*",
        "فبراير", "شباط", "فوریه", "sibat", "reşemeh"),
    3: ("märz", "maerz", "march", "mar", "mart\\w*", "март\\w*", "берез\\w*", "mar[cz]\\w*",
        "مارس", "آذار", "adar"),
    4: ("april", "apr", "nisan\\w*", "апрел\\w*", "квіт\\w*", "kwie\\w*", "أبريل", "إبريل",
        "نيسان", "آوریل", "nîsan"),
    5: ("mai", "may", "mayıs\\w*", "mayis\\w*", "ма[йяею]", "трав\\w*", "maj\\w*", "مايو",
        "أيار", "مه", "gulan"),
    6: ("juni", "june", "jun", "haziran\\w*", "июн\\w*", "черв\\w*", "czerw\\w*", "يونيو",
        "يونيه", "حزيران", "ژوئن", "hezîran"),
    7: ("juli", "july", "jul", "temmuz\\w*", "июл\\w*", "лип\\w*", "lip\\w*", "يوليو", "يوليه",
        "تموز", "ژوئیه", "جولای", "tîrmeh"),
    8: ("august", "aug", "ağustos\\w*", "agustos\\w*", "август\\w*", "серп\\w*", "sierp\\w*",
        "أغسطس", "آب", "اوت", "آگوست", "tebax"),
    9: ("september", "sept", "sep", "eylül\\w*", "eylul\\w*", "сентябр\\w*", "верес\\w*",
        "wrze[sś]\\w*", "سبتمبر", "أيلول", "سپتامبر", "îlon", "ilon"),
    10: ("oktober", "october", "okt", "oct", "ekim\\w*", "октябр\\w*", "жовт\\w*",
         "październik\\w*", "października", "أكتوبر", "تشرين الأول", "اکتبر", "cotmeh"),
    11: ("november", "nov", "kasım\\w*", "kasim\\w*", "ноябр\\w*", "листопад\\w*",
         "listopad\\w*", "نوفمبر", "تشرين الثاني", "نوامبر", "mijdar"),
    12: ("dezember", "december", "dez", "dec", "aralık\\w*", "aralik\\w*", "декабр\\w*",
         "груд\\w*", "grud\\w*", "grudzień", "ديسمبر", "كانون الأول", "دسامبر", "berfanbar"),
}
# Solar Hijri months (Persian): a different calendar, so separate facts.
_SOLAR_MONTHS: Final = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر",
                        "آبان", "آذر", "دی", "بهمن", "اسفند")
_WEEKDAYS: Final[dict[int, tuple[str, ...]]] = {
    1: ("montag\\w*", "monday\\w*", "pazartesi\\w*", "понедельник\\w*", "понеділ\\w*",
        "poniedział\\w*", "щопонеділ\\w*", "الاثنين", "الإثنين", "دوشنبه", "duşem"),
    2: ("dienstag\\w*", "tuesday\\w*", "salı\\w*", "sali", "вторник\\w*", "вівтор\\w*",
        "wtor\\w*", "щовівтор\\w*", "الثلاثاء", "سه ?شنبه", "sêşem"),
    3: ("mittwoch\\w*", "wednesday\\w*", "çarşamba\\w*", "carsamba", "сред[аыуе]",
        "серед[аиу]", "щосеред\\w*", "środ[aęy]", "الأربعاء", "الاربعاء", "چهار ?شنبه", "çarşem"),
    4: ("donnerstag\\w*", "thursday\\w*", "perşembe\\w*", "persembe", "четверг\\w*",
        "четвер\\w*", "щочетвер\\w*", "czwart\\w*", "الخميس", "پنج ?شنبه", "pêncşem"),
    5: ("freitag\\w*", "friday\\w*", "cuma", "cuma'\\w*", "cumaya", "cumadan", "пятниц\\w*",
        "п'ятниц\\w*", "щоп'ятниц\\w*", "piąt\\w*", "الجمعة", "جمعه", "înî"),
    6: ("samstag\\w*", "sonnabend\\w*", "saturday\\w*", "cumartesi\\w*", "суббот\\w*",
        "субот\\w*", "щосубот\\w*", "sobot\\w*", "السبت", "شنبه", "şemî"),
    7: ("sonntag\\w*", "sunday\\w*", "pazar", "pazar'\\w*", "pazarı", "воскресен\\w*",
        "неділ\\w*", "щонеділ\\w*", "niedziel\\w*", "الأحد", "الاحد", "یکشنبه", "یک شنبه", "yekşem"),
}
_RELATIVE_DAYS: Final = ("heute", "morgen", "today", "tomorrow", "tonight", "bugün", "yarın",
                         "сегодня", "завтра", "сьогодні", "امروز", "فردا", "اليوم", "غدا",
                         "dzisiaj", "jutro", "îro", "sibê")


def _alternation(patterns: list[str]) -> str:
    # Lexicon entries go through the same normalisation as the texts.  Sort
    # longest first so that "سه شنبه" wins over "شنبه".
    normalised = sorted({_normalise_pattern(p) for p in patterns}, key=len, reverse=True)
    return "|".join(normalised)


def _normalise_pattern(pattern: str) -> str:
    return unicodedata.normalize("NFKC", pattern).casefold().translate(_CHAR_MAP)


def _group_alternation(prefix: str, table: dict[int, tuple[str, ...]]) -> str:
    return "|".join(f"(?P<{prefix}{k}>{_alternation(list(v))})" for k, v in table.items())


_READ_MORE_RE: Final = re.compile(rf"(?<!\w)(?:{_alternation(list(_READ_MORE))})(?!\w)")
_MONTH_ALT: Final = _group_alternation("m", _MONTHS) + "|" + "|".join(
    f"(?P<s{i + 1}>{_normalise_pattern(name)})" for i, name in enumerate(_SOLAR_MONTHS)
)
_MONTH_NAMES_RE: Final = re.compile(rf"(?<!\w)(?:{_MONTH_ALT})(?!\w)")
_ORDINAL: Final = r"(?:st|nd|rd|th|ê|'?[ıi]nc[ıi]|-?г?о|-?е)?"
_ISO_DATE_RE: Final = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUM_DATE_RE: Final = re.compile(
    r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2}(?!\d))?|(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?!\d)"
)
_DAY_MONTH_RE: Final = re.compile(
    rf"(?<!\d)(?P<day>\d{{1,2}}){_ORDINAL}\.?\s*(?:of\s+|ال)?(?P<month>{_MONTH_NAMES_RE.pattern})"
    rf"(?:,?\s*(?P<year>\d{{4}})(?!\d))?"
)
_MONTH_DAY_RE: Final = re.compile(
    rf"(?P<month>{_MONTH_NAMES_RE.pattern})\s*(?P<day>\d{{1,2}})(?!\d){_ORDINAL}"
    rf"(?:,?\s*(?P<year>\d{{4}})(?!\d))?"
)
_MONTH_YEAR_RE: Final = re.compile(rf"(?P<month>{_MONTH_NAMES_RE.pattern})\s*(?P<year>\d{{4}})(?!\d)")
_TIME_RE: Final = re.compile(r"(?<![\d.:])(\d{1,2})[:.](\d{2})(?![\d])")
_LEVEL_RE: Final = re.compile(r"(?<!\w)([abcавс])([12])(?:\.([12]))?(?!\w)")
_LEVEL_LETTER: Final = {"a": "a", "b": "b", "c": "c", "а": "a", "в": "b", "с": "c"}
_WEEKDAY_RE: Final = re.compile(rf"(?<!\w)(?:{_group_alternation('w', _WEEKDAYS)})(?!\w)")
_RELATIVE_RE: Final = re.compile(rf"(?<!\w)(?:{_alternation(list(_RELATIVE_DAYS))})(?!\w)")
_DIGITS_RE: Final = re.compile(r"\d+")


@dataclass(frozen=True)
class _TextFacts:
    facts: frozenset[str]
    dated: bool  # mentions an explicit calendar date
    relative: bool  # mentions a weekday or today/tomorrow


def _num(digits: str) -> str:
    return digits.lstrip("0") or "0"


def _month_of(match: re.Match[str]) -> str:
    group = match.group("month")
    inner = _MONTH_NAMES_RE.fullmatch(group)
    name = inner.lastgroup if inner is not None and inner.lastgroup else "m0"
    return name[1:] if name.startswith("m") else "sh" + name[1:]


def _year(digits: str) -> str:
    return str(2000 + int(digits)) if len(digits) == 2 else _num(digits)


@functools.lru_cache(maxsize=8192)
def _text_facts(normalised: str) -> _TextFacts:
    facts: set[str] = set()
    dated = False
    text = normalised

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
        day, month, year = (m.group(1), m.group(2), m.group(3)) if m.group(1) else m.group(4, 5, 6)
        if 1 <= int(day) <= 31 and 1 <= int(month) <= 12:
            add_date(day, _num(month), year)
            return blank(m)
        return m.group(0)

    def named(m: re.Match[str]) -> str:
        if 1 <= int(m.group("day")) <= 31:
            add_date(m.group("day"), _month_of(m), m.group("year"))
            return blank(m)
        return m.group(0)

    def month_year(m: re.Match[str]) -> str:
        facts.add(f"month:{_month_of(m)}")
        facts.add(f"num:{_num(m.group('year'))}")
        return blank(m)

    def clock(m: re.Match[str]) -> str:
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour <= 24 and minute < 60:
            facts.add(f"time:{hour}:{minute:02d}")
            facts.add(f"num:{hour}")
            return blank(m)
        return m.group(0)

    text = _ISO_DATE_RE.sub(iso, text)
    text = _NUM_DATE_RE.sub(numeric, text)
    text = _DAY_MONTH_RE.sub(named, text)
    text = _MONTH_DAY_RE.sub(named, text)
    text = _MONTH_YEAR_RE.sub(month_year, text)
    text = _TIME_RE.sub(clock, text)
    for m in _LEVEL_RE.finditer(text):
        facts.add(f"level:{_LEVEL_LETTER[m.group(1)]}{m.group(2)}{m.group(3) or ''}")
    text = _LEVEL_RE.sub(" ", text)
    relative = False
    for m in _WEEKDAY_RE.finditer(text):
        relative = True
        facts.add(f"weekday:{(m.lastgroup or 'w0')[1:]}")
    relative = relative or _RELATIVE_RE.search(text) is not None
    facts.update(f"num:{_num(d)}" for d in _DIGITS_RE.findall(text))
    return _TextFacts(frozenset(facts), dated, relative)


def _slot_substitutions(text_a: str, text_b: str) -> list[tuple[str, str]]:
    """Short substitutions between two otherwise aligned texts.

    Republication edits insert (credit line), delete (shortened teaser) or
    move (reordered sentences) text; a template filled in twice *substitutes*
    a slot value inside identical context: "Repair-Café in List" vs
    "Repair-Café in Linden".  Returns the substituted word groups (1-3 words on
    both sides, at least two equal words before (or the start) and after);
    spelling variants (character similarity >= 0.8) do not count.
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
        context_before = (i1 == 0 and j1 == 0) or (
            before is not None and before[0] == "equal" and before[2] - before[1] >= 2
        )
        context_after = after is not None and after[0] == "equal" and after[2] - after[1] >= 2
        if not (context_before and context_after):
            continue
        old, new = " ".join(words_a[i1:i2]), " ".join(words_b[j1:j2])
        if difflib.SequenceMatcher(None, old, new, autojunk=False).ratio() >= 0.8:
            continue
        found.append((old, new))
    return found


def _facts_of(title: str, text: str) -> _TextFacts:
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
        return struct.pack(f"<HI{NUM_PERM}I", FINGERPRINT_VERSION, self.shingles, *self.signature)

    @classmethod
    def from_bytes(cls, data: bytes) -> Fingerprint:
        """Inverse of ``to_bytes``; ValueError for another version or length."""
        if len(data) != struct.calcsize(f"<HI{NUM_PERM}I"):
            raise ValueError("fingerprint blob has the wrong length")
        version, shingles, *values = struct.unpack(f"<HI{NUM_PERM}I", data)
        if version != FINGERPRINT_VERSION:
            raise ValueError(f"fingerprint version {version}, expected {FINGERPRINT_VERSION}")
        return cls(tuple(values), shingles)


_PERMUTATIONS: Final = MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME).permutations
_EMPTY_SIGNATURE: Final = (_MAX_SIGNATURE_VALUE,) * NUM_PERM


@functools.lru_cache(maxsize=4096)
def _shingle_set(title: str, text: str) -> frozenset[str]:
    return frozenset(_shingles(_words(_normalise(title))) | _shingles(_words(_normalise(text))))


def fingerprint(title: str, text: str) -> Fingerprint:
    """Fingerprint of an entry from its title and (plain or HTML) text."""
    shingles = _shingle_set(title, text)
    if not shingles:
        return Fingerprint(_EMPTY_SIGNATURE, 0)
    minhash = MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME, permutations=_PERMUTATIONS)
    minhash.update_batch([s.encode("utf-8") for s in shingles])
    values: np.ndarray = minhash.hashvalues
    return Fingerprint(tuple(int(v) for v in values.tolist()), len(shingles))


_BAND_PERSON: Final = f"aggdedup{FINGERPRINT_VERSION}".encode()


def band_keys(fp: Fingerprint) -> list[int]:
    """LSH band keys of ``fp``: ``BANDS`` signed 64-bit ints (none if empty).

    Two fingerprints share at least one key with probability
    ``1 - (1 - s**ROWS)**BANDS`` for Jaccard similarity ``s``.  The band index
    is folded into each key, so one flat indexed column suffices.
    """
    if fp.shingles == 0:
        return []
    keys: list[int] = []
    for band in range(BANDS):
        chunk = fp.signature[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(
            struct.pack(f"<H{ROWS}I", band, *chunk), digest_size=8, person=_BAND_PERSON
        ).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated Jaccard similarity of the shingle sets (0.0 if either is empty)."""
    if a.shingles == 0 or b.shingles == 0:
        return 0.0
    equal = sum(1 for x, y in zip(a.signature, b.signature, strict=True) if x == y)
    return equal / NUM_PERM


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


def same_story(a: StoryFacts, b: StoryFacts, *, window: timedelta = timedelta(days=14)) -> MergeDecision:
    """Decide whether two entries tell the same story.  Pure; explains itself.

    1. The same canonical story link (not a site's root page) means the same
       story, unless the texts name different dates or are unrelated (a
       listing-page link given for several items).
    2. Otherwise entries published more than ``window`` apart are different,
       and so are different story links on the same site.
    3. Otherwise the texts decide: estimated Jaccard >= TEXT_THRESHOLD, or
       containment >= CONTAINMENT_THRESHOLD with Jaccard >=
       CONTAINMENT_MIN_JACCARD; short texts need >= SHORT_THRESHOLD and very
       short ones never merge.  Similar texts naming different dates, times,
       weekdays, levels or numbers (one side's facts not a subset of the
       other's), or differing only by short substitutions inside identical
       context (a template filled in twice), are different stories; undated texts about a weekday or
       "today" merge only within RELATIVE_WINDOW.
    """
    link_a, link_b = _story_link(a.canonical_link), _story_link(b.canonical_link)
    facts_a = _facts_of(a.title, a.text)
    facts_b = _facts_of(b.title, b.text)
    conflict = _conflict(facts_a, facts_b)
    sim, contained, shingles = _overlap(a, b)

    if link_a is not None and link_a == link_b:
        if conflict is not None and _conflict_kind(*conflict) == "dates":
            only_a, only_b = conflict
            return MergeDecision(
                False,
                f"same canonical URL but different dates in text ({_describe(only_a)} vs "
                f"{_describe(only_b)})",
                sim,
            )
        if shingles >= SHORT_SHINGLES and sim < LINK_MIN_SIMILARITY:
            return MergeDecision(
                False, f"same canonical URL but unrelated texts (similarity {sim:.2f})", sim
            )
        return MergeDecision(True, "same canonical URL", 1.0)

    delta = abs(_aware(a.published) - _aware(b.published))
    if delta > window:
        return MergeDecision(False, f"published {_days(delta)} apart (window {_days(window)})", sim)

    if link_a is not None and link_b is not None:
        host_a, host_b = urlsplit(link_a).netloc, urlsplit(link_b).netloc
        if host_a == host_b:
            return MergeDecision(False, f"different story links on the same site ({host_a})", sim)

    if shingles < MIN_SHINGLES:
        return MergeDecision(False, f"too little text to compare ({shingles} shingles)", sim)
    if shingles < SHORT_SHINGLES:
        if sim < SHORT_THRESHOLD:
            return MergeDecision(False, f"short text similarity {sim:.2f}", sim)
        verdict, score = f"short text nearly identical ({sim:.2f})", sim
    else:
        if sim >= TEXT_THRESHOLD:
            verdict, score = f"text similarity {sim:.2f}", sim
        elif contained >= CONTAINMENT_THRESHOLD and sim >= CONTAINMENT_MIN_JACCARD:
            verdict, score = f"text contained {contained:.2f} (similarity {sim:.2f})", contained
        else:
            return MergeDecision(False, f"text similarity {sim:.2f}", sim)

    if conflict is not None:
        only_a, only_b = conflict
        return MergeDecision(
            False,
            f"different {_conflict_kind(only_a, only_b)} in template text "
            f"({_describe(only_a)} vs {_describe(only_b)}; similarity {sim:.2f})",
            score,
        )
    substitutions = _slot_substitutions(a.text, b.text)
    if substitutions:
        shown = "; ".join(f"{x} / {y}" for x, y in substitutions[:3])
        return MergeDecision(
            False, f"same template text, different slot values ({shown}; similarity {sim:.2f})", score
        )
    if (facts_a.relative or facts_b.relative) and not (facts_a.dated or facts_b.dated):
        if delta > RELATIVE_WINDOW:
            return MergeDecision(
                False,
                f"undated weekday/today text published {_days(delta)} apart",
                score,
            )
    return MergeDecision(True, verdict, score)
