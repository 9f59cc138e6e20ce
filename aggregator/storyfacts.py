"""What two texts of one story must agree on: the dates, times, weekdays, course levels
and other numbers they name, in the portal's languages, and the slots of a template
filled in twice ("Repair-Café in List" / "Repair-Café in Linden"). Pure functions
over the text model of :mod:`aggregator.storytext`.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from typing import Final

from .storytext import WORD_RE, fold, normalise, words

__all__ = ["TextFacts", "facts_of", "slot_substitutions"]

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
                word = fold(entry)
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
_RELATIVE_WORDS: Final = frozenset(fold(w) for w in _RELATIVE_DAYS)
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
class TextFacts:
    """The facts a text names: ``date:12.3``, ``time:18:00``, ``weekday:4``, ``level:b1``,
    ``num:2026`` ..."""

    facts: frozenset[str]
    dated: bool  # mentions an explicit calendar date
    relative: bool  # mentions a weekday or today/tomorrow


def _num(digits: str) -> str:
    return digits.lstrip("0") or "0"


def _year(digits: str) -> str:
    return str(2000 + int(digits)) if len(digits) == 2 else _num(digits)


def _text_facts(normalised: str) -> TextFacts:
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
    words: list[str] = WORD_RE.findall(text)
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
    return TextFacts(frozenset(facts), dated, relative)


def _is_fact_word(word: str) -> bool:
    return (
        any(c.isdigit() for c in word)
        or _MONTH_LEXICON.at([word], 0) is not None
        or _WEEKDAY_LEXICON.at([word], 0) is not None
    )


def slot_substitutions(text_a: str, text_b: str) -> list[tuple[str, str]]:
    """Short substitutions between two otherwise aligned texts.

    Republication edits insert (credit line), delete (shortened teaser) or
    move (reordered sentences) text; a template filled in twice *substitutes*
    a slot value inside identical context: "Repair-Café in List" vs
    "Repair-Café in Linden".  Returns the substituted word groups (1-3 words on
    both sides, at least two equal words before and after, six when they end
    the text); spelling variants (character similarity >= 0.8) do not count.
    """
    words_a = words(normalise(text_a))
    words_b = words(normalise(text_b))
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
def facts_of(title: str, text: str) -> TextFacts:
    """The facts of a title and text. Cached: a new entry meets each of its candidates
    with the same title and text."""
    return _text_facts(normalise(title) + "\n" + normalise(text))
