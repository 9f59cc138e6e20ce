"""The SQLite database. This module owns sqlite-utils: it gives us recorded,
idempotent migrations (``sqlite_utils.migrations.Migrations``), upserts and
transactions without hand-written SQL for the simple parts.

One file, WAL mode (readers never block the writer), ``synchronous=NORMAL``
(a crash loses at most the last transaction, never consistency). Each source update
is atomic: a transaction of its own, or, inside a batch (:meth:`Store.begin_batch`:
a pass over many sources), part of a transaction committed every ``BATCH_SECONDS``,
with a larger page cache. Many updates per commit write each index page they touch
once instead of once per source: the band index and the entries' indexes are keyed
by hashes, so every source touches pages all over them.

In a batch a source's update is written without a savepoint of its own: SQLite
copies every page a savepoint is about to change into a statement journal first,
and a source touches pages all over the indexes (``bench/store.py``, cold: 7.3 GB
of journal for a 260 MB database; a third of the storing's CPU). An update that
fails half-way instead rolls the batch's transaction back and replays the updates
saved before it in the batch, each in a savepoint now, so it loses only its own
part (:meth:`Store._recover`). The batch keeps its updates until it commits.

Other processes (a command beside the worker) share the file: every write transaction
takes the write lock as it begins (``BEGIN IMMEDIATE``), so a writer waits for
another's commit (``busy_timeout``, 30 s) instead of being refused, and a batch takes
the lock again only at its next save, giving others their turn between its commits.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import imports
from .errors import StoreError
from .models import (
    Copy,
    Entry,
    EntryRef,
    Event,
    FeedItem,
    FeedQuery,
    PublishChanges,
    SourceState,
    StoreCounts,
    StoredEntry,
    StoryCandidate,
    StoryChoice,
    StoryPolicy,
)

imports.load("sqlite_utils", without=["numpy"])  # numpy is for the parser processes

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("aggregator")

#: a batch commits its transaction this often (a crash loses at most this much work,
#: fetched again by the next pass: the sources' validators are in the same transaction)
BATCH_SECONDS = 2.0
#: the page cache while a batch is open (KiB; SQLite's default, 2 MiB, holds a
#: fraction of the indexes a pass writes to); back to the default when it closes
BATCH_CACHE_KIB = 32768

# fixed namespace for our entry ids: uid = uuid5(NAMESPACE, "source/key")
_UID_NAMESPACE = uuid.UUID("6f4b1c3e-93a5-4c52-9d0e-8a8b6c2f4d10")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db.table("sources").create({
        "id": str, "etag": str, "last_modified": str, "body_hash": str, "moved_to": str,
        "moved_from": str,
        "last_fetch": str, "last_success": str, "last_error": str, "last_error_code": str,
        "last_error_at": str, "failures": int, "next_fetch": str, "retired": int,
        "feed_title": str, "feed_link": str, "feed_id": str, "feed_updated": str,
        "warning": str,
    }, pk="id", defaults={"failures": 0, "retired": 0})
    db.table("entries").create({
        "id": int, "source_id": str, "key": str, "uid": str, "guid": str, "link": str,
        "title": str, "summary_html": str, "content_html": str, "author": str,
        "published": str, "updated": str, "first_seen": str, "upstream_published": str,
        "upstream_updated": str, "language": str, "language_origin": str,
        "categories": str, "content_hash": str,
    }, pk="id", not_null={"source_id", "key", "uid", "title", "published", "updated",
                          "first_seen"})
    db.table("entries").create_index(["source_id", "key"], unique=True)
    db.table("entries").create_index(["uid"], unique=True)
    db.table("entries").create_index(["published"])
    db.table("entries").create_index(["language", "published"])


@migrations()
def m002_stories(db: sqlite_utils.Database) -> None:
    """One story per set of entries that tell the same news (across partners); band
    keys to find candidates without comparing all pairs; tombstones so entries a
    partner deleted do not come back; digests of published documents."""
    entries = db.table("entries")
    entries.add_column("canonical_link", str)
    entries.add_column("story_id", int)
    entries.add_column("merge_reason", str)
    entries.add_column("merge_score", float)
    db.table("stories").create({"id": int, "uid": str, "created": str}, pk="id",
                               not_null={"uid", "created"})
    db.table("stories").create_index(["uid"], unique=True)
    db.execute("INSERT INTO stories (id, uid, created) SELECT id, uid, first_seen FROM entries")
    db.execute("UPDATE entries SET story_id = id")
    entries.create_index(["story_id"])
    entries.create_index(["canonical_link"])
    db.table("entry_bands").create({"band": int, "entry_id": int, "published": str})
    db.table("entry_bands").create_index(["band", "published"])
    db.table("entry_bands").create_index(["entry_id"])
    db.table("tombstones").create({"source_id": str, "key": str, "removed": str,
                                   "reason": str}, pk=("source_id", "key"))
    db.table("documents").create({"path": str, "digest": str}, pk="path")


@migrations()
def m003_events_and_discovery(db: sqlite_utils.Database) -> None:
    """Calendar entries keep when and where they happen; a source remembers the feed
    autodiscovery found on its page, and how many of its page's dates were unreadable."""
    entries = db.table("entries")
    entries.add_column("event_start", str)  # UTC ISO 8601, so text order is time order
    entries.add_column("event_end", str)
    entries.add_column("event_all_day", int)
    entries.add_column("event_location", str)
    entries.create_index(["event_start"])
    sources = db.table("sources")
    sources.add_column("discovered_url", str)
    sources.add_column("discovered_from", str)
    sources.add_column("unparsed_dates", int)


@migrations()
def m004_language_confidence(db: sqlite_utils.Database) -> None:
    """How sure language identification was, for detected and corrected languages."""
    db.table("entries").add_column("language_confidence", float)


@migrations()
def m005_fingerprints(db: sqlite_utils.Database) -> None:
    """What deduplication compares: the plain text and its MinHash fingerprint."""
    db.table("entries").add_column("story_text", str)
    db.table("entries").add_column("fingerprint", bytes)


@migrations()
def m006_translations(db: sqlite_utils.Database) -> None:
    """A partner's language versions of one article share a translation key."""
    db.table("entries").add_column("translation_key", str)
    db.table("entries").create_index(["source_id", "translation_key"])


@migrations()
def m007_lookup_indexes(db: sqlite_utils.Database) -> None:
    """Indexes for the lookups of a source update: an entry by its link (CMS id
    migrations), and band keys of other sources only (a calendar's look-alike
    entries must not be scanned as candidates for each other)."""
    db.table("entries").create_index(["source_id", "link"])
    db.table("entry_bands").add_column("source_id", str)
    db.execute("UPDATE entry_bands SET source_id = (SELECT source_id FROM entries "
               "WHERE entries.id = entry_bands.entry_id)")
    db.table("entry_bands").create_index(["band", "source_id", "published"])


@migrations()
def m008_band_table(db: sqlite_utils.Database) -> None:
    """Band keys in one B-tree that answers the candidate query by itself: the band,
    the window, the source (filtered inside the tree), the entry. Every new entry
    writes 32 band rows, so a table plus two indexes (m002, m007: one of them never
    used, since a source *exclusion* cannot lead a range) tripled the writes."""
    db.execute("CREATE TABLE entry_bands_new (band INTEGER NOT NULL, published TEXT NOT NULL, "
               "source_id TEXT NOT NULL, entry_id INTEGER NOT NULL, "
               "PRIMARY KEY (band, published, source_id, entry_id)) WITHOUT ROWID")
    db.execute("INSERT OR IGNORE INTO entry_bands_new SELECT band, published, source_id, "
               "entry_id FROM entry_bands WHERE published IS NOT NULL AND source_id IS NOT NULL")
    db.execute("DROP TABLE entry_bands")
    db.execute("ALTER TABLE entry_bands_new RENAME TO entry_bands")


#: what a change log row records of an entry (before and after a change)
_LOGGED = "entry_id, story_id, source_id, language"


@migrations()
def m009_publish_changes(db: sqlite_utils.Database) -> None:
    """A log of what changed since the last publish, kept by triggers so that no
    writer has to remember it: entries inserted, updated (before and after) or
    deleted, stories, and sources whose attribution (what ``atom:source`` shows)
    changed. Publishing reads it to render only the documents a change reaches, then
    clears what it has published."""
    db.execute("CREATE TABLE publish_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
               "kind TEXT NOT NULL, entry_id INTEGER, story_id INTEGER, source_id TEXT, "
               "language TEXT)")
    old = "'entry', OLD.id, OLD.story_id, OLD.source_id, OLD.language"
    new = "'entry', NEW.id, NEW.story_id, NEW.source_id, NEW.language"
    log = f"INSERT INTO publish_changes (kind, {_LOGGED}) VALUES"
    db.execute(f"CREATE TRIGGER publish_entry_inserted AFTER INSERT ON entries "
               f"BEGIN {log} ({new}); END")
    db.execute(f"CREATE TRIGGER publish_entry_updated AFTER UPDATE ON entries "
               f"BEGIN {log} ({old}), ({new}); END")
    db.execute(f"CREATE TRIGGER publish_entry_deleted AFTER DELETE ON entries "
               f"BEGIN {log} ({old}); END")
    for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        db.execute(f"CREATE TRIGGER publish_story_{event.lower()}d AFTER {event} ON stories "
                   f"BEGIN INSERT INTO publish_changes (kind, story_id) "
                   f"VALUES ('story', {row}.id); END")
    shown = ("feed_id", "feed_title", "feed_link", "feed_updated", "moved_to", "moved_from")
    differs = " OR ".join(f"OLD.{name} IS NOT NEW.{name}" for name in shown)
    db.execute("CREATE TRIGGER publish_source_inserted AFTER INSERT ON sources "
               "BEGIN INSERT INTO publish_changes (kind, source_id) VALUES ('source', NEW.id); "
               "END")
    db.execute(f"CREATE TRIGGER publish_source_updated AFTER UPDATE ON sources "
               f"WHEN {differs} BEGIN INSERT INTO publish_changes (kind, source_id) "
               f"VALUES ('source', NEW.id); END")
    # a feed's items in arrival order, read from an index alone (no entry's content)
    db.execute("CREATE INDEX idx_entries_publishing ON entries "
               "(story_id, language, source_id, published)")
    db.execute("CREATE INDEX idx_entries_publishing_language ON entries "
               "(language, story_id, source_id, published)")


@migrations()
def m010_compact_bands(db: sqlite_utils.Database) -> None:
    """Band rows keep their time as whole Unix seconds (an integer of 5 bytes, not a
    25-character text: the band table is half as big), and entries lose their
    ``story_id`` index, which ``idx_entries_publishing`` (m009) starts with. A new
    entry writes 32 band rows and (before this) 11 index entries: most of what a cold
    ingest writes (``bench/store.py``, cold: 18-21 -> 13-17 s of CPU)."""
    db.execute("CREATE TABLE entry_bands_new (band INTEGER NOT NULL, "
               "published INTEGER NOT NULL, source_id TEXT NOT NULL, "
               "entry_id INTEGER NOT NULL, "
               "PRIMARY KEY (band, published, source_id, entry_id)) WITHOUT ROWID")
    db.execute("INSERT OR IGNORE INTO entry_bands_new SELECT band, "
               "CAST(strftime('%s', published) AS INTEGER), source_id, entry_id "
               "FROM entry_bands")
    db.execute("DROP TABLE entry_bands")
    db.execute("ALTER TABLE entry_bands_new RENAME TO entry_bands")
    db.execute("DROP INDEX IF EXISTS idx_entries_story_id")


@migrations()
def m011_fewer_entry_indexes(db: sqlite_utils.Database) -> None:
    """Two indexes less to keep up on every new entry. No query reads entries by
    ``published`` alone, and the count by ``language`` reads
    ``idx_entries_publishing_language`` (m009) as well: seen with EXPLAIN QUERY PLAN
    on every statement that touches entries in a run of the tests (on a database of
    the 29,579 entries of the bench corpus). (The change log keeps its AUTOINCREMENT,
    which costs about as much: two publishing processes, a ``publish`` command beside
    ``run``, each clear the rows up to the ``seq`` they read, and a reused ``seq``
    would let one of them clear a change that the other has not published.)"""
    db.execute("DROP INDEX IF EXISTS idx_entries_published")
    db.execute("DROP INDEX IF EXISTS idx_entries_language_published")


@migrations()
def m012_source_readings(db: sqlite_utils.Database) -> None:
    """Each source's state records how feeds.toml said to fetch and read the source
    when it was made, so that a source the operator changes (another URL, kind,
    selectors or language settings) starts afresh (:func:`aggregator.decide.for_source`)."""
    db.execute("ALTER TABLE sources ADD COLUMN reading TEXT")


_STATE_FIELDS = [f.name for f in dataclasses.fields(SourceState) if f.name != "entry_count"]
_DATE_FIELDS = {"last_fetch", "last_success", "last_error_at", "next_fetch", "feed_updated"}
#: a source's state, written after every fetch (plain SQL: sqlite-utils' upsert()
#: inspects the table on every call: two thirds of a 304 pass's database work)
_SAVE_STATE = (f"INSERT INTO sources ({', '.join(_STATE_FIELDS)}) "
               f"VALUES ({', '.join('?' * len(_STATE_FIELDS))}) ON CONFLICT (id) DO UPDATE SET "
               + ", ".join(f"{name} = excluded.{name}" for name in _STATE_FIELDS if name != "id"))


@dataclasses.dataclass(frozen=True, slots=True)
class _Save:
    """One source update: what :meth:`Store.save` was given."""

    state: SourceState
    entries: Sequence[Entry] | None
    now: datetime
    policy: StoryPolicy | None


@dataclasses.dataclass(slots=True)
class _NewRows:
    """What one source update adds besides its entries, written once at its end."""

    next_id: int
    stories: list[tuple[int, str, str]] = dataclasses.field(default_factory=list)
    bands: list[tuple[int, int, str, int]] = dataclasses.field(default_factory=list)


def entry_uid(source_id: str, key: str) -> str:
    """Our public, stable id for an entry: never the upstream id alone (two partners
    may use the same one), and independent of where the outputs are served."""
    return f"urn:uuid:{uuid.uuid5(_UID_NAMESPACE, f'{source_id}/{key}')}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _seconds(value: datetime) -> int:
    """Whole Unix seconds, as the band table keeps times (m010)."""
    return int(value.timestamp())


def _date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _migrate(db: sqlite_utils.Database) -> None:
    """Apply the pending migrations, one process at a time. Two processes may open a new
    or older database together (the container's `aggregator run` and an operator's
    `aggregator sources`); each migration alone is a transaction that reads before it
    writes, so the second would meet "database is locked" at once, or apply a migration
    the first has just applied. Under the write lock (``BEGIN IMMEDIATE``, waiting up to
    ``busy_timeout``) the second finds nothing left to do; each migration is a
    savepoint in that transaction."""
    if migrations.pending(db):
        with _immediate(db.conn):
            migrations.apply(db)


@contextmanager
def _immediate(connection: sqlite3.Connection) -> Iterator[None]:
    """The block as one write transaction, committed at its end, rolled back if it
    fails. ``BEGIN IMMEDIATE`` takes the write lock at once, waiting (``busy_timeout``)
    while another process writes. A plain ``BEGIN`` takes it at the first write, and if
    the transaction has read before and another process has committed since, SQLite
    refuses at once ("database is locked", no waiting): the transaction's snapshot is
    out of date. That is what `aggregator fetch` beside a running `aggregator run` met."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if connection.in_transaction:  # SQLite may have rolled back already
            connection.execute("ROLLBACK")
        raise
    try:
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


#: what saving compares of a stored entry with the same entry read again
_KNOWN = "id, key, content_hash, first_seen, published, updated, language"


class Store:
    """The aggregator's database. Not thread-safe: use one per thread."""

    def __init__(self, db: sqlite_utils.Database, path: Path) -> None:
        self.db = db
        self.path = path
        self._batching = False
        self._batch_since = 0.0  # when the batch's open transaction began
        self._in_batch: list[_Save] = []  # updates saved in it, not yet committed
        self._lost: dict[str, str] = {}  # source -> why its saved update was rolled back

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open (creating and migrating as needed) the database at ``path``."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, check_same_thread=False, timeout=30)
            db = sqlite_utils.Database(connection)
            db.execute("PRAGMA busy_timeout = 30000")
            db.enable_wal()
            db.execute("PRAGMA synchronous = NORMAL")
            # Statement journals in memory, not in a temporary file: a statement that
            # fires a trigger (every new entry: the change log) first copies each page
            # it changes into one. 20,000 inserts into entries: 1.2 s of CPU with the
            # trigger, 0.54 s without, 0.67 s with it and this; storing the bench
            # corpus 3-9 % less (bench/RESULTS.md). A journal lasts one statement.
            db.execute("PRAGMA temp_store = MEMORY")
            db.execute("PRAGMA foreign_keys = ON")
            _migrate(db)
        except (sqlite3.Error, OSError) as error:
            raise StoreError(f"cannot open the database {path}: {error}") from error
        return cls(db, path)

    def close(self) -> None:
        self.end_batch()
        self.db.close()

    def begin_batch(self) -> None:
        """Saves from now on share transactions, committed every ``BATCH_SECONDS`` and by
        :meth:`end_batch`. Nothing but :meth:`save` may write until then: a failed save
        rolls the batch back and applies again the saves it made, nothing else."""
        if not self._batching:
            self._batching = True
            self.db.execute(f"PRAGMA cache_size = -{BATCH_CACHE_KIB}")

    def end_batch(self) -> None:
        """Commit the batch's saves; back to one transaction per save."""
        if self._batching:
            self._batching = False
            try:
                self._commit()
            finally:
                self.db.execute("PRAGMA cache_size = -2000")  # SQLite's default

    def take_lost(self) -> dict[str, str]:
        """The sources whose saved updates a failed batch commit rolled back (with the
        reason), since the last call: their updates did not happen after all."""
        lost, self._lost = self._lost, {}
        return lost

    def _begin(self) -> None:
        """Open the batch's write transaction, taking the write lock now (see
        :func:`_immediate`)."""
        self.db.conn.execute("BEGIN IMMEDIATE")
        self._batch_since = time.monotonic()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A write transaction of its own (:func:`_immediate`), or a savepoint in the
        open one: all of the block or nothing."""
        with self.db.atomic() if self.db.conn.in_transaction else _immediate(self.db.conn):
            yield

    def _commit(self) -> None:
        """Commit the open transaction, if any. If that fails (disk full), it is rolled
        back: the updates saved in it are lost whole (see :meth:`take_lost`) and fetched
        again next time (their sources' validators were in it too)."""
        saved, self._in_batch = self._in_batch, []
        try:
            if self.db.conn.in_transaction:
                self.db.conn.execute("COMMIT")
        except sqlite3.Error as error:
            if self.db.conn.in_transaction:
                self.db.conn.execute("ROLLBACK")
            message = self._lost_update(error)
            self._lost.update(dict.fromkeys((save.state.id for save in saved), message))
            raise StoreError(message) from error

    def _select(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        """The rows of a SELECT as dicts. Not sqlite-utils' ``query()``: it wraps every
        statement in a savepoint of its own (to undo a write that returns no rows),
        two statements more for each of the two to three reads per new entry."""
        cursor = self.db.conn.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return (dict(zip(names, row, strict=True)) for row in cursor)

    def _not_in_batch(self, method: str) -> None:
        if self._batching:
            raise RuntimeError(f"Store.{method} in a batch: end the batch first")

    def _lost_update(self, error: sqlite3.Error) -> str:
        return (f"cannot write to the database {self.path}: {error}; the update is fetched "
                "again next time")

    def _commit_batch_when_due(self) -> None:
        """The batch's next transaction begins with its next save, not now: between the
        two another process may take its turn to write."""
        if self._batching and time.monotonic() - self._batch_since >= BATCH_SECONDS:
            self._commit()

    # -- sources --------------------------------------------------------------

    def state(self, source_id: str) -> SourceState:
        row = next(self._select("SELECT * FROM sources WHERE id = ?", [source_id]), None)
        count = self.db.execute(
            "SELECT count(*) FROM entries WHERE source_id = ?", [source_id]).fetchone()[0]
        return self._state(row, count) if row else SourceState(id=source_id)

    def states(self) -> dict[str, SourceState]:
        counts = dict(self.db.execute(
            "SELECT source_id, count(*) FROM entries GROUP BY source_id").fetchall())
        return {row["id"]: self._state(row, counts.get(row["id"], 0))
                for row in self._select("SELECT * FROM sources")}

    @staticmethod
    def _state(row: dict[str, Any], count: int) -> SourceState:
        values: dict[str, Any] = {name: row.get(name) for name in _STATE_FIELDS}
        for name in _DATE_FIELDS:
            values[name] = _date(values[name])
        values["retired"] = bool(values["retired"])
        values["failures"] = values["failures"] or 0
        values["unparsed_dates"] = values["unparsed_dates"] or 0
        return SourceState(**values, entry_count=count)

    def save(self, state: SourceState, entries: Sequence[Entry] | None, now: datetime,
             policy: StoryPolicy | None = None) -> StoreCounts:
        """Record a source's new state and, if given, its entries, filing new entries
        into stories by ``policy``: all of it or nothing (a transaction, or in a batch
        part of the batch's transaction, see :meth:`_recover`)."""
        save = _Save(state, entries, now, policy)
        try:
            if not self._batching:
                with self._writing():
                    return self._apply(save)
            if not self.db.conn.in_transaction:  # the batch's next transaction
                self._begin()  # (nothing saved in the batch is uncommitted now)
            try:
                counts = self._apply(save)
            except BaseException:
                self._recover()  # what this update wrote half-way is gone
                raise
        except sqlite3.Error as error:
            raise StoreError(f"cannot save source {state.id!r}: {error}") from error
        self._in_batch.append(save)
        self._commit_batch_when_due()
        return counts

    def save_state(self, state: SourceState, now: datetime) -> None:
        """:meth:`save` of the state alone, in a batch, for a caller that does not wait
        for it: if it fails, the source is lost (:meth:`take_lost`) as if the batch's
        commit had failed."""
        if not self._batching:
            raise RuntimeError("Store.save_state outside a batch: use Store.save")
        try:
            self.save(state, None, now)
        except StoreError as error:
            self._lost[state.id] = str(error)

    def _apply(self, save: _Save) -> StoreCounts:
        row = {name: getattr(save.state, name) for name in _STATE_FIELDS}
        for name in _DATE_FIELDS:
            row[name] = _iso(row[name])
        row["retired"] = int(save.state.retired)
        self.db.conn.execute(_SAVE_STATE, [row[name] for name in _STATE_FIELDS])
        if not save.entries:
            return StoreCounts()
        return self._save_entries(save.state.id, save.entries, save.now, save.policy)

    def _recover(self) -> None:
        """After an update failed half-way in a batch: roll the batch's transaction
        back and apply the updates saved in it before again, each in a savepoint. One
        that fails now (the disk is full) is lost (:meth:`take_lost`), and with it those
        applied again before it if SQLite ended the transaction; all that are left are
        lost if another process keeps the write lock beyond ``busy_timeout``."""
        if self.db.conn.in_transaction:  # SQLite may have rolled back already
            self.db.conn.execute("ROLLBACK")
        saved, self._in_batch = self._in_batch, []
        for index, save in enumerate(saved):
            try:
                if not self.db.conn.in_transaction:
                    self._begin()
            except sqlite3.Error as error:
                message = self._lost_update(error)
                self._lost.update((left.state.id, message) for left in saved[index:])
                return
            try:
                with self._writing():
                    self._apply(save)
            except sqlite3.Error as error:
                message = self._lost_update(error)
                self._lost[save.state.id] = message
                if not self.db.conn.in_transaction:  # SQLite ended it (disk full, I/O)
                    self._lost.update((done.state.id, message) for done in self._in_batch)
                    self._in_batch = []
            else:
                self._in_batch.append(save)

    def _save_entries(self, source_id: str, entries: Sequence[Entry], now: datetime,
                      policy: StoryPolicy | None) -> StoreCounts:
        known = self._known(source_id, [entry.key for entry in entries])
        removed = self._tombstoned(source_id, [entry.key for entry in entries])
        present = {entry.key for entry in entries}
        batch = _NewRows(self._next_id())
        new = updated = unchanged = 0
        for entry in entries:
            before = known.get(entry.key) or self._rekeyed(source_id, entry, present)
            if entry.key in removed:
                unchanged += 1  # deleted here on purpose: it does not come back
            elif before is None:
                self._insert(entry, now, policy, batch)
                new += 1
            elif before["content_hash"] != entry.content_hash or before["key"] != entry.key:
                row = self._row(entry, now, first_seen=_date(before["first_seen"]),
                                before=before)
                self.db.table("entries").update(row.pop("id"), row)
                updated += before["content_hash"] != entry.content_hash
                unchanged += before["content_hash"] == entry.content_hash
            elif before["language"] != entry.language:
                # the same text read otherwise (the source's language setting changed, or
                # the portal's languages): it moves to its language's feeds, and its
                # dates stay, for nothing a reader sees in it changed
                self.db.conn.execute(
                    "UPDATE entries SET language = ?, language_origin = ?, "
                    "language_confidence = ? WHERE id = ?",
                    [entry.language, entry.language_origin, entry.language_confidence,
                     before["id"]])
                unchanged += 1
            else:
                unchanged += 1
        self.db.conn.executemany("INSERT INTO stories (id, uid, created) VALUES (?, ?, ?)",
                                 batch.stories)
        self.db.conn.executemany("INSERT OR IGNORE INTO entry_bands "
                                 "(band, published, source_id, entry_id) VALUES (?, ?, ?, ?)",
                                 batch.bands)
        return StoreCounts(new=new, updated=updated, unchanged=unchanged)

    def _next_id(self) -> int:
        """The next entry id; never one a removed entry or its story had (entry ids
        name stories, and a reused one would put the new entry into an old story)."""
        (last,) = self.db.execute(
            "SELECT max(coalesce((SELECT max(id) FROM entries), 0), "
            "coalesce((SELECT max(id) FROM stories), 0))").fetchone()
        return int(last) + 1

    def _insert(self, entry: Entry, now: datetime, policy: StoryPolicy | None,
                batch: _NewRows) -> None:
        row = self._row(entry, now, first_seen=now)
        choice = self._translation_of(entry) or StoryChoice(None)
        if choice.story_id is None and policy is not None and \
                entry.source_id not in policy.apart_sources and \
                row["uid"] not in policy.apart_uids:
            choice = policy.choose(entry, self._candidates(entry, now, policy))
            if choice.story_id is not None and choice.also:
                choice = self._join_stories(choice)
        entry_id = batch.next_id
        batch.next_id += 1
        if choice.story_id is None:  # a story of its own, under the entry's id
            batch.stories.append((entry_id, row["uid"], row["first_seen"]))
        row.update(id=entry_id, story_id=choice.story_id or entry_id,
                   merge_reason=choice.reason, merge_score=choice.score,
                   canonical_link=entry.canonical_link, story_text=entry.story_text,
                   fingerprint=entry.fingerprint, translation_key=entry.translation_key)
        # plain SQL: sqlite-utils' insert() re-inspects the table on every call
        self.db.conn.execute(f"INSERT INTO entries ({', '.join(row)}) "
                             f"VALUES ({', '.join('?' * len(row))})", list(row.values()))
        seconds = _seconds(datetime.fromisoformat(row["published"]))
        batch.bands.extend((band, seconds, entry.source_id, entry_id) for band in entry.bands)

    def _join_stories(self, choice: StoryChoice) -> StoryChoice:
        """Make the stories a new entry matches one, under the oldest one's id (the
        id subscribers saw first); the members keep their own reasons."""
        assert choice.story_id is not None
        stories = sorted({choice.story_id, *choice.also})
        kept, absorbed = stories[0], stories[1:]
        self.db.execute(f"UPDATE entries SET story_id = ? WHERE story_id IN "
                        f"({','.join('?' * len(absorbed))})", [kept, *absorbed])
        return dataclasses.replace(choice, story_id=kept, also=())

    def _translation_of(self, entry: Entry) -> StoryChoice | None:
        """The story of another language version of this article at the same partner."""
        if not entry.translation_key:
            return None
        row = self.db.execute(
            "SELECT story_id FROM entries WHERE source_id = ? AND translation_key = ? AND "
            "coalesce(language, '') != coalesce(?, '') ORDER BY id LIMIT 1",
            [entry.source_id, entry.translation_key, entry.language]).fetchone()
        return StoryChoice(row[0], "translation", 1.0) if row else None

    def _candidates(self, entry: Entry, now: datetime,
                    policy: StoryPolicy) -> list[StoryCandidate]:
        """Stored entries of other sources, published within the policy's window,
        that share the canonical link or an LSH band key with ``entry``."""
        when = entry.published or now
        low, high = _seconds(when - policy.window), _seconds(when + policy.window)
        bands = list(entry.bands)
        apart = sorted(policy.apart_sources | {entry.source_id})
        others = f"source_id NOT IN ({','.join('?' * len(apart))})"
        clauses, params = [], []
        if bands:
            clauses.append(f"id IN (SELECT entry_id FROM entry_bands WHERE band IN "
                           f"({','.join('?' * len(bands))}) AND {others} "
                           f"AND published BETWEEN ? AND ?)")
            params += [*bands, *apart, low, high]
        if entry.canonical_link:
            clauses.append("canonical_link = ?")
            params.append(entry.canonical_link)
        if not clauses:
            return []
        rows = self._select(
            f"SELECT id, story_id, source_id, canonical_link, title, story_text, published, "
            f"fingerprint, uid FROM entries WHERE ({' OR '.join(clauses)}) "
            f"AND source_id NOT IN ({','.join('?' * len(apart))}) "
            f"ORDER BY published DESC LIMIT 200", [*params, *apart])
        return [StoryCandidate(
            entry_id=row["id"], story_id=row["story_id"], source_id=row["source_id"],
            canonical_link=row["canonical_link"], title=row["title"],
            text=row["story_text"] or "", published=datetime.fromisoformat(row["published"]),
            fingerprint=row["fingerprint"]) for row in rows if row["uid"] not in
            policy.apart_uids]

    def _rekeyed(self, source_id: str, entry: Entry, present: set[str]) -> dict[str, Any] | None:
        """An entry the source now sends under another id, with the same link and
        content (a CMS migration): the stored one, so it is updated, not doubled."""
        if not entry.link:
            return None
        for row in self._select(
                f"SELECT {_KNOWN} FROM entries "
                "WHERE source_id = ? AND link = ? AND content_hash = ?",
                [source_id, entry.link, entry.content_hash]):
            if row["key"] not in present:
                return row
        return None

    def _tombstoned(self, source_id: str, keys: list[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(keys):
            found.update(key for (key,) in self.db.execute(
                f"SELECT key FROM tombstones WHERE source_id = ? AND key IN "
                f"({','.join('?' * len(chunk))})", [source_id, *chunk]).fetchall())
        return found

    def entries_named(self, uid: str | None = None,
                      canonical_link: str | None = None) -> list[EntryRef]:
        """The entries with this id, or with this canonical link (every partner's copy
        of that page), oldest first."""
        return [EntryRef(**row) for row in self._select(
            "SELECT uid, source_id, title, link FROM entries WHERE uid = ? OR "
            "canonical_link = ? ORDER BY id", [uid, canonical_link])]

    def remove(self, uid: str, reason: str, now: datetime) -> bool:
        """Delete one entry for good: a tombstone keeps it from coming back."""
        self._not_in_batch("remove")
        row = next(self._select("SELECT id, source_id, key, story_id FROM entries "
                                 "WHERE uid = ?", [uid]), None)
        if row is None:
            return False
        with self._writing():
            self._leave_story(row["id"], row["story_id"])
            # the band table is keyed for finding candidates, not by entry: a scan,
            # for an operator's rare removal
            self.db.execute("DELETE FROM entry_bands WHERE entry_id = ?", [row["id"]])
            self.db.execute("DELETE FROM entries WHERE id = ?", [row["id"]])
            self.db.table("tombstones").upsert({"source_id": row["source_id"], "key": row["key"],
                                                "removed": _iso(now), "reason": reason},
                                               pk=("source_id", "key"))
        return True

    def restore(self, uid: str) -> str | None:
        """Take back a removal: the entry's tombstone goes, and its source is read in
        full at its next fetch (no validators, no body hash), which stores the entry
        again if the feed still has it. Returns the source's id; None when no removed
        entry has this id."""
        self._not_in_batch("restore")
        for row in list(self._select("SELECT source_id, key FROM tombstones")):  # few rows
            if entry_uid(row["source_id"], row["key"]) == uid:
                with self._writing():
                    self.db.execute("DELETE FROM tombstones WHERE source_id = ? AND key = ?",
                                    [row["source_id"], row["key"]])
                    # the story the removed entry was left in, named by its id: the entry
                    # will found it anew (no entry is in it, so no other id can be)
                    self.db.execute("DELETE FROM stories WHERE uid = ? AND NOT EXISTS "
                                    "(SELECT 1 FROM entries WHERE story_id = stories.id)",
                                    [uid])
                    self.db.execute("UPDATE sources SET etag = NULL, last_modified = NULL, "
                                    "body_hash = NULL WHERE id = ?", [row["source_id"]])
                return str(row["source_id"])
        return None

    def separate(self, uids: Iterable[str] = (), source_ids: Iterable[str] = ()) -> int:
        """Take entries (by id, or all of some sources) out of stories they share with
        other partners: the operator's override of a wrong merge. Idempotent."""
        self._not_in_batch("separate")
        uids, source_ids = list(uids), list(source_ids)
        if not uids and not source_ids:
            return 0
        conditions, params = [], []
        if uids:
            conditions.append(f"e.uid IN ({','.join('?' * len(uids))})")
            params += uids
        if source_ids:
            conditions.append(f"e.source_id IN ({','.join('?' * len(source_ids))})")
            params += source_ids
        rows = list(self._select(
            f"SELECT e.id, e.story_id FROM entries e WHERE ({' OR '.join(conditions)}) AND "
            f"EXISTS (SELECT 1 FROM entries o WHERE o.story_id = e.story_id AND o.id != e.id "
            f"AND o.source_id != e.source_id)", params))
        with self._writing():
            for row in rows:
                self._leave_story(row["id"], row["story_id"])
        return len(rows)

    def _leave_story(self, entry_id: int, story_id: int) -> None:
        """Move an entry out of its story into one of its own. When it founded the
        story, the others keep theirs under the next founder."""
        others = [row["id"] for row in self._select(
            "SELECT id FROM entries WHERE story_id = ? AND id != ? ORDER BY id",
            [story_id, entry_id])]
        if not others:
            return
        moving, founder = ([entry_id], entry_id) if story_id != entry_id else (others, others[0])
        uid, first_seen = next(self.db.execute(
            "SELECT uid, first_seen FROM entries WHERE id = ?", [founder]))
        self.db.execute("INSERT OR IGNORE INTO stories (id, uid, created) VALUES (?, ?, ?)",
                        [founder, uid, first_seen])
        self.db.execute(f"UPDATE entries SET story_id = ?, merge_reason = NULL, "
                        f"merge_score = NULL WHERE id IN ({','.join('?' * len(moving))})",
                        [founder, *moving])

    def stories(self, *, merged_only: bool = True, limit: int = 200) -> list[dict[str, Any]]:
        """Stories with their members and why each joined, newest first."""
        having = "HAVING count(DISTINCT e.source_id) > 1" if merged_only else ""
        stories = list(self._select(
            f"SELECT s.id, s.uid, max(e.published) AS published FROM stories s "
            f"JOIN entries e ON e.story_id = s.id GROUP BY s.id {having} "
            f"ORDER BY published DESC LIMIT ?", [limit]))
        for story in stories:
            story["members"] = list(self._select(
                "SELECT uid, source_id, title, link, language, published, merge_reason, "
                "merge_score FROM entries WHERE story_id = ? ORDER BY published, id",
                [story["id"]]))
        return stories

    def _known(self, source_id: str, keys: list[str]) -> dict[str, dict[str, Any]]:
        known: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            for row in self._select(
                f"SELECT {_KNOWN} FROM entries WHERE source_id = ? AND key IN ({marks})",
                [source_id, *chunk]):
                known[row["key"]] = row
        return known

    @staticmethod
    def _row(entry: Entry, now: datetime, *, first_seen: datetime | None,
             before: dict[str, Any] | None = None) -> dict[str, Any]:
        first = first_seen or now
        if before is None:
            published = entry.published or first
            updated = entry.updated or published
        else:
            # an edit: keep the publication date, move "updated" forward
            published = _date(before["published"]) or first
            previous = _date(before["updated"]) or published
            updated = max(entry.updated or now, previous)
            if updated == previous:
                updated = now
        row = {
            "source_id": entry.source_id, "key": entry.key, "guid": entry.guid,
            "link": entry.link, "title": entry.title, "summary_html": entry.summary_html,
            "content_html": entry.content_html, "author": entry.author,
            "published": _iso(published), "updated": _iso(updated),
            "upstream_published": _iso(entry.published),
            "upstream_updated": _iso(entry.updated), "language": entry.language,
            "language_origin": entry.language_origin,
            "language_confidence": entry.language_confidence,
            "categories": json.dumps(list(entry.categories), ensure_ascii=False),
            "content_hash": entry.content_hash,
            **_event_columns(entry.event),
        }
        if before is None:
            row["uid"] = entry_uid(entry.source_id, entry.key)
            row["first_seen"] = _iso(first)
        else:
            row["id"] = before["id"]
        return row

    # -- reading for publishing -------------------------------------------------

    def _copies(self, rows: list[dict[str, Any]], names: Mapping[str, str]
                ) -> tuple[dict[int, tuple[Copy, ...]], dict[int, tuple[Copy, ...]]]:
        """For each row: the other partners' copies, and the versions in other
        languages (of any partner), one of each."""
        by_story: dict[int, list[dict[str, Any]]] = {}
        stories = [row["story_id"] for row in rows]
        for start in range(0, len(stories), 500):
            chunk = stories[start:start + 500]
            for member in self._select(
                    f"SELECT id, story_id, source_id, link, language FROM entries WHERE "
                    f"story_id IN ({','.join('?' * len(chunk))}) ORDER BY published, id",
                    chunk):
                by_story.setdefault(member["story_id"], []).append(member)
        copies, translations = {}, {}
        for row in rows:
            members = [m for m in by_story.get(row["story_id"], []) if m["id"] != row["id"]]
            copies[row["id"]] = _one_per(
                [m for m in members if m["source_id"] != row["source_id"]], "source_id", names)
            translations[row["id"]] = _one_per(
                [m for m in members if m["language"] and m["language"] != row["language"]],
                "language", names)
        return copies, translations

    def has_publish_changes(self) -> bool:
        """Whether anything changed since the last publish (the log is not empty)."""
        return bool(self.db.execute("SELECT EXISTS (SELECT 1 FROM publish_changes)").fetchone()[0])

    def publish_changes(self) -> PublishChanges:
        """What changed since the last :meth:`published` (the triggers' log), and
        whom it reaches: the languages and sources of every member of a changed story
        (a merged feed shows them all), of changed entries before and after."""
        upto = self.db.execute("SELECT max(seq) FROM publish_changes").fetchone()[0]
        if upto is None:
            return PublishChanges()
        entries: set[int] = set()
        stories: set[int] = set()
        states: set[str] = set()
        sources: set[str] = set()
        languages: set[str | None] = set()
        for kind, entry_id, story_id, source_id, language in self.db.execute(
                f"SELECT kind, {_LOGGED} FROM publish_changes WHERE seq <= ?", [upto]):
            if kind == "source":
                states.add(source_id)
                continue
            if story_id is not None:
                stories.add(story_id)
            if kind == "entry":
                entries.add(entry_id)
                sources.add(source_id)
                languages.add(language)
        member_sources, member_languages = set(sources), set(languages)
        for chunk in _chunks(sorted(stories)):
            for source_id, language in self.db.execute(
                    f"SELECT DISTINCT source_id, language FROM entries WHERE story_id IN "
                    f"({','.join('?' * len(chunk))})", chunk):
                member_sources.add(source_id)
                member_languages.add(language)
        for chunk in _chunks(sorted(states)):
            shown = {language for (language,) in self.db.execute(
                f"SELECT DISTINCT language FROM entries WHERE source_id IN "
                f"({','.join('?' * len(chunk))})", chunk)}
            languages |= shown
            member_languages |= shown
        return PublishChanges(
            upto=upto, entries=frozenset(entries), stories=frozenset(stories),
            states=frozenset(states), entry_sources=frozenset(sources | states),
            entry_languages=frozenset(languages),
            member_sources=frozenset(member_sources | states),
            member_languages=frozenset(member_languages))

    def feed_index(self, query: FeedQuery, *, priorities: Mapping[str, int] | None = None
                   ) -> list[tuple[int, int, str, str]]:
        """Every item of a feed in arrival order, narrow (read from m009's covering
        indexes, no entry's content): its sequence (the story in merged feeds, else
        the entry), the entry that shows it (chosen as :meth:`feed_items` does: the
        highest priority, then the earliest), that entry's source and publication
        date (UTC ISO 8601: text order is time order)."""
        clause, params = _where(query, "")
        if not query.merged:
            return self.db.execute(
                f"SELECT id, id, source_id, published FROM entries {clause} ORDER BY id",
                params).fetchall()
        # (a story's row is never deleted: every entry's story exists, as the join in
        # feed_items asks; only an entry being inserted has none yet)
        clause = f"{clause} AND story_id IS NOT NULL" if clause else \
            "WHERE story_id IS NOT NULL"
        rows: list[tuple[int, int, str, str]] = self.db.execute(
            f"SELECT story_id, id, source_id, published FROM entries {clause} "
            f"ORDER BY story_id", params).fetchall()
        priority = priorities or {}
        index: list[tuple[int, int, str, str]] = []
        chosen: tuple[int, int, str, str] | None = None
        for row in rows:
            if chosen is not None and row[0] == chosen[0]:  # another copy of the story
                if (-priority.get(row[2], 0), row[3], row[1]) < \
                        (-priority.get(chosen[2], 0), chosen[3], chosen[1]):
                    chosen = row
                continue
            if chosen is not None:
                index.append(chosen)
            chosen = row
        if chosen is not None:
            index.append(chosen)
        return index

    def items_of(self, entry_ids: Sequence[int], *, merged: bool,
                 names: Mapping[str, str] | None = None) -> list[FeedItem]:
        """The feed items shown by these entries (from :meth:`feed_index`), in that
        order: as in :meth:`feed_items`, under the story in merged feeds."""
        rows: dict[int, dict[str, Any]] = {}
        select = (f"SELECT {_SHOWN}, s.uid AS item_uid, e.story_id AS sequence FROM entries e "
                  "JOIN stories s ON s.id = e.story_id" if merged else
                  f"SELECT {_SHOWN}, e.uid AS item_uid, e.id AS sequence FROM entries e")
        for chunk in _chunks(list(entry_ids)):
            for row in self._select(
                    f"{select} WHERE e.id IN ({','.join('?' * len(chunk))})", chunk):
                rows[row["id"]] = row
        ordered = [rows[entry_id] for entry_id in entry_ids if entry_id in rows]
        copies, translations = self._copies(ordered, names or {}) if merged else ({}, {})
        return [FeedItem(uid=row["item_uid"], stored=_stored(row), sequence=row["sequence"],
                         copies=copies.get(row["id"], ()),
                         translations=translations.get(row["id"], ())) for row in ordered]

    def documents(self) -> dict[str, str]:
        """The digest of every published document's inputs, by path."""
        return dict(self.db.execute("SELECT path, digest FROM documents").fetchall())

    def published(self, upto: int | None, digests: Mapping[str, str],
                  forget: Iterable[str] = ()) -> None:
        """A publish is complete: remember its documents' digests, forget the ones
        no longer published, and clear the change log up to ``upto``: one transaction."""
        self._not_in_batch("published")
        with self._writing():
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO documents (path, digest) VALUES (?, ?)",
                list(digests.items()))
            self.db.conn.executemany("DELETE FROM documents WHERE path = ?",
                                     [(path,) for path in forget])
            if upto is not None:
                self.db.execute("DELETE FROM publish_changes WHERE seq <= ?", [upto])

    def events(self, ending_after: datetime, *,
               source_ids: Iterable[str] | None = None) -> list[StoredEntry]:
        """Calendar entries that have not ended by ``ending_after``, by start time."""
        where, params = ["event_start IS NOT NULL",
                         "coalesce(event_end, event_start) >= ?"], [_utc_iso(ending_after)]
        if source_ids is not None:
            ids = list(source_ids)
            where.append(f"source_id IN ({','.join('?' * len(ids))})")
            params.extend(ids)
        sql = (f"SELECT {_SHOWN} FROM entries e WHERE {' AND '.join(where)} "
               "ORDER BY event_start, id")
        return [_stored(row) for row in self._select(sql, params)]

    def languages(self) -> dict[str, int]:
        return dict(self.db.execute(
            "SELECT language, count(*) FROM entries WHERE language IS NOT NULL "
            "GROUP BY language ORDER BY language").fetchall())

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM entries").fetchone()[0])

    def backup(self, target: Path) -> None:
        """A consistent copy of the database at ``target``, made with SQLite's online
        backup API: safe while the worker keeps writing."""
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(target)) as copy:
                self.db.conn.backup(copy, pages=1024)
        except (sqlite3.Error, OSError) as error:
            raise StoreError(f"cannot back up the database to {target}: {error}") from error

    def integrity(self) -> str:
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])

    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        """Read-only query access for inspection commands and tests."""
        # sqlite-utils' query(), not _select(): this SQL may come from a user, and
        # query() refuses (and rolls back) a statement that returns no rows, a write
        return self.db.query(sql, list(params))


def _chunks(values: Sequence[Any], size: int = 500) -> Iterator[list[Any]]:
    """``values`` in lists of at most ``size`` (SQLite limits a query's parameters)."""
    for start in range(0, len(values), size):
        yield list(values[start:start + size])


def _one_per(members: list[dict[str, Any]], field: str,
             names: Mapping[str, str]) -> tuple[Copy, ...]:
    seen: set[str] = set()
    chosen = []
    for member in members:
        if member[field] not in seen:
            seen.add(member[field])
            chosen.append(Copy(source_id=member["source_id"],
                               name=names.get(member["source_id"], member["source_id"]),
                               link=member["link"], language=member["language"]))
    return tuple(chosen)


def _where(query: FeedQuery, prefix: str) -> tuple[str, list[Any]]:
    where, params = [], []
    if query.language is not None:
        where.append(f"{prefix}language = ?")
        params.append(query.language)
    if query.source_ids is not None:
        where.append(f"{prefix}source_id IN ({','.join('?' * len(query.source_ids))})")
        params.extend(query.source_ids)
    return (f"WHERE {' AND '.join(where)}" if where else ""), params


def _utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _event_columns(event: Event | None) -> dict[str, Any]:
    if event is None:
        return {"event_start": None, "event_end": None, "event_all_day": None,
                "event_location": None}
    return {"event_start": _utc_iso(event.start),
            "event_end": _utc_iso(event.end) if event.end else None,
            "event_all_day": int(event.all_day), "event_location": event.location}


def _event(row: dict[str, Any]) -> Event | None:
    start = row.get("event_start")
    if not start:
        return None
    return Event(start=datetime.fromisoformat(start), end=_date(row.get("event_end")),
                 all_day=bool(row.get("event_all_day")), location=row.get("event_location"))


#: the columns :func:`_stored` reads: not what deduplication keeps (the story text, as
#: long as the content, and the fingerprint), which publishing would read for nothing
_SHOWN = ", ".join(f"e.{name}" for name in (
    "id", "story_id", "source_id", "key", "uid", "guid", "link", "title", "summary_html",
    "content_html", "author", "published", "updated", "first_seen", "upstream_published",
    "upstream_updated", "language", "language_origin", "language_confidence", "categories",
    "content_hash", "event_start", "event_end", "event_all_day", "event_location"))


def _stored(row: dict[str, Any]) -> StoredEntry:
    published = datetime.fromisoformat(row["published"])
    entry = Entry(
        source_id=row["source_id"], key=row["key"], guid=row["guid"], link=row["link"],
        title=row["title"], summary_html=row["summary_html"] or "",
        content_html=row["content_html"] or "", author=row["author"],
        published=_date(row["upstream_published"]), updated=_date(row["upstream_updated"]),
        language=row["language"], language_origin=row["language_origin"] or "unknown",
        language_confidence=row.get("language_confidence"),
        categories=tuple(json.loads(row["categories"] or "[]")),
        content_hash=row["content_hash"],
        event=_event(row),
    )
    return StoredEntry(uid=row["uid"], entry=entry, published=published,
                       updated=datetime.fromisoformat(row["updated"]),
                       first_seen=datetime.fromisoformat(row["first_seen"]))
