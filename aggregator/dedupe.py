"""Deduplication: finding the same story at several partners. Pure functions.

:func:`prepare` gives each new entry what comparison needs: its canonical link
(:mod:`aggregator.urls`), the plain text compared, a MinHash fingerprint and the
LSH band keys under which the store files it (:mod:`aggregator.similarity`).
:func:`choose_story` decides, for one new entry and the stored candidates that
share a band key or the canonical link, which story it joins; the store runs it
inside the transaction that saves the entry, so two partners publishing the same
release at the same moment still end up in one story.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from .models import Entry, Settings, StoryCandidate, StoryChoice, StoryPolicy
from .sanitize import text_of
from .similarity import Fingerprint, StoryFacts, band_keys, fingerprint, same_story
from .urls import canonical_url

#: the longest text compared; a press release's first paragraphs say which it is
MAX_TEXT = 4000


def prepare(entry: Entry) -> Entry:
    text = text_of(entry.content_html or entry.summary_html, lines=True)[:MAX_TEXT]
    print_ = fingerprint(entry.title, text)
    return replace(entry, canonical_link=canonical_url(entry.link) if entry.link else None,
                   story_text=text, fingerprint=print_.to_bytes(), bands=tuple(band_keys(print_)))


def choose_story(entry: Entry, candidates: Sequence[StoryCandidate]) -> StoryChoice:
    """The story of the most similar candidate that tells the same story, if any,
    and the other stories that some matching candidate belongs to."""
    if not candidates or entry.fingerprint is None:
        return StoryChoice(None)
    new = _facts(entry.canonical_link, entry.title, entry.story_text,
                 entry.published or datetime.now(UTC), entry.fingerprint)
    matches: list[tuple[float, StoryCandidate, str]] = []
    for candidate in candidates:
        decision = same_story(new, _facts(candidate.canonical_link, candidate.title,
                                          candidate.text, candidate.published,
                                          candidate.fingerprint))
        if decision.same:
            matches.append((decision.score, candidate, decision.reason))
    if not matches:
        return StoryChoice(None)
    score, best, reason = max(matches, key=lambda match: match[0])
    also = sorted({candidate.story_id for _, candidate, _ in matches} - {best.story_id})
    return StoryChoice(best.story_id, reason, round(score, 4), tuple(also))


def policy(settings: Settings) -> StoryPolicy:
    return StoryPolicy(
        choose=choose_story,
        apart_sources=frozenset(s.id for s in settings.sources if not s.merge),
        apart_uids=frozenset(settings.keep_apart))


def _facts(link: str | None, title: str, text: str, published: datetime,
           blob: bytes | None) -> StoryFacts:
    try:
        print_ = Fingerprint.from_bytes(blob) if blob else fingerprint(title, text)
    except ValueError:  # made by another version of the fingerprinting
        print_ = fingerprint(title, text)
    return StoryFacts(canonical_link=link, title=title, text=text, published=published,
                      fingerprint=print_)
