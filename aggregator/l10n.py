"""Dates and times as people read them, in their language. This module owns Babel
(CLDR data: month names, orders and digits for every portal language).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time

PORTAL_ZONE = ZoneInfo("Europe/Berlin")
FALLBACK = "de"


@lru_cache(maxsize=64)
def _locale(language: str | None) -> Locale:
    try:
        return Locale.parse(language or FALLBACK)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FALLBACK)


def format_when(moment: datetime, language: str | None) -> str:
    """``12. März 2026, 18:00`` / ``March 12, 2026, 6:00 PM`` in Hannover's time."""
    local = moment.astimezone(PORTAL_ZONE)
    locale = _locale(language)
    day = format_date(local, "long", locale=locale)
    return f"{day}, {format_time(local, 'short', locale=locale)}"


def format_day(moment: datetime, language: str | None) -> str:
    return format_date(moment.astimezone(PORTAL_ZONE), "long", locale=_locale(language))
