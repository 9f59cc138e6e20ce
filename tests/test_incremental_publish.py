"""Publishing is incremental (only the documents a change reaches are rendered), and
what it leaves is exactly what a publish from scratch makes: after each change of a
sequence (new entry, edited entry, a story joined and left, a removed entry, a
partner's feed title, a new source), the output folder is compared byte for byte with
one rendered from scratch from a copy of the same database."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from aggregator import publish as publish_module
from aggregator.models import Settings
from aggregator.publish import PublishReport
from aggregator.service import fetch_once, publish_once
from aggregator.store import Store

from conftest import load_settings
from httpfixture import FixtureServer, Route

RELEASE = ("Die Landeshauptstadt Hannover lädt alle Vereine der Migrantinnen und Migranten "
           "zum Integrationsbeirat am Mittwoch, 15. April 2026, ins Neue Rathaus ein. Auf der "
           "Tagesordnung stehen die Förderung von Sprachkursen und das Sommerfest im Maschpark.")


def rss(title: str, language: str, items: list[tuple[str, str, str, str, int]]) -> Route:
    """(guid, title, link, text, hour) items as an RSS 2.0 feed."""
    base = datetime(2026, 3, 1, tzinfo=UTC)
    body = "".join(
        f"<item><guid>{guid}</guid><title>{heading}</title><link>{link}</link>"
        f"<description>{text}</description><pubDate>"
        f"{(base + timedelta(hours=hour)).strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
        f"</item>" for guid, heading, link, text, hour in items)
    document = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>{title}</title><link>https://{language}.example/</link>"
                f"<description>d</description><language>{language}</language>{body}"
                f"</channel></rss>").encode()
    return Route(body=document, headers={"Content-Type": "application/rss+xml"})


TEXTS = {"c": "Die Stadt informiert über die neuen Öffnungszeiten der Bürgerämter und "
                  "der Stadtbibliothek im Stadtteil",
         "v": "Derneğimiz bu hafta sonu yeni Türkçe kurslarını başlatıyor ve bütün "
              "komşularımızı davet ediyor, kayıt için bize yazın",
         "n": "انجمن ما این هفته کلاس‌های تازه‌ی زبان را آغاز می‌کند و همه‌ی همسایگان را "
              "دعوت می‌کند"}


def news(prefix: str, count: int, start: int = 0) -> list[tuple[str, str, str, str, int]]:
    return [(f"{prefix}{n}", f"{TEXTS[prefix][:30]} {n}", f"https://{prefix}.example/news/{n}",
             f"{TEXTS[prefix]} ({n}).", n) for n in range(start, start + count)]


def tree(folder: Path) -> dict[str, bytes]:
    """The published files."""
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()
            and not path.name.startswith(".")}  # (the server serves no hidden file)


def from_scratch(settings: Settings, folder: Path) -> dict[str, bytes]:
    """Every output rendered anew from a copy of the database (no digests, no log)."""
    store = Store.open(settings.database)
    try:
        store.backup(folder / "copy.db")
    finally:
        store.close()
    fresh = dataclasses.replace(settings, database=folder / "copy.db",
                                output_dir=folder / "public")
    copy = Store.open(fresh.database)
    try:
        copy.db.execute("DELETE FROM documents")
        copy.db.execute("DELETE FROM publish_changes")
        copy.db.conn.commit()
    finally:
        copy.close()
    report = publish_once(fresh)
    assert report.unchanged == []  # really from scratch
    return tree(fresh.output_dir)


@pytest.fixture
def portal(server: FixtureServer, tmp_path: Path) -> Settings:
    server.add("/city", rss("Stadt", "de", news("c", 12)))
    server.add("/verein", rss("Verein", "tr", news("v", 4)))
    return load_settings(tmp_path, [
        {"id": "city", "name": "Stadt", "url": server.url("/city"), "tags": ["amt"],
         "priority": 1},
        {"id": "verein", "name": "Verein", "url": server.url("/verein"), "tags": ["verein"]},
    ], max_entries=5, languages=["de", "tr", "fa"])


def test_incremental_publish_equals_a_publish_from_scratch(
        portal: Settings, server: FixtureServer, tmp_path: Path) -> None:
    def fetch(settings: Settings) -> PublishReport | None:
        return asyncio.run(fetch_once(settings, settings.sources))[1]

    def remove(*uids: Callable[[Store], str]) -> Callable[[Settings], PublishReport]:
        def step(settings: Settings) -> PublishReport:
            store = Store.open(settings.database)
            try:
                for uid_of in uids:
                    assert store.remove(uid_of(store), "test", datetime.now(UTC))
            finally:
                store.close()
            return publish_once(settings)
        return step

    def separate(settings: Settings) -> PublishReport:
        store = Store.open(settings.database)
        try:
            assert store.separate(source_ids=["verein"]) == 1
        finally:
            store.close()
        return publish_once(settings)

    def uid(source_id: str, guid: str) -> Callable[[Store], str]:
        return lambda store: next(store.rows(
            "SELECT uid FROM entries WHERE source_id = ? AND guid = ?", [source_id, guid]))["uid"]

    city = news("c", 12)
    shared = ("v9", "Einladung zum Integrationsbeirat",
              "https://www.hannover.example/presse/integrationsbeirat", RELEASE, 30)
    steps: list[tuple[str, Callable[[], None], Callable[[Settings], PublishReport | None]]] = [
        ("first fetch", lambda: None, fetch),
        ("nothing changed", lambda: None, fetch),
        ("new entry", lambda: server.routes.__setitem__(
            "/city", rss("Stadt", "de", news("c", 13))), fetch),
        ("edited entry (in a full archive page)", lambda: server.routes.__setitem__(
            "/city", rss("Stadt", "de", [(*item[:3], item[3] + " Korrigiert.", item[4])
                                         if item[0] == "c1" else item
                                         for item in news("c", 13)])), fetch),
        ("one story, two partners", lambda: (
            server.routes.__setitem__("/city", rss("Stadt", "de", [*city, (
                "c99", "Einladung zum Integrationsbeirat",
                "https://www.hannover.example/presse/integrationsbeirat", RELEASE, 29)])),
            server.routes.__setitem__("/verein", rss("Verein", "tr", [
                *news("v", 4), shared]))), fetch),
        ("story taken apart", lambda: None, separate),
        ("removed entry", lambda: None, remove(uid("city", "c3"))),
        ("three removed entries: an archive page less", lambda: None,
         remove(uid("city", "c4"), uid("city", "c5"), uid("city", "c6"))),
        ("partner's feed title", lambda: server.routes.__setitem__(
            "/verein", rss("Verein e.V.", "tr", [*news("v", 4), shared])), fetch),
    ]
    for number, (name, change, publish) in enumerate(steps):
        change()
        report = publish(portal)
        assert tree(portal.output_dir) == from_scratch(portal, tmp_path / f"scratch{number}"), \
            name
        if name == "nothing changed":  # not even a publish
            assert report is None
        if name.endswith("an archive page less"):  # its file is gone too
            assert report is not None
            assert {"archive/feed/4.atom", "archive/source/city/3.atom"} <= set(report.removed)

    # a new source (the settings change: every document is considered again)
    server.add("/neu", rss("Neu", "fa", news("n", 3)))
    settings = load_settings(portal.database.parent.parent, [
        {"id": "city", "name": "Stadt", "url": server.url("/city"), "tags": ["amt"],
         "priority": 1},
        {"id": "verein", "name": "Verein", "url": server.url("/verein"), "tags": ["verein"]},
        {"id": "neu", "name": "Neu", "url": server.url("/neu"), "tags": ["verein"]},
    ], max_entries=5, languages=["de", "tr", "fa"])
    assert settings.database == portal.database
    fetch(settings)
    outputs = tree(settings.output_dir)
    assert "source/neu.atom" in outputs and "lang/fa.atom" in outputs
    assert outputs == from_scratch(settings, tmp_path / "scratch-new-source")

    # the only Persian partner's entries removed: Persian has no feeds any more
    store = Store.open(settings.database)
    try:
        for row in list(store.rows("SELECT uid FROM entries WHERE source_id = 'neu'")):
            assert store.remove(row["uid"], "test", datetime.now(UTC))
    finally:
        store.close()
    report = publish_once(settings)
    outputs = tree(settings.output_dir)
    assert "lang/fa.atom" in report.removed and "index.fa.html" in report.removed
    assert not any(path.startswith(("lang/fa", "archive/lang/fa", "index.fa"))
                   for path in outputs)
    assert outputs == from_scratch(settings, tmp_path / "scratch-no-persian")

    # fewer entries per document: every feed is cut into more, shorter archive pages
    shorter = dataclasses.replace(settings, max_entries=3)
    publish_once(shorter)
    assert tree(shorter.output_dir) == from_scratch(shorter, tmp_path / "scratch-shorter")
    # more: fewer pages, and the pages past the new last one go
    longer = dataclasses.replace(settings, max_entries=8)
    report = publish_once(longer)
    assert any(path.startswith("archive/") for path in report.removed)
    assert tree(longer.output_dir) == from_scratch(longer, tmp_path / "scratch-longer")


def test_a_change_renders_only_the_documents_it_reaches(
        portal: Settings, server: FixtureServer) -> None:
    asyncio.run(fetch_once(portal, portal.sources))
    before = tree(portal.output_dir)
    server.routes["/verein"] = rss("Verein", "tr", [*news("v", 4), *news("v", 1, 50)])
    report = asyncio.run(fetch_once(portal, portal.sources))[1]
    assert report is not None
    written = set(report.written)
    # the new entry's feeds: combined, its language, its partner, its tag, the pages
    assert {"feed.atom", "lang/tr.atom", "source/verein.atom", "tag/verein.atom",
            "index.html", "source/verein.html", "archive/source/verein/1.atom"} <= written
    # nothing of the other partner, its language or its tag
    assert not any(path.startswith(("source/city", "lang/de", "tag/amt",
                                    "archive/source/city", "archive/lang/de"))
                   for path in written)
    assert set(report.written) | set(report.unchanged) >= set(before)


def test_a_full_publish_shared_with_a_helper_process_makes_the_same_files(
        portal: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large full publish renders the partners' feeds in a second process; what it
    leaves is byte for byte what one process makes."""
    from aggregator import publish

    asyncio.run(fetch_once(portal, portal.sources))
    (tmp_path / "alone").mkdir()
    alone = from_scratch(portal, tmp_path / "alone")
    helpers: list[object] = []

    def spy(*args: object) -> object:
        helpers.append(args)
        return start(*args)

    start = publish._start_helper
    monkeypatch.setattr(publish, "_HELPER_FROM", 0)  # the small portal counts as large
    monkeypatch.setattr(publish, "_start_helper", spy)
    (tmp_path / "shared").mkdir()
    shared = from_scratch(portal, tmp_path / "shared")
    assert len(helpers) == 1
    assert shared == alone
    assert any(path.startswith("source/") for path in shared)


def test_the_helper_gets_the_largest_partner_feeds_up_to_its_share(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from aggregator import publish
    from aggregator.models import FeedQuery
    from aggregator.publish import FeedSpec

    def feed(stem: str, items: int, merged: bool = False) -> tuple[FeedSpec, list[Any]]:
        rows = [(n, n, "s", "") for n in range(items)]
        return FeedSpec(stem, stem, FeedQuery(merged=merged)), rows

    chosen = [feed("feed", 500, merged=True), feed("source/a", 10), feed("source/b", 50),
              feed("source/c", 40)]
    monkeypatch.setattr(publish, "_HELPER_FROM", 100)
    assert [spec.stem for spec, _ in publish._helper_share(chosen)] == ["source/b", "source/c"]
    monkeypatch.setattr(publish, "_HELPER_FROM", 101)  # too few partners' items: no helper
    assert publish._helper_share(chosen) == []


def test_a_publish_beside_another_waits_for_it_and_leaves_the_newer_files(
        portal: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`aggregator publish` beside the worker's own publish: the second waits for the
    first. Before, the first put its files (rendered before a later change) in place
    after the second had published that change and cleared it from the log: the feeds
    showed a removed entry until the next change."""
    asyncio.run(fetch_once(portal, portal.sources))

    def remove(guid: str) -> None:
        store = Store.open(portal.database)
        try:
            uid = next(store.rows("SELECT uid FROM entries WHERE guid = ?", [guid]))["uid"]
            assert store.remove(uid, "test", datetime.now(UTC))
        finally:
            store.close()

    rendered, go_on = threading.Event(), threading.Event()
    commit = publish_module._Output.commit

    def held_commit(output: Any) -> None:  # the first publish, between render and commit
        if threading.current_thread().name == "first":
            rendered.set()
            assert go_on.wait(10)
        commit(output)

    monkeypatch.setattr(publish_module._Output, "commit", held_commit)
    remove("c3")
    first = threading.Thread(target=publish_once, args=[portal], name="first")
    first.start()
    assert rendered.wait(10)
    remove("c4")  # after the first publish read the database
    second = threading.Thread(target=publish_once, args=[portal], name="second")
    second.start()
    second.join(1.0)  # it waits for the first (before: it was done by now)
    go_on.set()
    first.join(10)
    second.join(10)
    outputs = tree(portal.output_dir)
    assert b"c.example/news/4" not in outputs["feed.atom"]
    assert outputs == from_scratch(portal, tmp_path / "scratch")
