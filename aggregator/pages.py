"""HTML pages for people. This module owns Jinja2: templates in
``aggregator/templates/``, escaping by the engine (autoescape), never by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from .l10n import format_when
from .language import autonym, is_rtl
from .models import Document, SourceConfig, SourceState

_environment = Environment(
    loader=PackageLoader("aggregator", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


#: a story is shown on several pages (the combined one in every language, its own
#: language's, its partner's): its date is formatted once per language
_when = lru_cache(maxsize=8192)(format_when)


def _time(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else None


def source_rows(sources: Iterable[SourceConfig],
                states: Mapping[str, SourceState]) -> list[dict[str, Any]]:
    """One plain row per source: what the status page and `aggregator sources` show."""
    rows = []
    for source in sources:
        state = states.get(source.id) or SourceState(id=source.id)
        status = ("retired" if state.retired else "failing" if state.failures
                  else "ok" if state.last_success else "waiting")
        moved = state.moved_to if state.moved_from == source.url else None
        rows.append({
            "id": source.id, "name": source.name, "kind": source.kind.value,
            "url": source.url, "homepage": source.homepage, "moved_to": moved,
            "discovered": state.discovered_url if state.discovered_from == source.url
            else None, "unparsed_dates": state.unparsed_dates,
            "status": status, "error": state.last_error if state.failures or state.retired
            else None, "error_at": _time(state.last_error_at), "warning": state.warning,
            "entries": state.entry_count, "last_success": _time(state.last_success),
            "next_fetch": "never (retired)" if state.retired
            else _time(state.next_fetch) or "soon",
        })
    return rows


def sources_page(title: str, base_url: str, sources: Iterable[SourceConfig],
                 states: Mapping[str, SourceState], now: datetime) -> str:
    rows = source_rows(sources, states)
    return _environment.get_template("sources.html").render(
        title=title, base_url=base_url, rows=rows, now=_time(now),
        failing=sum(1 for row in rows if row["status"] == "failing"))


FORMATS = [("application/atom+xml", ".atom"), ("application/rss+xml", ".rss"),
           ("application/feed+json", ".json")]


def stories_page(document: Document, *, base_url: str, languages: Iterable[str],
                 page_language: str, is_source: bool = False) -> str:
    """The latest stories as a web page: no script, readable on a phone, each story
    with its language and direction, a language filter and feed autodiscovery."""
    stories = [{
        "title": story.title, "link": story.link, "language": story.language,
        "direction": "rtl" if is_rtl(story.language) else "auto",
        "iso": story.published.isoformat(),
        "when": _when(story.published, document.language or story.language),
        "credit": ", ".join([story.source.name, *(copy.name for copy in story.copies)]),
        # sanitised by aggregator.sanitize before it was stored
        "summary": Markup(story.summary_html or story.content_html),
        "translations": [{"href": version.link, "code": version.language,
                          "name": autonym(version.language or "")}
                         for version in story.translations if version.link],
    } for story in document.stories]
    return _environment.get_template("stories.html").render(
        document=document, stories=stories, base_url=base_url, formats=FORMATS,
        page_language=page_language,
        page_direction="rtl" if is_rtl(document.language) else "ltr",
        languages=[{"code": code, "name": autonym(code), "dir": "rtl" if is_rtl(code) else "ltr"}
                   for code in languages], is_source=is_source)
