"""feeds.toml: every mistake is refused at start with file, source, key and what is
expected."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from aggregator import config
from aggregator.errors import ConfigError
from aggregator.models import SourceKind

from conftest import write_config

GOOD = {"id": "kargah", "name": "kargah e.V.", "url": "https://kargah.example/feed.xml"}


def load(tmp_path: Path, sources: list[dict[str, object]], environ: dict[str, str] | None = None,
         **aggregator: object) -> config.Settings:
    return config.load(write_config(tmp_path, sources, **aggregator), environ=environ or {})


def error(tmp_path: Path, sources: list[dict[str, object]], **aggregator: object) -> str:
    with pytest.raises(ConfigError) as raised:
        load(tmp_path, sources, **aggregator)
    return str(raised.value)


def test_shipped_feeds_toml_is_valid() -> None:
    settings = config.load(Path(__file__).parents[1] / "feeds.toml", environ={})
    assert {s.id for s in settings.sources} == {"miso", "kargah", "faust", "hannover"}
    assert settings.title == "Welt in Hannover"
    assert "kmr" in settings.languages and "ckb" in settings.languages


def test_defaults_and_relative_paths(tmp_path: Path) -> None:
    settings = load(tmp_path, [GOOD])
    assert settings.database == tmp_path / "data/test.db"
    assert settings.output_dir == tmp_path / "data/public"
    assert settings.interval == timedelta(minutes=30)
    assert settings.max_entries == 100
    source = settings.sources[0]
    assert source.kind is SourceKind.FEED and source.tags == () and source.interval is None


def test_source_keys_are_read(tmp_path: Path) -> None:
    settings = load(tmp_path, [{**GOOD, "interval": "1h30m", "language": "fa-IR",
                                "tags": ["partner", "events"], "kind": "feed",
                                "homepage": "https://kargah.example/"}])
    source = settings.sources[0]
    assert source.interval == timedelta(hours=1, minutes=30)
    assert source.language == "fa"
    assert source.tags == ("partner", "events")


def test_environment_overrides(tmp_path: Path) -> None:
    settings = load(tmp_path, [GOOD], environ={
        "AGGREGATOR_DATABASE": "/data/x.db", "AGGREGATOR_OUTPUT_DIR": "/data/out",
        "AGGREGATOR_BASE_URL": "https://news.example.org", "AGGREGATOR_HOST": "0.0.0.0",
        "AGGREGATOR_PORT": "9000"})
    assert settings.database == Path("/data/x.db")
    assert settings.output_dir == Path("/data/out")
    assert settings.base_url == "https://news.example.org/"
    assert (settings.host, settings.port) == ("0.0.0.0", 9000)


def test_bad_port_from_environment(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"'port'.*TCP port"):
        load(tmp_path, [GOOD], environ={"AGGREGATOR_PORT": "eighty"})


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        config.load(tmp_path / "nope.toml", environ={})
    assert "nope.toml: file not found" in str(raised.value)
    assert "--config" in str(raised.value)


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text("[aggregator]\ntitle = \"unterminated\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"feeds.toml: not valid TOML: .*line 2"):
        config.load(path, environ={})


@pytest.mark.parametrize(("source", "expected"), [
    ({**GOOD, "intervall": "1h"},
     "source 'kargah': key 'intervall': unknown key in [[source]]; did you mean 'interval'?"),
    ({**GOOD, "url": "ftp://kargah.example/feed"},
     "source 'kargah': key 'url': expected the http(s) URL of the feed, page or calendar "
     "(only http and https), got 'ftp://kargah.example/feed'"),
    ({**GOOD, "url": "kargah.example/feed"}, "key 'url': expected the http(s) URL"),
    ({**GOOD, "url": "http://[::1/feed"}, "key 'url': expected the http(s) URL"),
    ({**GOOD, "url": "http://kargah.example:80a/feed"}, "key 'url': expected the http(s) URL"),
    ({**GOOD, "url": "http://kargah.example:0/feed"}, "key 'url': expected the http(s) URL"),
    ({**GOOD, "homepage": "https://[kargah.example/"}, "key 'homepage': expected"),
    ({"id": "kargah", "name": "x"}, "source 'kargah': key 'url': missing"),
    ({**GOOD, "interval": "soon"},
     "source 'kargah': key 'interval': expected polling interval such as '1h' (at most "
     "365d), got 'soon'"),
    ({**GOOD, "interval": "0m"}, "key 'interval': expected polling interval"),
    ({**GOOD, "language": "deutsch"},
     "source 'kargah': key 'language': 'deutsch' is not a BCP 47 language tag"),
    ({**GOOD, "language": "xx"}, "key 'language': 'xx' is not a BCP 47 language tag"),
    ({**GOOD, "id": "Kargah e.V."}, "key 'id': expected a unique slug"),
    ({**GOOD, "kind": "rss"}, "source 'kargah': key 'kind': expected one of 'feed', 'html', "
                              "'ical', got 'rss'"),
    ({**GOOD, "tags": "partner"}, "key 'tags': expected list of slugs"),
    ({**GOOD, "kind": "html"}, "key 'html': kind = 'html' needs a [source.html] table"),
])
def test_source_errors(tmp_path: Path, source: dict[str, object], expected: str) -> None:
    message = error(tmp_path, [source])
    assert message.startswith(str(tmp_path / "feeds.toml"))
    assert expected in message


def test_duplicate_ids(tmp_path: Path) -> None:
    message = error(tmp_path, [GOOD, {**GOOD, "url": "https://other.example/"}])
    assert "source 'kargah': key 'id': duplicate source id" in message


def test_source_without_id_is_named_by_position(tmp_path: Path) -> None:
    message = error(tmp_path, [GOOD, {"url": "https://x.example/"}])
    assert "source '#2': key 'id'" in message


@pytest.mark.parametrize(("aggregator", "expected"), [
    ({"titel": "x"}, "key 'titel': unknown key in [aggregator]; did you mean 'title'?"),
    ({"base_url": "localhost:8080"}, "key 'base_url': expected the public http(s) URL"),
    ({"base_url": "http://[::1"}, "key 'base_url': expected the public http(s) URL"),
    ({"interval": "30 minutes"}, "key 'interval': expected default polling interval"),
    ({"max_entries": 0}, "key 'max_entries': expected entries per published feed document"),
    ({"max_entries": "100"}, "key 'max_entries': expected entries per published feed"),
    ({"languages": ["de", "german"]}, "key 'languages': 'german' is not a BCP 47"),
    ({"languages": "de"}, "key 'languages': expected a list of BCP 47 language tags"),
    ({"contact": "bob"}, "key 'contact': expected an http(s) or mailto: URL"),
    ({"max_body_size": "big"}, "key 'max_body_size': expected largest accepted body"),
    ({"title": " "}, "key 'title': expected the title of the combined feed (text, not blank)"),
    # found by mutating feeds.toml: these went through (the first crashed `fetch` when
    # it added the interval to now) or stopped the check with an OverflowError
    ({"interval": "99999999d"}, "key 'interval': expected default polling interval such as "
                                "'30m', '1h', '1d' (at most 365d), got '99999999d'"),
    ({"timeout": "9" * 400 + "s"}, "key 'timeout': expected connect and read timeout"),
    ({"max_body_size": "9" * 400 + "MiB"}, "key 'max_body_size': expected largest accepted"),
])
def test_aggregator_errors(tmp_path: Path, aggregator: dict[str, object], expected: str) -> None:
    assert expected in error(tmp_path, [GOOD], **aggregator)


def test_html_selectors(tmp_path: Path) -> None:
    path = write_config(tmp_path, [{**GOOD, "kind": "html"}])
    path.write_text(path.read_text() + '[source.html]\nitem = "article"\ntitle = "h2"\n')
    source = config.load(path, environ={}).sources[0]
    assert source.html is not None and source.html.item == "article"
    path.write_text(path.read_text() + 'titel = "h3"\n')
    with pytest.raises(ConfigError, match=r"key 'titel': unknown key in \[source.html\]"):
        config.load(path, environ={})


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("title", "h2[", "key 'html.title': expected CSS selector of the title inside an item "
                     "(required), got 'h2['"),
    ("item", ":::", "key 'html.item': expected CSS selector of one news item"),
    ("date_format", "%d.%m.%Y %", "key 'html.date_format': expected strftime format for "
                                  "dates the page writes ambiguously, got '%d.%m.%Y %': "
                                  "stray % in format"),
    ("date_format", "%-d.%m.%Y", "'-' is a bad directive"),  # glibc's strftime, not strptime
])
def test_page_selectors_and_date_format_are_checked(tmp_path: Path, key: str, value: str,
                                                    expected: str) -> None:
    """A selector or date format that can never match is a configuration error (it
    was found only at the first fetch, or, for the format, never)."""
    path = write_config(tmp_path, [{**GOOD, "kind": "html"}])
    table = {"item": "article", "title": "h2", "date_format": "%d.%m.%Y", key: value}
    path.write_text(path.read_text() + "[source.html]\n" + "".join(
        f"{name} = {json.dumps(text)}\n" for name, text in table.items()))
    with pytest.raises(ConfigError) as raised:
        config.load(path, environ={})
    assert expected in str(raised.value)
    assert "source 'kargah'" in str(raised.value)


def test_usual_date_formats_pass_the_check(tmp_path: Path) -> None:
    path = write_config(tmp_path, [{**GOOD, "kind": "html"}])
    path.write_text(path.read_text() + '[source.html]\nitem = "ul.news > li"\n'
                    'title = "h3 a, h2"\ndate = "time[datetime]"\n'
                    'date_format = "%d. %B %Y, %H:%M Uhr %Z"\n')
    source = config.load(path, environ={}).sources[0]
    assert source.html is not None and source.html.date_format == "%d. %B %Y, %H:%M Uhr %Z"


@pytest.mark.parametrize(("text", "seconds"), [
    ("30m", 1800), ("1h", 3600), ("1h30m", 5400), ("45s", 45), ("500ms", 0.5), ("1d", 86400),
    ("365d", 365 * 86400),
])
def test_durations(text: str, seconds: float) -> None:
    assert config.parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "m", "10", "1x", "-5m", "5m garbage", "366d", "1e3s"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        config.parse_duration(text)


@pytest.mark.parametrize(("value", "size"), [
    ("15MiB", 15 * 1024 * 1024), ("500 kB", 500_000), (1024, 1024), ("2GB", 2 * 10**9)])
def test_sizes(value: object, size: int) -> None:
    assert config.parse_size(value) == size
