"""One story once: three partners republish one press release; the combined feed
shows it once with credit to all, each partner's feed keeps its copy, nothing is
lost, ids stay stable, and the operator can see and undo merges."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from aggregator.models import Settings
from aggregator.service import fetch_once
from aggregator.store import Store

from atomcheck import check_atom
from conftest import load_settings
from httpfixture import FixtureServer, Route

ATOM = "{http://www.w3.org/2005/Atom}"
RELEASE = ("Die Landeshauptstadt Hannover lädt alle Vereine der Migrantinnen und Migranten "
           "zum Integrationsbeirat am Mittwoch, 15. April 2026, ins Neue Rathaus ein. Auf der "
           "Tagesordnung stehen die Förderung von Sprachkursen, die Beratung für Geflüchtete "
           "und das interkulturelle Sommerfest im Maschpark. Anmeldungen nimmt das Büro für "
           "Integration bis zum 10. April entgegen.")
OTHER = ("Der Verein kargah bietet ab Mai neue Alphabetisierungskurse für Frauen an. Die Kurse "
         "finden dienstags und donnerstags im Stadtteilzentrum Linden statt, Kinderbetreuung "
         "ist vorhanden. Informationen gibt es in der Beratungsstelle.")


def rss(items: list[tuple[str, str, str, str]]) -> bytes:
    """(guid, title, link, text) items as an RSS 2.0 document."""
    body = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title><link>{link}</link>"
        f"<description>{text}</description><pubDate>Mon, 06 Apr 2026 09:00:00 +0000</pubDate>"
        f"</item>" for guid, title, link, text in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
            f"<link>https://x.example/</link><description>d</description>"
            f"<language>de</language>{body}</channel></rss>").encode()


def serve(server: FixtureServer, path: str, items: list[tuple[str, str, str, str]]) -> str:
    return server.add(path, Route(body=rss(items), headers={"Content-Type": "application/rss+xml"}))


@pytest.fixture
def partners(server: FixtureServer, tmp_path: Path) -> Settings:
    city = serve(server, "/city", [("c1", "Einladung zum Integrationsbeirat",
                                    "https://www.hannover.example/presse/integrationsbeirat",
                                    RELEASE)])
    miso = serve(server, "/miso", [("m1", "Einladung zum Integrationsbeirat",
                                    "http://hannover.example/presse/integrationsbeirat/"
                                    "?utm_source=newsletter&utm_medium=email",
                                    RELEASE)])
    kargah = serve(server, "/kargah", [
        ("k1", "Stadt lädt zum Integrationsbeirat ein",
         "https://kargah.example/aktuelles/beirat",
         RELEASE + " Quelle: Landeshauptstadt Hannover."),
        ("k2", "Neue Alphabetisierungskurse für Frauen", "https://kargah.example/kurse", OTHER)])
    return load_settings(tmp_path, [
        {"id": "city", "name": "Landeshauptstadt Hannover", "url": city},
        {"id": "miso", "name": "MiSO-Netzwerk Hannover", "url": miso},
        {"id": "kargah", "name": "kargah e.V.", "url": kargah},
    ])


def fetch(settings: Settings, *ids: str) -> None:
    sources = [s for s in settings.sources if not ids or s.id in ids]
    asyncio.run(fetch_once(settings, sources))


def entries(path: Path) -> list[etree._Element]:
    return etree.fromstring(path.read_bytes()).findall(f"{ATOM}entry")


def test_a_release_published_by_three_partners_appears_once(partners: Settings) -> None:
    for source in ("city", "miso", "kargah"):  # one after the other, as they come in
        fetch(partners, source)
    out = partners.output_dir
    combined = entries(out / "feed.atom")
    assert check_atom((out / "feed.atom").read_bytes()) == []
    titles = [e.findtext(f"{ATOM}title") for e in combined]
    assert len(combined) == 2 and "Neue Alphabetisierungskurse für Frauen" in titles
    story = next(e for e in combined if "Integrationsbeirat" in e.findtext(f"{ATOM}title"))
    related = {link.get("title"): link.get("href")
               for link in story.findall(f"{ATOM}link[@rel='related']")}
    assert set(related) == {"MiSO-Netzwerk Hannover", "kargah e.V."}
    assert story.find(f"{ATOM}link[@rel='alternate']").get("href") == \
        "https://www.hannover.example/presse/integrationsbeirat"
    credit = story.findtext(f"{ATOM}content") or ""
    assert "Landeshauptstadt Hannover" in credit and "also published by" in credit
    assert "MiSO-Netzwerk Hannover" in credit and "kargah e.V." in credit
    # every partner's own feed keeps its own copy
    for source, count in (("city", 1), ("miso", 1), ("kargah", 2)):
        assert len(entries(out / "source" / f"{source}.atom")) == count


def test_nothing_is_lost_and_merges_are_explained(partners: Settings) -> None:
    fetch(partners)
    store = Store.open(partners.database)
    try:
        assert store.count() == 4  # merged, never dropped
        (story,) = store.stories()
    finally:
        store.close()
    members = {m["source_id"]: m for m in story["members"]}
    assert set(members) == {"city", "miso", "kargah"}
    reasons = [m["merge_reason"] for m in story["members"] if m["merge_reason"]]
    assert len(reasons) == 2 and any("link" in reason or "URL" in reason for reason in reasons)


def test_story_id_is_stable_when_copies_join_and_the_primary_changes(
        partners: Settings, tmp_path: Path) -> None:
    fetch(partners, "city")
    first = {e.findtext(f"{ATOM}title"): e.findtext(f"{ATOM}id")
             for e in entries(partners.output_dir / "feed.atom")}
    fetch(partners, "miso", "kargah")
    after = entries(partners.output_dir / "feed.atom")
    uid = first["Einladung zum Integrationsbeirat"]
    assert uid in [e.findtext(f"{ATOM}id") for e in after]
    # kargah gets the highest priority: its copy is shown, under the same id
    text = (tmp_path / "feeds.toml").read_text()
    (tmp_path / "feeds.toml").write_text(text.replace(
        'name = "kargah e.V."', 'name = "kargah e.V."\npriority = 5'))
    from aggregator import config
    from aggregator.service import publish_once

    settings = config.load(tmp_path / "feeds.toml", environ={})
    publish_once(settings)
    shown = next(e for e in entries(settings.output_dir / "feed.atom")
                 if e.findtext(f"{ATOM}id") == uid)
    assert shown.findtext(f"{ATOM}title") == "Stadt lädt zum Integrationsbeirat ein"


def test_a_partners_two_copies_become_one_story_when_another_partner_matches_both(
        server: FixtureServer, tmp_path: Path) -> None:
    """A partner's own copies are never compared with each other (a calendar's
    look-alike entries must stay apart), so its second copy starts a story of its
    own; the next partner's copy matches both, and the two stories become one
    under the first story's id."""
    title = "Einladung zum Integrationsbeirat"
    miso = serve(server, "/miso", [
        ("m1", title, "https://miso.example/beirat", RELEASE),
        ("m2", title, "https://miso.example/aktuelles/beirat-2026", RELEASE)])
    city = serve(server, "/city", [("c1", title, "https://hannover.example/beirat", RELEASE)])
    settings = load_settings(tmp_path, [{"id": "miso", "name": "MiSO", "url": miso},
                                        {"id": "city", "name": "Stadt", "url": city}])
    fetch(settings, "miso")
    before = entries(settings.output_dir / "feed.atom")
    assert len(before) == 2  # two stories so far: the copies were not compared
    fetch(settings, "city")
    (story,) = entries(settings.output_dir / "feed.atom")
    assert story.findtext(f"{ATOM}id") in {e.findtext(f"{ATOM}id") for e in before}
    store = Store.open(settings.database)
    try:
        (merged,) = store.stories()
        first_uid = next(store.rows("SELECT s.uid FROM stories s JOIN entries e "
                                    "ON e.id = s.id WHERE e.guid = 'm1'"))["uid"]
    finally:
        store.close()
    assert story.findtext(f"{ATOM}id") == merged["uid"] == first_uid
    assert sorted(m["source_id"] for m in merged["members"]) == ["city", "miso", "miso"]
    assert len(entries(settings.output_dir / "source" / "miso.atom")) == 2


def test_operator_can_keep_an_entry_apart(partners: Settings, tmp_path: Path) -> None:
    fetch(partners)
    store = Store.open(partners.database)
    kargah_uid = next(row["uid"] for row in store.rows(
        "SELECT uid FROM entries WHERE source_id = 'kargah' AND title LIKE 'Stadt%'"))
    store.close()
    text = (tmp_path / "feeds.toml").read_text()
    (tmp_path / "feeds.toml").write_text(text.replace(
        "[aggregator]", f'[aggregator]\nkeep_apart = ["{kargah_uid}"]'))
    from aggregator import config

    settings = config.load(tmp_path / "feeds.toml", environ={})
    fetch(settings, "kargah")
    titles = [e.findtext(f"{ATOM}title") for e in entries(settings.output_dir / "feed.atom")]
    assert titles.count("Einladung zum Integrationsbeirat") == 1
    assert "Stadt lädt zum Integrationsbeirat ein" in titles
    assert len(titles) == 3


def test_a_source_can_be_excluded_from_merging(server: FixtureServer, tmp_path: Path) -> None:
    a = serve(server, "/a", [("1", "Einladung", "https://city.example/a", RELEASE)])
    b = serve(server, "/b", [("1", "Einladung", "https://city.example/a", RELEASE)])
    settings = load_settings(tmp_path, [{"id": "a", "name": "A", "url": a},
                                        {"id": "b", "name": "B", "url": b, "merge": False}])
    fetch(settings)
    assert len(entries(settings.output_dir / "feed.atom")) == 2


def test_removed_entries_do_not_come_back(partners: Settings) -> None:
    fetch(partners, "kargah")
    store = Store.open(partners.database)
    uid = next(row["uid"] for row in store.rows("SELECT uid FROM entries WHERE title LIKE 'Neue%'"))
    assert store.remove(uid, "asked by the partner", datetime.now(UTC))
    store.close()
    partners_sources = [s for s in partners.sources if s.id == "kargah"]
    server_body_unchanged = asyncio.run(fetch_once(partners, partners_sources))
    assert server_body_unchanged  # the feed still carries it
    store = Store.open(partners.database)
    try:
        titles = [row["title"] for row in store.rows("SELECT title FROM entries")]
    finally:
        store.close()
    assert "Neue Alphabetisierungskurse für Frauen" not in titles


def test_an_entry_after_a_removed_newest_one_gets_a_story_of_its_own(
        server: FixtureServer, tmp_path: Path) -> None:
    """Entry ids name stories: the id of a removed entry is never given again, or
    the next entry would land in the removed one's story (or fail to store)."""
    city = serve(server, "/city", [("c1", "Einladung zum Integrationsbeirat",
                                    "https://hannover.example/beirat", RELEASE)])
    kargah = serve(server, "/kargah", [("k2", "Neue Alphabetisierungskurse für Frauen",
                                        "https://kargah.example/kurse", OTHER)])
    settings = load_settings(tmp_path, [{"id": "city", "name": "Stadt", "url": city},
                                        {"id": "kargah", "name": "kargah", "url": kargah}])
    fetch(settings, "city")
    store = Store.open(settings.database)
    (removed,) = store.rows("SELECT uid FROM entries")
    assert store.remove(removed["uid"], "asked by the partner", datetime.now(UTC))
    store.close()
    fetch(settings, "kargah")
    store = Store.open(settings.database)
    try:
        rows = list(store.rows("SELECT e.title, e.uid, s.uid AS story FROM entries e "
                               "JOIN stories s ON s.id = e.story_id"))
    finally:
        store.close()
    assert [(row["title"], row["story"]) for row in rows] == [
        ("Neue Alphabetisierungskurse für Frauen", rows[0]["uid"])]
    (entry,) = entries(settings.output_dir / "feed.atom")
    assert entry.findtext(f"{ATOM}title") == "Neue Alphabetisierungskurse für Frauen"


def test_a_cms_migration_that_changes_ids_creates_no_duplicates(server: FixtureServer,
                                                                tmp_path: Path) -> None:
    url = serve(server, "/cms", [("old-1", "Sommerfest", "https://verein.example/fest", OTHER)])
    settings = load_settings(tmp_path, [{"id": "cms", "name": "Verein", "url": url}])
    fetch(settings)
    store = Store.open(settings.database)
    (before,) = list(store.rows("SELECT uid, key FROM entries"))
    store.close()
    serve(server, "/cms", [("new-9f2", "Sommerfest", "https://verein.example/fest", OTHER)])
    fetch(settings)
    store = Store.open(settings.database)
    rows = list(store.rows("SELECT uid, key FROM entries"))
    store.close()
    assert len(rows) == 1 and rows[0]["uid"] == before["uid"] and rows[0]["key"] != before["key"]


def test_template_events_with_different_dates_stay_apart(server: FixtureServer,
                                                         tmp_path: Path) -> None:
    text = "Deutschkurs A1 – Anmeldung im Stadtteilzentrum Linden, Beginn am {} um 18 Uhr."
    a = serve(server, "/a", [("1", "Deutschkurs A1 – Anmeldung", "https://a.example/1",
                              text.format("12.03.2026"))])
    b = serve(server, "/b", [("1", "Deutschkurs A1 – Anmeldung", "https://b.example/9",
                              text.format("19.03.2026"))])
    settings = load_settings(tmp_path, [{"id": "a", "name": "A", "url": a},
                                        {"id": "b", "name": "B", "url": b}])
    fetch(settings)
    assert len(entries(settings.output_dir / "feed.atom")) == 2


def test_stories_command_shows_copies_and_reasons(partners: Settings, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    fetch(partners)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGGREGATOR_")}
    run = subprocess.run([sys.executable, "-m", "aggregator", "stories"], cwd=tmp_path,
                         env={**env, "COLUMNS": "250"}, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("story urn:uuid:") == 1
    for name in ("Landeshauptstadt Hannover", "MiSO-Netzwerk Hannover", "kargah e.V."):
        assert name in run.stdout
    assert "first copy" in run.stdout
    assert "Neue Alphabetisierungskurse" not in run.stdout  # told by one partner only
    everything = subprocess.run([sys.executable, "-m", "aggregator", "stories", "--all"],
                                cwd=tmp_path, env={**env, "COLUMNS": "250"},
                                capture_output=True, text=True, timeout=60)
    assert "Neue Alphabetisierungskurse" in everything.stdout


def test_a_restored_founder_joins_its_story_again(partners: Settings) -> None:
    """The city's release founded the story the others joined; removed, the others keep
    the story; restored, the city's copy comes back into it: one story again."""
    from aggregator.service import remove_entries, restore_entries

    for source in ("city", "miso", "kargah"):
        fetch(partners, source)
    store = Store.open(partners.database)
    try:
        (city,) = store.rows("SELECT uid FROM entries WHERE source_id = 'city'")
    finally:
        store.close()
    removed, _, _ = remove_entries(partners, [city["uid"]], "by mistake")
    assert [entry.source_id for entry in removed[city["uid"]]] == ["city"]
    restored, results, _ = restore_entries(partners, [city["uid"]])
    assert restored == {city["uid"]: "city"}
    assert [(result.outcome, result.counts.new) for result in results] == [("ok", 1)]
    store = Store.open(partners.database)
    try:
        stories = {row["source_id"]: row["story"] for row in store.rows(
            "SELECT e.source_id, s.uid AS story FROM entries e "
            "JOIN stories s ON s.id = e.story_id WHERE e.title LIKE '%Integrationsbeirat%'")}
    finally:
        store.close()
    assert set(stories) == {"city", "miso", "kargah"}
    assert len(set(stories.values())) == 1  # one story again
    assert len(entries(partners.output_dir / "feed.atom")) == 2
