"""`aggregator check URL` for partners and operators, run as a real process against
fixture feeds, pages and calendars on a local server: what it says and its exit codes
(0 usable, 1 not usable, 2 a usage error)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import DATA, feed_route, write_config
from data.pages.expected import PAGES, source_blocks
from httpfixture import FixtureServer, Route, redirect

PAGE_DIR = DATA / "pages"


def aggregator(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AGGREGATOR_")}
    environment["COLUMNS"] = "200"
    return subprocess.run([sys.executable, "-m", "aggregator", *args], cwd=cwd,
                          env=environment, capture_output=True, text=True, timeout=120)


def html(name: str) -> Route:
    return Route(body=(PAGE_DIR / name).read_bytes(),
                 headers={"Content-Type": "text/html; charset=utf-8"})


def test_a_json_feed(server: FixtureServer, tmp_path: Path) -> None:
    write_config(tmp_path, [])
    url = server.add("/feed.json", Route(body=(DATA / "jsonfeed" / "miso-1.1.json").read_bytes(),
                                         headers={"Content-Type": "application/feed+json"}))
    run = aggregator("check", url, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "a feed (json11) = JSON Feed 1.1, titled 'MiSO-Netzwerk Hannover', with 3 entries" in out
    assert "languages: de 2, tr 1" in out
    assert ("- [2026-03-10 14:05 CET] [de] Sommerfest der Vielfalt: Helfer*innen gesucht "
            "<https://miso.example/2026/03/sommerfest-der-vielfalt/>") in out
    assert "[tr] Çeşitlilik Yaz Şenliği" in out
    assert f'url = "{url}"' in out and 'homepage = "https://miso.example/"' in out
    assert 'language = "de"' in out


def test_a_homepage_with_several_feeds(server: FixtureServer, tmp_path: Path) -> None:
    write_config(tmp_path, [])
    home = server.add("/", html("several-alternates.html"))
    server.add("/feed/atom/", feed_route("miso-atom-multi.atom"))
    run = aggregator("check", home, cwd=tmp_path)
    assert run.returncode == 0, run.stdout
    out = run.stdout
    assert "an HTML page titled 'Kulturzentrum Faust – Hannover-Linden', language de" in out
    assert "it links to 4 feeds (autodiscovery):" in out
    assert f"-> {server.url('/feed/atom/')} (atom, Faust » Atom)" in out
    assert f"{server.url('/comments/feed/')} (rss, Faust » Kommentar-Feed)" in out
    assert "a feed (atom10) = Atom 1.0" in out and "with 6 entries" in out
    assert (f'url = "{home}"   # autodiscovery; the feed found now: '
            f"{server.url('/feed/atom/')}") in out


def test_a_page_without_feed_gets_advice(server: FixtureServer, tmp_path: Path) -> None:
    write_config(tmp_path, [])
    run = aggregator("check", server.add("/news/", html("wordpress-archive.html")),
                     cwd=tmp_path)
    assert run.returncode == 1
    out = run.stdout
    assert "made with WordPress 6.4.3" in out
    assert ("not usable: the server sent an HTML page, not a feed, and the page links to "
            "no feed") in out
    assert "to the partner: WordPress publishes a feed at /feed/" in out
    assert "aggregator check URL --html item=SELECTOR title=SELECTOR" in out


def test_selectors_on_a_news_page(server: FixtureServer, tmp_path: Path) -> None:
    write_config(tmp_path, [])
    url = server.add("/news/", html("wordpress-archive.html"))
    run = aggregator("check", url, "--html", "item=article.post", "title=h2.entry-title",
                     "date=.entry-date", "summary=.entry-summary", "image=.post-thumbnail img",
                     cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "item 'article.post' matched 4 elements; inside them:" in out
    assert "title 'h2.entry-title': found in 4 of 4" in out
    assert "link (default: the title's link): found in 4 of 4" in out
    assert "date '.entry-date': found in 4 of 4" in out
    assert "image '.post-thumbnail img': found in 1 of 4" in out
    assert "a feed (html) = an HTML page read with selectors" in out and "with 4 entries" in out
    assert "1 of 4 dates could not be read (e.g. 'Frühjahr 2022')" in out
    assert "[2022-05-18 00:00 CEST] [de] Gemeinsames Fastenbrechen im Stadtteil" in out
    assert "[no date] [de] Projektstart" in out
    block = out.split("ready to paste into feeds.toml:")[1]
    assert 'kind = "html"' in block and "[source.html]" in block
    assert 'item = "article.post"' in block and 'image = ".post-thumbnail img"' in block
    # the block is valid feeds.toml
    config = write_config(tmp_path, [])
    config.write_text(config.read_text() + block.replace('"CHANGE-ME"', '"miso"'))
    assert aggregator("check", cwd=tmp_path).returncode == 0


def test_selectors_that_no_longer_match(server: FixtureServer, tmp_path: Path) -> None:
    write_config(tmp_path, [])
    url = server.add("/aktuelles", html("joomla-blog-relaunch.html"))
    run = aggregator("check", url, "--html", "item=div.blog-item", "title=h2", cwd=tmp_path)
    assert run.returncode == 1
    assert ("not usable: selector 'div.blog-item' matched nothing on the page "
            f"{url}; the page's layout may have changed") in run.stdout


def upcoming_calendar() -> bytes:
    start = (datetime.now(UTC) + timedelta(days=7)).replace(hour=17, minute=0, second=0,
                                                            microsecond=0)
    stamp = start.strftime("%Y%m%dT%H%M%SZ")
    end = (start + timedelta(hours=2)).strftime("%Y%m%dT%H%M%SZ")
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Faust//DE\r\n"
            f"X-WR-CALNAME:Faust Programm\r\nBEGIN:VEVENT\r\nUID:a@faust.example\r\n"
            f"DTSTAMP:{stamp}\r\nDTSTART:{stamp}\r\nDTEND:{end}\r\n"
            f"SUMMARY:Konzert: Ezgi & Band\r\nLOCATION:Kulturzentrum Faust\r\n"
            f"END:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def test_a_calendar(server: FixtureServer, tmp_path: Path) -> None:
    write_config(tmp_path, [])
    url = server.add("/programm.ics", Route(body=upcoming_calendar(),
                                            headers={"Content-Type": "text/calendar"}))
    run = aggregator("check", url, "--language", "de", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "a calendar (ical20) = iCalendar 2.0, titled 'Faust Programm', with 1 event" in out
    assert "Uhr @ Kulturzentrum Faust] [de] Konzert: Ezgi & Band" in out
    assert 'kind = "ical"' in out and 'language = "de"' in out


def test_what_is_wrong_in_plain_words(server: FixtureServer, tmp_path: Path) -> None:
    write_config(tmp_path, [])
    broken = aggregator("check", server.add("/broken.xml", feed_route("broken-usable.xml")),
                        cwd=tmp_path)
    assert broken.returncode == 0
    assert "warning: the feed is malformed but usable:" in broken.stdout
    assert " at line " in broken.stdout
    noids = aggregator("check", server.add("/faust.xml", feed_route("faust-rss2-noids.xml")),
                       cwd=tmp_path)
    assert "the entries have no ids (guid/id)" in noids.stdout
    bad_json = aggregator("check", server.add("/feed.json", Route(
        body=(DATA / "jsonfeed" / "broken.json").read_bytes(),
        headers={"Content-Type": "application/feed+json"})), cwd=tmp_path)
    assert bad_json.returncode == 1
    assert "not usable: the JSON Feed is not valid JSON" in bad_json.stdout
    assert "at line 5, column" in bad_json.stdout
    server.add("/new.xml", feed_route("kargah-rss2-de.xml"))
    moved = aggregator("check", server.add("/old.xml", redirect(server.url("/new.xml"), 301)),
                       cwd=tmp_path)
    assert moved.returncode == 0
    assert f"moved permanently to {server.url('/new.xml')}: use that URL" in moved.stdout
    assert f'url = "{server.url("/new.xml")}"' in moved.stdout
    gone = aggregator("check", server.url("/nothing"), cwd=tmp_path)
    assert gone.returncode == 1 and "not usable: HTTP 404" in gone.stdout


def test_usage_errors_exit_2(server: FixtureServer, tmp_path: Path) -> None:
    write_config(tmp_path, [])
    url = server.add("/news/", html("wordpress-archive.html"))
    no_flag = aggregator("check", url, "item=article", cwd=tmp_path)
    assert no_flag.returncode == 2 and "selectors (KEY=SELECTOR) go with --html" in no_flag.stderr
    no_title = aggregator("check", url, "--html", "item=article", cwd=tmp_path)
    assert no_title.returncode == 2 and "--html needs title=SELECTOR" in no_title.stderr
    unknown = aggregator("check", url, "--html", "item=a", "title=h2", "teaser=p",
                         cwd=tmp_path)
    assert unknown.returncode == 2 and "unknown key 'teaser'" in unknown.stderr
    bad_css = aggregator("check", url, "--html", "item=article[", "title=h2", cwd=tmp_path)
    assert bad_css.returncode == 2 and "'item=article[': Can't parse CSS selector" in (
        bad_css.stderr)
    bad_format = aggregator("check", url, "--html", "item=a", "title=h2", "date_format=%-d",
                            cwd=tmp_path)
    assert bad_format.returncode == 2 and "'-' is a bad directive" in bad_format.stderr
    for wrong in ("", "file:///etc/passwd", "feeds.example/rss", "http://[::1"):
        answer = aggregator("check", wrong, cwd=tmp_path)
        assert answer.returncode == 2, wrong
        assert f"{wrong!r}: expected an http(s) URL" in answer.stderr
        assert "Traceback" not in answer.stderr


def test_sources_shows_the_discovered_feed_and_unreadable_dates(server: FixtureServer,
                                                                tmp_path: Path) -> None:
    home = server.add("/", html("several-alternates.html"))
    server.add("/feed/atom/", feed_route("miso-atom-multi.atom"))
    wordpress = PAGES["wordpress-archive.html"]
    config = write_config(tmp_path, [])
    config.write_text(config.read_text() + "\n" + source_blocks([
        {"id": "faust", "name": "Faust", "url": home},
        {"id": "miso", "name": "MiSO", "url": server.add("/news/", html(
            "wordpress-archive.html")), "kind": "html", "html": wordpress["html"]},
    ]))
    assert aggregator("fetch", cwd=tmp_path).returncode == 0
    run = aggregator("sources", cwd=tmp_path)
    assert run.returncode == 0
    assert f"-> feed found on the page: {server.url('/feed/atom/')}" in run.stdout
    assert "1 dates unreadable" in run.stdout
    assert "1 of 4 dates could not be read" in run.stdout


def test_a_feed_without_a_title_is_said_so_in_words(server: FixtureServer,
                                                    tmp_path: Path) -> None:
    write_config(tmp_path, [])
    url = server.add("/untitled.xml", Route(body=(
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        b"<link>https://verein.example/</link><description>d</description>"
        b"<item><title>Sprechstunde am Montag</title><link>https://verein.example/1</link>"
        b"<pubDate>Mon, 02 Mar 2026 10:00:00 +0100</pubDate></item></channel></rss>"),
        headers={"Content-Type": "application/rss+xml"}))
    run = aggregator("check", url, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "a feed (rss20) = RSS 2.0, without a title, with 1 entry" in run.stdout
    assert "None" not in run.stdout
