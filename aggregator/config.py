"""Reading feeds.toml into typed :class:`~aggregator.models.Settings`.

The file is parsed with :mod:`tomllib` and every key is checked here, at start, so a
mistake is explained once, precisely (file, source, key, what is expected), instead
of surfacing later as a failing fetch. Environment variables override the
``[aggregator]`` keys for containers (see :data:`ENVIRONMENT`).
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from .errors import ConfigError
from .language import is_valid_tag, primary_code
from .models import FetchLimits, HtmlSelectors, Settings, SourceConfig, SourceKind

DEFAULT_CONFIG = "feeds.toml"

#: environment variable -> [aggregator] key it overrides
ENVIRONMENT = {
    "AGGREGATOR_DATABASE": "database",
    "AGGREGATOR_OUTPUT_DIR": "output_dir",
    "AGGREGATOR_BASE_URL": "base_url",
    "AGGREGATOR_HOST": "host",
    "AGGREGATOR_PORT": "port",
}

AGGREGATOR_KEYS = {
    "title": "the title of the combined feed (text, not blank)",
    "description": "a subtitle for the combined feed (text)",
    "base_url": "the public http(s) URL the outputs are served under",
    "database": "path of the SQLite file, relative to feeds.toml",
    "output_dir": "folder for the published files, relative to feeds.toml",
    "interval": "default polling interval such as '30m', '1h', '1d' (at most 365d)",
    "max_entries": "entries per published feed document (whole number 1-10000)",
    "languages": "list of BCP 47 language tags such as ['de', 'en', 'fa']",
    "contact": "an http(s) or mailto: URL where partners can reach the operators",
    "host": "address the HTTP server listens on",
    "port": "TCP port of the HTTP server (1-65535)",
    "timeout": "connect and read timeout per request, such as '10s'",
    "deadline": "total time one fetch may take, such as '60s'",
    "max_body_size": "largest accepted body after decompression, such as '15MiB'",
    "concurrency": "fetches in flight at once (whole number 1-256)",
    "per_host": "fetches in flight per host (whole number 1-16)",
    "websub_hub": "the http(s) URL of a WebSub hub to ping when feeds change",
    "allow_private_networks": "true or false (default): whether sources may be on "
                              "loopback, private or link-local addresses",
    "parse_workers": "processes that parse documents (whole number 0-16; 0: no separate "
                     "process and no time budget)",
    "parse_timeout": "the longest one document may take to parse, such as '30s'",
    "keep_apart": "a list of entry ids (urn:uuid:...) that must never be merged with "
                  "another partner's story",
}
SOURCE_KEYS = {
    "id": "a unique slug of lower-case letters, digits, '-' and '_'",
    "name": "the partner's name as readers should see it",
    "url": "the http(s) URL of the feed, page or calendar",
    "homepage": "the partner's http(s) website",
    "language": "BCP 47 tag used when entries do not say, such as 'de'",
    "kind": "one of 'feed', 'html', 'ical'",
    "interval": "polling interval such as '1h' (at most 365d)",
    "tags": "list of slugs such as ['partner', 'events']",
    "html": "a table of CSS selectors ([source.html]) for kind = 'html'",
    "content": "'summary' (a teaser with a link back, the default) or 'full'",
    "rights": "the partner's copyright or licence line (text)",
    "priority": "a whole number; among copies of one story the highest is shown",
    "merge": "true or false: whether this source's entries may join other partners' stories",
    "language_param": "the link's query parameter that names the language of an entry's "
                      "version, such as 'lang' (Joomla) or 'clang' (REDAXO)",
    "language_values": "a table mapping language_param values to language tags, such as "
                       "{ 1 = \"de\", 2 = \"en\" }",
}
HTML_KEYS = {
    "item": "CSS selector of one news item (required)",
    "title": "CSS selector of the title inside an item (required)",
    "link": "CSS selector of the element whose href is the item's link",
    "date": "CSS selector of the element holding the date",
    "summary": "CSS selector of the teaser",
    "image": "CSS selector of the image",
    "date_format": "strftime format for dates the page writes ambiguously",
}

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)")
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DURATION = timedelta(days=365)
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMG]i?B|B)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1000, "mb": 10**6, "gb": 10**9, "kib": 1024, "mib": 1024**2,
               "gib": 1024**3}

T = TypeVar("T")


def parse_duration(text: str) -> timedelta:
    """``"30m"``, ``"1h30m"``, ``"45s"``, ``"500ms"``, ``"1d"`` -> timedelta, else ValueError."""
    compact = text.strip().lower()
    parts = _DURATION.findall(compact)
    if not parts or _DURATION.sub("", compact).strip():
        raise ValueError(text)
    seconds = sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts)
    # a year at most: no interval or timeout is longer, and dates a longer one is
    # added to (the next fetch) would leave the calendar
    if not 0 < seconds <= MAX_DURATION.total_seconds():
        raise ValueError(text)
    return timedelta(seconds=seconds)


def parse_size(value: object) -> int:
    """``"15MiB"``, ``"500 kB"``, ``1048576`` -> bytes; ValueError otherwise."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = _SIZE.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(value)
    size = float(match[1]) * _SIZE_UNITS[(match[2] or "B").lower()]
    if not math.isfinite(size):  # hundreds of digits
        raise ValueError(value)
    return int(size)


def is_http_url(value: str) -> bool:
    """An absolute http(s) URL with a host (and a port, if any, from 1 to 65535). Its
    own, not :func:`aggregator.urls.is_http_url`: that module loads w3lib (40 ms
    at the start of every command)."""
    try:
        parts = urlsplit(value)
        return (parts.scheme in ("http", "https") and bool(parts.hostname)
                and value == value.strip() and parts.port != 0)
    except ValueError:  # "http://[::1" (an unclosed IPv6 address), a port not a number
        return False


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The config file to use: the explicit one, else $AGGREGATOR_CONFIG, else ./feeds.toml."""
    return Path(explicit or os.environ.get("AGGREGATOR_CONFIG") or DEFAULT_CONFIG)


def load(path: str | os.PathLike[str] | None = None,
         environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate a feeds.toml; raise :class:`ConfigError` on any mistake."""
    file = config_path(path)
    try:
        with open(file, "rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(
            "file not found; create it (see the README's feeds.toml reference) or pass "
            "--config PATH / set AGGREGATOR_CONFIG",
            path=str(file),
        ) from None
    except OSError as error:
        raise ConfigError(f"cannot read the file: {error.strerror}", path=str(file)) from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"not valid TOML: {error}", path=str(file)) from error
    return parse(document, file, os.environ if environ is None else environ)


def parse(document: Mapping[str, Any], file: Path, environ: Mapping[str, str]) -> Settings:
    """Validate an already-parsed TOML document (pure; ``file`` is used for messages
    and to resolve relative paths)."""
    return _Reader(file).settings(document, environ)


class _Reader:
    """Validation with the file name at hand for every message."""

    def __init__(self, file: Path) -> None:
        self.file = file

    def fail(self, message: str, *, source: str | None = None,
             key: str | None = None) -> ConfigError:
        return ConfigError(message, path=str(self.file), source=source, key=key)

    def check_keys(self, table: Mapping[str, Any], allowed: Mapping[str, str], *,
                   where: str, source: str | None = None) -> None:
        for key in table:
            if key not in allowed:
                guess = difflib.get_close_matches(key, list(allowed), n=1)
                hint = f"did you mean {guess[0]!r}? " if guess else ""
                raise self.fail(
                    f"unknown key in {where}; {hint}expected one of: {', '.join(allowed)}",
                    source=source, key=key)

    def get(self, table: Mapping[str, Any], key: str, kind: type[T], default: T, *,
            source: str | None = None, what: str) -> T:
        value = table.get(key, default)
        if kind is int and isinstance(value, bool):
            raise self.fail(f"expected {what}, got {value!r}", source=source, key=key)
        if not isinstance(value, kind):
            raise self.fail(f"expected {what}, got {value!r}", source=source, key=key)
        return value

    def convert(self, value: Any, convert: Callable[[Any], T], *, source: str | None = None,
                key: str, what: str) -> T:
        try:
            return convert(value)
        except (ValueError, TypeError):
            raise self.fail(f"expected {what}, got {value!r}", source=source, key=key) from None

    def settings(self, document: Mapping[str, Any], environ: Mapping[str, str]) -> Settings:
        self.check_keys(document, {"aggregator": "", "source": ""}, where="the file")
        table = document.get("aggregator", {})
        if not isinstance(table, dict):
            raise self.fail("expected a table [aggregator]", key="aggregator")
        self.check_keys(table, AGGREGATOR_KEYS, where="[aggregator]")
        table = dict(table)
        for variable, key in ENVIRONMENT.items():
            if environ.get(variable):
                table[key] = int(environ[variable]) if key == "port" and environ[
                    variable].isdigit() else environ[variable]
        base = self.file.parent.absolute()

        def text(key: str, default: str) -> str:
            return self.get(table, key, str, default, what=AGGREGATOR_KEYS[key])

        def whole(key: str, default: int, low: int, high: int) -> int:
            value = self.get(table, key, int, default, what=AGGREGATOR_KEYS[key])
            if not low <= value <= high:
                raise self.fail(f"expected {AGGREGATOR_KEYS[key]}, got {value!r}", key=key)
            return value

        def duration(key: str, default: str) -> timedelta:
            return self.convert(text(key, default), parse_duration, key=key,
                                what=AGGREGATOR_KEYS[key])

        title = text("title", "Aggregated news")
        if not title.strip():  # readers would list the feed without a name
            raise self.fail(f"expected {AGGREGATOR_KEYS['title']}, got {title!r}", key="title")
        base_url = text("base_url", "http://localhost:8080/")
        if not is_http_url(base_url):
            raise self.fail(f"expected {AGGREGATOR_KEYS['base_url']}, got {base_url!r}",
                            key="base_url")
        contact = table.get("contact")
        if contact is not None and not (
            isinstance(contact, str) and (is_http_url(contact) or contact.startswith("mailto:"))
        ):
            raise self.fail(f"expected {AGGREGATOR_KEYS['contact']}, got {contact!r}",
                            key="contact")
        languages = self.languages(table.get("languages", []), key="languages")
        hub = table.get("websub_hub")
        if hub is not None and not (isinstance(hub, str) and is_http_url(hub)):
            raise self.fail(f"expected {AGGREGATOR_KEYS['websub_hub']}, got {hub!r}",
                            key="websub_hub")
        timeout = duration("timeout", "10s").total_seconds()
        limits = FetchLimits(
            connect_timeout=timeout,
            read_timeout=timeout,
            deadline=duration("deadline", "60s").total_seconds(),
            max_body_bytes=self.convert(table.get("max_body_size", "15MiB"), parse_size,
                                        key="max_body_size",
                                        what=AGGREGATOR_KEYS["max_body_size"]),
        )
        sources_table = document.get("source", [])
        if not isinstance(sources_table, list):
            raise self.fail("expected [[source]] blocks (an array of tables)", key="source")
        sources = tuple(self.source(block, index) for index, block in enumerate(sources_table))
        seen: set[str] = set()
        for source in sources:
            if source.id in seen:
                raise self.fail("duplicate source id; every [[source]] needs its own id",
                                source=source.id, key="id")
            seen.add(source.id)
        return Settings(
            config_path=self.file,
            title=title,
            base_url=base_url if base_url.endswith("/") else base_url + "/",
            database=base / text("database", "data/aggregator.db"),
            output_dir=base / text("output_dir", "data/public"),
            interval=duration("interval", "30m"),
            max_entries=whole("max_entries", 100, 1, 10_000),
            languages=languages,
            sources=sources,
            contact=contact,
            host=text("host", "127.0.0.1"),
            port=whole("port", 8080, 1, 65535),
            limits=limits,
            concurrency=whole("concurrency", 8, 1, 256),
            per_host=whole("per_host", 2, 1, 16),
            description=table.get("description") if isinstance(
                table.get("description"), str) else None,
            websub_hub=hub,
            keep_apart=self.keep_apart(table.get("keep_apart", [])),
            allow_private_networks=self.flag(table, "allow_private_networks", False),
            parse_workers=whole("parse_workers", 2, 0, 16),
            parse_timeout=duration("parse_timeout", "30s").total_seconds(),
        )

    def flag(self, table: Mapping[str, Any], key: str, default: bool) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"expected {AGGREGATOR_KEYS[key]}, got {value!r}", key=key)
        return value

    def keep_apart(self, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(
                isinstance(uid, str) and uid.startswith("urn:uuid:") for uid in value):
            raise self.fail(f"expected {AGGREGATOR_KEYS['keep_apart']}, got {value!r}",
                            key="keep_apart")
        return tuple(value)

    def languages(self, value: Any, *, key: str, source: str | None = None) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
            raise self.fail(f"expected a list of BCP 47 language tags, got {value!r}",
                            source=source, key=key)
        codes = []
        for tag in value:
            codes.append(self.language(tag, key=key, source=source))
        return tuple(dict.fromkeys(codes))

    def language(self, tag: str, *, key: str, source: str | None = None) -> str:
        code = primary_code(tag) if is_valid_tag(tag) else None
        if code is None:
            raise self.fail(
                f"{tag!r} is not a BCP 47 language tag; expected a code such as 'de', 'en', "
                "'tr', 'ar', 'fa', 'kmr' (Kurmanji) or 'ckb' (Sorani)", source=source, key=key)
        return code

    def source(self, block: Any, index: int) -> SourceConfig:
        if not isinstance(block, dict):
            raise self.fail(f"[[source]] number {index + 1} is not a table", key="source")
        source_id = block.get("id")
        label = source_id if isinstance(source_id, str) and source_id else f"#{index + 1}"
        self.check_keys(block, SOURCE_KEYS, where="[[source]]", source=label)
        if not isinstance(source_id, str) or not SLUG.match(source_id):
            raise self.fail(f"expected {SOURCE_KEYS['id']}, got {source_id!r}",
                            source=label, key="id")

        def text(key: str, default: str | None = None) -> str | None:
            value = block.get(key, default)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise self.fail(f"expected {SOURCE_KEYS[key]}, got {value!r}",
                                source=source_id, key=key)
            return value

        url = text("url")
        if url is None:
            raise self.fail(f"missing; expected {SOURCE_KEYS['url']}", source=source_id,
                            key="url")
        for key in ("url", "homepage"):
            value = text(key)
            if value is not None and not is_http_url(value):
                raise self.fail(f"expected {SOURCE_KEYS[key]} (only http and https), "
                                f"got {value!r}", source=source_id, key=key)
        kind = self.convert(block.get("kind", "feed"), SourceKind, source=source_id, key="kind",
                            what=SOURCE_KEYS["kind"])
        interval_text = text("interval")
        interval = None if interval_text is None else self.convert(
            interval_text, parse_duration, source=source_id, key="interval",
            what=SOURCE_KEYS["interval"])
        language_tag = text("language")
        tags = block.get("tags", [])
        if not isinstance(tags, list) or not all(
                isinstance(tag, str) and SLUG.match(tag) for tag in tags):
            raise self.fail(f"expected {SOURCE_KEYS['tags']}, got {tags!r}", source=source_id,
                            key="tags")
        html = self.html(block.get("html"), source_id, kind)
        content = block.get("content", "summary")
        if content not in ("summary", "full"):
            raise self.fail(f"expected {SOURCE_KEYS['content']}, got {content!r}",
                            source=source_id, key="content")
        priority = block.get("priority", 0)
        if not isinstance(priority, int) or isinstance(priority, bool):
            raise self.fail(f"expected {SOURCE_KEYS['priority']}, got {priority!r}",
                            source=source_id, key="priority")
        merge = block.get("merge", True)
        if not isinstance(merge, bool):
            raise self.fail(f"expected {SOURCE_KEYS['merge']}, got {merge!r}",
                            source=source_id, key="merge")
        language_param = text("language_param")
        values = block.get("language_values", {})
        if not isinstance(values, dict):
            raise self.fail(f"expected {SOURCE_KEYS['language_values']}, got {values!r}",
                            source=source_id, key="language_values")
        language_values = {str(value): self.language(str(tag), key="language_values",
                                                     source=source_id)
                           for value, tag in values.items()}
        return SourceConfig(
            id=source_id,
            name=text("name", source_id) or source_id,
            url=url,
            homepage=text("homepage"),
            language=None if language_tag is None else self.language(
                language_tag, key="language", source=source_id),
            kind=kind,
            interval=interval,
            tags=tuple(dict.fromkeys(tags)),
            html=html,
            content=content,
            rights=text("rights"),
            priority=priority,
            merge=merge,
            language_param=language_param,
            language_values=tuple(sorted(language_values.items())),
        )

    def html(self, table: Any, source_id: str, kind: SourceKind) -> HtmlSelectors | None:
        if table is None:
            if kind is SourceKind.HTML:
                raise self.fail("kind = 'html' needs a [source.html] table with at least "
                                "'item' and 'title' selectors", source=source_id, key="html")
            return None
        if not isinstance(table, dict):
            raise self.fail(f"expected {SOURCE_KEYS['html']}", source=source_id, key="html")
        self.check_keys(table, HTML_KEYS, where="[source.html]", source=source_id)
        for key, value in table.items():
            if not isinstance(value, str) or not value.strip():
                raise self.fail(f"expected {HTML_KEYS[key]} (text), got {value!r}",
                                source=source_id, key=f"html.{key}")
        for key in ("item", "title"):
            if key not in table:
                raise self.fail(f"missing; expected {HTML_KEYS[key]}", source=source_id,
                                key=f"html.{key}")
        for key, value in table.items():
            problem = html_problem(key, value)
            if problem:
                raise self.fail(f"expected {HTML_KEYS[key]}, got {value!r}: {problem}",
                                source=source_id, key=f"html.{key}")
        return HtmlSelectors(**table)


def html_problem(key: str, value: str) -> str | None:
    """Why a ``[source.html]`` value can never match (a selector that is not CSS, a date
    format strptime cannot read), or None. Checked when the configuration is read, not
    at the first fetch, so `aggregator check` says it before anything runs."""
    # imported here: only a configuration with news pages needs the page reading code
    from .dates import format_problem
    from .scrape import selector_problem

    return format_problem(value) if key == "date_format" else selector_problem(value)


def source_block(source_id: str, name: str, url: str, *, homepage: str | None = None,
                 language: str | None = None, tags: tuple[str, ...] = (),
                 kind: str | None = None) -> str:
    """A ``[[source]]`` block for feeds.toml, ready to paste."""
    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines = ["[[source]]", f"id = {quoted(source_id)}", f"name = {quoted(name)}",
             f"url = {quoted(url)}"]
    if homepage:
        lines.append(f"homepage = {quoted(homepage)}")
    if language:
        lines.append(f"language = {quoted(language)}")
    if kind and kind != "feed":
        lines.append(f"kind = {quoted(kind)}")
    if tags:
        lines.append(f"tags = [{', '.join(quoted(tag) for tag in tags)}]")
    return "\n".join(lines)
