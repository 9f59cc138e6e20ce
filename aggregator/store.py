"""The SQLite database. This module owns sqlite-utils: it gives us recorded,
idempotent migrations (``sqlite_utils.migrations.Migrations``), upserts and
transactions without hand-written SQL for the simple parts.

One file, WAL mode (readers never block the writer), ``synchronous=NORMAL``
(a crash loses at most the last transaction, never consistency), one
transaction per source update.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.migrations import Migrations

from .errors import StoreError
from .models import Entry, SourceState, StoreCounts, StoredEntry

migrations = Migrations("aggregator")

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


_STATE_FIELDS = [f.name for f in dataclasses.fields(SourceState) if f.name != "entry_count"]
_DATE_FIELDS = {"last_fetch", "last_success", "last_error_at", "next_fetch", "feed_updated"}


def entry_uid(source_id: str, key: str) -> str:
    """Our public, stable id for an entry: never the upstream id alone (two partners
    may use the same one), and independent of where the outputs are served."""
    return f"urn:uuid:{uuid.uuid5(_UID_NAMESPACE, f'{source_id}/{key}')}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class Store:
    """The aggregator's database. Not thread-safe: use one per thread."""

    def __init__(self, db: sqlite_utils.Database, path: Path) -> None:
        self.db = db
        self.path = path

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
            db.execute("PRAGMA foreign_keys = ON")
            migrations.apply(db)
        except (sqlite3.Error, OSError) as error:
            raise StoreError(f"cannot open the database {path}: {error}") from error
        return cls(db, path)

    def close(self) -> None:
        self.db.close()

    # -- sources --------------------------------------------------------------

    def state(self, source_id: str) -> SourceState:
        row = next(self.db.query("SELECT * FROM sources WHERE id = ?", [source_id]), None)
        count = self.db.execute(
            "SELECT count(*) FROM entries WHERE source_id = ?", [source_id]).fetchone()[0]
        return self._state(row, count) if row else SourceState(id=source_id)

    def states(self) -> dict[str, SourceState]:
        counts = dict(self.db.execute(
            "SELECT source_id, count(*) FROM entries GROUP BY source_id").fetchall())
        return {row["id"]: self._state(row, counts.get(row["id"], 0))
                for row in self.db.query("SELECT * FROM sources")}

    @staticmethod
    def _state(row: dict[str, Any], count: int) -> SourceState:
        values: dict[str, Any] = {name: row.get(name) for name in _STATE_FIELDS}
        for name in _DATE_FIELDS:
            values[name] = _date(values[name])
        values["retired"] = bool(values["retired"])
        values["failures"] = values["failures"] or 0
        return SourceState(**values, entry_count=count)

    def save(self, state: SourceState, entries: Sequence[Entry] | None,
             now: datetime) -> StoreCounts:
        """Record a source's new state and, if given, its entries: one transaction."""
        try:
            with self.db.atomic():
                row = {name: getattr(state, name) for name in _STATE_FIELDS}
                for name in _DATE_FIELDS:
                    row[name] = _iso(row[name])
                row["retired"] = int(state.retired)
                self.db.table("sources").upsert(row, pk="id")
                return self._save_entries(state.id, entries, now) if entries else StoreCounts()
        except sqlite3.Error as error:
            raise StoreError(f"cannot save source {state.id!r}: {error}") from error

    def _save_entries(self, source_id: str, entries: Sequence[Entry],
                      now: datetime) -> StoreCounts:
        known = self._known(source_id, [entry.key for entry in entries])
        new, changed, unchanged = [], [], 0
        for entry in entries:
            before = known.get(entry.key)
            if before is None:
                new.append(self._row(entry, now, first_seen=now))
            elif before["content_hash"] != entry.content_hash:
                changed.append(self._row(entry, now, first_seen=_date(before["first_seen"]),
                                         before=before))
            else:
                unchanged += 1
        if new:
            self.db.table("entries").insert_all(new)
        for row in changed:
            self.db.table("entries").update(row.pop("id"), row)
        return StoreCounts(new=len(new), updated=len(changed), unchanged=unchanged)

    def _known(self, source_id: str, keys: list[str]) -> dict[str, dict[str, Any]]:
        known: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.db.query(
                f"SELECT id, key, content_hash, first_seen, published, updated FROM entries "
                f"WHERE source_id = ? AND key IN ({marks})", [source_id, *chunk]):
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
            "categories": json.dumps(list(entry.categories), ensure_ascii=False),
            "content_hash": entry.content_hash,
        }
        if before is None:
            row["uid"] = entry_uid(entry.source_id, entry.key)
            row["first_seen"] = _iso(first)
        else:
            row["id"] = before["id"]
        return row

    # -- reading for publishing -------------------------------------------------

    def latest(self, limit: int, *, language: str | None = None,
               source_ids: Iterable[str] | None = None) -> list[StoredEntry]:
        """The newest entries (by publication date), optionally of one language or of
        some sources."""
        where, params = [], []
        if language is not None:
            where.append("language = ?")
            params.append(language)
        if source_ids is not None:
            ids = list(source_ids)
            where.append(f"source_id IN ({','.join('?' * len(ids))})")
            params.extend(ids)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        sql = f"SELECT * FROM entries {clause} ORDER BY published DESC, id DESC LIMIT ?"
        return [_stored(row) for row in self.db.query(sql, [*params, limit])]

    def languages(self) -> dict[str, int]:
        return dict(self.db.execute(
            "SELECT language, count(*) FROM entries WHERE language IS NOT NULL "
            "GROUP BY language ORDER BY language").fetchall())

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM entries").fetchone()[0])

    def integrity(self) -> str:
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])

    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        """Read-only query access for inspection commands and tests."""
        return self.db.query(sql, list(params))


def _stored(row: dict[str, Any]) -> StoredEntry:
    published = datetime.fromisoformat(row["published"])
    entry = Entry(
        source_id=row["source_id"], key=row["key"], guid=row["guid"], link=row["link"],
        title=row["title"], summary_html=row["summary_html"] or "",
        content_html=row["content_html"] or "", author=row["author"],
        published=_date(row["upstream_published"]), updated=_date(row["upstream_updated"]),
        language=row["language"], language_origin=row["language_origin"] or "unknown",
        categories=tuple(json.loads(row["categories"] or "[]")),
        content_hash=row["content_hash"],
    )
    return StoredEntry(uid=row["uid"], entry=entry, published=published,
                       updated=datetime.fromisoformat(row["updated"]),
                       first_seen=datetime.fromisoformat(row["first_seen"]))
