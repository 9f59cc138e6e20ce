"""Whether the published outputs are out of date, decided without rendering anything.

Kept apart from :mod:`aggregator.publish` (and its renderers: feedgen, lxml, Jinja,
Babel) so that a pass of 304 answers, which only needs to know that nothing is to be
published, does not import them.

Each publish records, beside each document's digest in the database's ``documents``
table, three values of the whole publish (keys starting with ``@``, never a
document's path): the settings it was made with (:func:`fingerprint`), the languages
of the stored entries, and when the first upcoming event ends.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Protocol

from . import __version__
from .models import Settings

PUBLISHED = "@publish"
LANGUAGES = "@languages"
EVENT_ENDS = "@event-ends"  # when the first upcoming event ends (ISO 8601), or ""


class PublishLog(Protocol):
    """What the decision reads from the database (the store provides it)."""

    def documents(self) -> dict[str, str]: ...

    def has_publish_changes(self) -> bool: ...


def digest(*inputs: object) -> str:
    return hashlib.sha256(repr(inputs).encode("utf-8", "surrogatepass")).hexdigest()


def fingerprint(settings: Settings) -> str:
    """Everything besides the items that shapes a document: the settings and the
    program (a source's attribution is an item's input: the change log has it)."""
    return digest(__version__, settings.title, settings.base_url, settings.description,
                  settings.websub_hub, settings.languages, settings.max_entries,
                  settings.sources)


def needed(log: PublishLog, settings: Settings, now: datetime) -> bool:
    """Whether a publish now would change an output: reads the change log's first row,
    the remembered values and whether ``feed.atom`` is there. ``aggregator fetch`` and
    the server's start skip publishing when not."""
    known = log.documents()
    return publish_due(
        logged=log.has_publish_changes(),
        settings_changed=known.get(PUBLISHED) != fingerprint(settings),
        outputs_exist=(settings.output_dir / "feed.atom").exists(),
        event_ends=known.get(EVENT_ENDS), now=now)


def publish_due(*, logged: bool, settings_changed: bool, outputs_exist: bool,
                event_ends: str | None, now: datetime) -> bool:
    """The decision (pure): publish when the database logged a change since the last
    publish (new, changed or removed entries and stories, a source's attribution; kept
    until a publish completes, so a run that stopped before publishing is caught up),
    when the settings or the program differ from those of the last publish, when the
    outputs are not there, or when an upcoming event of the last publish has ended
    (``event_ends``: the earliest end, ISO 8601, "" for none, None if never recorded;
    the calendars drop ended events)."""
    return (logged or settings_changed or not outputs_exist or event_ends is None
            or (event_ends != "" and datetime.fromisoformat(event_ends) < now))
