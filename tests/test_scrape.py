"""News pages without a feed: items found with the selectors of [source.html], on
fixture pages in the style of the partners' CMSs (tests/data/pages), through the
real pipeline (local HTTP server, SQLite, published Atom)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from aggregator.errors import SelectorError
from aggregator.models import HtmlSelectors, Settings
from aggregator.scrape import canonical_link, parse_page, read_page
from aggregator.service import fetch_once
from aggregator.store import Store

from atomcheck import check_atom
from conftest import DATA, write_config
from data.pages.expected import LANGUAGES, PAGES, source_blocks
from httpfixture import FixtureServer, Route

PAGE_DIR = DATA / "pages"
NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)


def page_route(name: str, body: bytes | None = None) -> Route:
    return Route(body=body if body is not None else (PAGE_DIR / name).read_bytes(),
                 headers={"Content-Type": PAGES.get(name, {}).get(
                     "content_type", "text/html; charset=utf-8")})


def expected_link(link: str | None, base: str) -> str | None:
    return link.format(base=base) if link else None


def html_source(server: FixtureServer, name: str, source_id: str | None = None,
                **overrides: Any) -> dict[str, object]:
    spec = PAGES[name]
    return {"id": source_id or name.split(".")[0], "name": f"Partner {name}",
            "url": server.add(spec["path"], page_route(name)), "language": spec["language"],
            "kind": "html", "html": spec["html"], **overrides}


def settings_for(folder: Path, sources: list[dict[str, object]]) -> Settings:
    from aggregator import config

    path = write_config(folder, [], languages=list(LANGUAGES), max_entries=500)
    path.write_text(path.read_text() + "\n" + source_blocks(sources), encoding="utf-8")
    return config.load(path, environ={})


def fetch(settings: Settings):  # type: ignore[no-untyped-def]
    return asyncio.run(fetch_once(settings, list(settings.sources)))


def rows(settings: Settings, source_id: str) -> list[dict[str, Any]]:
    store = Store.open(settings.database)
    try:
        return list(store.rows("SELECT * FROM entries WHERE source_id = ? ORDER BY id",
                               [source_id]))
    finally:
        store.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_page_items_have_titles_links_dates_and_languages(name: str) -> None:
    spec = PAGES[name]
    base = "https://site.example"
    parsed = parse_page((PAGE_DIR / name).read_bytes(), base + spec["path"],
                        spec["content_type"], HtmlSelectors(**spec["html"]),
                        (spec["language"], *LANGUAGES), NOW)
    assert parsed.format == "html" and parsed.link == base + spec["path"]
    assert (parsed.language or "").split("-")[0] == spec["page_language"]
    assert [entry.title for entry in parsed.entries] == [e["title"] for e in spec["entries"]]
    for entry, want in zip(parsed.entries, spec["entries"], strict=True):
        assert entry.link == expected_link(want["link"], base), entry.title
        published = datetime.fromisoformat(want["published"]) if want["published"] else None
        assert entry.published == published, entry.title
        assert entry.published is None or entry.published.tzinfo is not None


@pytest.mark.parametrize("name", list(PAGES))
def test_pages_through_the_pipeline(server: FixtureServer, tmp_path: Path, name: str) -> None:
    settings = settings_for(tmp_path, [html_source(server, name)])
    (result,), _ = fetch(settings)
    assert result.error is None, result.error
    stored = rows(settings, settings.sources[0].id)
    spec = PAGES[name]
    assert len(stored) == len(spec["entries"])
    for row, want in zip(stored, spec["entries"], strict=True):
        assert row["title"] == want["title"]
        assert row["link"] == expected_link(want["link"], server.base)
        assert row["language"] == want["language"], row["title"]
        if want["published"] is None:
            assert row["published"] == row["first_seen"]
        else:
            assert datetime.fromisoformat(row["published"]) == datetime.fromisoformat(
                want["published"])
    assert check_atom((settings.output_dir / "feed.atom").read_bytes()) == []


def test_images_and_summaries_are_kept_and_absolute(server: FixtureServer,
                                                    tmp_path: Path) -> None:
    settings = settings_for(tmp_path, [html_source(server, "wordpress-archive.html", "miso"),
                                       html_source(server, "joomla-blog.html", "kargah")])
    fetch(settings)
    miso = rows(settings, "miso")[0]
    assert ('<img src="https://miso.example/wp-content/uploads/2026/03/sommerfest-640x360.jpg"'
            in miso["summary_html"])  # data-src of a lazy-loaded image, not the placeholder
    assert "Georgengarten" in miso["summary_html"]
    kargah = rows(settings, "kargah")[0]
    # relative to <base href>, not to the URL the page was fetched from
    assert "https://www.kargah.example/index.php/images/news/sprachmittler.jpg" in kargah[
        "summary_html"]


def test_reordering_the_page_makes_no_duplicates(server: FixtureServer,
                                                 tmp_path: Path) -> None:
    name = "wordpress-archive.html"
    page = (PAGE_DIR / name).read_text(encoding="utf-8")
    head, *articles = page.split("<article ")
    last, tail = articles[-1].split("<nav ", 1)
    articles[-1] = last
    settings = settings_for(tmp_path, [html_source(server, name, "miso")])
    (first,), _ = fetch(settings)
    reordered = head + "".join("<article " + a for a in reversed(articles)) + "<nav " + tail
    # and a tracking parameter on one link: the same article, the same item
    reordered = reordered.replace('href="https://miso.example/2026/02/mitgliederversammlung/"',
                                  'href="https://miso.example/2026/02/mitgliederversammlung/'
                                  '?utm_source=facebook#kommentare"')
    server.routes[PAGES[name]["path"]] = page_route(name, reordered.encode("utf-8"))
    (second,), _ = fetch(settings)
    assert first.counts.new == 4
    assert second.error is None and second.counts.new == 0
    assert len(rows(settings, "miso")) == 4


def test_a_changed_layout_is_an_error_in_plain_words(server: FixtureServer,
                                                     tmp_path: Path) -> None:
    name = "joomla-blog.html"
    settings = settings_for(tmp_path, [html_source(server, name, "kargah")])
    (first,), _ = fetch(settings)
    assert first.counts.new == 3
    server.routes[PAGES[name]["path"]] = page_route(name, (
        PAGE_DIR / "joomla-blog-relaunch.html").read_bytes())
    (second,), _ = fetch(settings)
    assert second.outcome == "error" and second.error_code == "selector"
    assert "selector 'div.blog-item' matched nothing on the page" in str(second.error)
    assert len(rows(settings, "kargah")) == 3  # nothing lost
    store = Store.open(settings.database)
    state = store.state("kargah")
    store.close()
    assert state.failures == 1 and "matched nothing" in str(state.last_error)


def test_titles_missing_in_every_item_is_an_error(server: FixtureServer) -> None:
    body = (PAGE_DIR / "joomla-blog.html").read_bytes()
    with pytest.raises(SelectorError, match=r"selector 'h4' \(the title\) matched nothing "
                                            r"inside the 3 items"):
        parse_page(body, server.base, None, HtmlSelectors(item="div.blog-item", title="h4"),
                   ("de",), NOW)


def test_a_base_href_that_is_no_url_leaves_links_relative_to_the_page() -> None:
    body = (b'<html><head><base href="http://[::1"></head><body><div class="news">'
            b'<h2><a href="/kurs">Deutschkurs</a></h2></div></body></html>')
    parsed = parse_page(body, "https://kargah.example/news/", None,
                        HtmlSelectors(item="div.news", title="h2"), ("de",), NOW)
    assert [(entry.title, entry.link) for entry in parsed.entries] == [
        ("Deutschkurs", "https://kargah.example/kurs")]


def test_an_invalid_selector_is_named(server: FixtureServer, tmp_path: Path) -> None:
    """feeds.toml's check names it; a source given selectors some other way (not
    through the check) fails with them named, the others go on."""
    from aggregator.errors import ConfigError

    with pytest.raises(ConfigError, match=r"source 'city': key 'html.item': expected CSS "
                                          r"selector .* got 'tr.pm\[': Can't parse"):
        settings_for(tmp_path, [html_source(server, "city-press.html", "city",
                                            html={"item": "tr.pm[", "title": "a"})])
    settings = settings_for(tmp_path, [html_source(server, "city-press.html", "city"),
                                       html_source(server, "wordpress-archive.html", "miso")])
    city, miso = settings.sources
    assert city.html is not None
    broken = dataclasses.replace(city, html=dataclasses.replace(city.html, item="tr.pm["))
    results, _ = fetch(dataclasses.replace(settings, sources=(broken, miso)))
    by_id = {result.source_id: result for result in results}
    assert by_id["city"].error_code == "bad_selector"
    assert "the item selector 'tr.pm[' in [source.html] is not valid CSS" in str(
        by_id["city"].error)
    assert by_id["miso"].error is None and by_id["miso"].counts.new > 0


def test_unreadable_dates_are_reported_on_the_source(server: FixtureServer,
                                                     tmp_path: Path) -> None:
    settings = settings_for(tmp_path, [html_source(server, "wordpress-archive.html", "miso")])
    (result,), _ = fetch(settings)
    assert result.error is None
    assert result.warning is not None
    assert "1 of 4 dates could not be read (e.g. 'Frühjahr 2022')" in result.warning
    store = Store.open(settings.database)
    state = store.state("miso")
    store.close()
    assert state.unparsed_dates == 1 and "Frühjahr 2022" in str(state.warning)


def test_page_facts_for_autodiscovery() -> None:
    page = read_page((PAGE_DIR / "city-press.html").read_bytes(),
                     "https://www.hannover.example/presse", "text/html")
    assert page.title == "Pressemitteilungen - Landeshauptstadt Hannover"  # ISO-8859-1
    assert page.generator == "eZ Publish" and page.feeds == () and page.language == "de"


def test_canonical_link_drops_fragment_and_tracking() -> None:
    assert canonical_link("HTTPS://Miso.Example/a/?utm_source=x&id=3&fbclid=1#top") == (
        "https://miso.example/a/?id=3")
    assert canonical_link("https://miso.example") == "https://miso.example/"


def test_fixed_selectors_read_the_page_at_once(server: FixtureServer, tmp_path: Path) -> None:
    """A partner's page read with a wrong title selector (the teaser came out as the
    title); the operator fixes it in feeds.toml: the next fetch reads the page with it,
    though the page has not changed. Before, the page's ETag got a 304 (or its
    unchanged bytes were not read again) until the partner published something."""
    name = "joomla-blog.html"
    right = PAGES[name]["html"]
    route = page_route(name)
    route.etag = '"page-1"'
    source = {**html_source(server, name, "kargah"), "html": {**right, "title": right["summary"]}}
    server.routes[PAGES[name]["path"]] = route
    titles = [entry["title"] for entry in PAGES[name]["entries"]]
    settings = settings_for(tmp_path, [source])
    (first,) = fetch(settings)[0]
    assert first.outcome == "ok"
    assert not set(titles) & {row["title"] for row in rows(settings, "kargah")}
    fixed = settings_for(tmp_path, [{**source, "html": right}])
    (second,) = fetch(fixed)[0]
    assert (second.outcome, second.status) == ("ok", 200), second.error
    assert set(titles) <= {row["title"] for row in rows(fixed, "kargah")}
