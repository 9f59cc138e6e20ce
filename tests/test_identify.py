"""Behaviour of aggregator.identify: language of entry text, with and without candidates."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from aggregator import identify as identify_module
from aggregator.identify import Identification, identify

PORTAL = ("de", "en", "tr", "ar", "fa", "ru", "uk", "kmr", "ckb", "vi", "pl", "bg")

# Two summaries per portal language, written for these tests (not from bench/langid).
SUMMARIES = {
    "de": [
        "Die Volkshochschule bietet im Herbst neue Abendkurse für Erwachsene an. "
        "Die Anmeldung ist ab sofort im Internet möglich.",
        "Am Samstag wird der Spielplatz im Stadtteil feierlich eröffnet. "
        "Für die Kinder gibt es Eis und Musik.",
    ],
    "en": [
        "The adult education centre is offering new evening classes this autumn. "
        "Registration is now open online.",
        "The playground in the district will be officially opened on Saturday. "
        "There will be ice cream and music for the children.",
    ],
    "tr": [
        "Halk eğitim merkezi bu sonbaharda yetişkinler için yeni akşam kursları sunuyor. "
        "Kayıtlar internet üzerinden başladı.",
        "Semtteki oyun parkı cumartesi günü törenle açılacak. "
        "Çocuklara dondurma ikram edilecek ve müzik çalınacak.",
    ],
    "ar": [
        "يقدم مركز تعليم الكبار دورات مسائية جديدة هذا الخريف. والتسجيل متاح الآن عبر الإنترنت.",
        "سيتم افتتاح ملعب الأطفال في الحي يوم السبت. "
        "وسيحصل الأطفال على المثلجات وتقام فقرات موسيقية.",
    ],
    "fa": [
        "آموزشگاه بزرگسالان این پاییز کلاس‌های شبانه تازه‌ای برگزار می‌کند. "
        "ثبت‌نام از همین حالا به صورت اینترنتی ممکن است.",
        "زمین بازی محله روز شنبه رسماً افتتاح می‌شود. "
        "برای بچه‌ها بستنی و موسیقی در نظر گرفته شده است.",
    ],
    "ru": [
        "Народный университет этой осенью предлагает новые вечерние курсы для взрослых. "
        "Записаться можно уже сейчас через интернет.",
        "В субботу в нашем районе торжественно откроют детскую площадку. "
        "Детей ждут мороженое и музыка.",
    ],
    "uk": [
        "Народний університет цієї осені пропонує нові вечірні курси для дорослих. "
        "Записатися можна вже зараз через інтернет.",
        "У суботу в нашому районі урочисто відкриють дитячий майданчик. "
        "На дітей чекають морозиво й музика.",
    ],
    "bg": [
        "Читалището предлага тази есен нови вечерни курсове за възрастни. "
        "Записването вече е възможно по интернет.",
        "В събота в квартала тържествено ще бъде открита детската площадка. "
        "Децата ще получат сладолед, а после ще има музика.",
    ],
    "vi": [
        "Trung tâm giáo dục người lớn mở các lớp học buổi tối mới vào mùa thu này. "
        "Việc đăng ký hiện đã có thể thực hiện qua mạng.",
        "Sân chơi trong khu phố sẽ được khánh thành vào thứ Bảy. "
        "Các em nhỏ sẽ được ăn kem và nghe nhạc.",
    ],
    "pl": [
        "Uniwersytet ludowy oferuje tej jesieni nowe kursy wieczorowe dla dorosłych. "
        "Zapisy są już możliwe przez internet.",
        "W sobotę w dzielnicy zostanie uroczyście otwarty plac zabaw. "
        "Dla dzieci będą lody i muzyka.",
    ],
    "kmr": [
        "Navenda perwerdeya mezinan vê payîzê kursên êvarê yên nû pêşkêş dike. "
        "Qeydkirin niha bi rêya înternetê gengaz e.",
        "Roja şemiyê qada lîstikê ya taxê bi merasîmekê tê vekirin. "
        "Ji bo zarokan dê şîranî û muzîk hebin.",
    ],
    "ckb": [
        "ناوەندی پەروەردەی گەورەسالان ئەم پاییزە خولی ئێوارانی نوێ پێشکەش دەکات. "
        "ناونووسین ئێستا لە ڕێگەی ئینتەرنێتەوە دەکرێت.",
        "ڕۆژی شەممە یاریگای منداڵانی گەڕەکەکە بە ڕێوڕەسمێک دەکرێتەوە. "
        "بۆ منداڵان شیرینی و مۆسیقا دەبێت.",
    ],
}

CASES = [(lang, text) for lang, texts in SUMMARIES.items() for text in texts]


def test_every_portal_language_has_summaries() -> None:
    assert set(SUMMARIES) == set(PORTAL)


@pytest.mark.parametrize(("lang", "text"), CASES)
def test_summary_is_identified_without_candidates(lang: str, text: str) -> None:
    result = identify(text)
    assert result is not None
    assert result.language == lang
    assert 0.5 <= result.confidence <= 1.0


@pytest.mark.parametrize(("lang", "text"), CASES)
def test_summary_is_identified_among_portal_languages(lang: str, text: str) -> None:
    result = identify(text, candidates=PORTAL)
    assert result is not None
    assert result.language == lang
    assert 0.5 <= result.confidence <= 1.0


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Şahiya Newrozê li Hannoverê bi govendê dest pê dike", "kmr"),
        ("ئاهەنگی نەورۆز لە هانۆڤەر بە هەڵپەڕکێ دەست پێدەکات", "ckb"),
        ("Kursa zimanê almanî ji bo jinan li Lindenê", "kmr"),
        ("خولی زمانی ئەڵمانی بۆ ئافرەتان لە لیندن", "ckb"),
    ],
)
def test_kurmanji_and_sorani_are_told_apart(text: str, lang: str) -> None:
    for candidates in (None, PORTAL, ("kmr", "ckb")):
        result = identify(text, candidates)
        assert result is not None, candidates
        assert result.language == lang, candidates


def test_sorani_is_not_taken_for_persian_or_arabic() -> None:
    text = SUMMARIES["ckb"][0]
    result = identify(text, candidates=("ar", "fa", "ckb"))
    assert result is not None
    assert result.language == "ckb"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Sprachcafé in Linden moves to Thursday", "en"),
        ("Kostenlose Mieterberatung ab Montag in Vahrenwald", "de"),
        ("Ярмарок вакансій для новоприбулих у ратуші Ганновера", "uk"),
        ("Ярмарка вакансий для приезжих в ратуше Ганновера", "ru"),
        ("Борса за работа за новодошли в кметството на Хановер", "bg"),
        ("مشاوره رایگان برای مستأجران در فارنوالد", "fa"),
        ("استشارات مجانية للمستأجرين في فارنفالد", "ar"),
    ],
)
def test_headlines_with_local_names_among_portal_languages(text: str, lang: str) -> None:
    result = identify(text, candidates=PORTAL)
    assert result is not None
    assert result.language == lang


@pytest.mark.parametrize(
    ("text", "free", "restricted"),
    [
        # Without candidates the model prefers a language the portal does not carry.
        ("جشن محله در ریکلینگن آخر هفته", "uzs", "fa"),
        ("Public Viewing am Waterlooplatz geplant", None, "de"),
    ],
)
def test_restriction_to_portal_languages_changes_the_answer(
    text: str, free: str | None, restricted: str
) -> None:
    unrestricted = identify(text)
    assert (unrestricted.language if unrestricted else None) == free
    result = identify(text, candidates=PORTAL)
    assert result is not None
    assert result.language == restricted


def test_restriction_picks_among_close_candidates() -> None:
    text = "Младежки футболен турнир в Мисбург"
    bg_or_ru = identify(text, candidates={"bg", "ru"})
    assert bg_or_ru is not None and bg_or_ru.language == "bg"
    ru_or_uk = identify(text, candidates={"ru", "uk"})
    assert ru_or_uk is not None and ru_or_uk.language == "ru"


@pytest.mark.parametrize(("lang", "text"), CASES)
def test_answer_is_always_one_of_the_candidates(lang: str, text: str) -> None:
    others = tuple(code for code in PORTAL if code != lang)
    for candidates in (others, others[:3], others[-3:], (lang, *others[:2])):
        result = identify(text, candidates)
        assert result is None or result.language in candidates


def test_text_in_none_of_the_candidates_gives_none() -> None:
    text = SUMMARIES["uk"][0]
    assert identify(text, candidates={"ru", "bg"}) is None
    among = identify(text, candidates={"ru", "uk", "bg"})
    assert among is not None and among.language == "uk"


def test_restriction_renormalises_the_confidence() -> None:
    text = "Free tenant advice every Monday in Vahrenwald"
    free = identify(text)
    among_two = identify(text, candidates=["en", "de"])
    assert among_two is not None
    assert among_two.language == "en"
    if free is not None:
        assert free.language == "en"
        assert among_two.confidence >= free.confidence


def test_candidates_accept_any_collection_and_ignore_unknown_codes() -> None:
    text = SUMMARIES["pl"][1]
    for candidates in (["pl", "de"], ("pl", "de"), {"pl", "de"}, frozenset({"pl", "xx"})):
        result = identify(text, candidates)
        assert result is not None
        assert result.language == "pl"


def test_candidates_of_another_script_give_none() -> None:
    assert identify(SUMMARIES["ar"][0], candidates={"de", "en"}) is None
    assert identify(SUMMARIES["ru"][0], candidates={"tr", "vi"}) is None


def test_empty_candidates_give_none() -> None:
    assert identify(SUMMARIES["de"][0], candidates=()) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "   \n\t  ",
        "12345",
        "2024-05-01 18:30",
        "١٢٣٤ ۵۶۷۸",
        "+49 511 123456",
        "!!! ??? ... --- ***",
        "https://www.hannover.de/leben-in-der-region-hannover/",
        "info@example.org",
        "OK",
        "Hi!",
    ],
)
def test_texts_without_enough_letters_give_none(text: str) -> None:
    assert identify(text) is None
    assert identify(text, candidates=PORTAL) is None


def test_urls_and_digits_do_not_decide() -> None:
    text = (
        "Mehr Informationen zum Sommerfest gibt es telefonisch unter 0511 12345 "
        "und auf https://example.com/english/news/summer-festival-tickets-and-parking-today "
        "sowie www.example.org/the-weekend-programme-for-families"
    )
    result = identify(text, candidates=PORTAL)
    assert result is not None
    assert result.language == "de"


@pytest.mark.parametrize("lang", ["fa", "ckb", "kmr", "bg"])
def test_long_text_is_identified_from_its_start(lang: str) -> None:
    text = " ".join(SUMMARIES[lang] * 200)  # tens of kilobytes
    assert len(text) > 20_000
    result = identify(text, candidates=PORTAL)
    assert result is not None
    assert result.language == lang


def test_only_the_start_of_a_long_text_decides() -> None:
    start = ""
    while len(start) <= identify_module.MAX_CHARS:
        start += " ".join(SUMMARIES["de"]) + " "
    result = identify(start + " ".join(SUMMARIES["tr"] * 50), candidates=PORTAL)
    assert result is not None
    assert result.language == "de"
    assert result.confidence > 0.99


def test_sorani_headline_with_latin_loanwords_is_still_sorani() -> None:
    result = identify("ڕاوێژکاری دەربارەی Bürgergeld و Wohngeld لە Jobcenter", PORTAL)
    assert result is not None
    assert result.language == "ckb"


def test_identification_is_a_frozen_value() -> None:
    result = identify(SUMMARIES["vi"][0])
    assert isinstance(result, Identification)
    assert result == Identification(result.language, result.confidence)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.language = "xx"  # type: ignore[misc]
    assert not hasattr(result, "__dict__")


def test_same_text_gives_the_same_answer() -> None:
    text = SUMMARIES["tr"][0]
    assert identify(text) == identify(text)


def test_model_is_loaded_once_under_concurrent_first_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import py3langid.langid as backend

    loads = []
    real = backend.LanguageIdentifier.from_model_file

    def counting(*args: object, **kwargs: object) -> object:
        loads.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(identify_module, "_identifier", None)
    monkeypatch.setattr(backend.LanguageIdentifier, "from_model_file", counting)

    barrier = threading.Barrier(6)
    results: list[Identification | None] = []
    errors: list[BaseException] = []

    def worker(text: str) -> None:
        try:
            barrier.wait()
            results.append(identify(text))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=worker, args=(SUMMARIES[lang][0],))
        for lang in ("de", "en", "ru", "uk", "fa", "ckb")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert len(loads) == 1
    assert sorted(r.language for r in results if r) == sorted(["de", "en", "ru", "uk", "fa", "ckb"])
