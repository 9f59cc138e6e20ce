"""Every entry's language: declared, identified, corrected; per-language feeds; bidi
safety; the reader's language first on the web page."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from lxml import etree

from aggregator.models import Settings
from aggregator.service import fetch_once
from aggregator.store import Store
from aggregator.web import accepted_languages, create_app

from conftest import DATA, load_settings
from httpfixture import FixtureServer, Route

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PORTAL = ["de", "en", "tr", "ar", "fa", "ru", "uk", "kmr", "ckb", "vi", "pl", "bg"]


@pytest.fixture
def portal(server: FixtureServer, tmp_path: Path) -> Settings:
    for name, kind in (("mixed.atom", "application/atom+xml"),
                       ("undeclared.rss", "application/rss+xml")):
        server.add(f"/{name}", Route(body=(DATA / "language" / name).read_bytes(),
                                     headers={"Content-Type": kind}))
    settings = load_settings(tmp_path, [
        {"id": "verein", "name": "Verein", "url": server.url("/mixed.atom")},
        {"id": "community", "name": "Community", "url": server.url("/undeclared.rss"),
         "language": "en"},
    ], languages=PORTAL)
    asyncio.run(fetch_once(settings, settings.sources))
    return settings


def languages_of(settings: Settings) -> dict[str, tuple[str, str, float | None]]:
    store = Store.open(settings.database)
    try:
        return {row["guid"]: (row["language"], row["language_origin"],
                              row["language_confidence"])
                for row in store.rows("SELECT * FROM entries")}
    finally:
        store.close()


def test_declared_languages_are_kept(portal: Settings) -> None:
    found = languages_of(portal)
    assert found["urn:x:declared-de"][:2] == ("de", "feed")
    assert found["urn:x:declared-tr"][:2] == ("tr", "entry")
    assert found["urn:x:short-title"][:2] == ("de", "feed")  # too little text to overrule


def test_clearly_wrong_declarations_are_corrected(portal: Settings) -> None:
    found = languages_of(portal)
    language, origin, confidence = found["urn:x:mislabelled-fa"]
    assert (language, origin) == ("fa", "corrected") and confidence is not None
    assert confidence >= 0.95
    assert found["urn:x:mislabelled-ru"][:2] == ("ru", "corrected")


def test_undeclared_languages_are_identified(portal: Settings) -> None:
    found = languages_of(portal)
    for guid in ("en", "kmr", "ckb", "uk", "ar", "vi", "pl"):
        language, origin, confidence = found[guid]
        assert (language, origin) == (guid, "detected"), guid
        assert confidence is not None and 0 < confidence <= 1
    # "Termine" alone says too little: the source's configured language is used
    assert found["short"][:2] == ("en", "source")


def test_every_output_carries_the_language(portal: Settings) -> None:
    out = portal.output_dir
    combined = etree.fromstring((out / "feed.atom").read_bytes())
    for entry in combined.findall(f"{ATOM}entry"):
        language = entry.get(XML_LANG)
        assert language, entry.findtext(f"{ATOM}title")
        assert entry.find(f"{ATOM}source").get(XML_LANG) == language
    for code in ("de", "tr", "fa", "ru", "en", "kmr", "ckb", "uk", "ar", "vi", "pl"):
        feed = etree.fromstring((out / "lang" / f"{code}.atom").read_bytes())
        assert feed.get(XML_LANG) == code
        assert {e.get(XML_LANG) for e in feed.findall(f"{ATOM}entry")} == {code}, code
        assert (out / "lang" / f"{code}.rss").exists() and (out / "lang" / f"{code}.json").exists()
    assert not (out / "lang" / "bg.atom").exists()  # no entries, no feed


def test_an_unterminated_override_cannot_flip_the_text_around_it(portal: Settings) -> None:
    combined = etree.fromstring((portal.output_dir / "feed.atom").read_bytes())
    titles = [e.findtext(f"{ATOM}title") or "" for e in combined.findall(f"{ATOM}entry")]
    reversed_title = next(title for title in titles if "desrever" in title)
    assert reversed_title == "\u202egnirts desrever\u202c"


def test_persian_joiners_survive_byte_for_byte(portal: Settings) -> None:
    data = (portal.output_dir / "lang" / "fa.atom").read_bytes()
    assert "کلاس\u200cهای زبان آلمانی برای بزرگسالان".encode() in data
    assert "برگزار می\u200cشود".encode() in data


def test_rtl_content_is_wrapped_with_direction(portal: Settings) -> None:
    feed = etree.fromstring((portal.output_dir / "lang" / "ckb.atom").read_bytes())
    content = feed.find(f"{ATOM}entry").findtext(f"{ATOM}content")
    assert '<div lang="ckb" dir="rtl">' in content


def test_web_page_puts_the_readers_language_first(portal: Settings) -> None:
    async def get(headers: dict[str, str]) -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(portal))
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as client:
            return await client.get("/", headers=headers)

    plain = asyncio.run(get({}))
    assert plain.status_code == 200 and "Content-Language" not in plain.headers
    persian = asyncio.run(get({"Accept-Language": "fa-IR,fa;q=0.9,en;q=0.5"}))
    assert persian.headers["Content-Language"] == "fa"
    assert "Accept-Language" in persian.headers["Vary"]
    page = etree.fromstring(persian.content, etree.HTMLParser())
    articles = page.findall(".//article")
    assert articles[0].get("lang") == "fa"
    assert {a.get("lang") for a in articles} >= {"de", "en", "uk"}  # nothing hidden
    assert page.get("lang") == "fa"


@pytest.mark.parametrize(("header", "codes"), [
    ("fa-IR,fa;q=0.9,en;q=0.5", ["fa", "en"]),
    ("en;q=0.2, de", ["de", "en"]),
    ("ku-Arab", ["ckb"]),
    ("*", []),
    ("tr;q=0, pl", ["pl"]),
    ("garbage;;", []),
    ("DE-at;q=0.5, fa;q=abc, en;q=1e999", ["en", "de"]),
])
def test_accept_language_parsing(header: str, codes: list[str]) -> None:
    assert accepted_languages(header) == codes


@pytest.fixture
def translated(server: FixtureServer, tmp_path: Path) -> Settings:
    for name, kind in (("joomla.rss", "application/rss+xml"),
                       ("hreflang.atom", "application/atom+xml")):
        server.add(f"/{name}", Route(body=(DATA / "language" / name).read_bytes(),
                                     headers={"Content-Type": kind}))
    settings = load_settings(tmp_path, [
        {"id": "kargah", "name": "kargah e.V.", "url": server.url("/joomla.rss"),
         "language_param": "lang"},
        {"id": "miso", "name": "MiSO", "url": server.url("/hreflang.atom")},
    ], languages=PORTAL)
    asyncio.run(fetch_once(settings, settings.sources))
    return settings


def test_language_versions_of_one_article_are_one_story(translated: Settings) -> None:
    out = translated.output_dir
    combined = etree.fromstring((out / "feed.atom").read_bytes()).findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in combined]
    assert len(combined) == 3  # café (de+en), hours (de), Fachtag (de+tr)
    cafe = next(e for e in combined if "café" in (e.findtext(f"{ATOM}title") or "").lower())
    alternates = {link.get("hreflang"): link.get("href")
                  for link in cafe.findall(f"{ATOM}link[@rel='alternate']")}
    assert set(alternates) == {"de", "en"}
    assert alternates["en"].endswith("lang=en") and alternates["de"].endswith("lang=de")
    fachtag = next(e for e in combined if e.findtext(f"{ATOM}title") in (
        "Fachtag Migration und Gesundheit", "Göç ve Sağlık Uzmanlık Günü"))
    assert {link.get("hreflang") for link in
            fachtag.findall(f"{ATOM}link[@rel='alternate']")} == {"de", "tr"}
    assert "Women's café opens again in May" not in titles or "Frauencafé" not in titles


def test_each_language_feed_shows_its_own_version(translated: Settings) -> None:
    out = translated.output_dir

    def titles(code: str) -> list[str]:
        feed = etree.fromstring((out / "lang" / f"{code}.atom").read_bytes())
        return [e.findtext(f"{ATOM}title") or "" for e in feed.findall(f"{ATOM}entry")]

    assert "Women's café opens again in May" in titles("en")
    assert "Frauencafé startet wieder im Mai" in titles("de")
    assert "Göç ve Sağlık Uzmanlık Günü" in titles("tr")
    assert "Fachtag Migration und Gesundheit" in titles("de")
    english = etree.fromstring((out / "lang" / "en.atom").read_bytes()).find(f"{ATOM}entry")
    german = english.find(f"{ATOM}link[@hreflang='de']")
    assert german is not None and german.get("href").endswith("lang=de")


def test_the_link_parameter_declares_the_language(translated: Settings) -> None:
    found = languages_of(translated)
    assert found["42-en"][:2] == ("en", "entry")
    assert found["42-de"][:2] == ("de", "entry")


def test_mapped_parameter_values(server: FixtureServer, tmp_path: Path) -> None:
    body = (DATA / "language" / "joomla.rss").read_text(encoding="utf-8")
    body = body.replace("lang=de", "clang=1").replace("lang=en", "clang=2")
    server.add("/redaxo", Route(body=body.encode(),
                                headers={"Content-Type": "application/rss+xml"}))
    path_settings = load_settings(tmp_path, [
        {"id": "redaxo", "name": "REDAXO", "url": server.url("/redaxo"),
         "language_param": "clang"}], languages=PORTAL)
    text = path_settings.config_path.read_text()
    path_settings.config_path.write_text(text + 'language_values = { 1 = "de", 2 = "en" }\n')
    from aggregator import config

    settings = config.load(path_settings.config_path, environ={})
    asyncio.run(fetch_once(settings, settings.sources))
    found = languages_of(settings)
    assert found["42-en"][:2] == ("en", "entry") and found["42-de"][:2] == ("de", "entry")
    store = Store.open(settings.database)
    try:
        stories = {row["guid"]: row["story_id"] for row in store.rows("SELECT * FROM entries")}
    finally:
        store.close()
    assert stories["42-en"] == stories["42-de"] != stories["43-de"]
