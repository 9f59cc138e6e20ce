"""Pure decisions, tested with plain values: identity keys, content hashes, dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from aggregator import decide

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
