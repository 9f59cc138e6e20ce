"""The ``aggregator`` command. This module owns click (commands, options, help text,
exit codes); what the commands show is in :mod:`aggregator.console`.

Exit codes: 0 the command ran (also when some sources failed: their errors are
reported), 1 the database or the outputs cannot be used, 2 a usage or
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

import click

from . import __version__, config, console, logs
from .errors import AggregatorError, ConfigError
from .models import Settings

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
    from .service import fetch_once

    unknown = [sid for sid in source_ids if settings.source(sid) is None]
    if unknown:
        raise click.BadParameter(
            f"no such source: {', '.join(unknown)} (known: "
            f"{', '.join(s.id for s in settings.sources) or 'none'})", param_hint="ID")
    logs.setup(logging.INFO if verbose else logging.ERROR, stream=sys.stderr)
    started = time.monotonic()
    sources = [s for s in settings.sources if not source_ids or s.id in source_ids]
    with console.fetch_progress(len(sources)) as progress:
        results, report = asyncio.run(fetch_once(settings, sources, progress,
                                                 include_retired=bool(source_ids)))
    console.fetch_summary(results, time.monotonic() - started)
    if report is not None:
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
    from .store import Store

    store = Store.open(settings.database)
    try:
        console.sources_table(settings.sources, store.states())
    finally:
        store.close()


@main.command()
@click.argument("url", required=False)
@with_settings
def check(settings: Settings, url: str | None) -> None:
    """Without URL: validate feeds.toml. With URL: fetch and parse it as a source and
    explain what works and what does not (exit 1 when it is not usable)."""
    if url is None:
        console.say(f"{settings.config_path} is valid: {len(settings.sources)} sources, "
                    f"database {settings.database}, outputs in {settings.output_dir}")
        return
    from .service import check_url

    logs.setup(logging.WARNING, stream=sys.stderr)
    report, usable = asyncio.run(check_url(settings, url))
    console.say(report)
    if not usable:
        sys.exit(1)


@main.command("import-opml")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_opml(file: Path) -> None:
    """Print a [[source]] block for feeds.toml for every feed of an OPML file
    (nothing is written: review the blocks and paste them)."""
    from .opml import read_opml, slug

    feeds = read_opml(file.read_bytes())
    if not feeds:
        console.warn(f"{file}: no feeds found in this OPML file")
        sys.exit(1)
    taken: set[str] = set()
    blocks = []
    for feed in feeds:
        base = slug(feed.title) or "source"
        source_id, number = base, 2
        while source_id in taken:
            source_id, number = f"{base}-{number}", number + 1
        taken.add(source_id)
        blocks.append(config.source_block(source_id, feed.title, feed.url, tags=feed.tags))
    console.say("\n\n".join(blocks))
