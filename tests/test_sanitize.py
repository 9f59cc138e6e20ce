"""What may reach a subscriber: sanitised HTML, plain-text titles."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aggregator.sanitize import clean_html, escape_text, plain_text, text_of

BASE = "https://kargah.example/news/"


@pytest.mark.parametrize(("dirty", "clean"), [
    ("<p onclick='x()'>Hi</p>", "<p>Hi</p>"),
    ("<script>alert(1)</script><p>ok</p>", "<p>ok</p>"),
    ("<style>p{}</style><p>ok</p>", "<p>ok</p>"),
    ("<iframe src='https://evil.example'></iframe>ok", "ok"),
    ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
    ('<a href="java&#x09;script:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
    ('<img src="data:image/png;base64,AAAA">', "<img>"),
    ('<a href="/a">x</a>', '<a href="https://kargah.example/a" rel="noopener noreferrer">x</a>'),
    ('<img src="b.png" alt="b">', '<img src="https://kargah.example/news/b.png" alt="b">'),
    ('<p style="color:red" dir="rtl" lang="fa">متن</p>', '<p dir="rtl" lang="fa">متن</p>'),
    ("<form><input name=x></form>text", "text"),
    ("<svg><script>alert(1)</script></svg>ok", "ok"),
])
def test_clean_html(dirty: str, clean: str) -> None:
    assert clean_html(dirty, BASE) == clean


def test_control_characters_go() -> None:
    assert clean_html("a\x00b\x1bc\ufffe", BASE) == "abc"
    assert plain_text("Title\x07 with\x0b controls\uffff") == "Title with controls"


@pytest.mark.parametrize("reference", ["&#1;", "&#1", "&#x1b;", "&#x7;", "&#xFFFE;"])
def test_control_characters_written_as_references_go_too(reference: str) -> None:
    """The cleaner decodes character references: one to a control character would put
    it in the output, and lxml (so feedgen) refuses every document that holds it."""
    assert clean_html(f"<p>a{reference}b</p>", BASE) == "<p>ab</p>"
    assert plain_text(f"Title{reference}") == "Title"


@pytest.mark.parametrize(("title", "text"), [
    ("<b>Tom &amp; Jerry</b>", "Tom & Jerry"),
    ("&lt;script&gt;alert(1)&lt;/script&gt; News", "News"),
    ("a < b &amp; c", "a < b & c"),
    ("  many \n  spaces\t ", "many spaces"),
    ("Persian: می\u200cشود", "Persian: می\u200cشود"),
])
def test_plain_text(title: str, text: str) -> None:
    assert plain_text(title) == text


def test_text_content_is_escaped_once() -> None:
    assert escape_text("<b>not bold</b> & more\nline") == \
        "&lt;b&gt;not bold&lt;/b&gt; &amp; more<br>line"


@given(st.text(max_size=200))
def test_sanitising_is_idempotent(text: str) -> None:
    once = clean_html(text, BASE)
    assert clean_html(once, BASE) == once
    assert "<script" not in once.lower()
    assert plain_text(plain_text(text)) == plain_text(text)


@pytest.mark.parametrize(("text", "balanced"), [
    ("\u202eevil title", "\u202eevil title\u202c"),  # unterminated RLO closed
    ("a\u202cb", "ab"),  # a PDF that closes nothing goes
    ("\u2067نام\u2069 ok", "\u2067نام\u2069 ok"),  # balanced isolate kept
    ("\u2068x\u202by", "\u2068x\u202by\u202c\u2069"),  # nested: closed inside out
    ("x\u2069", "x"),
    ("\u200fمتن\u200e and می\u200cشود\u200d", "\u200fمتن\u200e and می\u200cشود\u200d"),
])
def test_bidi_controls_are_balanced(text: str, balanced: str) -> None:
    from aggregator.sanitize import balance_bidi

    assert balance_bidi(text) == balanced
    assert plain_text(text) == balanced.strip()


def test_persian_joiners_survive_byte_for_byte() -> None:
    persian = "کلاس زبان آلمانی برگزار می\u200cشود؛ خانه\u200cی فرهنگ"
    assert plain_text(persian).encode() == persian.encode()
    assert clean_html(f"<p>{persian}</p>", BASE).encode() == f"<p>{persian}</p>".encode()


def test_an_unterminated_override_in_html_is_closed() -> None:
    assert clean_html("<p>\u202etxet</p>", BASE) == "<p>\u202etxet\u202c</p>"


ANNOUNCEMENT = ("<h3>Sprachcafé in Linden</h3><p>Jeden Montag im Stadtteilzentrum</p>"
                "<ul><li>Deutsch üben</li><li>Kaffee trinken</li></ul>"
                "Eintritt frei<br>Alle willkommen")


@pytest.mark.parametrize("base", ["http://exa mple.org/", "http://example.\x1arg/",
                                  "http://[::1/news/"])
def test_a_base_that_cannot_be_parsed_resolves_nothing(base: str) -> None:
    assert clean_html('<a href="/a">x</a><img src="b.png"><a href="https://ok.example/">y</a>',
                      base) == ('<a rel="noopener noreferrer">x</a><img>'
                                '<a href="https://ok.example/" rel="noopener noreferrer">y</a>')


def test_words_on_either_side_of_a_block_or_break_stay_apart() -> None:
    expected = ("Sprachcafé in Linden Jeden Montag im Stadtteilzentrum Deutsch üben "
                "Kaffee trinken Eintritt frei Alle willkommen")
    assert plain_text(ANNOUNCEMENT) == expected
    assert text_of(clean_html(ANNOUNCEMENT)) == expected
    assert plain_text("Tom<b>&amp;</b>Jerry") == "Tom&Jerry"  # inline markup joins nothing


def test_text_by_lines_ends_a_line_at_each_block() -> None:
    assert text_of(clean_html(ANNOUNCEMENT), lines=True).split("\n") == [
        "Sprachcafé in Linden", "Jeden Montag im Stadtteilzentrum", "Deutsch üben",
        "Kaffee trinken", "Eintritt frei", "Alle willkommen"]
    assert text_of("<p>a  b</p>\n\n<p> c </p>", lines=True) == "a b\nc"


@given(st.text(alphabet=st.sampled_from("ab<>/p \n\t\r\x0b\x0c\x85\u2028\u00a0\u3000")))
@example("<<p>")  # a "<" before a tag: text to both forms (it once vanished from one)
def test_text_by_lines_keeps_every_word_and_no_blank_or_padded_line(markup: str) -> None:
    text = text_of(markup, lines=True)
    lines = text.split("\n")
    assert all(line and line == line.strip() and "  " not in line for line in lines) or (
        text == "")
    assert not any(character.isspace() and character not in " \n" for character in text)
    assert text.split() == text_of(markup).split()  # the same words as on one line
