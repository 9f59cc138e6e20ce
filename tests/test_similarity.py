"""Tests for aggregator.similarity: fingerprints, band keys and same_story pairs."""

from __future__ import annotations

import itertools
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aggregator.similarity import (
    BANDS,
    NUM_PERM,
    Fingerprint,
    MergeDecision,
    StoryFacts,
    band_keys,
    fingerprint,
    same_story,
    similarity,
)
from aggregator.urls import canonical_url

BASE = datetime(2024, 3, 4, 9, 30, tzinfo=UTC)


def entry(title: str, text: str = "", link: str | None = None, *, days: float = 0.0) -> StoryFacts:
    return StoryFacts(
        canonical_link=canonical_url(link) if link else None,
        title=title,
        text=text,
        published=BASE + timedelta(days=days),
        fingerprint=fingerprint(title, text),
    )


def decide(a: StoryFacts, b: StoryFacts, **kwargs: timedelta) -> MergeDecision:
    forward, backward = same_story(a, b, **kwargs), same_story(b, a, **kwargs)
    assert forward.same == backward.same, (forward, backward)
    return forward


# A press release of the city, and what partners make of it.
RELEASE_TITLE = "Stadt Hannover eröffnet neues Beratungszentrum für Zugewanderte in Linden-Nord"
RELEASE = (
    "Am 15. April 2024 eröffnet die Landeshauptstadt Hannover in der Limmerstraße 12 ein neues "
    "Beratungszentrum für Zugewanderte. Beraten wird zu Aufenthalt, Arbeit, Wohnen und Schule.\n\n"
    "Die Beratung ist kostenlos und wird auf Deutsch, Arabisch, Farsi, Türkisch und Ukrainisch "
    "angeboten. "
    "Oberbürgermeister Belit Onay sagt: „Wir wollen, dass alle Menschen in Hannover schnell "
    "Hilfe finden.“\n\n"
    "Geöffnet ist montags bis freitags von 9 bis 16 Uhr, eine Anmeldung ist nicht nötig. "
    "Weitere Informationen gibt es telefonisch unter 0511 168 45678."
)
OTHER_TITLE = "Kulturzentrum Faust lädt zum Sommerfest mit Musik aus aller Welt ein"
OTHER = (
    "Am 22. Juni 2024 feiert das Kulturzentrum Faust sein Sommerfest auf dem Gelände an der Zur "
    "Bettfedernfabrik. "
    "Bands aus Syrien, der Türkei und der Ukraine spielen ab 15 Uhr, der Eintritt ist frei.\n\n"
    "Für Kinder gibt es ein Mitmachprogramm mit Zirkus und Schminken. Essen und Getränke bieten "
    "Vereine aus "
    "dem Stadtteil an, der Erlös geht an die Nachbarschaftshilfe."
)
FOOTER = (
    "Das Projekt wird gefördert durch das Land Niedersachsen und die Landeshauptstadt Hannover "
    "im Rahmen "
    "des Programms Integration im Quartier. Kontakt: MiSO-Netzwerk, Am Küchengarten 3, 30449 "
    "Hannover, "
    "Telefon 0511 123456, E-Mail info@miso-netzwerk.de. Unsere Beratung ist vertraulich und "
    "kostenlos, "
    "alle Angebote sind offen für Menschen jeder Herkunft."
)


# --------------------------------------------------------------------------
# Fingerprints and band keys
# --------------------------------------------------------------------------


def test_fingerprint_is_deterministic_and_sized() -> None:
    a, b = fingerprint(RELEASE_TITLE, RELEASE), fingerprint(RELEASE_TITLE, RELEASE)
    assert a == b
    assert len(a.signature) == NUM_PERM
    assert all(0 <= v < 2**32 for v in a.signature)
    assert a.shingles > 50
    assert similarity(a, b) == 1.0


def test_normalisation_ignores_markup_case_digits_and_read_more() -> None:
    plain = fingerprint(
        "Sommerfest im Faust", "Das Fest beginnt am 22.06. um 15 Uhr. Alle sind eingeladen."
    )
    html = fingerprint(
        "SOMMERFEST im <b>Faust</b>",
        "<p>Das&nbsp;Fest beginnt am 22.06. um 15 Uhr.</p><p>Alle sind eingeladen.</p> "
        "[&hellip;] Weiterlesen",
    )
    assert plain == html
    persian_ascii = fingerprint(
        "جشن تابستانی", "جشن در 22 ژوئن ساعت 15 برگزار می‌شود و ورود رایگان است"
    )
    persian_digits = fingerprint(
        "جشن تابستانی", "جشن در ۲۲ ژوئن ساعت ۱۵ برگزار میشود و ورود رایگان است"
    )
    assert persian_ascii == persian_digits
    arabic = fingerprint("مهرجان الصيف", "يُقام المهرجانُ في ٢٢ يونيو والدخول مجاني")
    arabic_plain = fingerprint("مهرجان الصيف", "يقام المهرجان في 22 يونيو والدخول مجاني")
    assert arabic == arabic_plain


def test_numbers_are_kept() -> None:
    a = fingerprint("Sprachcafé", "Das Sprachcafé findet am 12.03. statt, Beginn 18 Uhr.")
    b = fingerprint("Sprachcafé", "Das Sprachcafé findet am 19.03. statt, Beginn 18 Uhr.")
    assert a != b
    assert similarity(a, b) < 1.0


def test_empty_text() -> None:
    empty = fingerprint("", "  <br/> &nbsp; ")
    assert empty.shingles == 0
    assert band_keys(empty) == []
    assert similarity(empty, empty) == 0.0


def test_band_keys_are_signed_64_bit_and_deterministic() -> None:
    keys = band_keys(fingerprint(RELEASE_TITLE, RELEASE))
    assert len(keys) == BANDS
    assert all(-(2**63) <= k < 2**63 for k in keys)
    assert keys == band_keys(fingerprint(RELEASE_TITLE, RELEASE))
    assert len(set(keys)) == BANDS


def test_near_duplicates_share_band_keys_unrelated_do_not() -> None:
    original = band_keys(fingerprint(RELEASE_TITLE, RELEASE))
    edited = band_keys(
        fingerprint("Neues Beratungszentrum in Linden", RELEASE + "\n\nQuelle: Stadt Hannover")
    )
    other = band_keys(fingerprint(OTHER_TITLE, OTHER))
    assert set(original) & set(edited)
    assert not set(original) & set(other)


def test_similarity_estimates_jaccard() -> None:
    words = [f"wort{i}" for i in range(400)]
    a = fingerprint("", " ".join(words[:300]))
    b = fingerprint("", " ".join(words[100:400]))
    # exact Jaccard of the 3-word shingle sets: 198 / 398
    assert abs(similarity(a, b) - 198 / 398) < 0.15


def test_fingerprint_storage_roundtrip() -> None:
    fp = fingerprint(RELEASE_TITLE, RELEASE)
    blob = fp.to_bytes()
    assert Fingerprint.from_bytes(blob) == fp
    with pytest.raises(ValueError):
        Fingerprint.from_bytes(blob[:-1])
    with pytest.raises(ValueError):
        Fingerprint((1, 2, 3), 3)


# --------------------------------------------------------------------------
# same_story: true duplicates
# --------------------------------------------------------------------------


def test_same_canonical_url() -> None:
    a = entry(RELEASE_TITLE, RELEASE, "https://www.hannover.de/presse/beratungszentrum-1234/")
    b = entry(
        "Beratungszentrum",
        "",
        "http://m.hannover.de/presse/beratungszentrum-1234?utm_source=fb",
        days=3,
    )
    decision = decide(a, b)
    assert decision.same and decision.reason == "same canonical URL" and decision.score == 1.0


def test_same_url_is_not_bound_to_the_window() -> None:
    a = entry(RELEASE_TITLE, RELEASE, "https://hannover.de/presse/1234")
    b = entry(RELEASE_TITLE, RELEASE, "https://hannover.de/presse/1234/", days=60)
    assert decide(a, b).same


def test_exact_republication_by_partner() -> None:
    a = entry(RELEASE_TITLE, RELEASE, "https://hannover.de/presse/1234")
    b = entry(
        RELEASE_TITLE, RELEASE, "https://miso-netzwerk.de/aktuelles/beratungszentrum/", days=1
    )
    c = entry(RELEASE_TITLE, RELEASE, None, days=2)
    assert decide(a, b).same
    assert decide(a, c).same
    assert "text similarity 1.00" in decide(a, b).reason


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Pressemitteilung: " + RELEASE_TITLE, RELEASE),
        ("Neues Beratungszentrum in Linden-Nord", RELEASE),
        (RELEASE_TITLE, RELEASE + "\n\nQuelle: Stadt Hannover"),
        (RELEASE_TITLE, RELEASE.split("\n\n")[0] + " …"),
        (RELEASE_TITLE, " ".join(RELEASE.split()[:45]) + " […] Weiterlesen"),
        (RELEASE_TITLE, "\n\n".join(reversed(RELEASE.split("\n\n")))),
        (RELEASE_TITLE, "".join(f"<p>{p}</p>" for p in RELEASE.split("\n\n"))),
        (
            "Beratungszentrum eröffnet",
            RELEASE.split("\n\n")[0] + "\n\nFoto: Landeshauptstadt Hannover",
        ),
    ],
    ids=[
        "prefix",
        "new-title",
        "credit",
        "first-paragraph",
        "cut-words",
        "reordered",
        "html",
        "combined",
    ],
)
def test_near_duplicates(title: str, text: str) -> None:
    a = entry(RELEASE_TITLE, RELEASE, "https://hannover.de/presse/1234")
    b = entry(title, text, "https://kargah.de/de/news/567.html", days=2)
    decision = decide(a, b)
    assert decision.same, decision.reason


@pytest.mark.parametrize(
    ("lang", "title", "text", "edited_title", "edited_text"),
    [
        (
            "ar",
            "بلدية هانوفر تفتتح مركزاً جديداً للاستشارات في ليندن نورد",
            "تفتتح بلدية هانوفر في 15 أبريل 2024 مركزاً جديداً لاستشارات المهاجرين. تقدم "
            "الاستشارات مجاناً "
            "بالعربية والفارسية والتركية والأوكرانية. المركز مفتوح من الاثنين إلى الجمعة من 9 "
            "حتى 16 ولا حاجة لموعد.",
            "بيان صحفي: بلدية هانوفر تفتتح مركزاً جديداً للاستشارات في ليندن نورد",
            "تفتتح بلدية هانوفر في ١٥ أبريل ٢٠٢٤ مركزاً جديداً لاستشارات المهاجرين. تقدم "
            "الاستشارات مجاناً "
            "بالعربية والفارسية والتركية والأوكرانية. المركز مفتوح من الاثنين إلى الجمعة من ٩ "
            "حتى ١٦ ولا حاجة لموعد."
            "\n\nالمصدر: بلدية هانوفر",
        ),
        (
            "ru",
            "В Ганновере открывается новый консультационный центр для мигрантов",
            "15 апреля 2024 года администрация Ганновера открывает новый консультационный центр "
            "в районе "
            "Линден-Норд. Консультации бесплатные и проходят на немецком, арабском, фарси, "
            "турецком и украинском. "
            "Центр работает с понедельника по пятницу с 9 до 16 часов, запись не нужна.",
            "Новый консультационный центр в Линдене",
            "15 апреля 2024 года администрация Ганновера открывает новый консультационный центр "
            "в районе "
            "Линден-Норд. Консультации бесплатные и проходят на немецком, арабском, фарси, "
            "турецком и украинском.",
        ),
        (
            "fa",
            "شهرداری هانوفر مرکز مشاوره تازه‌ای در لیندن نورد افتتاح می‌کند",
            "شهرداری هانوفر در ۱۵ آوریل ۲۰۲۴ مرکز مشاوره تازه‌ای برای مهاجران افتتاح می‌کند. "
            "مشاوره رایگان است و "
            "به زبان‌های آلمانی، عربی، فارسی، ترکی و اوکراینی ارائه می‌شود. مرکز از دوشنبه تا "
            "جمعه از ساعت ۹ تا ۱۶ "
            "باز است و نیازی به وقت قبلی نیست.",
            "شهرداری هانوفر مرکز مشاوره تازه‌ای در لیندن نورد افتتاح می‌کند",
            "مرکز از دوشنبه تا جمعه از ساعت ۹ تا ۱۶ باز است و نیازی به وقت قبلی نیست. شهرداری "
            "هانوفر در ۱۵ آوریل "
            "۲۰۲۴ مرکز مشاوره تازه‌ای برای مهاجران افتتاح می‌کند. مشاوره رایگان است و به "
            "زبان‌های آلمانی، عربی، "
            "فارسی، ترکی و اوکراینی ارائه می‌شود.",
        ),
    ],
    ids=["ar-credit-digits", "ru-shortened", "fa-reordered"],
)
def test_near_duplicates_in_other_scripts(
    lang: str, title: str, text: str, edited_title: str, edited_text: str
) -> None:
    a = entry(title, text, f"https://hannover.de/{lang}/news/1")
    b = entry(edited_title, edited_text, f"https://hannover-international.example/{lang}/2", days=1)
    decision = decide(a, b)
    assert decision.same, decision.reason


def test_long_headline_alone_when_identical() -> None:
    a = entry(RELEASE_TITLE, "", "https://hannover.de/presse/1234")
    b = entry(RELEASE_TITLE, "", "https://kargah.de/news/99", days=1)
    decision = decide(a, b)
    assert decision.same and decision.reason.startswith("short text nearly identical")


# --------------------------------------------------------------------------
# same_story: hard negatives
# --------------------------------------------------------------------------


def test_unrelated_stories() -> None:
    a = entry(RELEASE_TITLE, RELEASE, "https://hannover.de/presse/1234")
    b = entry(OTHER_TITLE, OTHER, "https://kulturzentrum-faust.de/sommerfest", days=1)
    decision = decide(a, b)
    assert not decision.same
    assert decision.reason.startswith("text similarity")


COURSE = (
    "Der Deutschkurs auf Niveau {level} beginnt am {date} um 18:00 Uhr im Stadtteilzentrum Linden. "
    "Der Kurs findet zweimal pro Woche statt und ist für Teilnehmende mit Berechtigung kostenlos. "
    "Bitte bringen Sie zur Anmeldung Ihren Ausweis mit."
)


def test_template_title_with_different_dates() -> None:
    a = entry(
        "Deutschkurs A1 – Anmeldung",
        COURSE.format(level="A1", date="12.03."),
        "https://kargah.de/k/1",
    )
    b = entry(
        "Deutschkurs A1 – Anmeldung",
        COURSE.format(level="A1", date="19.03."),
        "https://miso-netzwerk.de/k",
        days=1,
    )
    decision = decide(a, b)
    assert not decision.same
    assert "different dates" in decision.reason and "12.3" in decision.reason


def test_template_title_with_different_levels() -> None:
    a = entry("Deutschkurs A1 – Anmeldung", COURSE.format(level="A1", date="12.03."), None)
    b = entry(
        "Deutschkurs A2 – Anmeldung", COURSE.format(level="A2", date="12.03."), None, days=0.5
    )
    decision = decide(a, b)
    assert not decision.same
    assert "different levels" in decision.reason


def test_template_with_dates_written_differently_in_other_languages() -> None:
    text = (
        "Открытая консультация по вопросам жилья пройдёт {date} с 10:00 до 17 часов "
        "в районе Линден-Норд. Запись не нужна."
    )
    a = entry("Консультация", text.format(date="12 марта"))
    b = entry("Консультация", text.format(date="19 марта"), days=1)
    assert not decide(a, b).same
    tr = (
        "Açık danışma saatimiz {day} günü saat 10:00'dan 17'ye kadar Linden'da yapılıyor. "
        "Randevu gerekmiyor."
    )
    assert not decide(
        entry("Danışma", tr.format(day="Salı")), entry("Danışma", tr.format(day="Perşembe"))
    ).same


def test_same_date_written_differently_is_no_conflict() -> None:
    text = (
        "Das Sprachcafé findet am {date} ab 18 Uhr in der Stadtbibliothek statt. "
        "Alle Niveaus sind willkommen, Tee gibt es gratis."
    )
    a = entry("Sprachcafé in der Stadtbibliothek", text.format(date="12.03.2024"))
    b = entry("Sprachcafé in der Stadtbibliothek", text.format(date="12. März 2024"), days=1)
    assert decide(a, b).same


def test_weekday_templates() -> None:
    text = (
        "Unsere offene Sprechstunde zu Aufenthalt, Arbeit und Wohnen findet am {day} von 14 bis "
        "17 Uhr in "
        "List statt. Eine Anmeldung ist nicht nötig, Dolmetscherinnen sind vor Ort."
    )
    a = entry("Sprechstunde am Dienstag", text.format(day="Dienstag"), "https://kargah.de/a")
    b = entry(
        "Sprechstunde am Donnerstag", text.format(day="Donnerstag"), "https://miso-netzwerk.de/b"
    )
    assert not decide(a, b).same


def test_weekly_event_without_date() -> None:
    title = "Offenes Elterncafé am Mittwoch"
    text = (
        "Jeden Mittwoch treffen sich Eltern aus Linden zum offenen Elterncafé. Wir sprechen über "
        "Schule, "
        "Kita und Freizeit, die Kinder spielen nebenan. Die Teilnahme ist kostenlos und ohne "
        "Anmeldung."
    )
    this_week = entry(title, text, "https://kargah.de/elterncafe-1")
    next_week = entry(title, text, "https://miso-netzwerk.de/elterncafe", days=7)
    same_week = entry(title, text, "https://hannover-international.example/x", days=1)
    decision = decide(this_week, next_week)
    assert not decision.same and "undated weekday" in decision.reason
    assert decide(this_week, same_week).same


def test_shared_footer() -> None:
    a = entry(
        "Nähwerkstatt für Frauen in Linden",
        "Ab dem 5. März öffnet jeden Dienstagvormittag unsere Nähwerkstatt für Frauen. Maschinen "
        "und Stoffe sind vorhanden.\n\n" + FOOTER,
        "https://miso-netzwerk.de/naehwerkstatt",
    )
    b = entry(
        "Bewerbungstraining für Jugendliche",
        "Jugendliche ab 16 Jahren üben mit uns Anschreiben und Vorstellungsgespräche. Bitte "
        "bringen Sie Ihren Lebenslauf mit.\n\n" + FOOTER,
        "https://hannover-international.example/bewerbung",
        days=1,
    )
    decision = decide(a, b)
    assert not decision.same, decision.reason


def test_template_differing_only_in_place() -> None:
    text = (
        "Kaputte Toaster, Lampen oder Fahrräder? Im Repair-Café in {place} helfen Ehrenamtliche "
        "beim Reparieren. "
        "Werkzeug ist vorhanden, bringen Sie Ihr defektes Gerät einfach mit. Kaffee und Kuchen "
        "gibt es gegen Spende."
    )
    a = entry("Repair-Café", text.format(place="List"), "https://hannover.de/a")
    b = entry("Repair-Café", text.format(place="Mühlenberg"), "https://kargah.de/b", days=1)
    decision = decide(a, b)
    assert not decision.same
    assert "slot values" in decision.reason and "list" in decision.reason


def test_generic_short_titles() -> None:
    a = entry("Offene Sprechstunde", "", "https://kargah.de/a")
    b = entry("Offene Sprechstunde", "", "https://miso-netzwerk.de/b")
    decision = decide(a, b)
    assert not decision.same and decision.reason.startswith("too little text")
    march = entry("Newsletter März 2024", "", "https://kargah.de/n1")
    april = entry("Newsletter April 2024", "", "https://miso-netzwerk.de/n2")
    assert not decide(march, april).same


def test_short_titles_need_to_be_nearly_identical() -> None:
    a = entry("Stadt Hannover eröffnet Beratungszentrum für Zugewanderte in Linden", "")
    b = entry("Stadt Hannover eröffnet Beratungszentrum für Studierende in Linden", "")
    assert not decide(a, b).same


def test_homepage_link_is_not_a_story_link() -> None:
    a = entry(RELEASE_TITLE, RELEASE, "https://www.kargah.de/")
    b = entry(OTHER_TITLE, OTHER, "http://kargah.de/index.html")
    decision = decide(a, b)
    assert not decision.same
    assert "URL" not in decision.reason


def test_listing_page_link_with_different_events() -> None:
    a = entry(OTHER_TITLE, OTHER, "https://kulturzentrum-faust.de/veranstaltungen/")
    b = entry(
        "Lesung mit Autorinnen aus Syrien",
        "Am 3. Mai 2024 lesen drei Autorinnen aus Syrien im Kulturzentrum Faust aus ihren Romanen. "
        "Beginn ist um 19 Uhr, der Eintritt kostet 5 Euro. Die Lesung wird ins Deutsche übersetzt.",
        "https://kulturzentrum-faust.de/veranstaltungen?utm_source=newsletter",
        days=2,
    )
    decision = decide(a, b)
    assert not decision.same
    assert decision.reason.startswith("same canonical URL but")


def test_roundup_quoting_an_announcement() -> None:
    announcement = entry(OTHER_TITLE, OTHER, "https://kulturzentrum-faust.de/sommerfest")
    reading = (
        "Am 3. Mai 2024 lesen drei Autorinnen aus Syrien im Kulturzentrum Faust aus ihren Romanen. "
        "Beginn ist um 19 Uhr, der Eintritt kostet 5 Euro. Die Lesung wird ins Deutsche übersetzt."
    )
    roundup = entry(
        "Termine der Woche",
        f"{OTHER_TITLE}\n\n{OTHER}\n\nLesung mit Autorinnen aus Syrien\n\n{reading}",
        "https://hannover-international.example/termine-kw-18",
        days=2,
    )
    decision = decide(announcement, roundup)
    assert not decision.same, decision.reason


def test_different_links_on_the_same_site() -> None:
    a = entry(RELEASE_TITLE, RELEASE, "https://hannover.de/presse/1234")
    b = entry(RELEASE_TITLE, RELEASE, "https://www.hannover.de/aktuelles/1299", days=1)
    decision = decide(a, b)
    assert not decision.same and "same site" in decision.reason


# --------------------------------------------------------------------------
# same_story: window
# --------------------------------------------------------------------------


def test_window() -> None:
    a = entry(RELEASE_TITLE, RELEASE, "https://hannover.de/presse/1234")
    late = entry(RELEASE_TITLE, RELEASE, "https://kargah.de/news/1", days=20)
    decision = decide(a, late)
    assert not decision.same and decision.reason.startswith("published 20.0 days apart")
    assert decide(a, late, window=timedelta(days=30)).same
    inside = entry(RELEASE_TITLE, RELEASE, "https://kargah.de/news/1", days=13.9)
    assert decide(a, inside).same


def test_naive_and_aware_datetimes_mix() -> None:
    a = entry(RELEASE_TITLE, RELEASE, None)
    naive = StoryFacts(
        None,
        RELEASE_TITLE,
        RELEASE,
        datetime(2024, 3, 5, 9, 30),
        fingerprint(RELEASE_TITLE, RELEASE),
    )
    assert decide(a, naive).same


# --------------------------------------------------------------------------
# The labelled corpus, as the pipeline would use it (band index + link index)
# --------------------------------------------------------------------------


def test_corpus_precision_and_recall() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench" / "dedup"))
    from generate import generate

    items = generate(seed=11, langs=["de", "tr", "ar", "uk"])
    facts = [
        StoryFacts(
            canonical_url(i["link"]) if i["link"] else None,
            i["title"],
            i["text"],
            datetime.fromisoformat(i["published"]),
            fingerprint(i["title"], i["text"]),
        )
        for i in items
    ]
    by_story: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        by_story[item["story"]].append(index)
    truth = {p for members in by_story.values() for p in itertools.combinations(members, 2)}
    bands: dict[int, list[int]] = defaultdict(list)
    links: dict[str, list[int]] = defaultdict(list)
    predicted: set[tuple[int, int]] = set()
    for i in sorted(range(len(items)), key=lambda k: (facts[k].published, k)):
        keys = band_keys(facts[i].fingerprint)
        candidates = {j for key in keys for j in bands[key]}
        link = facts[i].canonical_link
        if link:
            candidates.update(links[link])
            links[link].append(i)
        for j in candidates:
            if same_story(facts[i], facts[j]).same:
                predicted.add((min(i, j), max(i, j)))
        for key in keys:
            bands[key].append(i)
    true_positives = len(predicted & truth)
    precision = true_positives / len(predicted)
    recall = true_positives / len(truth)
    assert precision >= 0.99, (precision, sorted(predicted - truth)[:5])
    assert recall >= 0.95, recall


def test_signatures_are_datasketchs_minhash_of_the_shingles() -> None:
    """aggregator.minhash writes out datasketch 2's affine32 MinHash (to keep scipy out of
    the parser processes): the signatures must be the library's, value for value, or
    stored fingerprints and band keys would stop matching new ones."""
    from datasketch import MinHash  # type: ignore[import-untyped]

    from aggregator.similarity import _SCHEME, _SEED, _shingles_of

    texts = [("Einladung zum Integrationsbeirat", "Die Landeshauptstadt Hannover lädt ein. " * 3),
             ("Kurse für Frauen", "Der Verein kargah bietet ab Mai neue Kurse an."),
             ("اطلاعیه", "کلاس‌های زبان آلمانی برای زنان از ماه مه آغاز می‌شود."),
             ("Один", ""), ("x", "y z")]
    texts += [(f"Meldung {n}", " ".join(f"wort{(n * k) % 97}" for k in range(n)))
              for n in range(60)]
    for title, text in texts:
        reference = MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME)
        reference.update_batch([s.encode("utf-8") for s in _shingles_of(title, text)])
        assert fingerprint(title, text).signature == tuple(reference.hashvalues.tolist()), title


def test_fingerprinting_keeps_nothing_of_the_texts() -> None:
    """A parser process fingerprints thousands of entries, each once: what it keeps
    afterwards must not grow with them (a cache of shingle sets did, about 30 kB an
    entry, up to 130 MB per process)."""
    import random
    import tracemalloc

    rng = random.Random(5)
    words = [f"wort{index}" for index in range(3000)]
    texts = [" ".join(rng.choices(words, k=300)) for _ in range(400)]
    fingerprint("warm-up", texts[0])  # permutations and regexes, made once
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        sizes = [fingerprint(f"title {index}", text).shingles
                 for index, text in enumerate(texts)]
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    assert min(sizes) > 250
    kept = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert kept < 100 * 1024, f"{kept} bytes kept after 400 fingerprints"
