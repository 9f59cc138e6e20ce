"""The ``aggregator`` command. This module owns click (commands, options, help text,
exit codes); what the commands show is in :mod:`aggregator.console`.

Exit codes: 0 the command ran (also when some sources failed: their errors are
reported), 1 the database or the outputs cannot be used (or ``check URL`` found it
unusable, or ``remove`` or ``restore`` found nothing to do for a name), 2 a usage or
configuration error.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import click

from . import __version__, config, console, logs
from .errors import AggregatorError, ConfigError
from .models import HtmlSelectors, Settings

F = TypeVar("F", bound=Callable[..., Any])


def with_settings(function: F) -> F:
    """Add ``--config`` and pass loaded settings; turn our errors into exit codes."""
    @click.option("--config", "config_file", metavar="PATH", envvar="AGGREGATOR_CONFIG",
                  help="feeds.toml to use [default: ./feeds.toml, or $AGGREGATOR_CONFIG]")
    @wraps(function)
    def wrapper(config_file: str | None, **kwargs: Any) -> Any:
        try:
            settings = config.load(config_file)
            return function(settings, **kwargs)
        except ConfigError as error:
            console.warn(f"configuration error: {error}")
            sys.exit(2)
        except AggregatorError as error:
            console.warn(f"error: {error}")
            sys.exit(1)
    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aggregator")
def main() -> None:
    """Gather partners' feeds, pages and calendars; publish one multilingual feed."""


@main.command()
@with_settings
def run(settings: Settings) -> None:
    """The main job: the scheduler and the HTTP server in one process, until
    SIGTERM or SIGINT."""
    from .service import run_service

    logs.setup(logging.INFO)
    run_service(settings)


@main.command()
@click.argument("source_ids", nargs=-1, metavar="[ID]...")
@click.option("-v", "--verbose", is_flag=True, help="also log every fetch (to stderr)")
@with_settings
def fetch(settings: Settings, source_ids: tuple[str, ...], verbose: bool) -> None:
    """Fetch all (or the named) sources once now, store, publish.

    Exits 0 when it ran, even if some sources failed: their errors are reported."""
    from .service import fetch_once, run

    unknown = [sid for sid in source_ids if settings.source(sid) is None]
    if unknown:
        raise click.BadParameter(
            f"no such source: {', '.join(unknown)} (known: "
            f"{', '.join(s.id for s in settings.sources) or 'none'})", param_hint="ID")
    logs.setup(logging.INFO if verbose else logging.ERROR, stream=sys.stderr)
    started = time.monotonic()
    sources = [s for s in settings.sources if not source_ids or s.id in source_ids]
    with console.fetch_progress(len(sources)) as progress:
        results, report = run(fetch_once(settings, sources, progress,
                                         include_retired=bool(source_ids)))
    console.fetch_summary(results, time.monotonic() - started)
    if report is None:
        console.say(f"nothing changed: the outputs in {settings.output_dir} are up to date")
    else:
        console.say(f"published {len(report.written)} changed files "
                    f"({len(report.unchanged)} unchanged) in {settings.output_dir}; "
                    f"combined feed: {settings.output_dir / 'feed.atom'}")


@main.command()
@with_settings
def publish(settings: Settings) -> None:
    """Render every output from the database into output_dir."""
    from .service import publish_once

    logs.setup(logging.WARNING, stream=sys.stderr)
    report = publish_once(settings)
    console.say(f"published {len(report.written)} changed files ({len(report.unchanged)} "
                f"unchanged) in {settings.output_dir} in {report.duration:.2f} s")


@main.command()
@with_settings
def serve(settings: Settings) -> None:
    """The HTTP server alone, serving output_dir."""
    from .service import serve_only

    logs.setup(logging.INFO)
    serve_only(settings)


@main.command()
@with_settings
def sources(settings: Settings) -> None:
    """A table of the sources and their health."""
    from .decide import for_sources
    from .store import Store

    store = Store.open(settings.database)
    try:
        console.sources_table(settings.sources, for_sources(settings.sources, store.states()))
    finally:
        store.close()


@main.command()
@click.argument("url", required=False)
@click.argument("selectors", nargs=-1, metavar="[KEY=SELECTOR]...")
@click.option("--html", "html", is_flag=True,
              help="read URL as a news page with the selectors given as KEY=SELECTOR "
                   "(item=..., title=..., link, date, summary, image, date_format)")
@click.option("--language", metavar="CODE", help="the source's language, such as 'de'")
@with_settings
def check(settings: Settings, url: str | None, selectors: tuple[str, ...], html: bool,
          language: str | None) -> None:
    """Without URL: validate feeds.toml. With URL: fetch and parse it as a source and
    explain what works and what does not (exit 1 when it is not usable)."""
    if url is None:
        console.say(f"{settings.config_path} is valid: {len(settings.sources)} sources, "
                    f"database {settings.database}, outputs in {settings.output_dir}")
        return
    if selectors and not html:
        raise click.UsageError("selectors (KEY=SELECTOR) go with --html")
    if not config.is_http_url(url):
        raise click.BadParameter(f"{url!r}: expected an http(s) URL such as "
                                 "https://partner.example/feed.xml", param_hint="URL")
    from .diagnosis import check_url

    logs.setup(logging.WARNING, stream=sys.stderr)
    report, usable = asyncio.run(check_url(
        settings, url, selectors=_selectors(selectors) if html else None, language=language))
    console.say(report)
    if not usable:
        sys.exit(1)


def _selectors(pairs: tuple[str, ...]) -> HtmlSelectors:
    """``item=article.news title=h2 ...`` -> selectors, checked like [source.html]."""
    values: dict[str, str] = {}
    for pair in pairs:
        key, sign, value = pair.partition("=")
        value = value.strip()
        if not sign or not value:
            raise click.BadParameter(f"{pair!r}: expected KEY=SELECTOR", param_hint="selectors")
        if key not in config.HTML_KEYS:
            raise click.BadParameter(f"unknown key {key!r}; expected one of: "
                                     f"{', '.join(config.HTML_KEYS)}", param_hint="selectors")
        problem = config.html_problem(key, value)
        if problem:
            raise click.BadParameter(f"{pair!r}: {problem}", param_hint="selectors")
        values[key] = value
    missing = [key for key in ("item", "title") if key not in values]
    if missing:
        raise click.BadParameter(f"--html needs {' and '.join(missing)}=SELECTOR",
                                 param_hint="selectors")
    return HtmlSelectors(**values)


@main.command("import-opml")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_opml(file: Path) -> None:
    """Print a [[source]] block for feeds.toml for every feed of an OPML file
    (nothing is written: review the blocks and paste them)."""
    from .opml import read_opml, slug

    feeds = []
    for feed in read_opml(file.read_bytes()):
        if config.is_http_url(feed.url):
            feeds.append(feed)
        else:
            console.warn(f"{file}: skipped {feed.title!r}: {feed.url!r} is not an http(s) URL")
    if not feeds:
        console.warn(f"{file}: no feeds found in this OPML file")
        sys.exit(1)
    taken: set[str] = set()
    blocks = []
    for feed in feeds:
        # a title in another script has no ASCII slug: the feed's host names it then;
        # room is left for a "-2" and the id stays within 64 characters
        base = (slug(feed.title) or slug(urlsplit(feed.url).hostname or "") or "source")[:60]
        source_id, number = base, 2
        while source_id in taken:
            source_id, number = f"{base}-{number}", number + 1
        taken.add(source_id)
        blocks.append(config.source_block(source_id, feed.title, feed.url, tags=feed.tags))
    console.say("\n\n".join(blocks))


@main.command()
@click.option("--all", "show_all", is_flag=True,
              help="also stories told by one partner only")
@click.option("--limit", default=50, show_default=True, help="how many stories")
@with_settings
def stories(settings: Settings, show_all: bool, limit: int) -> None:
    """Stories told by several partners, with their copies and why each was merged
    (same link, or the text similarity). To undo a wrong merge, list the entry's id
    under keep_apart in [aggregator] (or set merge = false on a source)."""
    from .store import Store

    store = Store.open(settings.database)
    try:
        found = store.stories(merged_only=not show_all, limit=limit)
    finally:
        store.close()
    names = {source.id: source.name for source in settings.sources}
    console.stories_table(found, names)


@main.command()
@click.argument("names", nargs=-1, required=True, metavar="ID_OR_LINK...")
@click.option("--reason", default="removed by the operator", show_default=True,
              help="kept with the removal, for the record")
@with_settings
def remove(settings: Settings, names: tuple[str, ...], reason: str) -> None:
    """Remove entries for good (a partner asked): each ID_OR_LINK is an entry's id
    (urn:uuid:..., as in its partner's feed) or its link (every copy of that page).
    They do not come back with their feed; the outputs are published without them.
    A link that several entries of one partner share (a listing page) removes
    nothing: they are listed, to be named by id.

    Exits 1 when a name removes nothing."""
    from .service import remove_entries

    logs.setup(logging.WARNING, stream=sys.stderr)
    removed, too_wide, report = remove_entries(settings, names, reason)
    for name, entries in removed.items():
        if name in too_wide:
            console.warn(f"{name}: {len(too_wide[name])} entries link to this page (a "
                         "listing page?); nothing removed. Name the one you mean by its id:")
            for entry in too_wide[name]:
                console.warn(f"  {entry.uid} of {entry.source_id}: {entry.title}")
        elif not entries:
            console.warn(f"{name}: no such entry (or removed already); nothing removed")
        for entry in entries:
            console.say(f"removed {entry.uid} of {entry.source_id}: {entry.title}")
    if report is not None:
        console.say(f"published {len(report.written)} changed files, removed "
                    f"{len(report.removed)} no longer published, in {settings.output_dir}")
    if not all(removed.values()):
        sys.exit(1)


@main.command()
@click.argument("uids", nargs=-1, required=True, metavar="ID...")
@with_settings
def restore(settings: Settings, uids: tuple[str, ...]) -> None:
    """Take back `aggregator remove`: each ID is a removed entry's id (urn:uuid:..., as
    remove printed it). Its partner's feed is read again now, and the entry comes
    back if the feed still has it.

    Exits 1 when an ID is no removed entry's."""
    from .service import restore_entries

    logs.setup(logging.WARNING, stream=sys.stderr)
    restored, results, report = restore_entries(settings, uids)
    fetched = {result.source_id: result for result in results}
    for uid, source_id in restored.items():
        if source_id is None:
            console.warn(f"{uid}: no removed entry has this id; nothing restored")
        elif source_id not in fetched:
            console.warn(f"{uid}: restored, but its source {source_id} is not in "
                          f"{settings.config_path}; it comes back with the source")
        else:
            result = fetched[source_id]
            console.say(f"restored {uid} of {source_id}: its feed read again, "
                        f"{result.error or f'{result.counts.new} new'}")
    if report is not None:
        console.say(f"published {len(report.written)} changed files in {settings.output_dir}")
    if None in restored.values():
        sys.exit(1)


@main.command()
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_settings
def backup(settings: Settings, target: Path) -> None:
    """Write a consistent copy of the database to TARGET (safe while the worker runs)."""
    from .store import Store

    if target.exists():
        raise click.BadParameter(f"{target} exists; choose a new file name",
                                 param_hint="TARGET")
    store = Store.open(settings.database)
    try:
        store.backup(target)
        copy = Store.open(target)
        try:
            entries, integrity = copy.count(), copy.integrity()
        finally:
            copy.close()
    finally:
        store.close()
    console.say(f"backed up {settings.database} to {target}: {entries} entries, "
                f"integrity {integrity}")
