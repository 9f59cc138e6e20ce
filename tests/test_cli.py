"""The `aggregator` command: exit codes and what it prints, run as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import feed_route, write_config
from httpfixture import FixtureServer, Route


def aggregator(*args: str, cwd: Path, env: dict[str, str] | None = None
               ) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AGGREGATOR_")}
    environment.update(env or {}, COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "aggregator", *args], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=60)


def partners(server: FixtureServer) -> list[dict[str, object]]:
    return [
        {"id": "kargah", "name": "kargah e.V.",
         "url": server.add("/kargah", feed_route("kargah-rss2-de.xml"))},
        {"id": "miso", "name": "MiSO",
         "url": server.add("/miso", feed_route("miso-atom-multi.atom"))},
        {"id": "gone", "name": "Gone", "url": server.url("/does-not-exist")},
    ]


def test_fetch_prints_a_summary_and_exits_0_despite_failures(server: FixtureServer,
                                                             tmp_path: Path) -> None:
    write_config(tmp_path, partners(server))
    run = aggregator("fetch", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert "kargah: 5 new, 0 updated, 0 unchanged" in lines
    assert "miso: 6 new, 0 updated, 0 unchanged" in lines
    assert any(line.startswith("gone: failed: HTTP 404") for line in lines)
    assert "3 sources in" in run.stdout and "11 new, 0 updated, 1 failed" in run.stdout
    assert (tmp_path / "data/public/feed.atom").exists()
    assert str(tmp_path / "data/public/feed.atom") in run.stdout

    again = aggregator("fetch", "kargah", cwd=tmp_path)
    assert again.returncode == 0
    assert "kargah: not modified (304)" in again.stdout
    assert "miso" not in again.stdout


def test_fetch_unknown_id_is_a_usage_error(server: FixtureServer, tmp_path: Path) -> None:
    write_config(tmp_path, partners(server))
    run = aggregator("fetch", "nobody", cwd=tmp_path)
    assert run.returncode == 2
    assert "no such source: nobody" in run.stderr


def test_sources_table_shows_health(server: FixtureServer, tmp_path: Path) -> None:
    write_config(tmp_path, partners(server))
    aggregator("fetch", cwd=tmp_path)
    run = aggregator("sources", cwd=tmp_path)
    assert run.returncode == 0
    rows = {line.split("│")[1].strip(): line for line in run.stdout.splitlines()
            if line.count("│") > 3}
    assert "kargah" in rows and "gone" in rows
    assert " 5 " in rows["kargah"] and "ago" in rows["kargah"]
    assert "HTTP 404" in rows["gone"] and "never" in rows["gone"]


def test_check_validates_the_config(server: FixtureServer, tmp_path: Path) -> None:
    path = write_config(tmp_path, partners(server))
    ok = aggregator("check", cwd=tmp_path)
    assert ok.returncode == 0 and "is valid: 3 sources" in ok.stdout
    path.write_text(path.read_text().replace('name = "MiSO"', 'nmae = "MiSO"'))
    bad = aggregator("check", cwd=tmp_path)
    assert bad.returncode == 2
    assert "source 'miso': key 'nmae': unknown key" in bad.stderr
    assert "did you mean 'name'?" in bad.stderr


def test_config_from_environment_and_option(server: FixtureServer, tmp_path: Path) -> None:
    path = write_config(tmp_path, partners(server))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert aggregator("check", cwd=elsewhere).returncode == 2
    assert aggregator("check", "--config", str(path), cwd=elsewhere).returncode == 0
    assert aggregator("check", cwd=elsewhere,
                      env={"AGGREGATOR_CONFIG": str(path)}).returncode == 0


def test_check_url_explains_a_good_feed(server: FixtureServer, tmp_path: Path) -> None:
    write_config(tmp_path, [])
    url = server.add("/k", feed_route("kargah-rss2-de.xml"))
    run = aggregator("check", url, cwd=tmp_path)
    assert run.returncode == 0, run.stdout
    assert "a feed (rss20)" in run.stdout and "with 5 entries" in run.stdout
    assert "[de] Ehrenamtliche Sprachmittler*innen gesucht" in run.stdout
    assert "[[source]]" in run.stdout and f'url = "{url}"' in run.stdout


def test_check_url_explains_what_is_wrong(server: FixtureServer, tmp_path: Path) -> None:
    write_config(tmp_path, [])
    html = aggregator("check", server.add("/page", feed_route("not-a-feed.html")), cwd=tmp_path)
    assert html.returncode == 1
    assert "not usable: the server sent an HTML page, not a feed" in html.stdout
    missing = aggregator("check", server.url("/missing"), cwd=tmp_path)
    assert missing.returncode == 1 and "HTTP 404" in missing.stdout


def test_publish_renders_from_the_database(server: FixtureServer, tmp_path: Path) -> None:
    write_config(tmp_path, partners(server))
    aggregator("fetch", cwd=tmp_path)
    feed = tmp_path / "data/public/feed.atom"
    feed.unlink()
    run = aggregator("publish", cwd=tmp_path)
    assert run.returncode == 0 and feed.exists()
    assert "published" in run.stdout


def test_version_and_help(tmp_path: Path) -> None:
    run = aggregator("--help", cwd=tmp_path)
    assert run.returncode == 0
    for command in ("run", "fetch", "publish", "serve", "sources", "check"):
        assert f"  {command} " in run.stdout
    assert aggregator("--version", cwd=tmp_path).stdout.startswith("aggregator, version")


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "aggregator"
    assert script.exists()
    run = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0 and "Usage: aggregator" in run.stdout


def imported(folder: Path, document: str, *, blocks: int
             ) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """``aggregator import-opml`` of this list: it succeeds and prints ``blocks``."""
    opml = folder / "list.opml"
    opml.write_text(document, encoding="utf-8")
    run = aggregator("import-opml", str(opml), cwd=folder)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("[[source]]") == blocks
    return opml, run


def test_import_opml_prints_source_blocks(tmp_path: Path) -> None:
    opml, run = imported(tmp_path, (
        '<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>'
        '<outline text="Hannover"><outline type="rss" text="Kulturzentrum Faust" '
        'xmlUrl="https://faust.example/feed/"/><outline type="rss" text="Faust" '
        'xmlUrl="https://faust.example/events.xml"/>'
        '<outline type="rss" text="Faust" xmlUrl="https://other.example/rss"/></outline>'
        "</body></opml>"), blocks=3)
    assert 'id = "kulturzentrum-faust"' in run.stdout
    assert 'id = "faust"' in run.stdout and 'id = "faust-2"' in run.stdout
    assert 'url = "https://faust.example/feed/"' in run.stdout
    assert 'tags = ["hannover"]' in run.stdout
    # what it prints is valid configuration
    (tmp_path / "feeds.toml").write_text(run.stdout, encoding="utf-8")
    assert aggregator("check", cwd=tmp_path).returncode == 0
    assert opml.read_text(encoding="utf-8").startswith("<?xml")  # the file is untouched


def test_import_opml_skips_what_is_no_web_feed_and_names_the_rest(tmp_path: Path) -> None:
    """Outlines whose URL is no http(s) URL are left out, each named on stderr (their
    blocks would not pass the check); a title without Latin letters (Persian, Arabic)
    gives an id from the feed's host, not "source"; a long title an id within 64."""
    _, run = imported(tmp_path, (
        '<opml version="2.0"><body>'
        '<outline type="rss" text="Old" xmlUrl="javascript:alert(1)"/>'
        '<outline type="rss" text="Broken" xmlUrl="http://[::1/feed"/>'
        '<outline type="rss" text="کارگاه" xmlUrl="https://kargah.example/fa/feed"/>'
        '<outline type="rss" text="' + "Kulturzentrum " * 8 + '" '
        'xmlUrl="https://faust.example/feed"/>'
        '<outline type="rss" text="' + "Kulturzentrum " * 8 + '" '
        'xmlUrl="https://faust.example/events"/>'
        "</body></opml>"), blocks=3)
    assert "skipped 'Old': 'javascript:alert(1)' is not an http(s) URL" in run.stderr
    assert "skipped 'Broken': 'http://[::1/feed' is not an http(s) URL" in run.stderr
    assert 'id = "kargah-example"' in run.stdout
    (tmp_path / "feeds.toml").write_text(run.stdout, encoding="utf-8")
    check = aggregator("check", cwd=tmp_path)
    assert check.returncode == 0, check.stderr  # the long ids (and their -2) are valid


def test_import_opml_without_feeds_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty.opml"
    empty.write_text("<opml version='2.0'><head/><body/></opml>", encoding="utf-8")
    run = aggregator("import-opml", str(empty), cwd=tmp_path)
    assert run.returncode == 1 and "no feeds found" in run.stderr


def test_remove_takes_entries_out_of_every_output_for_good(server: FixtureServer,
                                                           tmp_path: Path) -> None:
    """A partner asks for a post to be taken down: the operator names it by its id
    (from the partner's feed) or its link, in any spelling of the same page."""
    import feedparser

    write_config(tmp_path, partners(server))
    aggregator("fetch", cwd=tmp_path)
    public = tmp_path / "data/public"
    by_title = {entry.title: entry for entry in
                feedparser.parse((public / "source/kargah.atom").read_bytes()).entries}
    wanted = by_title["Ehrenamtliche Sprachmittler*innen gesucht"]
    run = aggregator("remove", wanted.id.removeprefix("urn:uuid:"),
                     "HTTPS://www.kargah.example/aktuelles/125?utm_source=newsletter",
                     "--reason", "asked by kargah", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert f"removed {wanted.id} of kargah: Ehrenamtliche Sprachmittler*innen gesucht" \
        in run.stdout.splitlines()
    assert "of kargah: Beratung & Begleitung bei Behördengängen" in run.stdout
    for path in ("feed.atom", "source/kargah.atom", "lang/de.atom", "feed.json"):
        text = (public / path).read_text(encoding="utf-8")
        assert "Sprachmittler" not in text and "Behördengängen" not in text, path
        assert "Frühlingsfest" in text, path  # the partner's other posts stay
    assert not any("Sprachmittler" in path.read_text(encoding="utf-8")
                   for path in (public / "archive").rglob("*.atom"))

    unknown = aggregator("remove", "urn:uuid:00000000-0000-0000-0000-000000000000",
                         wanted.id, cwd=tmp_path)
    assert unknown.returncode == 1
    assert "urn:uuid:00000000-0000-0000-0000-000000000000: no such entry" in unknown.stderr


def test_restore_takes_a_removal_back(server: FixtureServer, tmp_path: Path) -> None:
    """A post removed by mistake: `aggregator restore` with the id `remove` printed
    reads the partner's feed again (it answered 304 before) and the post is back, under
    its old id (the story it was left in, named by that id, is founded anew)."""
    import feedparser

    write_config(tmp_path, partners(server))
    aggregator("fetch", cwd=tmp_path)
    feed = tmp_path / "data/public/feed.atom"
    removed = aggregator("remove", "https://kargah.example/aktuelles/125", cwd=tmp_path)
    uid = removed.stdout.split()[1]
    assert uid.startswith("urn:uuid:") and "Behördengängen" not in feed.read_text("utf-8")
    assert "kargah: not modified (304)" in aggregator("fetch", cwd=tmp_path).stdout

    run = aggregator("restore", uid, "urn:uuid:00000000-0000-0000-0000-000000000000",
                     cwd=tmp_path)
    assert run.returncode == 1  # the second id was never removed
    assert f"restored {uid} of kargah: its feed read again, 1 new" in run.stdout
    assert "urn:uuid:00000000-0000-0000-0000-000000000000: no removed entry" in run.stderr
    titles = [entry.title for entry in feedparser.parse(feed.read_bytes()).entries]
    assert "Beratung & Begleitung bei Behördengängen" in titles
    assert next(entry.id for entry in feedparser.parse(feed.read_bytes()).entries
                if entry.title.startswith("Beratung")) == uid  # the same id as before


def test_sources_shows_a_fixed_url_without_the_old_error(server: FixtureServer,
                                                         tmp_path: Path) -> None:
    """The operator fixes a failing partner's URL: the health table no longer shows the
    old URL's error (the worker starts that source afresh)."""
    write_config(tmp_path, partners(server))
    aggregator("fetch", cwd=tmp_path)
    fixed = [{**source, "url": server.add("/gone-fixed", feed_route("uk-rss2.xml"))}
             if source["id"] == "gone" else source for source in partners(server)]
    before = aggregator("sources", cwd=tmp_path)
    write_config(tmp_path, fixed)
    after = aggregator("sources", cwd=tmp_path)

    def row(run: subprocess.CompletedProcess[str]) -> str:
        return next(line for line in run.stdout.splitlines() if "│ gone" in line)

    assert "HTTP 404" in row(before)
    assert "HTTP 404" not in row(after)


def test_remove_by_a_link_every_item_shares_removes_nothing(server: FixtureServer,
                                                             tmp_path: Path) -> None:
    """A feed that gives its listing page as every item's link: removing by that link
    would take the partner's whole feed down. It removes nothing and lists the entries
    to choose from by id."""
    items = "".join(f"<item><guid>v{n}</guid><title>Termin {n} im Verein</title>"
                    f"<link>https://verein.example/aktuelles</link>"
                    f"<description>Einladung zu Termin {n} im Vereinsheim.</description>"
                    f"</item>" for n in (1, 2, 3))
    url = server.add("/verein", Route(body=(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>V</title>'
        f"<link>https://verein.example/</link><description>d</description>{items}"
        "</channel></rss>").encode(), headers={"Content-Type": "application/rss+xml"}))
    write_config(tmp_path, [{"id": "verein", "name": "Verein", "url": url}])
    aggregator("fetch", cwd=tmp_path)
    wide = aggregator("remove", "https://verein.example/aktuelles", cwd=tmp_path)
    assert wide.returncode == 1
    assert "3 entries link to this page" in wide.stderr and "nothing removed" in wide.stderr
    ids = [line.split()[0] for line in wide.stderr.splitlines()
           if line.startswith("  urn:uuid:")]
    assert len(ids) == 3
    feed = (tmp_path / "data/public/feed.atom").read_text(encoding="utf-8")
    assert all(f"Termin {n} im Verein" in feed for n in (1, 2, 3))
    one = aggregator("remove", ids[1], cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    feed = (tmp_path / "data/public/feed.atom").read_text(encoding="utf-8")
    assert [f"Termin {n} im Verein" in feed for n in (1, 2, 3)].count(True) == 2


def test_sources_says_how_a_retired_source_comes_back(server: FixtureServer,
                                                      tmp_path: Path) -> None:
    write_config(tmp_path, [{"id": "alt", "name": "Alt", "url": server.add(
        "/alt", Route(status=410))}])
    aggregator("fetch", cwd=tmp_path)
    run = aggregator("sources", cwd=tmp_path)
    assert run.returncode == 0
    assert "retired" in run.stdout and "never (retired)" in run.stdout
    assert "tried once more by `aggregator fetch ID`" in run.stdout
    assert "when its URL changes in feeds.toml" in run.stdout
