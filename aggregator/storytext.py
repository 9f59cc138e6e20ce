"""The text model of story comparison: how a title or a text is normalised, cut into
words and sentences, and turned into word shingles. Pure functions, no state.

Normalising removes markup remnants and HTML entities, applies NFKC and casefolding,
maps every Unicode decimal digit to ASCII, removes Arabic diacritics and tatweel,
folds Arabic and Persian letter variants, removes zero-width characters and
apostrophes, and drops "read more" phrases. Each character of a script written
without spaces counts as a word. Shingles are runs of consecutive words within a
sentence, so reordered sentences keep theirs. Numbers are kept (leading zeros
dropped), so dates change shingles.

Anything here that changes shingles changes the stored fingerprints: see
``aggregator.similarity.FINGERPRINT_VERSION``.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from typing import Final

__all__ = ["WORD_RE", "fold", "normalise", "shingles", "words"]


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


def fold(text: str) -> str:
    """NFKC, casefolded, digits to ASCII, Arabic and Persian variants folded, marks and
    zero-width characters removed: ``unicodedata.normalize("NFKC", text).casefold()
    .translate(_CHAR_MAP)``, faster."""
    return _CHAR_MAP_RE.sub(_map_char, unicodedata.normalize("NFKC", text).casefold())


#: the phrases, normalised, longest first (a shorter one can be part of a longer one)
_READ_MORE_PHRASES: Final = tuple(sorted({fold(p) for p in _READ_MORE}, key=lambda p: (-len(p), p)))
_READ_MORE_RE: Final = re.compile(
    r"(?<!\w)(?:" + "|".join(re.escape(p) for p in _READ_MORE_PHRASES) + r")(?!\w)"
)


def normalise(text: str) -> str:
    """A title or text as it is compared: entities decoded (twice), tags removed,
    folded (:func:`fold`), "read more" phrases dropped."""
    for _ in range(2):  # feeds double-escape: "&amp;nbsp;"
        text = html.unescape(text)
    text = fold(_TAG_RE.sub(" ", text))
    # the phrases are literal: a substring test tells cheaply whether any occurs
    if any(phrase in text for phrase in _READ_MORE_PHRASES):
        text = _READ_MORE_RE.sub(" ", text)
    return text


# Scripts written without spaces: every character is a word of its own.
_NOSPACE: Final = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
)
WORD_RE: Final = re.compile(rf"[{_NOSPACE}]|[^\W_{_NOSPACE}]+")


def words(normalised: str) -> list[str]:
    """The words of a normalised text, numbers without leading zeros."""
    found: list[str] = WORD_RE.findall(normalised)
    if "0" not in normalised:  # only numbers with leading zeros change
        return found
    return [(w.lstrip("0") or "0") if w.isdigit() else w for w in found]


# Sentence ends: . ! ? ; (not after a digit, so "12.03." stays together),
# Arabic question mark and semicolon, line breaks.
# Written to start with a character class, so the regular expression engine skips
# quickly to the candidates: r"(?<!\d)[.!?;؟؛]+(?=\s|$)|\n+".
_SENTENCE_END_RE: Final = re.compile(
    r"[.!?;؟؛\n](?:(?<=\n)\n*|(?<!\d[.!?;؟؛])[.!?;؟؛]*(?=\s|$))")


def shingles(normalised: str, size: int) -> set[str]:
    """Runs of ``size`` consecutive words within each sentence (reordered sentences keep
    their shingles); a sentence of ``size`` words or fewer is one shingle."""
    result: set[str] = set()
    for sentence in _SENTENCE_END_RE.split(normalised):
        found = words(sentence)
        if len(found) <= size:
            if found:
                result.add(" ".join(found))
            continue
        # the n-grams: zip stops at the shortest, found[size - 1:]
        result.update(map(" ".join, zip(*[found[i:] for i in range(size)], strict=False)))
    return result
