"""Dates, times and language names as people read them, in their language. This module
owns Babel (CLDR data: month names, orders, digits and language names for every portal
language).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval, format_skeleton, format_time

PORTAL_ZONE = ZoneInfo("Europe/Berlin")
FALLBACK = "de"


@lru_cache(maxsize=64)
def _locale(language: str | None) -> Locale:
    try:
        return Locale.parse(language or FALLBACK)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FALLBACK)


def language_name(code: str) -> str | None:
    """A language's name in that language (``Türkçe``, ``فارسی``), from the CLDR locale
    of that language; None when CLDR has none for it. Read from the locale data that
    dates are formatted with already: langcodes' table of names would cost a
    publishing process another 16 MB."""
    try:
        locale = Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return None
    # kmr: CLDR's locale is "ku" (Kurmanji), named under that code
    name: str | None = locale.languages.get(code) or locale.languages.get(locale.language)
    return name


def format_when(moment: datetime, language: str | None) -> str:
    """``12. März 2026, 18:00`` / ``March 12, 2026, 6:00 PM`` in Hannover's time."""
    local = moment.astimezone(PORTAL_ZONE)
    locale = _locale(language)
    day = format_date(local, "long", locale=locale)
    return f"{day}, {format_time(local, 'short', locale=locale)}"


def format_day(moment: datetime, language: str | None) -> str:
    return format_date(moment.astimezone(PORTAL_ZONE), "long", locale=_locale(language))


def format_span(start: datetime, end: datetime | None, all_day: bool,
                language: str | None) -> str:
    """When an event happens, in Hannover's time: ``Do., 12. März 2026, 18:00–20:00``,
    ``Sa., 14. – So., 15. März 2026`` (all day; ``end`` is exclusive), ``Thu, Mar 12,
    2026, 6:00 PM``."""
    locale = _locale(language)
    first = start.astimezone(PORTAL_ZONE)
    if all_day:
        last = (end.astimezone(PORTAL_ZONE) - timedelta(days=1)) if end else first
        if last.date() <= first.date():
            return format_skeleton("yMMMEd", first, locale=locale)
        return format_interval(first.date(), last.date(), "yMMMEd", locale=locale)
    day = format_skeleton("yMMMEd", first, locale=locale)
    if end is None:
        return f"{day}, {format_time(first, 'short', locale=locale)}"
    last = end.astimezone(PORTAL_ZONE)
    if last.date() == first.date():
        return f"{day}, {format_interval(first.time(), last.time(), 'Hm', locale=locale)}"
    return (f"{day}, {format_time(first, 'short', locale=locale)} – "
            f"{format_skeleton('yMMMEd', last, locale=locale)}, "
            f"{format_time(last, 'short', locale=locale)}")
