"""The web page in a real browser: headless Chromium (Debian's chromium and
chromium-driver, installed by .ci/run) driven by Selenium, against the real server."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from aggregator.service import fetch_once

from conftest import feed_route, write_config
from httpfixture import FixtureServer

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="Debian's chromium and chromium-driver are not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def site(server: FixtureServer, tmp_path: Path) -> Iterator[str]:
    names = ["kargah-rss2-de.xml", "ar-atom.atom", "fa-rss2-windows1256.xml", "uk-rss2.xml"]
    port = free_port()
    path = write_config(tmp_path, [
        {"id": name.split(".")[0], "name": f"Partner {name.split('-')[0]}",
         "url": server.add(f"/{name}", feed_route(name))} for name in names],
        base_url=f"http://127.0.0.1:{port}/", languages=["de", "ar", "fa", "uk"])
    from aggregator import config

    settings = config.load(path, environ={})
    asyncio.run(fetch_once(settings, settings.sources))
    env = {**os.environ, "AGGREGATOR_PORT": str(port), "AGGREGATOR_HOST": "127.0.0.1"}
    process = subprocess.Popen([sys.executable, "-m", "aggregator", "serve", "--config",
                                str(path)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "healthz", timeout=2).close()
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    yield driver
    driver.quit()


def page_errors(driver: object) -> list[dict[str, object]]:
    """Console errors of the page. Partners' images cannot load here (no internet): a
    network error for another host is not the page's fault; anything else is."""
    return [entry for entry in driver.get_log("browser")  # type: ignore[attr-defined]
            if entry["level"] == "SEVERE" and not (
                entry["source"] == "network" and "127.0.0.1" not in str(entry["message"]))]


def test_page_shows_rtl_right_to_left_without_script_or_errors(site: str, browser: object
                                                               ) -> None:
    driver = browser  # a selenium WebDriver
    driver.get(site)  # type: ignore[attr-defined]
    run = driver.execute_script  # type: ignore[attr-defined]
    assert run("return document.scripts.length") == 0
    directions = run("""return Array.from(document.querySelectorAll('article')).map(
        a => [a.lang, getComputedStyle(a).direction,
              getComputedStyle(a.querySelector('h2')).direction])""")
    assert {lang for lang, _, _ in directions} >= {"de", "ar", "fa", "uk"}
    for lang, article_direction, title_direction in directions:
        expected = "rtl" if lang in ("ar", "fa") else "ltr"
        assert (article_direction, title_direction) == (expected, expected), lang
    assert page_errors(driver) == []

    driver.get(site + "lang/fa.html")  # type: ignore[attr-defined]
    assert run("return document.documentElement.dir") == "rtl"
    assert run("return getComputedStyle(document.body).direction") == "rtl"
    titles = run("return Array.from(document.querySelectorAll('article h2')).map(h => h.innerText)")
    assert any("\u200c" in title for title in titles)  # ZWNJ survives to the screen
    assert page_errors(driver) == []


def test_page_is_readable_on_a_phone(site: str, browser: object) -> None:
    driver = browser
    driver.set_window_size(390, 844)  # type: ignore[attr-defined]
    driver.get(site)  # type: ignore[attr-defined]
    overflow = driver.execute_script(  # type: ignore[attr-defined]
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
