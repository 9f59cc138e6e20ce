"""``aggregator fetch`` publishes only when something the outputs show changed, and a
pass that only sees 304 answers starts no parser process."""

from __future__ import annotations

import asyncio
from pathlib import Path

import feedparser

from aggregator.models import Settings, SourceConfig
from aggregator.pool import WorkerPool
from aggregator.service import fetch_once, publish_needed
from aggregator.update import Pipeline

from conftest import feed_route, load_settings
from httpfixture import FixtureServer


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


def test_publish_is_needed_when_anything_it_reads_changed() -> None:
    from aggregator.models import StoreCounts, UpdateResult

    quiet = UpdateResult(source_id="a", url="http://a.test/", outcome="not_modified")
    new = UpdateResult(source_id="a", url="http://a.test/", outcome="ok",
                       counts=StoreCounts(new=1))
    assert not publish_needed([quiet], "x", "x", outputs_exist=True)
    assert publish_needed([quiet, new], "x", "x", outputs_exist=True)
    assert publish_needed([quiet], "x", "y", outputs_exist=True)
    assert publish_needed([quiet], None, "x", outputs_exist=True)
    assert publish_needed([quiet], "x", "x", outputs_exist=False)
    assert publish_needed([quiet], "x", "x", outputs_exist=True, logged=True)
