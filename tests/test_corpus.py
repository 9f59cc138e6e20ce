"""Real-world feeds from ../shared/corpus through the whole pipeline: every file is
served by the local HTTP server and ingested; a source may fail with a recorded
error, nothing may crash, and the published feed stays strictly valid."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from aggregator.service import fetch_once
from aggregator.store import Store

from atomcheck import check_atom
from conftest import CORPUS, load_settings
from httpfixture import FixtureServer, Route

CONTENT_TYPES = {".json": "application/json", ".html": "text/html", ".opml": "text/x-opml"}
SAMPLE_EVERY = 12  # about 400 of the corpus's files; the whole corpus runs in the slow test


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(path for path in CORPUS.rglob("*")
                  if path.is_file() and path.suffix != ".md")


def ingest(files: list[Path], server: FixtureServer, folder: Path) -> tuple[int, int, int]:
    sources = []
    for number, path in enumerate(files):
        url = server.add(f"/{number}", Route(body=path.read_bytes(), headers={
            "Content-Type": CONTENT_TYPES.get(path.suffix, "application/xml")}))
        sources.append({"id": f"f{number}", "name": str(path.relative_to(CORPUS)), "url": url})
    settings = load_settings(folder, sources, max_entries=1000, concurrency=16, per_host=16)
    results, _ = asyncio.run(fetch_once(settings, settings.sources))
    store = Store.open(settings.database)
    try:
        assert store.integrity() == "ok"
        entries = store.count()
    finally:
        store.close()
    problems = check_atom((settings.output_dir / "feed.atom").read_bytes())
    assert problems == [], problems[:10]
    failed = sum(1 for result in results if result.error)
    return len(results), failed, entries


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not here")
def test_a_sample_of_the_corpus_goes_through(server: FixtureServer, tmp_path: Path) -> None:
    files = corpus_files()[::SAMPLE_EVERY]
    total, failed, entries = ingest(files, server, tmp_path)
    assert total == len(files)
    assert entries > 0 and failed < total


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not here")
def test_the_whole_corpus_goes_through(server: FixtureServer, tmp_path: Path) -> None:
    files = corpus_files()
    total, failed, entries = ingest(files, server, tmp_path)
    print(f"corpus: {total} files, {failed} failed with a recorded error, {entries} entries")
    assert total == len(files) and entries > 0
