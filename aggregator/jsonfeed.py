"""JSON Feed 1.1 documents (https://www.jsonfeed.org/version/1.1/), written with the
standard library's json: the format is plain JSON, no library needed.

Attribution and the other partners' copies go into the ``_aggregator`` extension
object (JSON Feed reserves keys starting with ``_`` for extensions).

Written compact (no indentation: the standard library's C encoder). A story shows in
many documents of one publish: given a :data:`Fragments` cache, its item is encoded
once and its text reused.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any

from .models import Document, Story

VERSION = "https://jsonfeed.org/version/1.1"

#: encoded items of one publish, by story (the story object: its ``id()``, the story
#: kept with its text so that the id stays its own)
Fragments = MutableMapping[int, tuple[Story, str]]

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def render_json(document: Document, fragments: Fragments | None = None) -> bytes:
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": document.title,
        "home_page_url": document.home_url,
        "feed_url": document.self_url + ".json",
        "authors": [{"name": document.title, "url": document.home_url}],
    }
    if document.subtitle:
        feed["description"] = document.subtitle
    if document.language:
        feed["language"] = document.language
    hub = next((href for rel, href in document.links if rel == "hub"), None)
    if hub:
        feed["hubs"] = [{"type": "WebSub", "url": hub}]
    feed["items"] = []
    head = _encode(feed)  # ...,"items":[]}
    cache: Fragments = {} if fragments is None else fragments
    items = []
    for story in document.stories:
        known = cache.get(id(story))
        if known is None or known[0] is not story:
            known = cache[id(story)] = (story, _encode(_item(story)))
        items.append(known[1])
    return (head[:-2] + ",".join(items) + "]}\n").encode("utf-8")


def _item(story: Story) -> dict[str, Any]:
    item: dict[str, Any] = {"id": story.uid}
    if story.link:
        item["url"] = story.link
    item.update({
        "title": story.title,
        "content_html": story.content_html,
        "summary": story.summary_text,
        "date_published": story.published.isoformat(),
        "date_modified": story.updated.isoformat(),
        "authors": [{"name": story.author}],
    })
    if story.categories:
        item["tags"] = list(story.categories)
    if story.language:
        item["language"] = story.language
    source = story.source
    extension: dict[str, Any] = {
        "source": {"id": source.source_id, "name": source.name, "url": source.homepage
                   or source.feed_link, "feed_url": source.feed_url},
    }
    if story.copies:
        extension["also_published_by"] = [
            {"id": copy.source_id, "name": copy.name, "url": copy.link} for copy in story.copies]
    if story.translations:
        extension["translations"] = [
            {"language": version.language, "url": version.link}
            for version in story.translations if version.link]
    if story.rights:
        extension["rights"] = story.rights
    item["_aggregator"] = extension
    return item
