"""Shared fixtures: a real HTTP server on 127.0.0.1, config files in a temporary
folder, the fixture feeds of tests/data/feeds."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from aggregator import config
from aggregator.models import Settings

from httpfixture import FixtureServer, Route

# Property tests explore new examples on every run (``make test``); CI runs the same
# examples every time (HYPOTHESIS_PROFILE=ci, set by .ci/run), so a run's verdict is
# about the change, not the draw. A failure found while exploring is kept as an
# @example of its test.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

DATA = Path(__file__).parent / "data"
FEEDS = DATA / "feeds"
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    fixture = FixtureServer().start()
    yield fixture
    fixture.stop()


def feed_route(name: str, **overrides: object) -> Route:
    """A fixture feed from tests/data/feeds with the Content-Type the fixture needs."""
    from data.feeds.expected import HEADERS

    content_type = HEADERS.get(name, "application/xml")
    route = Route(body=(FEEDS / name).read_bytes(), headers={"Content-Type": content_type},
                  etag=f'"{name}-1"', last_modified="Thu, 12 Mar 2026 10:00:00 GMT")
    for key, value in overrides.items():
        setattr(route, key, value)
    return route


def write_config(folder: Path, sources: list[dict[str, object]], **aggregator: object) -> Path:
    """A feeds.toml in ``folder`` with the given sources; returns its path."""
    # every test server is on 127.0.0.1: allowed here, refused by default
    table = {"title": "Test portal", "base_url": "http://portal.test/",
             "database": "data/test.db", "output_dir": "data/public",
             "allow_private_networks": True, **aggregator}
    lines = ["[aggregator]"] + [f"{key} = {_toml(value)}" for key, value in table.items()]
    for source in sources:
        lines.append("\n[[source]]")
        lines += [f"{key} = {_toml(value)}" for key, value in source.items()]
    path = folder / "feeds.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def load_settings(folder: Path, sources: list[dict[str, object]],
                  **aggregator: object) -> Settings:
    return config.load(write_config(folder, sources, **aggregator), environ={})


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip()
