"""What the fixture pages in this folder must give, with the selectors a partner would
write for them. The pages imitate real CMS output: a Joomla 4 blog list (``<base
href>``, relative links, ``<time datetime>``), a WordPress archive (German month names,
``Mai 18, 2022``, a lazy-loaded image, one unreadable date), the city's press list
(ISO-8859-1, a table without ``<tbody>``, ``dd.mm.yyyy, HH:MM Uhr``), a REDAXO page
(``clang`` language ids, Turkish dates, items in two languages) and a Persian page
(RTL, Persian and Arabic-Indic digits, an item without a link).

``published`` is ISO 8601 in UTC (dates without a time are midnight in
Europe/Berlin), or None: unreadable, the first-seen time is used.
"""

from __future__ import annotations

from typing import Any

#: the portal's languages, as in the shipped feeds.toml
LANGUAGES = ("de", "en", "tr", "ar", "fa", "ru", "uk", "kmr", "ckb", "vi", "pl")

PAGES: dict[str, dict[str, Any]] = {
    "joomla-blog.html": {
        "path": "/index.php/aktuelles",
        "content_type": "text/html; charset=utf-8",
        "language": "de",
        "html": {"item": "div.blog-item", "title": "h2", "date": "dd.published time",
                 "summary": ".item-content > p:not(.readmore)", "image": "figure img"},
        "page_language": "de",
        "entries": [
            {"title": "Ehrenamtliche Sprachmittler*innen gesucht",
             "link": "https://www.kargah.example/index.php/aktuelles/214-sprachmittler-innen-gesucht",
             "published": "2026-03-12T08:30:00+00:00", "language": "de"},
            {"title": "Frauencafé: jeden Donnerstag",
             "link": "https://www.kargah.example/index.php/aktuelles/213-frauencafe"
                     "?utm_source=newsletter",
             "published": "2026-03-04T23:00:00+00:00", "language": "de"},
            {"title": "Neue Öffnungszeiten der Beratungsstelle", "link": None,
             "published": "2026-02-26T23:00:00+00:00", "language": "de"},
        ],
    },
    "wordpress-archive.html": {
        "path": "/category/neuigkeiten/",
        "content_type": "text/html; charset=UTF-8",
        "language": "de",
        "html": {"item": "article.post", "title": "h2.entry-title", "date": ".entry-date",
                 "summary": ".entry-summary", "image": ".post-thumbnail img"},
        "page_language": "de",
        "entries": [
            {"title": "Sommerfest der Vielfalt: Helfer*innen gesucht",
             "link": "https://miso.example/2026/03/sommerfest-der-vielfalt/",
             "published": "2026-03-10T13:05:00+00:00", "language": "de"},
            {"title": "Einladung zur Mitgliederversammlung",
             "link": "https://miso.example/2026/02/mitgliederversammlung/",
             "published": "2026-02-23T23:00:00+00:00", "language": "de"},
            {"title": "Gemeinsames Fastenbrechen im Stadtteil",
             "link": "https://miso.example/2022/05/fastenbrechen/",
             "published": "2022-05-17T22:00:00+00:00", "language": "de"},
            {"title": "Projektstart „Brücken bauen“",
             "link": "https://miso.example/2022/03/projektstart/",
             "published": None, "language": "de"},  # "Frühjahr 2022"
        ],
    },
    "city-press.html": {
        "path": "/Service/Presse-Medien/Pressemitteilungen",
        "content_type": "text/html",  # the charset is only in the page's <meta>
        "language": "de",
        "html": {"item": "table.presse-liste tbody tr.pm", "title": "td a",
                 "date": "td.datum", "summary": "p.teaser"},
        "page_language": "de",
        "entries": [
            {"title": "Integrationsbeirat tagt im Neuen Rathaus",
             "link": "{base}/Service/Presse-Medien/Pressemitteilungen/Integrationsbeirat-tagt",
             "published": "2026-03-12T17:00:00+00:00", "language": "de"},
            {"title": "Willkommensbüro erweitert Sprechzeiten",
             "link": "{base}/Service/Presse-Medien/Pressemitteilungen/"
                     "Willkommensbuero-Sprechzeiten",
             "published": "2026-03-10T23:00:00+00:00", "language": "de"},
            {"title": "Stadtteilkulturpreis: Bewerbung bis 30. April",
             "link": "{base}/Service/Presse-Medien/Pressemitteilungen/Stadtteilkulturpreis",
             "published": "2026-03-01T23:00:00+00:00", "language": "de"},
        ],
    },
    "redaxo-clang.html": {
        "path": "/index.php?article_id=5&clang=2",
        "content_type": "text/html; charset=utf-8",
        "language": "tr",
        "html": {"item": ".news-entry", "title": "h3", "link": "a.more",
                 "date": ".news-date", "summary": ".news-text"},
        "page_language": "tr",
        "entries": [
            {"title": "Kültür Gecesi: Anadolu Ezgileri",
             "link": "{base}/index.php?article_id=17&clang=2",
             "published": "2022-05-17T22:00:00+00:00", "language": "tr"},
            {"title": "Türkçe–Almanca Okuma Saati",
             "link": "{base}/index.php?article_id=21&clang=2",
             "published": "2026-03-11T23:00:00+00:00", "language": "tr"},
            {"title": "Deutschkurs A2 – neue Termine",
             "link": "{base}/index.php?article_id=22&clang=1",
             "published": "2026-03-01T23:00:00+00:00", "language": "de"},
        ],
    },
    "kargah-fa.html": {
        "path": "/fa/akhbar",
        "content_type": "text/html; charset=utf-8",
        "language": "fa",
        "html": {"item": "li.khabar", "title": ".onvan", "date": ".tarikh",
                 "summary": ".kholase"},
        "page_language": "fa",
        "entries": [
            {"title": "مشاوره\u200cی حقوقی رایگان برای پناهجویان",
             "link": "{base}/fa/akhbar/moshavere",
             "published": "2026-03-11T23:00:00+00:00", "language": "fa"},
            {"title": "دورة لغة ألمانية للنساء", "link": "{base}/ar/akhbar/dawra",
             "published": "2026-03-09T23:00:00+00:00", "language": "ar"},
            {"title": "جلسه\u200cی عمومی انجمن", "link": None,
             "published": "2026-03-01T23:00:00+00:00", "language": "fa"},
        ],
    },
}


def toml_value(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key} = {toml_value(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def source_blocks(sources: list[dict[str, object]]) -> str:
    """``[[source]]`` blocks; a dict value (``html``) becomes an inline table."""
    blocks = []
    for source in sources:
        blocks.append("[[source]]\n" + "".join(
            f"{key} = {toml_value(value)}\n" for key, value in source.items()))
    return "\n".join(blocks)
