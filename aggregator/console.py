"""What the command line shows people: progress, summaries and tables. This module
owns rich (tables that fit the terminal, progress bars that vanish when output is
not a terminal) so the commands themselves only say *what* to show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .models import SourceConfig, SourceState, UpdateResult

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


def say(text: str) -> None:
    console.print(text, markup=False)


def warn(text: str) -> None:
    errors.print(text, markup=False)


@contextmanager
def fetch_progress(total: int) -> Iterator[Callable[[UpdateResult], None]]:
    """A progress bar on a terminal; one plain line per source otherwise."""
    if console.is_terminal:
        with Progress(TextColumn("fetching"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), TextColumn("{task.description}"),
                      console=console, transient=True) as progress:
            task = progress.add_task("", total=total)

            def advance(result: UpdateResult) -> None:
                progress.update(task, advance=1, description=result.source_id)
            yield advance
    else:
        def line(result: UpdateResult) -> None:
            say(f"{result.source_id}: {_outcome(result)}")
        yield line


def _outcome(result: UpdateResult) -> str:
    if result.error:
        return f"failed: {result.error}"
    if result.outcome == "not_modified":
        return "not modified (304)"
    if result.outcome == "unchanged_body":
        return "unchanged"
    counts = result.counts
    text = f"{counts.new} new, {counts.updated} updated, {counts.unchanged} unchanged"
    return f"{text} (warning: {result.warning})" if result.warning else text


def fetch_summary(results: Sequence[UpdateResult], duration: float) -> None:
    table = Table(title="fetch summary", title_justify="left")
    for column in ("source", "new", "updated", "unchanged", "result"):
        table.add_column(column, justify="right" if column in ("new", "updated",
                                                                "unchanged") else "left")
    for result in results:
        status = ("[red]failed[/red]: " + _escape(result.error or "") if result.error
                  else "[yellow]warning[/yellow]: " + _escape(result.warning) if result.warning
                  else result.outcome.replace("_", " "))
        table.add_row(result.source_id, str(result.counts.new), str(result.counts.updated),
                      str(result.counts.unchanged), status)
    console.print(table)
    failed = sum(1 for result in results if result.error)
    new = sum(result.counts.new for result in results)
    updated = sum(result.counts.updated for result in results)
    say(f"{len(results)} sources in {duration:.2f} s: {new} new, {updated} updated, "
        f"{failed} failed")


def sources_table(sources: Iterable[SourceConfig], states: dict[str, SourceState],
                  now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    table = Table(title="sources", title_justify="left")
    for column in ("id", "kind", "url", "entries", "last success", "last error", "next fetch"):
        table.add_column(column, overflow="fold")
    for source in sources:
        state = states.get(source.id) or SourceState(id=source.id)
        url = source.url
        if state.moved_to and state.moved_from == source.url:
            url += f"\n-> moved to {state.moved_to}"
        if state.discovered_url and state.discovered_from == source.url:
            url += f"\n-> feed found on the page: {state.discovered_url}"
        error = "-"
        if state.retired:
            error = f"[red]retired[/red]: {_escape(state.last_error or 'gone')}"
        elif state.last_error:
            error = f"[red]{_ago(state.last_error_at, now)}[/red]: {_escape(state.last_error)}"
        elif state.warning:
            error = f"[yellow]warning[/yellow]: {_escape(state.warning)}"
        entries = str(state.entry_count) + (
            f"\n{state.unparsed_dates} dates unreadable" if state.unparsed_dates else "")
        table.add_row(source.id, source.kind.value, _escape(url), entries,
                      _ago(state.last_success, now), error,
                      "never (retired)" if state.retired else _when(state.next_fetch, now))
    console.print(table)
    if any(state.retired for state in states.values()):
        say("A retired source (its server said 410 Gone) is tried once more by "
            "`aggregator fetch ID`, and fetched again when its URL changes in feeds.toml.")


def _escape(text: str) -> str:
    return text.replace("[", r"\[")


def _ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "never"
    seconds = int((now - when).total_seconds())
    return f"{_span(seconds)} ago" if seconds >= 0 else when.isoformat(timespec="seconds")


def _when(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "now"
    seconds = int((when - now).total_seconds())
    return f"in {_span(seconds)}" if seconds > 0 else "due now"


def _span(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def stories_table(stories: Sequence[dict[str, object]], names: dict[str, str]) -> None:
    if not stories:
        say("no story was published by more than one partner")
        return
    for story in stories:
        members = story["members"]
        assert isinstance(members, list)
        table = Table(title=f"story {story['uid']}", title_justify="left")
        for column in ("entry", "partner", "title", "published", "why it is here"):
            table.add_column(column, overflow="fold")
        for member in members:
            reason = member["merge_reason"]
            why = "first copy" if reason is None else (
                f"{reason} ({member['merge_score']:.2f})" if member["merge_score"] is not None
                else str(reason))
            table.add_row(str(member["uid"]), names.get(member["source_id"],
                                                        member["source_id"]),
                          _escape(str(member["title"])), str(member["published"])[:16], why)
        console.print(table)
