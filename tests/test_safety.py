"""Data safety: a consistent backup while the worker writes; a full or read-only
disk fails the update with a plain error, loses nothing and leaves the last
complete outputs in place."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aggregator import config
from aggregator.models import Entry, SourceState
from aggregator.service import fetch_once
from aggregator.store import Store

from atomcheck import check_atom
from conftest import feed_route, write_config
from httpfixture import FixtureServer, Route

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small disk needs root")


def aggregator(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGGREGATOR_")}
    return subprocess.run([sys.executable, "-m", "aggregator", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def entry(number: int) -> Entry:
    return Entry(source_id="writer", key=f"id:{number}", guid=str(number), link=None,
                 title=f"Entry {number}", summary_html="<p>text</p>", content_html="",
                 author=None, published=None, updated=None, language="de",
                 language_origin="source", categories=(), content_hash=str(number))


def test_backup_is_consistent_while_the_worker_writes(tmp_path: Path) -> None:
    write_config(tmp_path, [])
    settings = config.load(tmp_path / "feeds.toml", environ={})
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        store = Store.open(settings.database)
        number = 0
        while not stop.is_set():
            batch = [entry(number + n) for n in range(50)]
            store.save(SourceState(id="writer"), batch, datetime.now(UTC))
            number += 50
            written[0] = number
        store.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while written[0] < 2000:
            time.sleep(0.05)
        run = aggregator("backup", str(tmp_path / "copy.db"), cwd=tmp_path)
    finally:
        stop.set()
        thread.join()
    assert run.returncode == 0, run.stderr
    assert "integrity ok" in run.stdout
    copy = Store.open(tmp_path / "copy.db")
    try:
        count = copy.count()
        assert copy.integrity() == "ok"
    finally:
        copy.close()
    assert 2000 <= count <= written[0]
    assert count % 50 == 0  # whole transactions only, never half of one
    again = aggregator("backup", str(tmp_path / "copy.db"), cwd=tmp_path)
    assert again.returncode == 2 and "exists" in again.stderr


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small disk here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def big_feed(items: int, size: int) -> bytes:
    body = "".join(f"<item><guid>{n}</guid><title>Item {n}</title><description>"
                   f"{'x' * size}</description></item>" for n in range(items))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            f"<link>https://x.example/</link><description>d</description>{body}"
            f"</channel></rss>").encode()


@ROOT_ONLY
def test_a_full_disk_fails_the_update_and_loses_nothing(server: FixtureServer, tmp_path: Path,
                                                        small_disk: Path) -> None:
    server.add("/feed", Route(body=big_feed(3, 100),
                              headers={"Content-Type": "application/rss+xml"}))
    path = write_config(tmp_path, [{"id": "feed", "name": "Feed", "url": server.url("/feed")}],
                        database=str(small_disk / "db.sqlite"),
                        output_dir=str(small_disk / "public"))
    settings = config.load(path, environ={})
    (first,), _ = asyncio.run(fetch_once(settings, settings.sources))
    assert first.error is None and first.counts.new == 3
    published = (small_disk / "public" / "feed.atom").read_bytes()

    server.routes["/feed"] = Route(body=big_feed(400, 4000),
                                   headers={"Content-Type": "application/rss+xml"})
    (second,), _ = asyncio.run(fetch_once(settings, settings.sources))
    assert second.error_code == "store", second.error
    assert "full" in str(second.error)
    assert (small_disk / "public" / "feed.atom").read_bytes() == published
    store = Store.open(settings.database)
    try:
        assert store.integrity() == "ok" and store.count() == 3
    finally:
        store.close()


@ROOT_ONLY
def test_no_source_reports_an_update_the_full_disk_lost(
        server: FixtureServer, tmp_path: Path, small_disk: Path) -> None:
    """A pass saves its sources in batches (one commit for many): when the commit fails,
    every source saved in that batch reports the store error, not only the last one."""
    server.add("/small", Route(body=big_feed(3, 100),
                               headers={"Content-Type": "application/rss+xml"}))
    server.add("/big", Route(body=big_feed(400, 4000),
                             headers={"Content-Type": "application/rss+xml"}))
    path = write_config(tmp_path, [
        {"id": "small", "name": "Small", "url": server.url("/small")},
        {"id": "big", "name": "Big", "url": server.url("/big")}],
        database=str(small_disk / "db.sqlite"), output_dir=str(tmp_path / "public"))
    settings = config.load(path, environ={})
    results, _ = asyncio.run(fetch_once(settings, settings.sources))
    assert any(result.error_code == "store" for result in results)
    store = Store.open(settings.database)
    try:
        assert store.integrity() == "ok"
        for result in results:
            stored = store.state(result.source_id).entry_count
            if result.error is None:
                assert stored == result.counts.new > 0, result
            else:
                assert result.error_code == "store" and "full" in result.error, result
                assert stored == 0, result
    finally:
        store.close()


@ROOT_ONLY
def test_a_read_only_disk_fails_clearly_while_the_outputs_stay(
        server: FixtureServer, tmp_path: Path, small_disk: Path) -> None:
    server.add("/feed", feed_route("uk-rss2.xml"))
    path = write_config(tmp_path, [{"id": "feed", "name": "Feed", "url": server.url("/feed")}],
                        database=str(small_disk / "db.sqlite"),
                        output_dir=str(small_disk / "public"))
    assert aggregator("fetch", cwd=tmp_path).returncode == 0
    published = (small_disk / "public" / "feed.atom").read_bytes()
    assert check_atom(published) == []
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    run = aggregator("fetch", cwd=tmp_path)
    assert run.returncode == 1
    assert "database" in run.stderr and str(small_disk / "db.sqlite") in run.stderr
    assert (small_disk / "public" / "feed.atom").read_bytes() == published
    assert path.exists()


def test_a_publish_killed_half_way_leaves_no_files_behind_after_the_next(
        server: FixtureServer, tmp_path: Path) -> None:
    """A publish killed between writing its files and renaming them into place (out of
    memory, ``kill -9``) leaves their temporary copies: a full publish as much as all the
    outputs. The next publish removes them, and nothing else."""
    from aggregator.publish import write_if_changed

    server.add("/feed", feed_route("uk-rss2.xml"))
    write_config(tmp_path, [{"id": "feed", "name": "Feed", "url": server.url("/feed")}])
    assert aggregator("fetch", cwd=tmp_path).returncode == 0
    public = tmp_path / "data/public"
    published = (public / "feed.atom").read_bytes()
    # what the killed publish wrote and did not rename (made as a publish makes them)
    left = [write_if_changed(public / path, b"<feed>half", durable=False)
            for path in ("feed.atom", "source/feed.atom", "archive/feed/1.atom")]
    assert all(path is not None and path.name.endswith(".tmp") for path in left)
    (public / ".htaccess").write_text("# the operator's own\n")
    run = aggregator("publish", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert not [path for path in left if path is not None and path.exists()]
    assert not list(public.rglob("*.tmp"))
    assert (public / ".htaccess").exists()
    assert (public / "feed.atom").read_bytes() == published


def test_only_the_publishing_process_removes_temporary_files(tmp_path: Path) -> None:
    """The helper that renders part of a full publish looks at the output folder too,
    while the publish is writing its temporary files there: it leaves them alone."""
    from aggregator.publish import PublishReport, _Output, write_if_changed

    (tmp_path / "feed.atom").write_bytes(b"<feed/>")
    writing = write_if_changed(tmp_path / "feed.atom", b"<feed>new</feed>", durable=False)
    assert writing is not None
    helper = _Output(tmp_path, {}, PublishReport())
    assert helper.exists("feed.atom") and not helper.exists(writing.name)
    assert writing.exists()
    _Output(tmp_path, {}, PublishReport()).remove_leftovers()  # the publish itself
    assert not writing.exists() and (tmp_path / "feed.atom").exists()
