"""``aggregator fetch`` publishes only when something the outputs show changed, and a
pass that only sees 304 answers starts no parser process."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from aggregator.errors import PublishError
from aggregator.models import Settings, SourceConfig
from aggregator.pool import WorkerPool
from aggregator.publish import publish_all
from aggregator.service import fetch_once
from aggregator.staleness import needed, publish_due
from aggregator.store import Store
from aggregator.update import Pipeline

from conftest import feed_route, load_settings, write_config
from httpfixture import FixtureServer, Route


def outputs(settings: Settings) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in settings.output_dir.rglob("*")
            if path.is_file() and not path.name.startswith(".")}


def combined(settings: Settings) -> feedparser.FeedParserDict:
    return feedparser.parse((settings.output_dir / "feed.atom").read_bytes())


def partners(server: FixtureServer, **names: str) -> list[dict[str, object]]:
    return [{"id": "kargah", "name": names.get("kargah", "Kargah"),
             "url": server.add("/kargah", feed_route("kargah-rss2-de.xml"))},
            {"id": "uk", "name": "UA", "url": server.add("/uk", feed_route("uk-rss2.xml"))}]


async def update_alone(settings: Settings, source: SourceConfig) -> tuple[str, int]:
    """One source updated with a pool of our own: its outcome, and how many parser
    processes that started."""
    pool = WorkerPool(1)
    try:
        async with Pipeline(settings, cpu=pool) as pipeline:
            result = await pipeline.update(source)
            return result.outcome, pool.processes
    finally:
        pool.close()


def test_a_pass_of_304s_publishes_nothing_and_starts_no_parser(
        server: FixtureServer, tmp_path: Path) -> None:
    settings = load_settings(tmp_path, partners(server))
    _, first = asyncio.run(fetch_once(settings, settings.sources))
    assert first is not None and "feed.atom" in first.written
    before = outputs(settings)
    assert asyncio.run(update_alone(settings, settings.sources[0])) == ("not_modified", 0)
    results, report = asyncio.run(fetch_once(settings, settings.sources))
    assert {result.outcome for result in results} == {"not_modified"}
    assert report is None
    assert outputs(settings) == before
    assert len(combined(settings).entries) > 0


def test_a_304_whose_state_cannot_be_written_is_reported_and_the_others_are_kept(
        server: FixtureServer, tmp_path: Path) -> None:
    """A pass does not wait for the save of a 304's state (see Pipeline.save): when that
    save fails, the source still ends as a store error, not as "not modified"."""
    settings = load_settings(tmp_path, partners(server))
    asyncio.run(fetch_once(settings, settings.sources))
    with sqlite3.connect(settings.database) as db:
        before = dict(db.execute("SELECT id, last_fetch FROM sources").fetchall())
        db.execute("CREATE TRIGGER refuse BEFORE UPDATE ON sources WHEN OLD.id = 'uk' "
                   "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END")
    results, _ = asyncio.run(fetch_once(settings, settings.sources))
    outcome = {result.source_id: (result.outcome, result.error_code) for result in results}
    assert outcome == {"kargah": ("not_modified", None), "uk": ("error", "store")}
    assert "disk I/O error" in str(results[1].error)
    with sqlite3.connect(settings.database) as db:
        after = dict(db.execute("SELECT id, last_fetch FROM sources").fetchall())
    assert after["uk"] == before["uk"]
    assert after["kargah"] > before["kargah"]


def test_a_partner_renamed_in_feeds_toml_is_published_though_its_feed_did_not_change(
        server: FixtureServer, tmp_path: Path) -> None:
    settings = load_settings(tmp_path, partners(server))
    asyncio.run(fetch_once(settings, settings.sources))
    renamed = load_settings(tmp_path, partners(server, kargah="Kargah e.V. Hannover"))
    results, report = asyncio.run(fetch_once(renamed, renamed.sources))
    assert {result.outcome for result in results} == {"not_modified"}
    assert report is not None
    assert "Kargah e.V. Hannover" in (renamed.output_dir / "feed.atom").read_text("utf-8")
    # and once published, the same pass again leaves the outputs alone
    assert asyncio.run(fetch_once(renamed, renamed.sources))[1] is None


def test_entries_stored_by_a_run_that_never_published_are_published_by_the_next(
        server: FixtureServer, tmp_path: Path) -> None:
    settings = load_settings(tmp_path, partners(server))
    kargah, uk = settings.sources
    asyncio.run(fetch_once(settings, [kargah]))
    assert asyncio.run(update_alone(settings, uk))[0] == "ok"  # stored, not published
    results, report = asyncio.run(fetch_once(settings, [kargah]))
    assert [result.outcome for result in results] == ["not_modified"]
    assert report is not None
    links = {entry.link for entry in combined(settings).entries}
    assert "https://hannover-stadt.example/uk/novyny/9" in links
    assert "https://kargah.example/aktuelles/127" in links


def test_publish_is_due_when_anything_it_reads_changed() -> None:
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    quiet = {"logged": False, "settings_changed": False, "outputs_exist": True,
             "event_ends": "2026-11-27T13:00:00+00:00", "now": now}
    assert not publish_due(**quiet)
    assert not publish_due(**{**quiet, "event_ends": ""})  # no upcoming events
    assert publish_due(**{**quiet, "logged": True})
    assert publish_due(**{**quiet, "settings_changed": True})
    assert publish_due(**{**quiet, "outputs_exist": False})
    assert publish_due(**{**quiet, "event_ends": None})  # never recorded
    assert publish_due(**{**quiet, "event_ends": "2026-11-27T11:59:59+00:00"})


def a_calendar(start: datetime) -> bytes:
    def ics(moment: datetime) -> str:
        return moment.strftime("%Y%m%dT%H%M%SZ")
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:{n}@faust.example\r\nDTSTAMP:{ics(start)}\r\n"
        f"DTSTART:{ics(start + timedelta(days=n))}\r\n"
        f"DTEND:{ics(start + timedelta(days=n, hours=2))}\r\nSUMMARY:Konzert {n}\r\n"
        f"END:VEVENT\r\n" for n in (1, 2))
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Faust//DE\r\n{events}"
            f"END:VCALENDAR\r\n").encode()


def test_an_ended_event_is_dropped_by_the_next_pass_though_nothing_else_changed(
        server: FixtureServer, tmp_path: Path) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    settings = load_settings(tmp_path, [{
        "id": "faust", "name": "Faust", "kind": "ical", "language": "de",
        "url": server.add("/faust.ics", Route(body=a_calendar(start),
                                              headers={"Content-Type": "text/calendar"}))}])
    asyncio.run(fetch_once(settings, settings.sources))
    store = Store.open(settings.database)
    try:
        assert not needed(store, settings, datetime.now(UTC))
        first_ends = start + timedelta(days=1, hours=2)
        assert not needed(store, settings, first_ends)
        assert needed(store, settings, first_ends + timedelta(seconds=1))
        publish_all(store, settings)  # as the pass at that time would
        assert not needed(store, settings, datetime.now(UTC))
    finally:
        store.close()


def test_a_publish_that_failed_is_made_by_the_next_pass(
        server: FixtureServer, tmp_path: Path) -> None:
    settings = load_settings(tmp_path, partners(server))
    kargah, uk = settings.sources
    asyncio.run(fetch_once(settings, [uk]))
    in_the_way = settings.output_dir / "source" / "kargah.atom"
    in_the_way.unlink()
    in_the_way.mkdir()  # publishing kargah's feed fails
    with pytest.raises(PublishError):
        asyncio.run(fetch_once(settings, [kargah]))
    in_the_way.rmdir()
    results, report = asyncio.run(fetch_once(settings, [kargah]))
    assert [result.outcome for result in results] == ["not_modified"]
    assert report is not None and "source/kargah.atom" in report.written
    links = {entry.link for entry in combined(settings).entries}
    assert "https://kargah.example/aktuelles/127" in links


def test_a_publish_of_a_few_files_syncs_only_them(
        server: FixtureServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """os.sync flushes everything the system holds (after an ingest: the database's
    hundreds of megabytes), which made a one-entry publish take seconds."""
    settings = load_settings(tmp_path, partners(server))
    kargah, uk = settings.sources
    asyncio.run(fetch_once(settings, [kargah]))

    def no_global_sync() -> None:
        raise AssertionError("os.sync called for a publish of a few files")

    monkeypatch.setattr("aggregator.publish.os.sync", no_global_sync)
    _, report = asyncio.run(fetch_once(settings, [uk]))
    assert report is not None and 0 < len(report.written) <= 64
    assert "https://hannover-stadt.example/uk/novyny/9" in {
        entry.link for entry in combined(settings).entries}


def test_the_process_that_fetches_stores_and_publishes_never_loads_numpy_or_httpx_cli(
        server: FixtureServer, tmp_path: Path) -> None:
    """numpy (15 MB and 0.1 s at every start) is for the parser processes alone: the
    worker's own process, every command and the publishing helper do without it,
    though sqlite-utils would load it if it could; httpx's command-line client (6 MB
    and 0.04 s: rich, click, pygments) is never loaded either (aggregator/imports.py)."""
    config_file = write_config(tmp_path, partners(server))
    script = "\n".join([
        "import sys",
        "from aggregator import config, service",
        f"settings = config.load({str(config_file)!r})",
        "results, report = service.run(service.fetch_once(settings, settings.sources))",
        "assert {r.outcome for r in results} == {'ok'}, results",
        "assert report is not None and 'feed.atom' in report.written, report",
        "print('numpy' in sys.modules, 'httpx._main' in sys.modules, 'pygments' in sys.modules)"])
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "False", "False"]
