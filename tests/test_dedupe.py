"""The merge decision for one new entry against stored candidates (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from aggregator.dedupe import choose_story, prepare
from aggregator.models import Entry, StoryCandidate

WHEN = datetime(2026, 4, 6, 9, tzinfo=UTC)
RELEASE = ("Die Landeshauptstadt Hannover lädt alle Vereine der Migrantinnen und Migranten "
           "zum Integrationsbeirat am Mittwoch, 15. April 2026, ins Neue Rathaus ein. Auf der "
           "Tagesordnung stehen die Förderung von Sprachkursen und das Sommerfest.")
OTHER = ("Der Verein kargah bietet ab Mai neue Alphabetisierungskurse für Frauen an. Die "
         "Kurse finden dienstags und donnerstags im Stadtteilzentrum Linden statt.")


def entry(source: str, link: str, title: str, text: str) -> Entry:
    return prepare(Entry(source_id=source, key=link, guid=None, link=link, title=title,
                         summary_html=f"<p>{text}</p>", content_html="", author=None,
                         published=WHEN, updated=None, language="de", language_origin="feed",
                         categories=(), content_hash=link))


def candidate(entry_id: int, story_id: int, new: Entry) -> StoryCandidate:
    return StoryCandidate(entry_id=entry_id, story_id=story_id, source_id=new.source_id,
                          canonical_link=new.canonical_link, title=new.title,
                          text=new.story_text, published=WHEN, fingerprint=new.fingerprint)


def test_no_candidates_means_a_story_of_its_own() -> None:
    assert choose_story(entry("a", "https://a.example/1", "Beirat", RELEASE), []).story_id is None


def test_an_unrelated_candidate_is_not_joined() -> None:
    other = entry("b", "https://b.example/kurse", "Neue Kurse für Frauen", OTHER)
    choice = choose_story(entry("a", "https://a.example/1", "Beirat", RELEASE),
                          [candidate(1, 1, other)])
    assert choice.story_id is None and choice.also == ()


def test_the_best_match_is_joined_and_the_other_matching_stories_are_named() -> None:
    same_link = entry("b", "https://a.example/1?utm_source=x", "Einladung zum Beirat", RELEASE)
    same_text = entry("c", "https://c.example/beirat", "Einladung zum Beirat", RELEASE)
    also_text = entry("c", "https://c.example/beirat-2", "Einladung zum Beirat", RELEASE)
    unrelated = entry("d", "https://d.example/kurse", "Neue Kurse für Frauen", OTHER)
    new = entry("a", "https://a.example/1", "Einladung zum Beirat", RELEASE)
    choice = choose_story(new, [candidate(7, 7, same_text), candidate(3, 3, same_link),
                                candidate(9, 7, also_text), candidate(5, 5, unrelated)])
    # the best score wins (on a tie the first candidate: the store lists the newest
    # first); the other story that matched is named once, the joined one not at all
    assert (choice.story_id, choice.score) == (7, 1.0)
    assert choice.also == (3,)
