"""Expected aggregator output for the hand-made fixture feeds in this directory.

``HEADERS`` maps each fixture file to the ``Content-Type`` the local test server
must send with it.  Two fixtures carry no encoding in their XML declaration and
are only decodable with the charset from this header (see below).

``EXPECTED`` maps each fixture file to what a correct aggregator ingests from it:

* ``count``: how many entries must be stored.
* ``entries``: one dict per entry, in document order, with

  - ``title``: plain text, markup stripped and entities decoded;
  - ``link``: absolute URL, or ``None`` when the entry has no link;
  - ``language``: primary BCP 47 subtag ("de" for "de-DE"), taken from the
    entry's own ``xml:lang`` if present, otherwise from the feed's declaration
    (``xml:lang`` on atom:feed, ``<language>``, ``dc:language``); ``None`` when
    nothing declares a language (no guessing from the text);
  - ``published``: ISO 8601 in UTC (``datetime.isoformat()`` of an aware UTC
    datetime), or ``None`` when the feed gives no usable date and the
    aggregator has to fall back to the first-seen time.  The Unix epoch
    (1970-01-01) and dates in the far future (year 2999) count as unusable.
    RSS ``pubDate``, Atom 1.0 ``published``, Atom 0.3 ``issued`` and RSS 1.0
    ``dc:date`` are the sources.

Every title, link and date below was checked against feedparser 6.0.14 with
``feedparser.parse(data, response_headers={"content-type": HEADERS[name]})``.
Places where feedparser's raw result differs from the expectation (because the
aggregator must post-process it, or because feedparser gets it wrong) are
marked with "feedparser:" comments.
"""

from __future__ import annotations

from typing import TypedDict


class ExpectedEntry(TypedDict):
    title: str
    link: str | None
    language: str | None
    published: str | None


class ExpectedFeed(TypedDict):
    count: int
    entries: list[ExpectedEntry]


_RSS_UTF8 = "application/rss+xml; charset=utf-8"
_ATOM_UTF8 = "application/atom+xml; charset=utf-8"

HEADERS: dict[str, str] = {
    "kargah-rss2-de.xml": _RSS_UTF8,
    "miso-atom-multi.atom": _ATOM_UTF8,
    "city-rss1-de.rdf": "application/rdf+xml; charset=utf-8",
    "faust-rss2-noids.xml": _RSS_UTF8,
    "dupids-rss2.xml": "text/xml; charset=utf-8",
    # The XML declarations of the next two files have no encoding attribute,
    # so this charset parameter is the only encoding information.
    # feedparser: without it, feedparser does not fail but silently decodes the
    # bytes as iso-8859-2 (Persian) or windows-1252 (Turkish) and yields mojibake
    # titles; the only hint is bozo=1 with a CharacterEncodingOverride.
    "fa-rss2-windows1256.xml": "application/rss+xml; charset=windows-1256",
    "tr-rss2-iso88599.xml": "application/rss+xml; charset=iso-8859-9",
    # No charset parameter on purpose: application/*+xml falls back to the XML
    # declaration (UTF-8).  (Do not use bare "text/xml" for UTF-8 fixtures:
    # RFC 3023 makes that us-ascii, and feedparser then sets bozo=1 with a
    # CharacterEncodingOverride although the content is decoded correctly.)
    "ar-atom.atom": "application/atom+xml",
    "ru-atom.atom": _ATOM_UTF8,
    "uk-rss2.xml": _RSS_UTF8,
    "en-atom03.xml": "application/xml; charset=utf-8",
    "odd-dates-rss2.xml": _RSS_UTF8,
    "changing-v1.xml": _RSS_UTF8,
    "changing-v2.xml": _RSS_UTF8,
    "broken-usable.xml": _RSS_UTF8,
    "not-a-feed.html": "text/html; charset=utf-8",
    "empty.xml": _RSS_UTF8,
}


EXPECTED: dict[str, ExpectedFeed] = {
    # RSS 2.0, <language>de-DE</language>.  HTML descriptions; the third item's
    # description contains <script>alert(1)</script> (feedparser's sanitizer
    # already drops it together with its text).
    "kargah-rss2-de.xml": {
        "count": 5,
        "entries": [
            {
                "title": "Ehrenamtliche Sprachmittler*innen gesucht",
                "link": "https://kargah.example/aktuelles/127",
                "language": "de",
                "published": "2026-04-24T14:45:00+00:00",
            },
            {
                # Source: "Beratung &amp; Begleitung ..."
                "title": "Beratung & Begleitung bei Behördengängen",
                "link": "https://kargah.example/aktuelles/125",
                "language": "de",
                "published": "2026-04-14T06:00:00+00:00",
            },
            {
                "title": "Frauencafé: Frühlingsfest am 18. April",
                # Source: <link>/aktuelles/123</link>, resolved against the
                # channel <link>https://kargah.example/</link>.
                # feedparser: parsing bytes it returns "/aktuelles/123" unchanged;
                # given a Content-Location (or URL) it resolves against THAT,
                # i.e. against the test server's URL, not the channel link.
                "link": "https://kargah.example/aktuelles/123",
                "language": "de",
                "published": "2026-04-02T08:15:00+00:00",
            },
            {
                "title": "Offene Sprechstunde für Geflüchtete – jetzt auch dienstags",
                "link": "https://kargah.example/aktuelles/121",
                "language": "de",
                "published": "2026-03-25T13:00:00+00:00",
            },
            {
                "title": "Neue Deutschkurse ab April: Anmeldung geöffnet",
                "link": "https://kargah.example/aktuelles/118",
                "language": "de",
                "published": "2026-03-16T08:30:00+00:00",
            },
        ],
    },
    # Atom 1.0 without feed-level xml:lang; every entry has its own xml:lang.
    # feedparser exposes it as entry.title_detail.language etc.
    "miso-atom-multi.atom": {
        "count": 6,
        "entries": [
            {
                "title": "Netzwerktreffen im Mai: Ehrenamt stärken",
                "link": "https://miso-hannover.example/de/news/58",
                "language": "de",
                "published": "2026-05-07T16:00:00+00:00",
            },
            {
                # feedparser: <title type="html"> comes back as
                # "Call for participants: <em>Intercultural Week</em> 2026".
                "title": "Call for participants: Intercultural Week 2026",
                "link": "https://miso-hannover.example/en/news/57",
                "language": "en",
                "published": "2026-05-05T12:00:00+00:00",
            },
            {
                "title": "Anneler için Almanca kursu başlıyor",
                "link": "https://miso-hannover.example/tr/news/56",
                "language": "tr",
                "published": "2026-04-28T14:00:00+00:00",
            },
            {
                "title": "ساعات استشارة جديدة للعائلات",
                "link": "https://miso-hannover.example/ar/news/55",
                "language": "ar",
                "published": "2026-04-22T09:00:00+00:00",
            },
            {
                # Contains U+200C ZERO WIDTH NON-JOINER; must be preserved.
                "title": "جشن نوروز در خانه\u200cی فرهنگ لیندن",
                "link": "https://miso-hannover.example/fa/news/54",
                "language": "fa",
                "published": "2026-03-18T19:00:00+00:00",
            },
            {
                "title": "Консультация по вопросам трудоустройства",
                "link": "https://miso-hannover.example/ru/news/53",
                "language": "ru",
                "published": "2026-03-09T08:00:00+00:00",
            },
        ],
    },
    # RSS 1.0 / RDF, channel-level dc:language "de", per-item dc:date.
    # feedparser: dc:date is reported only as updated/updated_parsed;
    # published_parsed is absent.  It is the item's only date, so it is the
    # publication date.  (The id is the rdf:about URI.)
    "city-rss1-de.rdf": {
        "count": 4,
        "entries": [
            {
                "title": "Stadt fördert Sprachcafés in zwölf Stadtteilen",
                "link": "https://hannover-stadt.example/presse/2026/pm-0412",
                "language": "de",
                "published": "2026-05-13T13:20:00+00:00",
            },
            {
                "title": "Interkulturelle Woche: Programmheft erscheint in elf Sprachen",
                "link": "https://hannover-stadt.example/presse/2026/pm-0409",
                "language": "de",
                "published": "2026-05-11T08:00:00+00:00",
            },
            {
                "title": "Einbürgerung: Online-Terminvergabe wird erweitert",
                "link": "https://hannover-stadt.example/presse/2026/pm-0401",
                "language": "de",
                "published": "2026-05-06T06:45:00+00:00",
            },
            {
                "title": "Maschseefest: Hinweise zu Sperrungen und Busumleitungen",
                "link": "https://hannover-stadt.example/presse/2026/pm-0388",
                "language": "de",
                "published": "2026-05-04T09:30:00+00:00",
            },
        ],
    },
    # RSS 2.0 with no <guid> at all and no <language> (the text is German, but
    # nothing declares it).  feedparser gives entry.id = None for every item.
    # The aggregator must derive ids itself: from the link for the first four,
    # from the content (title + description) for the last one, which has
    # neither guid nor link and must still be ingested.
    "faust-rss2-noids.xml": {
        "count": 5,
        "entries": [
            {
                "title": "Flohmarkt auf dem Faust-Gelände",
                "link": "https://faust-hannover.example/programm/flohmarkt-juni",
                "language": None,
                "published": "2026-06-12T07:00:00+00:00",
            },
            {
                "title": "Konzert: Ensemble Kervan – Lieder von Istanbul bis Teheran",
                "link": "https://faust-hannover.example/programm/kervan",
                "language": None,
                "published": "2026-06-10T10:30:00+00:00",
            },
            {
                "title": "Offene Fahrradwerkstatt jeden Montag",
                "link": "https://faust-hannover.example/programm/fahrradwerkstatt",
                "language": None,
                "published": "2026-06-08T06:00:00+00:00",
            },
            {
                "title": "Lesung: Ankommen in Linden – Geschichten aus drei Generationen",
                "link": "https://faust-hannover.example/programm/lesung-ankommen",
                "language": None,
                "published": "2026-06-03T15:15:00+00:00",
            },
            {
                "title": "Hinweis: Abendkasse am 15. Juni geschlossen",
                "link": None,
                "language": None,
                "published": "2026-06-01T08:00:00+00:00",
            },
        ],
    },
    # A broken CMS: the first three items all have <guid>1</guid> (no
    # isPermaLink attribute) but different links and titles.  All four items
    # are distinct and must be stored; an aggregator keyed on guid alone would
    # keep only one of the first three.  feedparser reports id "1" for each
    # and keeps the real <link> (guidislink False).
    "dupids-rss2.xml": {
        "count": 4,
        "entries": [
            {
                "title": "Hausaufgabenhilfe startet nach den Ferien",
                "link": "https://treff-vahrenheide.example/news/hausaufgabenhilfe",
                "language": "de",
                "published": "2026-01-12T14:00:00+00:00",
            },
            {
                "title": "Nähkurs für Anfängerinnen",
                "link": "https://treff-vahrenheide.example/news/naehkurs",
                "language": "de",
                "published": "2026-01-09T10:20:00+00:00",
            },
            {
                "title": "Mieterberatung im Januar",
                "link": "https://treff-vahrenheide.example/news/mieterberatung",
                "language": "de",
                "published": "2026-01-09T08:00:00+00:00",
            },
            {
                "title": "Neujahrsempfang mit Nachbarschaftsbuffet",
                "link": "https://treff-vahrenheide.example/news/neujahrsempfang",
                "language": "de",
                "published": "2026-01-05T09:00:00+00:00",
            },
        ],
    },
    # windows-1256 bytes, <?xml version="1.0"?> without encoding, <language>fa.
    # windows-1256 has no PERSIAN YEH (U+06CC), so - as on real legacy Persian
    # sites - every yeh in this file is ARABIC YEH (U+064A, "ي").  The titles
    # below therefore contain U+064A, not U+06CC; U+200C is written as an escape.
    "fa-rss2-windows1256.xml": {
        "count": 3,
        "entries": [
            {
                "title": "کلاس زبان آلماني براي بزرگسالان از ژوئن برگزار مي\u200cشود",
                "link": "https://kargah.example/fa/akhbar/41",
                "language": "fa",
                "published": "2026-05-13T08:00:00+00:00",
            },
            {
                "title": "ساعت مشاوره\u200cي حقوقي براي پناهجويان تغيير مي\u200cکند",
                "link": "https://kargah.example/fa/akhbar/38",
                "language": "fa",
                "published": "2026-03-25T11:00:00+00:00",
            },
            {
                "title": "جشن چهارشنبه\u200cسوري در پارک محله\u200cي ليندن",
                "link": "https://kargah.example/fa/akhbar/36",
                # pubDate uses +0330 (Tehran).
                "language": "fa",
                "published": "2026-03-09T16:00:00+00:00",
            },
        ],
    },
    # iso-8859-9 bytes, no encoding in the XML declaration, <language>tr.
    # (The channel title uses "-" because iso-8859-9 has no EN DASH.)
    "tr-rss2-iso88599.xml": {
        "count": 3,
        "entries": [
            {
                "title": "İlkbahar şenliği: Çocuklar için ücretsiz atölyeler",
                "link": "https://miso-hannover.example/tr/haber/31",
                "language": "tr",
                "published": "2026-04-30T07:00:00+00:00",
            },
            {
                "title": "Göçmen kadınlar için bilgisayar kursu başlıyor",
                "link": "https://miso-hannover.example/tr/haber/29",
                "language": "tr",
                # pubDate uses +0300 (Turkey).
                "published": "2026-04-21T11:30:00+00:00",
            },
            {
                "title": "Oturma izni danışmanlığının saatleri değişti",
                "link": "https://miso-hannover.example/tr/haber/27",
                "language": "tr",
                "published": "2026-04-10T09:00:00+00:00",
            },
        ],
    },
    # Atom 1.0 with xml:lang="ar" on atom:feed only; entries inherit it.
    "ar-atom.atom": {
        "count": 3,
        "entries": [
            {
                "title": "مكتب جديد لاستقبال القادمين الجدد في وسط المدينة",
                "link": "https://hannover-stadt.example/ar/news/17",
                "language": "ar",
                "published": "2026-06-02T07:00:00+00:00",
            },
            {
                "title": "دورات مجانية في اللغة الألمانية للنساء",
                "link": "https://hannover-stadt.example/ar/news/16",
                "language": "ar",
                "published": "2026-05-27T08:30:00+00:00",
            },
            {
                "title": "مهرجان الثقافات على ضفاف بحيرة ماش",
                "link": "https://hannover-stadt.example/ar/news/15",
                "language": "ar",
                "published": "2026-05-19T16:00:00+00:00",
            },
        ],
    },
    "ru-atom.atom": {
        "count": 2,
        "entries": [
            {
                "title": "Родительский клуб: встречи по пятницам",
                "link": "https://miso-hannover.example/ru/news/12",
                "language": "ru",
                "published": "2026-05-15T15:00:00+00:00",
            },
            {
                "title": "Бесплатная юридическая консультация в мае",
                "link": "https://miso-hannover.example/ru/news/11",
                "language": "ru",
                "published": "2026-05-04T07:00:00+00:00",
            },
        ],
    },
    # feedparser: for RSS the channel <language> is only in feed.language;
    # entry.title_detail.language is None, so the aggregator must inherit it.
    "uk-rss2.xml": {
        "count": 2,
        "entries": [
            {
                "title": "Консультації для людей з України щосереди",
                "link": "https://hannover-stadt.example/uk/novyny/9",
                "language": "uk",
                "published": "2026-06-03T07:00:00+00:00",
            },
            {
                "title": "Курси німецької мови: нові групи з вересня",
                "link": "https://hannover-stadt.example/uk/novyny/8",
                "language": "uk",
                "published": "2026-05-25T11:15:00+00:00",
            },
        ],
    },
    # Atom 0.3 (feedparser version "atom03"): issued -> published_parsed,
    # modified -> updated_parsed.  xml:lang="en" on the feed.
    "en-atom03.xml": {
        "count": 2,
        "entries": [
            {
                "title": "Volunteers wanted for the summer festival",
                "link": "https://faust-hannover.example/en/news/volunteers-2026",
                "language": "en",
                # issued 2026-02-20T19:00:00+01:00 (modified is 18:30Z).
                "published": "2026-02-20T18:00:00+00:00",
            },
            {
                # Source: mode="escaped" type="text/html" with "&amp;amp;", i.e.
                # the HTML "Open stage night &amp; jam session".
                # feedparser: returns that HTML string, with "&amp;" still in it.
                "title": "Open stage night & jam session",
                "link": "https://faust-hannover.example/en/news/open-stage-feb",
                "language": "en",
                "published": "2026-02-11T12:00:00+00:00",
            },
        ],
    },
    # One item per date oddity.
    "odd-dates-rss2.xml": {
        "count": 6,
        "entries": [
            {
                # No <pubDate> at all.
                "title": "Sprechstunde Aufenthaltsrecht (ohne Datum)",
                "link": "https://kargah.example/termine/aufenthaltsrecht",
                "language": "de",
                "published": None,
            },
            {
                # "Thu, 01 Jan 1970 00:00:00 GMT".
                # feedparser: parses it as a real date (1970-01-01T00:00:00Z).
                "title": "Computerkurs für Seniorinnen",
                "link": "https://kargah.example/termine/computerkurs",
                "language": "de",
                "published": None,
            },
            {
                # "Tue, 01 Jan 2999 00:00:00 +0100".
                # feedparser: parses it as 2998-12-31T23:00:00Z.
                "title": "Dauerangebot: Hausaufgabenhilfe",
                "link": "https://kargah.example/termine/hausaufgabenhilfe",
                "language": "de",
                "published": None,
            },
            {
                # "2026-03-12" (W3C-DTF date only) -> midnight UTC.
                "title": "Infoabend Ausbildung und Studium",
                "link": "https://kargah.example/termine/infoabend-ausbildung",
                "language": "de",
                "published": "2026-03-12T00:00:00+00:00",
            },
            {
                # "12 Mar 2026 18:00:00 +0100" (no weekday).
                "title": "Filmabend: Geschichten vom Ankommen",
                "link": "https://kargah.example/termine/filmabend",
                "language": "de",
                "published": "2026-03-12T17:00:00+00:00",
            },
            {
                # "Sun, 08 Nov 2026 10:00:00 PST" (PST = -0800).
                "title": "Partnerschaftsbesuch aus Kalifornien",
                "link": "https://kargah.example/termine/partnerbesuch",
                "language": "de",
                "published": "2026-11-08T18:00:00+00:00",
            },
        ],
    },
    # The same feed at two points in time.  Between v1 and v2:
    # guid faust-werkstatt-201 got a new title and description (same link and
    # pubDate); faust-werkstatt-198 and -195 are byte-identical; and
    # faust-werkstatt-204 is new.  After ingesting v1 then v2 the store holds 4
    # entries, with -201 updated in place (not duplicated).
    "changing-v1.xml": {
        "count": 3,
        "entries": [
            {
                "title": "Töpferkurs am Wochenende",
                "link": "https://faust-hannover.example/werkstatt/toepfern",
                "language": "de",
                "published": "2026-09-02T07:00:00+00:00",
            },
            {
                "title": "Offene Holzwerkstatt: Möbel aus Paletten",
                "link": "https://faust-hannover.example/werkstatt/holz",
                "language": "de",
                "published": "2026-09-01T13:00:00+00:00",
            },
            {
                "title": "Nähcafé: Kleidung reparieren statt wegwerfen",
                "link": "https://faust-hannover.example/werkstatt/naehcafe",
                "language": "de",
                "published": "2026-08-28T09:30:00+00:00",
            },
        ],
    },
    "changing-v2.xml": {
        "count": 4,
        "entries": [
            {
                "title": "Neu: Siebdruck-Werkstatt für Jugendliche",
                "link": "https://faust-hannover.example/werkstatt/siebdruck",
                "language": "de",
                "published": "2026-09-04T08:00:00+00:00",
            },
            {
                "title": "Töpferkurs am Wochenende – neuer Termin und ermäßigter Preis",
                "link": "https://faust-hannover.example/werkstatt/toepfern",
                "language": "de",
                "published": "2026-09-02T07:00:00+00:00",
            },
            {
                "title": "Offene Holzwerkstatt: Möbel aus Paletten",
                "link": "https://faust-hannover.example/werkstatt/holz",
                "language": "de",
                "published": "2026-09-01T13:00:00+00:00",
            },
            {
                "title": "Nähcafé: Kleidung reparieren statt wegwerfen",
                "link": "https://faust-hannover.example/werkstatt/naehcafe",
                "language": "de",
                "published": "2026-08-28T09:30:00+00:00",
            },
        ],
    },
    # Not well-formed: a bare "&" in the first title, and </rss> is missing.
    # feedparser: bozo=1 (SAXParseException "not well-formed (invalid
    # token)"), falls back to its loose parser and still returns both items
    # with correct titles, links and dates.  Must be ingested, not rejected.
    "broken-usable.xml": {
        "count": 2,
        "entries": [
            {
                "title": "Kochen & Klönen: Rezepte aus aller Welt",
                "link": "https://cafe-lindensued.example/programm/kochen-kloenen",
                "language": "de",
                "published": "2026-05-14T15:00:00+00:00",
            },
            {
                "title": "Repair-Café im Mai",
                "link": "https://cafe-lindensued.example/programm/repair-cafe",
                "language": "de",
                "published": "2026-05-11T07:00:00+00:00",
            },
        ],
    },
    # An HTML error page.  feedparser: bozo=1 ("mismatched tag"), version "",
    # no entries; nothing may be ingested and existing entries of the source
    # must not be touched.
    "not-a-feed.html": {"count": 0, "entries": []},
    # A valid RSS 2.0 channel with no items (bozo=0).
    "empty.xml": {"count": 0, "entries": []},
}
