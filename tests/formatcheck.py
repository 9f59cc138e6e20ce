"""Strict checks for RSS 2.0, JSON Feed 1.1 and OPML 2.0 documents, for tests.
Each returns a list of problems; an empty list means valid."""

from __future__ import annotations

import json
import re
from email.utils import parsedate_to_datetime
from typing import Any

from lxml import etree

ATOM_NS = "http://www.w3.org/2005/Atom"
# RFC 822 as RSS 2.0 uses it, with a four-digit year (RFC 1123)
RFC822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|"
                    r"Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} ([+-]\d{4}|GMT|UT|Z)$")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _parse(data: bytes) -> tuple[Any, list[str]]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.fromstring(data, parser), []
    except etree.XMLSyntaxError as error:
        return None, [f"xml: not well-formed: {error}"]


def check_rss(data: bytes) -> list[str]:
    root, problems = _parse(data)
    if root is None:
        return problems
    if root.tag != "rss" or root.get("version") != "2.0":
        return ["root: not <rss version='2.0'>"]
    channels = root.findall("channel")
    if len(channels) != 1:
        return ["channel: exactly one <channel> expected"]
    channel = channels[0]
    for name in ("title", "link", "description"):
        if not (channel.findtext(name) or "").strip():
            problems.append(f"channel: missing <{name}>")
    if channel.find(f"{{{ATOM_NS}}}link[@rel='self']") is None:
        problems.append("channel: missing atom:link rel='self'")
    for date in channel.findall("lastBuildDate") + channel.findall("pubDate"):
        if not RFC822.match(date.text or ""):
            problems.append(f"date: channel {date.tag} {date.text!r} is not RFC 822")
    guids = []
    for number, item in enumerate(channel.findall("item"), 1):
        if not (item.findtext("title") or item.findtext("description")):
            problems.append(f"item {number}: neither title nor description")
        guid = item.find("guid")
        if guid is None or not (guid.text or "").strip():
            problems.append(f"item {number}: no guid")
        else:
            guids.append(guid.text)
            if guid.get("isPermaLink") not in ("false", None):
                problems.append(f"item {number}: guid isPermaLink must be false for our ids")
        date = item.findtext("pubDate")
        if date is not None:
            if not RFC822.match(date):
                problems.append(f"date: item {number} pubDate {date!r} is not RFC 822")
            else:
                parsedate_to_datetime(date)
        source = item.find("source")
        if source is not None and not source.get("url"):
            problems.append(f"item {number}: <source> without url")
    if len(guids) != len(set(guids)):
        problems.append("guid: not unique")
    return problems


def check_jsonfeed(data: bytes) -> list[str]:
    try:
        feed = json.loads(data)
    except ValueError as error:
        return [f"json: not valid JSON: {error}"]
    problems = []
    if feed.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append("version: not JSON Feed 1.1")
    if not isinstance(feed.get("title"), str):
        problems.append("title: required string")
    for key in ("home_page_url", "feed_url", "description", "language", "icon"):
        if key in feed and not isinstance(feed[key], str):
            problems.append(f"{key}: must be a string")
    if not isinstance(feed.get("items"), list):
        return [*problems, "items: required array"]
    ids = []
    for number, item in enumerate(feed["items"], 1):
        if not isinstance(item.get("id"), str) or not item["id"]:
            problems.append(f"item {number}: id must be a non-empty string")
        ids.append(item.get("id"))
        if "content_html" not in item and "content_text" not in item:
            problems.append(f"item {number}: content_html or content_text required")
        for key in ("date_published", "date_modified"):
            if key in item and not RFC3339.match(str(item[key])):
                problems.append(f"item {number}: {key} is not RFC 3339")
        for key in ("url", "title", "summary", "language", "content_html"):
            if key in item and not isinstance(item[key], str):
                problems.append(f"item {number}: {key} must be a string")
        authors = item.get("authors", [])
        if not isinstance(authors, list) or not all(isinstance(a, dict) for a in authors):
            problems.append(f"item {number}: authors must be an array of objects")
        if "tags" in item and not all(isinstance(tag, str) for tag in item["tags"]):
            problems.append(f"item {number}: tags must be strings")
        for key in item:
            if key not in {"id", "url", "external_url", "title", "content_html", "content_text",
                           "summary", "image", "banner_image", "date_published",
                           "date_modified", "authors", "tags", "language", "attachments"} \
                    and not key.startswith("_"):
                problems.append(f"item {number}: unknown key {key!r}")
    if len(ids) != len(set(ids)):
        problems.append("id: not unique")
    return problems


def check_opml(data: bytes) -> list[str]:
    root, problems = _parse(data)
    if root is None:
        return problems
    if root.tag != "opml" or root.get("version") != "2.0":
        return ["root: not <opml version='2.0'>"]
    if root.find("head") is None or root.find("body") is None:
        return ["structure: <head> and <body> required"]
    for outline in root.iter("outline"):
        if outline.get("text") is None:
            problems.append("outline: text attribute required")
        if outline.get("type") == "rss" and not outline.get("xmlUrl"):
            problems.append(f"outline {outline.get('text')!r}: type rss needs xmlUrl")
    if not list(root.find("body")):
        problems.append("body: no outlines")
    return problems
