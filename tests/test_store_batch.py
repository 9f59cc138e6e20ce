"""A pass over many sources shares transactions (a batch): each source's save is
still all or nothing, and what the batch saved reaches the file when it commits."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aggregator import store as store_module
from aggregator.dedupe import prepare
from aggregator.errors import StoreError
from aggregator.models import Entry, SourceState
from aggregator.store import Store

NOW = datetime(2026, 11, 27, 9, tzinfo=UTC)


def entry(source: str, n: int) -> Entry:
    link = f"https://{source}.example/{n}"
    return prepare(Entry(source_id=source, key=link, guid=None, link=link,
                         title=f"Meldung {n} von {source}",
                         summary_html=f"<p>Text {n} der Meldung von {source}.</p>",
                         content_html="", author=None, published=NOW, updated=None,
                         language="de", language_origin="feed", categories=(),
                         content_hash=link))


def committed(path: Path) -> dict[str, int]:
    """Entries per source as another connection (another process) sees them."""
    with sqlite3.connect(path) as other:
        return dict(other.execute(
            "SELECT source_id, count(*) FROM entries GROUP BY source_id").fetchall())


def test_a_refused_save_loses_only_its_own_part_of_the_batch(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "BATCH_SECONDS", 3600.0)
    path = tmp_path / "aggregator.db"
    store = Store.open(path)
    try:
        store.begin_batch()
        store.save(SourceState(id="a"), [entry("a", 1), entry("a", 2)], NOW)
        refused = dataclasses.replace(entry("b", 1), title=None)  # NOT NULL in the table
        with pytest.raises(StoreError, match="cannot save source 'b'"):
            store.save(SourceState(id="b", etag='"v2"'), [entry("b", 2), refused], NOW)
        store.save(SourceState(id="c"), [entry("c", 1)], NOW)
        assert committed(path) == {}  # not yet: one commit for the batch
        assert store.state("a").entry_count == 2  # the batch's own connection sees it
        store.end_batch()
        assert committed(path) == {"a": 2, "c": 1}
        assert store.state("b").etag is None  # b's state went with its entries
        assert store.db.execute("PRAGMA cache_size").fetchone()[0] == -2000
    finally:
        store.close()


def test_a_long_batch_commits_as_it_goes(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "BATCH_SECONDS", 0.0)
    path = tmp_path / "aggregator.db"
    store = Store.open(path)
    try:
        store.begin_batch()
        store.save(SourceState(id="a"), [entry("a", 1)], NOW)
        assert committed(path) == {"a": 1}
        store.save(SourceState(id="b"), [entry("b", 1)], NOW)
        assert committed(path) == {"a": 1, "b": 1}
    finally:
        store.close()  # ends the batch
    assert committed(path) == {"a": 1, "b": 1}
