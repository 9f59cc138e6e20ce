"""Tests for aggregator.urls: examples and properties."""

from __future__ import annotations

import string

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from aggregator.urls import (
    TRACKING_PARAMS,
    absolute_url,
    canonical_url,
    is_http_url,
    web_address,
)

# --------------------------------------------------------------------------
# Examples
# --------------------------------------------------------------------------

SAME_PAGE = [
    "https://www.hannover.de/presse/2024/sommerfest-1234/",
    "http://hannover.de/presse/2024/sommerfest-1234",
    "https://m.hannover.de/presse/2024/sommerfest-1234/index.html",
    "HTTPS://WWW.HANNOVER.DE/presse/2024/sommerfest-1234/?utm_source=newsletter&utm_medium=email",
    "https://hannover.de:443/presse/2024/sommerfest-1234#kommentare",
    "http://hannover.de:80/presse/2024/sommerfest-1234/index.php?fbclid=IwAR3x",
    "https://hannover.de/presse/2024/./sommerfest-1234",
    "https://hannover.de/presse/2024/archiv/../sommerfest-1234",
    "  https://hannover.de/presse/2024/sommerfest-1234\n",
    "https://user:secret@hannover.de/presse/2024/sommerfest-1234",
]


@pytest.mark.parametrize("url", SAME_PAGE)
def test_variants_of_one_page_are_equal(url: str) -> None:
    assert canonical_url(url) == "https://hannover.de/presse/2024/sommerfest-1234"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://kargah.de/?p=123&utm_campaign=x", "https://kargah.de/?p=123"),
        ("https://kargah.de/?utm_campaign=x&p=123", "https://kargah.de/?p=123"),
        ("https://kargah.de/news?b=2&a=1", "https://kargah.de/news?a=1&b=2"),
        ("https://kargah.de/?mc_cid=1&mc_eid=2&gclid=3&dclid=4&msclkid=5", "https://kargah.de/"),
        ("https://kargah.de/x?igshid=1&_hsenc=2&_hsmkt=3&yclid=4&ref_src=5", "https://kargah.de/x"),
        ("https://kargah.de/x?UTM_Source=a&Utm_Medium=b", "https://kargah.de/x"),
        ("https://kargah.de/x?pk_campaign=a&mtm_source=b&q=1", "https://kargah.de/x?q=1"),
        ("https://kargah.de/%7Euser/a%2fb?x=%41", "https://kargah.de/~user/a%2Fb?x=A"),
        ("https://kargah.de/stra%c3%9fe", "https://kargah.de/stra%C3%9Fe"),
        ("https://kargah.de/straße?q=ä ö", "https://kargah.de/stra%C3%9Fe?q=%C3%A4+%C3%B6"),
        ("https://münchen.de/", "https://xn--mnchen-3ya.de/"),
        ("https://MÜNCHEN.DE/", "https://xn--mnchen-3ya.de/"),
        ("https://www.www.example.org/a/index.html/index.html", "https://example.org/a"),
        ("https://example.org:8443/a/", "https://example.org:8443/a"),
        ("https://example.org.", "https://example.org/"),
        ("https://m.de/", "https://m.de/"),  # "m." only folds when a domain remains
        ("https://www.de/", "https://www.de/"),
        ("http://127.0.0.1:80/x", "https://127.0.0.1/x"),
        ("http://[::1]:8080/x", "https://[::1]:8080/x"),
    ],
)
def test_examples(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://hannover.de/news/a.html", "https://hannover.de/news/a"),
        ("https://hannover.de/news/index2.html", "https://hannover.de/news"),
        ("https://hannover.de/News", "https://hannover.de/news"),
        ("https://hannover.de/?p=1", "https://hannover.de/?p=2"),
        ("https://hannover.de/news", "https://hannover.de/news?id=4"),
        ("https://hannover.de/a%2Fb", "https://hannover.de/a/b"),
        ("https://hannover.de:8080/x", "https://hannover.de/x"),
        ("https://shop.hannover.de/x", "https://hannover.de/x"),
    ],
)
def test_meaningful_differences_are_kept(a: str, b: str) -> None:
    assert canonical_url(a) != canonical_url(b)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "javascript:alert(1)",
        "mailto:info@kargah.de",
        "/relative/path",
        "http://",
        "http:///x",
        "http://[::1",
        "http://example.com:abc/",
        "http://example.com:99999/",
        "http://exa mple.com/",
        "http://a..b.com/",
        "http://" + "a" * 70 + ".com/",
        "ftp://example.com/file",
        "\x00\x01",
        "https://\ud800.de/",
    ],
)
def test_garbage_is_returned_stripped_and_never_raises(garbage: str) -> None:
    assert canonical_url(garbage) == garbage.strip()
    assert not is_http_url(garbage)


def test_non_string_input_does_not_raise() -> None:
    assert canonical_url(None) == ""  # type: ignore[arg-type]
    assert not is_http_url(None)  # type: ignore[arg-type]
    assert absolute_url(None, "https://a.de/") is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("href", "base", "expected"),
    [
        ("../x?y#z", "https://a.de/b/c/d", "https://a.de/b/x?y#z"),
        ("/feed", "https://a.de/b/", "https://a.de/feed"),
        ("//cdn.a.de/x", "http://a.de/", "http://cdn.a.de/x"),
        ("https://other.de/x", "https://a.de/", "https://other.de/x"),
        ("  item-1.html\n", "https://a.de/news/", "https://a.de/news/item-1.html"),
        ("javascript:void(0)", "https://a.de/", None),
        ("mailto:x@a.de", "https://a.de/", None),
        ("x", "mailto:a@b.de", None),
        ("x", "", None),
        ("https://ok.de/", "", "https://ok.de/"),
        ("x", "http://[::1", None),
        ("ftp://a.de/x", "https://a.de/", None),
    ],
)
def test_absolute_url(href: str, base: str, expected: str | None) -> None:
    assert absolute_url(href, base) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.de", True),
        ("HTTP://A.DE/x", True),
        ("https://münchen.de/", True),
        ("http://127.0.0.1/", True),
        ("http://[::1]/", True),
        ("https://a_b.example/", True),
        ("file:///etc/passwd", False),
        ("https:/a.de", False),
        ("https://a.de:0x50/", False),
        ("https://-a.de/", False),  # a label cannot start with a hyphen
    ],
)
def test_is_http_url(url: str, expected: bool) -> None:
    assert is_http_url(url) is expected


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

_LABEL = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12)
_HOST = st.builds(
    lambda labels, tld, prefix: prefix + ".".join([*labels, tld]),
    st.lists(_LABEL, min_size=1, max_size=3),
    st.sampled_from(["de", "org", "com", "example", "xn--p1ai"]),
    st.sampled_from(["", "www.", "m."]),
)
_SEGMENT = st.text(
    string.ascii_letters + string.digits + "-._~%äöüßاфі!$&'()*+,;=:@", min_size=0, max_size=12
)
_PATH = st.lists(_SEGMENT, max_size=4).map(lambda parts: "/" + "/".join(parts))
_KEY = st.text(string.ascii_lowercase + "_", min_size=1, max_size=8).filter(
    lambda k: (
        k not in TRACKING_PARAMS
        and not k.startswith(("utm_", "pk_", "mtm_", "matomo_", "piwik_", "hmb_"))
    )
)
# (Whitespace is left out: canonical_url strips it from both ends of a URL.)
_QUERY = st.lists(
    st.tuples(_KEY, st.text(string.ascii_letters + string.digits + "äß%+", max_size=6)), max_size=4
)
_TRACKING = st.lists(
    st.tuples(
        st.one_of(
            st.sampled_from(sorted(TRACKING_PARAMS)),
            st.builds(
                lambda s: "utm_" + s, st.sampled_from(["source", "medium", "campaign", "term", "x"])
            ),
        ),
        st.text(string.ascii_letters + string.digits, max_size=8),
    ),
    min_size=1,
    max_size=3,
)


def _url(
    scheme: str, host: str, path: str, query: list[tuple[str, str]], fragment: str = ""
) -> str:
    q = "&".join(f"{k}={v}" for k, v in query)
    return (
        f"{scheme}://{host}{path}" + (f"?{q}" if q else "") + (f"#{fragment}" if fragment else "")
    )


_URLS = st.builds(
    _url, st.sampled_from(["http", "https"]), _HOST, _PATH, _QUERY, st.text(max_size=5)
)


@given(st.one_of(_URLS, st.text(max_size=60)))
@example("https://www.www.example.org/a/index.html/index.html")
@example("http://a.de/%2e%2e/x")
@example("http://a.de/a/.%2E/b")
@example("http://a.de/?a=%25zz")
@settings(max_examples=400, deadline=None)
def test_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@given(_URLS)
@settings(max_examples=200, deadline=None)
def test_result_of_http_url_is_http_url(url: str) -> None:
    assert is_http_url(url)
    result = canonical_url(url)
    assert result.startswith("https://")
    assert is_http_url(result)


@given(st.sampled_from(["http", "https"]), _HOST, _PATH, _QUERY, _TRACKING, st.randoms())
@settings(max_examples=300, deadline=None)
def test_tracking_params_never_change_the_result(
    scheme: str,
    host: str,
    path: str,
    query: list[tuple[str, str]],
    tracking: list[tuple[str, str]],
    rnd: object,
) -> None:
    mixed = list(query) + list(tracking)
    rnd.shuffle(mixed)  # type: ignore[attr-defined]
    assert canonical_url(_url(scheme, host, path, mixed)) == canonical_url(
        _url(scheme, host, path, query)
    )


@given(_HOST, _PATH, _QUERY, st.sampled_from(["http", "https"]), st.data())
@settings(max_examples=300, deadline=None)
def test_stable_under_case_of_scheme_and_host(
    host: str, path: str, query: list[tuple[str, str]], scheme: str, data: st.DataObject
) -> None:
    flips = data.draw(st.lists(st.booleans(), min_size=len(host), max_size=len(host)))
    cased_host = "".join(c.upper() if flip else c for c, flip in zip(host, flips, strict=True))
    cased_scheme = data.draw(st.sampled_from([scheme, scheme.upper(), scheme.capitalize()]))
    assert canonical_url(_url(cased_scheme, cased_host, path, query)) == canonical_url(
        _url(scheme, host, path, query)
    )


@given(_HOST, _PATH, _QUERY)
@settings(max_examples=200, deadline=None)
def test_http_https_www_and_mobile_hosts_fold(
    host: str, path: str, query: list[tuple[str, str]]
) -> None:
    bare = host.removeprefix("www.").removeprefix("m.")
    if "." not in bare:  # a bare TLD: nothing to fold
        return
    expected = canonical_url(_url("https", bare, path, query))
    for variant in (f"www.{bare}", f"m.{bare}", bare):
        for scheme in ("http", "https"):
            assert canonical_url(_url(scheme, variant, path, query)) == expected


@given(_HOST, _PATH, _QUERY)
@settings(max_examples=200, deadline=None)
def test_trailing_slash_and_index_fold(host: str, path: str, query: list[tuple[str, str]]) -> None:
    base = canonical_url(_url("https", host, path, query))
    stem = path.rstrip("/")
    for variant in (stem + "/", stem + "/index.html", stem + "/index.php", stem + "/INDEX.HTML"):
        assert canonical_url(_url("https", host, variant, query)) == base


@given(st.text(max_size=80))
@settings(max_examples=500, deadline=None)
def test_never_raises(text: str) -> None:
    canonical_url(text)
    is_http_url(text)
    absolute_url(text, "https://hannover.de/news/")
    absolute_url("x", text)


@pytest.mark.parametrize("url, address", [
    ("https://partner.example/a b", "https://partner.example/a%20b"),
    ('https://partner.example/?q="x"&v=<1>', "https://partner.example/?q=%22x%22&v=%3C1%3E"),
    ("https://partner.example/grüße/a|b", "https://partner.example/grüße/a%7Cb"),
    ("https://partner.example/a%20b?x=1#top", "https://partner.example/a%20b?x=1#top"),
])
def test_a_web_address_encodes_only_what_no_iri_may_hold(url: str, address: str) -> None:
    assert web_address(url) == address
    assert web_address(address) == address
