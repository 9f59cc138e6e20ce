"""A pass over many sources shares transactions (a batch): each source's save is
still all or nothing, and what the batch saved reaches the file when it commits."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

from aggregator import store as store_module
from aggregator.dedupe import choose_story, prepare
from aggregator.errors import StoreError
from aggregator.models import Entry, SourceState, StoryChoice, StoryPolicy
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


def test_a_batch_writes_without_savepoints(tmp_path: Path) -> None:
    """In a batch a source's update is no savepoint of its own: SQLite would copy each
    page it changes into a statement journal first (see aggregator.store)."""
    store = Store.open(tmp_path / "aggregator.db")
    statements: list[str] = []
    try:
        store.begin_batch()
        store.db.conn.set_trace_callback(statements.append)
        store.save(SourceState(id="a"), [entry("a", 1), entry("a", 2)], NOW)
        store.save(SourceState(id="b"), [entry("b", 1)], NOW)
        store.db.conn.set_trace_callback(None)
        store.end_batch()
        assert committed(tmp_path / "aggregator.db") == {"a": 2, "b": 1}
    finally:
        store.close()
    assert any(statement.startswith("INSERT INTO entries") for statement in statements)
    assert not [statement for statement in statements if "SAVEPOINT" in statement.upper()]


def test_nothing_but_saves_writes_in_a_batch(tmp_path: Path) -> None:
    """A failed save would roll back the batch and apply again only the saves in it: any
    other write there could vanish, so the store refuses it."""
    store = Store.open(tmp_path / "aggregator.db")
    try:
        store.save(SourceState(id="a"), [entry("a", 1)], NOW)
        uid = next(store.rows("SELECT uid FROM entries"))["uid"]
        store.begin_batch()
        for write in (lambda: store.remove(uid, "test", NOW),
                      lambda: store.separate(source_ids=["a"]),
                      lambda: store.published(None, {})):
            with pytest.raises(RuntimeError, match="end the batch first"):
                write()
        store.end_batch()
        assert store.remove(uid, "test", NOW)
    finally:
        store.close()


def test_a_bug_half_way_through_a_save_leaves_nothing_of_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not only SQLite's errors: whatever stops an update half-way (here the story
    decision) takes back what it wrote, and the batch's other updates stay."""
    monkeypatch.setattr(store_module, "BATCH_SECONDS", 3600.0)

    def choose(new: Entry, candidates: object) -> StoryChoice:
        if new.title == "Meldung 2 von b":
            raise RuntimeError("a bug")
        return StoryChoice(None)

    policy = StoryPolicy(choose=choose)
    path = tmp_path / "aggregator.db"
    store = Store.open(path)
    try:
        store.begin_batch()
        store.save(SourceState(id="a"), [entry("a", 1), entry("a", 2)], NOW, policy)
        with pytest.raises(RuntimeError, match="a bug"):
            store.save(SourceState(id="b", etag='"v2"'), [entry("b", 1), entry("b", 2)],
                       NOW, policy)
        store.save(SourceState(id="c"), [entry("c", 1)], NOW, policy)
        store.end_batch()
        assert committed(path) == {"a": 2, "c": 1}
        assert store.state("b") == SourceState(id="b")  # b's state went with its entries
        assert store.take_lost() == {}
    finally:
        store.close()


def test_a_save_that_sqlite_rolls_back_whole_loses_only_itself(tmp_path: Path) -> None:
    """Some errors end SQLite's transaction altogether (a full disk; here a trigger
    that says so): the updates saved in the batch before are written again."""
    path = tmp_path / "aggregator.db"
    store = Store.open(path)
    store.db.execute("CREATE TRIGGER refuse BEFORE INSERT ON entries WHEN NEW.title = "
                     "'Meldung 2 von b' BEGIN SELECT RAISE(ROLLBACK, 'refused'); END")
    try:
        store.begin_batch()
        store.save(SourceState(id="a"), [entry("a", 1), entry("a", 2)], NOW)
        with pytest.raises(StoreError, match="cannot save source 'b': refused"):
            store.save(SourceState(id="b"), [entry("b", 1), entry("b", 2)], NOW)
        store.save(SourceState(id="c"), [entry("c", 1)], NOW)
        store.end_batch()
        assert committed(path) == {"a": 2, "c": 1}
        assert store.take_lost() == {}
    finally:
        store.close()


def test_updates_that_fail_again_when_written_again_are_reported_lost(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the updates saved before a failure cannot be written again either (the disk
    filled up meanwhile), they are reported lost, and the batch goes on."""
    monkeypatch.setattr(store_module, "BATCH_SECONDS", 3600.0)
    path = tmp_path / "aggregator.db"
    store = Store.open(path)
    full = {"now": False}
    store.db.conn.create_function("disk_full", 0, lambda: full["now"])
    store.db.execute("CREATE TRIGGER refuse BEFORE INSERT ON entries WHEN disk_full() "
                     "BEGIN SELECT RAISE(ROLLBACK, 'database or disk is full'); END")
    try:
        store.begin_batch()
        store.save(SourceState(id="a"), [entry("a", 1)], NOW)
        store.save(SourceState(id="c"), [entry("c", 1)], NOW)
        full["now"] = True
        with pytest.raises(StoreError, match="cannot save source 'b'"):
            store.save(SourceState(id="b"), [entry("b", 1)], NOW)
        lost = store.take_lost()
        assert sorted(lost) == ["a", "c"]
        assert "disk is full" in lost["a"]
        full["now"] = False
        store.save(SourceState(id="d"), [entry("d", 1)], NOW)
        store.end_batch()
        assert committed(path) == {"d": 1}
        assert store.state("a") == SourceState(id="a")
    finally:
        store.close()


def test_a_state_saved_without_waiting_is_reported_lost_when_it_fails(
        tmp_path: Path) -> None:
    """Store.save_state: the pipeline hands it a 304's state and goes on; a failure is
    not raised to nobody but kept for take_lost, and the batch goes on."""
    store = Store.open(tmp_path / "aggregator.db")
    store.db.execute("CREATE TRIGGER refuse BEFORE INSERT ON sources WHEN NEW.id = 'b' "
                     "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    try:
        with pytest.raises(RuntimeError, match="outside a batch"):
            store.save_state(SourceState(id="a"), NOW)
        store.begin_batch()
        for source in ("a", "b", "c"):
            store.save_state(SourceState(id=source, etag='"v1"'), NOW)
        store.end_batch()
        lost = store.take_lost()
        assert list(lost) == ["b"] and "disk is full" in lost["b"]
        assert [store.state(source).etag for source in ("a", "b", "c")] == [
            '"v1"', None, '"v1"']
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


def test_a_sources_state_is_saved_and_read_back_whole(tmp_path: Path) -> None:
    """Every field of a source's state survives a save, first as a new row and then
    over it, in a batch and alone (what the next pass decides from)."""
    store = Store.open(tmp_path / "aggregator.db")
    try:
        first = SourceState(
            id="kargah", etag='W/"1"', last_modified="Tue, 24 Nov 2026 08:00:00 GMT",
            body_hash="a" * 64, moved_to="https://kargah.example/neu.xml",
            moved_from="https://kargah.example/alt.xml", last_fetch=NOW,
            last_success=NOW, last_error="HTTP 503", last_error_code="http_status",
            last_error_at=NOW, failures=2, next_fetch=NOW, retired=True,
            feed_title="kargah e.V.", feed_link="https://kargah.example/",
            feed_id="urn:kargah", feed_updated=NOW, warning="3 dates unreadable",
            discovered_url="https://kargah.example/feed/",
            discovered_from="https://kargah.example/", unparsed_dates=3,
            reading="0123456789abcdef")
        store.begin_batch()
        store.save(first, None, NOW)
        store.end_batch()
        assert store.state("kargah") == first
        later = NOW.replace(hour=10)
        second = dataclasses.replace(
            first, etag=None, last_modified=None, body_hash="b" * 64, moved_to=None,
            last_fetch=later, last_error=None, last_error_code=None, last_error_at=None,
            failures=0, next_fetch=later, retired=False, feed_updated=None, warning=None,
            unparsed_dates=0, reading="fedcba9876543210")
        store.save(second, None, later)
        assert store.state("kargah") == second
        assert store.state("faust") == SourceState(id="faust")  # never saved
    finally:
        store.close()


def test_an_older_databases_band_rows_keep_their_times(tmp_path: Path) -> None:
    """m010: band rows written with the time as ISO 8601 text (what the code before it
    wrote) keep the same instant as Unix seconds; the index on story_id goes."""
    path = tmp_path / "aggregator.db"
    db = sqlite_utils.Database(path)
    store_module.migrations.apply(db, stop_before="m010_compact_bands")
    assert "idx_entries_story_id" in {index.name for index in db.table("entries").indexes}
    for values in ([7, "2026-11-27T09:00:00.500000+00:00", "a", 1],
                   [7, "2026-11-27T11:00:00+02:00", "b", 2],
                   [-3, "2026-11-13T09:00:00+00:00", "a", 1]):
        db.execute("INSERT INTO entry_bands (band, published, source_id, entry_id) "
                   "VALUES (?, ?, ?, ?)", values)
    db.close()
    store = Store.open(path)
    try:
        rows = store.db.execute("SELECT band, published, source_id, entry_id FROM entry_bands "
                                "ORDER BY band, entry_id").fetchall()
        two_weeks_before = int(NOW.timestamp()) - 14 * 86400
        assert rows == [(-3, two_weeks_before, "a", 1), (7, int(NOW.timestamp()), "a", 1),
                        (7, int(NOW.timestamp()), "b", 2)]
        assert "idx_entries_story_id" not in {
            index.name for index in store.db.table("entries").indexes}
    finally:
        store.close()


def test_an_older_database_loses_the_unread_entry_indexes(tmp_path: Path) -> None:
    """m011: the indexes on published and on (language, published) go; counting
    entries by language still reads an index, not the entries themselves."""
    path = tmp_path / "aggregator.db"
    db = sqlite_utils.Database(path)
    store_module.migrations.apply(db, stop_before="m011_fewer_entry_indexes")
    dropped = {"idx_entries_published", "idx_entries_language_published"}
    assert dropped <= {index.name for index in db.table("entries").indexes}
    db.close()
    store = Store.open(path)
    try:
        assert not dropped & {index.name for index in store.db.table("entries").indexes}
        plan = " ".join(row[3] for row in store.db.execute(
            "EXPLAIN QUERY PLAN SELECT language, count(*) FROM entries "
            "WHERE language IS NOT NULL GROUP BY language ORDER BY language"))
        assert "COVERING INDEX idx_entries_publishing_language" in plan
        assert store.languages() == {}
    finally:
        store.close()


def test_an_older_databases_sources_get_a_reading_that_is_not_known_yet(
        tmp_path: Path) -> None:
    """m012: states saved before it do not say how the source was read (None: taken as
    the source as configured, see aggregator.decide.for_source); the next save does."""
    path = tmp_path / "aggregator.db"
    db = sqlite_utils.Database(path)
    store_module.migrations.apply(db, stop_before="m012_source_readings")
    db.execute("INSERT INTO sources (id, etag) VALUES ('kargah', '\"1\"')")
    db.conn.commit()
    db.close()
    store = Store.open(path)
    try:
        assert store.state("kargah") == SourceState(id="kargah", etag='"1"')
        store.save(SourceState(id="kargah", reading="0123456789abcdef"), None, NOW)
        assert store.state("kargah").reading == "0123456789abcdef"
    finally:
        store.close()


def test_two_processes_upgrading_one_database_migrate_it_once(tmp_path: Path) -> None:
    """The container's `aggregator run` and an operator's command open an older database
    together: the second waits for the first's migration and finds nothing left to do
    (before, it met "database is locked" at once, or applied the migration again)."""
    path = tmp_path / "aggregator.db"
    db = sqlite_utils.Database(path)
    db.enable_wal()
    store_module.migrations.apply(db, stop_before="m011_fewer_entry_indexes")
    db.close()
    first = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    first.execute("BEGIN IMMEDIATE")  # the first process, half-way through m011
    first.execute("DROP INDEX idx_entries_published")
    first.execute("DROP INDEX idx_entries_language_published")
    first.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                  "VALUES ('aggregator', 'm011_fewer_entry_indexes', '2026-11-27')")
    finishing = threading.Timer(0.5, first.execute, ["COMMIT"])
    finishing.start()
    try:
        store = Store.open(path)
        store.close()
    finally:
        finishing.join()
        first.close()
    with sqlite3.connect(path) as check:
        applied = check.execute("SELECT name FROM _sqlite_migrations "
                                "WHERE name LIKE 'm011%'").fetchall()
    assert applied == [("m011_fewer_entry_indexes",)]


@pytest.mark.parametrize(("days_apart", "merged"), [(13, True), (15, False)])
def test_a_copy_joins_a_story_only_within_the_window(days_apart: int, merged: bool,
                                                     tmp_path: Path) -> None:
    """Candidates come from band rows of the last and next 14 days (times in whole
    seconds since m010): the same release 13 days later is the same story, 15 days
    later a story of its own."""
    text = ("<p>Das Kulturzentrum Faust lädt am 5. Dezember 2026 zum Fest der Nachbarschaft ein. "
            "Es gibt Musik aus Syrien, der Türkei und der Ukraine, Essen und eine "
            "Beratung zu Sprachkursen. Der Eintritt ist frei.</p>")

    def release(source: str, published: datetime) -> Entry:
        link = f"https://{source}.example/fest"
        return prepare(Entry(source_id=source, key=link, guid=None, link=link,
                             title="Fest der Nachbarschaft im Faust", summary_html=text,
                             content_html="", author=None, published=published,
                             updated=None, language="de", language_origin="feed",
                             categories=(), content_hash=link))

    store = Store.open(tmp_path / "aggregator.db")
    policy = StoryPolicy(choose=choose_story)
    try:
        store.save(SourceState(id="faust"), [release("faust", NOW)], NOW, policy)
        later = NOW + timedelta(days=days_apart)
        store.save(SourceState(id="miso"), [release("miso", later)], later, policy)
        stories = {row["source_id"]: row["story_id"] for row in store.rows(
            "SELECT source_id, story_id FROM entries")}
    finally:
        store.close()
    assert (stories["faust"] == stories["miso"]) is merged


def test_a_batch_saves_after_another_process_wrote_between_its_saves(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes (`aggregator run` and `aggregator fetch`) writing the same file: a
    batch that has read, then meets a commit of the other, still saves. With a plain
    BEGIN its snapshot was out of date and SQLite refused at once: "database is
    locked", with no waiting."""
    monkeypatch.setattr(store_module, "BATCH_SECONDS", 0.0)
    path = tmp_path / "aggregator.db"
    worker, command = Store.open(path), Store.open(path)
    try:
        worker.begin_batch()
        worker.save(SourceState(id="a"), [entry("a", 1)], NOW)  # and commits (0 s)
        assert worker.state("a").entry_count == 1  # a read in the batch
        command.save(SourceState(id="b"), [entry("b", 1)], NOW)
        worker.save(SourceState(id="c"), [entry("c", 1)], NOW)
        worker.end_batch()
        assert committed(path) == {"a": 1, "b": 1, "c": 1}
        assert worker.take_lost() == {}
    finally:
        worker.close()
        command.close()


def test_a_save_waits_while_another_process_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch holds the write lock until it commits; a save meanwhile waits for it
    (busy_timeout) instead of failing."""
    monkeypatch.setattr(store_module, "BATCH_SECONDS", 3600.0)
    path = tmp_path / "aggregator.db"
    worker, command = Store.open(path), Store.open(path)
    saved = threading.Event()
    outcome: list[object] = []

    def fetch_b() -> None:
        try:
            outcome.append(command.save(SourceState(id="b"), [entry("b", 1)], NOW))
        except Exception as error:
            outcome.append(error)
        saved.set()

    try:
        worker.begin_batch()
        worker.save(SourceState(id="a"), [entry("a", 1)], NOW)
        thread = threading.Thread(target=fetch_b)
        thread.start()
        assert not saved.wait(0.5)  # waiting for the batch's lock
        worker.end_batch()
        assert saved.wait(10)
        thread.join()
        assert [counts.new for counts in outcome] == [1]  # type: ignore[attr-defined]
        assert committed(path) == {"a": 1, "b": 1}
    finally:
        worker.close()
        command.close()
