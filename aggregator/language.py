"""Language tags: validation, the portal's canonical codes, and names in their own language.

This module owns langcodes (IANA subtag registry and CLDR names): it keeps us from
hand-writing tables of language names and tag aliases.

The portal files every entry under one *primary* code: the BCP 47 language subtag,
with Kurdish split by script because Kurmanji and Sorani are read by different
people: ``ku``/``ku-Latn`` -> ``kmr``, ``ku-Arab`` -> ``ckb``.
"""

from __future__ import annotations

from functools import lru_cache

import langcodes

RTL_LANGUAGES = frozenset({"ar", "fa", "ckb", "he", "ur", "ps", "sd", "ug", "yi", "dv"})


@lru_cache(maxsize=1024)
def _parse(tag: str) -> langcodes.Language | None:
    try:
        language = langcodes.Language.get(tag.strip().replace("_", "-"), normalize=True)
    except (ValueError, LookupError):
        return None
    if not language.language or not language.is_valid() or language.language.startswith("x-"):
        return None
    return language


def is_valid_tag(tag: str) -> bool:
    """True for a well-formed, registered BCP 47 tag such as ``de``, ``fa-IR``, ``ckb``."""
    return bool(tag) and tag == tag.strip() and _parse(tag) is not None


@lru_cache(maxsize=1024)
def primary_code(tag: str | None) -> str | None:
    """The portal's code for a declared tag, or None when the tag means nothing.

    >>> primary_code("de-DE"), primary_code("ku-Arab"), primary_code("ku"), primary_code("??")
    ('de', 'ckb', 'kmr', None)
    """
    if not tag:
        return None
    language = _parse(tag)
    if language is None or language.language in (None, "und", "mul", "zxx"):
        return None
    code = str(language.language)
    if code == "ku":
        return "ckb" if language.script == "Arab" else "kmr"
    return code


@lru_cache(maxsize=256)
def autonym(code: str) -> str:
    """The language's name in that language, e.g. ``Türkçe``, ``فارسی``: CLDR's, through
    Babel (:func:`aggregator.l10n.language_name`), else langcodes' (``prs``: ``فارسی
    (افغانستان)``), else the code."""
    from .l10n import language_name

    if name := language_name(code):
        return name
    language = _parse(code)
    return language.autonym() if language is not None else code


def is_rtl(code: str | None) -> bool:
    return code is not None and code in RTL_LANGUAGES
