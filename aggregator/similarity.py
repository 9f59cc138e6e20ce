"""Near-duplicate detection for feed entries: pure building blocks.

Pipeline contract (nothing here touches a database or the network):

1. For every new entry compute ``fp = fingerprint(title, text)`` and store
   ``fp.signature`` / ``fp.shingles`` (``Fingerprint.to_bytes`` gives a compact
   BLOB) together with ``FINGERPRINT_VERSION``.
2. Store ``band_keys(fp)`` in an indexed table (:mod:`aggregator.store`'s
   ``entry_bands``: band, time, source, entry); the keys are signed 64-bit
   integers, so SQLite indexes them natively.
3. Candidates for a new entry are the stored entries sharing at least one band
   key (``... WHERE band IN (...)``, within a time window, other sources only)
   plus entries with the same canonical link.  That is sub-quadratic: the cost per new
   entry depends on the number of candidates, not on the number of entries.
4. ``same_story(new, candidate)`` decides; it is pure and explains itself.

Text model
----------
Title and text are normalised and turned into sets of word shingles of
``SHINGLE_WORDS`` consecutive words within a sentence by :mod:`aggregator.storytext`;
title and text are shingled separately, so an edited title only touches few shingles.
The set is summarised by a MinHash of ``NUM_PERM`` permutations (datasketch 2's
scheme ``affine32``, fixed seed, computed by :mod:`aggregator.minhash`); the estimated
Jaccard similarity of two signatures is the fraction of equal positions.  ``same_story`` uses the
estimate only to skip clearly different pairs and then compares the exact
shingle sets, the dates and numbers the texts name (:mod:`aggregator.storyfacts`),
and the word sequences of the two texts.

The thresholds below were chosen from ``bench/dedup`` (see its RESULTS.md):
a synthetic, labelled multilingual corpus of republications, edited copies
and hard negatives.  Changing any constant that affects signatures or band
keys requires bumping ``FINGERPRINT_VERSION`` and re-fingerprinting.

datasketch itself is a test dependency only: the reference the signatures are
checked against.
"""

from __future__ import annotations

import functools
import hashlib
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final
from urllib.parse import urlsplit

from aggregator import storytext
from aggregator.storyfacts import TextFacts, facts_of, slot_substitutions
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
_SCHEME: Final = "affine32"  # datasketch's name for the scheme of minhash.signature

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
_EMPTY_SIGNATURE: Final = (_MAX_SIGNATURE_VALUE,) * NUM_PERM


def _shingles_of(title: str, text: str) -> frozenset[str]:
    return frozenset(storytext.shingles(storytext.normalise(title), SHINGLE_WORDS)
                     | storytext.shingles(storytext.normalise(text), SHINGLE_WORDS))


#: for comparisons, where an entry meets several candidates and a candidate several
#: new entries; a set of a typical text weighs about 30 kB, so the cache stays small
#: (a fingerprint, computed once per entry, does not go through it)
_shingle_set: Final = functools.lru_cache(maxsize=256)(_shingles_of)


def fingerprint(title: str, text: str) -> Fingerprint:
    """Fingerprint of an entry from its title and (plain or HTML) text."""
    from aggregator import minhash  # numpy: only where fingerprints are made

    shingles = _shingles_of(title, text)
    if not shingles:
        return Fingerprint(_EMPTY_SIGNATURE, 0)
    return Fingerprint(minhash.signature(shingles, count=NUM_PERM, seed=_SEED), len(shingles))


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
    words_a = set(storytext.words(storytext.normalise(a)))
    words_b = set(storytext.words(storytext.normalise(b)))
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


def _conflict(a: TextFacts, b: TextFacts) -> tuple[frozenset[str], frozenset[str]] | None:
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
        conflict = _conflict(facts_of(a.title, a.text), facts_of(b.title, b.text))
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

    facts_a, facts_b = facts_of(a.title, a.text), facts_of(b.title, b.text)
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
    substitutions = slot_substitutions(a.text, b.text)
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
