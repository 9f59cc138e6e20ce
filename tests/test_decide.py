"""Pure decisions, tested with plain values: identity keys, content hashes, dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from aggregator import decide
from aggregator.models import SourceKind

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def keys(*items: tuple[str | None, str | None, str, str]) -> list[str]:
    return decide.identity_keys(list(items))


def test_unique_ids_are_the_identity() -> None:
    first = keys(("a", "https://x/1", "T1", ""), ("b", "https://x/2", "T2", ""))
    again = keys(("b", "https://x/2", "changed title", "new text"), ("a", "https://x/1", "T1", ""))
    assert first[0].startswith("id:") and first[1].startswith("id:")
    assert set(first) == set(again)  # order and edits do not change identity


def test_repeated_ids_fall_back_to_id_and_link() -> None:
    result = keys(("1", "https://x/a", "A", ""), ("1", "https://x/b", "B", ""),
                  ("2", "https://x/c", "C", ""))
    assert [key.split(":")[0] for key in result] == ["idlink", "idlink", "id"]
    assert len(set(result)) == 3


def test_entries_without_ids_use_the_link_then_a_hash() -> None:
    result = keys((None, "https://x/a", "A", ""), (None, None, "B", "text"))
    assert result[0].startswith("link:") and result[1].startswith("hash:")
    assert keys((None, None, "B", "text"))[0] == result[1]  # stable across fetches


def test_identical_entries_still_get_distinct_keys() -> None:
    result = keys((None, None, "Same", "same"), (None, None, "Same", "same"))
    assert len(set(result)) == 2


def test_keys_stay_short_whatever_the_feed_sends() -> None:
    assert all(len(key) < 80 for key in keys(("x" * 100_000, None, "", "")))


@given(st.lists(st.tuples(st.one_of(st.none(), st.text(max_size=5)),
                          st.one_of(st.none(), st.text(max_size=5)),
                          st.text(max_size=5), st.text(max_size=5)), max_size=30))
def test_keys_are_always_unique_and_deterministic(
        items: list[tuple[str | None, str | None, str, str]]) -> None:
    result = decide.identity_keys(items)
    assert len(result) == len(items) == len(set(result))
    assert decide.identity_keys(items) == result


def test_content_hash_ignores_nothing_a_reader_sees() -> None:
    base = decide.content_hash("T", "https://x/1", "<p>s</p>", "", "A", ["c"])
    assert base == decide.content_hash("T", "https://x/1", "<p>s</p>", "", "A", ["c"])
    assert base != decide.content_hash("T2", "https://x/1", "<p>s</p>", "", "A", ["c"])
    assert base != decide.content_hash("T", "https://x/1", "<p>s!</p>", "", "A", ["c"])
    assert base != decide.content_hash("T", "https://x/1", "<p>s</p>", "", "A", ["c", "d"])


def test_dates_that_are_not_believed() -> None:
    assert decide.trusted_date(None, NOW) is None
    assert decide.trusted_date(datetime(1970, 1, 1, tzinfo=UTC), NOW) is None
    assert decide.trusted_date(datetime(2999, 1, 1, tzinfo=UTC), NOW) is None
    assert decide.trusted_date(NOW + timedelta(days=2), NOW) is None
    assert decide.trusted_date(NOW + timedelta(hours=3), NOW) == NOW + timedelta(hours=3)
    assert decide.trusted_date(datetime(2020, 5, 1, tzinfo=UTC), NOW) == datetime(
        2020, 5, 1, tzinfo=UTC)


def test_a_source_read_otherwise_in_the_config_starts_afresh() -> None:
    from dataclasses import replace

    from aggregator.models import HtmlSelectors, SourceConfig, SourceState

    source = SourceConfig(id="verein", name="Verein", url="https://verein.example/alt.xml")
    before = SourceState(
        id="verein", reading=decide.reading_key(source), etag='"7"',
        last_modified="Thu, 12 Mar 2026 10:00:00 GMT", body_hash="h" * 64,
        moved_to="https://verein.example/x.xml", moved_from="https://verein.example/alt.xml",
        last_fetch=NOW, last_success=NOW - timedelta(days=3), last_error="HTTP 410 Gone",
        last_error_code="gone", last_error_at=NOW, failures=6, retired=True,
        next_fetch=NOW + timedelta(hours=20), feed_title="Verein", warning="odd dates",
        discovered_url="https://verein.example/feed/", discovered_from="https://verein.example/",
        unparsed_dates=2, entry_count=12)
    assert decide.for_source(before, source) is before
    # what is only published, or when, changes nothing
    same = replace(source, name="Verein e.V.", tags=("partner",), priority=2,
                   interval=timedelta(hours=2), content="full", merge=False)
    assert decide.for_source(before, same) is before
    # another URL, kind, selectors or language setting: a new start
    page = replace(source, kind=SourceKind.HTML, html=HtmlSelectors(item="li", title="a"))
    for changed in (replace(source, url="https://verein.example/neu.xml"), page,
                    replace(page, html=HtmlSelectors(item="article", title="h2")),
                    replace(source, language="tr"), replace(source, language_param="lang")):
        fresh = decide.for_source(before, changed)
        assert fresh == SourceState(
            id="verein", reading=decide.reading_key(changed), last_fetch=NOW,
            last_success=NOW - timedelta(days=3), feed_title="Verein", entry_count=12)
        assert decide.is_due(fresh, NOW)
    # a state saved before readings were recorded is taken as made for the source as is
    unknown = replace(before, reading=None)
    assert decide.for_source(unknown, source) == before
    other = SourceConfig(id="neu", name="Neu", url="https://neu.example/feed.xml")
    assert decide.for_sources([source, other], {"verein": unknown}) == {"verein": before}
