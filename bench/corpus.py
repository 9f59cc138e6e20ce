# ruff: noqa: E501  (vocabulary data: long lines of words are kept on one line)
"""A synthetic corpus of partner feeds for the benchmarks, deterministic from a seed.

``N`` feeds (default 500), 60 % RSS 2.0 and 40 % Atom 1.0, 20-100 entries each, every
entry with an HTML body of 0.3-3 KB (paragraphs, links, lists, an image) and a plain
summary, in the portal's languages and scripts (de en tr ar fa ru uk kmr ckb vi pl,
German most often), about 90 MB for 500 feeds. About 8 % of the entries are copies of
a press release that two to four partners of the same language republish (same title
and text, the original's link, each partner's own guid): the cross-feed duplicates
that deduplication has to merge.

Each feed has its own loopback address (127.0.1.x, 200 of them), as partners have
their own servers: the aggregator's per-host limit then applies as it would in real
life. The files are written once to ``<dir>/feeds/NNNN.xml`` with ``manifest.json``
(url path, host, format, language, entry count, bytes) and reused while the seed and
N match.

    python bench/corpus.py --feeds 500 --seed 1 --out /tmp/aggregator-bench/corpus-1-500
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

CACHE = Path("/tmp/aggregator-bench")
HOSTS = 200
#: the newest entry of the corpus; entries go back up to 90 days before it
REFERENCE = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SHARED_FRACTION = 0.08

#: language -> share of the partners writing in it
LANGUAGE_WEIGHTS = {"de": 34, "en": 10, "tr": 10, "ar": 8, "fa": 7, "ru": 7, "uk": 6,
                    "pl": 6, "kmr": 4, "ckb": 4, "vi": 4}
RTL = {"ar", "fa", "ckb"}

#: everyday words of community news in each language (enough for realistic statistics:
#: language identification, near-duplicate shingles, sizes)
WORDS: dict[str, str] = {
    "de": "der die das und ist nicht mit für auf den von zu im ein eine wir sich auch es wird am bei nach Hannover Stadt Verein Beratung Sprachkurs Frauen Familie Kinder Jugendliche Veranstaltung Integration Nachbarschaft Anmeldung kostenlos Termin Woche Kulturzentrum Ausstellung Musik Abend Treffen Gespräch Einladung herzlich alle Menschen Zukunft Arbeit Wohnung Schule Ausbildung Unterstützung gemeinsam neue Angebote Projekt Förderung Ehrenamt Mitglieder Netzwerk Fest Sommer Vortrag Stadtteil Linden Hilfe Fragen Rechte Aufenthalt Behörde Antrag Informationen",
    "en": "the and of to in is for on with we are this that our from at will be all community city new event course women families children young people welcome free registration week centre exhibition music evening meeting talk invitation everyone future work housing school training support together project funding volunteers members network festival summer lecture neighbourhood help questions rights residence office application information",
    "tr": "ve bir bu için ile de da çok olarak daha gibi ama kadar sonra şehir dernek danışmanlık dil kursu kadınlar aile çocuklar gençler etkinlik entegrasyon mahalle kayıt ücretsiz hafta kültür merkezi sergi müzik akşam toplantı sohbet davet herkes insanlar gelecek iş konut okul eğitim destek birlikte yeni proje gönüllüler üyeler ağ festival yaz konferans yardım sorular haklar oturum başvuru bilgi Hannover'da",
    "ar": "في من على إلى مع هذا هذه التي الذي عن كان بين كل نحن المدينة الجمعية استشارة دورة لغة النساء العائلات الأطفال الشباب فعالية الاندماج الحي التسجيل مجاني الأسبوع المركز الثقافي معرض موسيقى مساء لقاء حوار دعوة الجميع الناس المستقبل العمل السكن المدرسة التدريب الدعم معا مشروع جديد المتطوعين الأعضاء الشبكة مهرجان الصيف محاضرة مساعدة أسئلة الحقوق الإقامة طلب معلومات هانوفر",
    "fa": "و در به از که این با را برای است می‌شود ما آن یک شهر انجمن مشاوره کلاس زبان زنان خانواده‌ها کودکان جوانان برنامه ادغام محله ثبت‌نام رایگان هفته مرکز فرهنگی نمایشگاه موسیقی عصر دیدار گفتگو دعوت همه مردم آینده کار مسکن مدرسه آموزش حمایت با‌هم پروژه جدید داوطلبان اعضا شبکه جشنواره تابستان سخنرانی کمک پرسش‌ها حقوق اقامت درخواست اطلاعات هانوفر",
    "ru": "и в не на с что по для мы это как из к все от у о но город общество консультация курсы языка женщины семьи дети молодёжь мероприятие интеграция район регистрация бесплатно неделя культурный центр выставка музыка вечер встреча беседа приглашение люди будущее работа жильё школа обучение поддержка вместе проект новый волонтёры участники сеть фестиваль лето лекция помощь вопросы права вид на жительство заявление информация Ганновер",
    "uk": "і в не на з що по для ми це як із до всі від у про але місто товариство консультація курси мови жінки родини діти молодь захід інтеграція район реєстрація безкоштовно тиждень культурний центр виставка музика вечір зустріч розмова запрошення люди майбутнє робота житло школа навчання підтримка разом проєкт новий волонтери учасники мережа фестиваль літо лекція допомога питання права посвідка заява інформація Ганновер",
    "pl": "i w nie na z że do się to jak dla od po są przez miasto stowarzyszenie doradztwo kurs języka kobiety rodziny dzieci młodzież wydarzenie integracja dzielnica rejestracja bezpłatnie tydzień centrum kultury wystawa muzyka wieczór spotkanie rozmowa zaproszenie wszyscy ludzie przyszłość praca mieszkanie szkoła szkolenie wsparcie razem projekt nowy wolontariusze członkowie sieć festiwal lato wykład pomoc pytania prawa pobyt wniosek informacje Hanowerze",
    "kmr": "û di de ji bo ku ev ew em li bi jî ne ye bajar komele şêwirmendî kursa ziman jin malbat zarok ciwan çalakî entegrasyon tax qeydkirin belaş hefte navenda çandê pêşangeh muzîk êvar civîn axaftin vexwendin hemû mirov pêşeroj kar xanî dibistan perwerde piştgirî bi hev re proje nû dilxwaz endam tor festîval havîn semîner alîkarî pirs maf rûniştin serlêdan agahî Hannoverê",
    "ckb": "و لە بۆ کە ئەم ئەو بە لەگەڵ ئێمە هەموو شار کۆمەڵە ڕاوێژکاری خولی زمان ئافرەتان خێزان منداڵان گەنجان چالاکی تێکەڵبوون گەڕەک تۆمارکردن بەخۆڕایی هەفتە ناوەندی کلتووری پێشانگا مۆسیقا ئێوارە کۆبوونەوە گفتوگۆ بانگهێشت خەڵک داهاتوو کار خانوو قوتابخانە ڕاهێنان پشتگیری پێکەوە پرۆژە نوێ خۆبەخشان ئەندامان تۆڕ فێستیڤاڵ هاوین وانە یارمەتی پرسیار مافەکان نیشتەجێبوون داواکاری زانیاری هانۆڤەر",
    "vi": "và của là có cho với các những trong một được không này người chúng tôi thành phố hội tư vấn khóa học tiếng phụ nữ gia đình trẻ em thanh niên sự kiện hội nhập khu phố đăng ký miễn phí tuần trung tâm văn hóa triển lãm âm nhạc buổi tối gặp gỡ trò chuyện mời tất cả mọi tương lai công việc nhà ở trường học đào tạo hỗ trợ cùng nhau dự án mới tình nguyện viên thành viên mạng lưới lễ hội mùa hè bài giảng giúp đỡ câu hỏi quyền cư trú đơn thông tin",
}
_VOCAB = {language: words.split() for language, words in WORDS.items()}


@dataclass(frozen=True)
class FeedInfo:
    index: int
    id: str
    path: str  # URL path on the feed server
    host: str  # loopback address of this partner's "server"
    format: str  # rss | atom
    language: str
    entries: int
    bytes: int


def host_for(index: int) -> str:
    return f"127.0.1.{1 + index % HOSTS}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Text:
    def __init__(self, rng: random.Random, language: str) -> None:
        self.rng = rng
        self.words = _VOCAB[language]

    def sentence(self, low: int = 6, high: int = 16) -> str:
        words = self.rng.choices(self.words, k=self.rng.randint(low, high))
        return _capital(" ".join(words)) + self.rng.choice(".....!?")

    def title(self) -> str:
        return _capital(" ".join(self.rng.choices(self.words, k=self.rng.randint(5, 11))))

    def html(self, size: int, site: str) -> str:
        """An HTML body of about ``size`` characters."""
        parts: list[str] = []
        length = 0
        while length < size:
            kind = self.rng.random()
            if kind < 0.7:
                text = " ".join(self.sentence() for _ in range(self.rng.randint(2, 5)))
                if self.rng.random() < 0.3:
                    word = self.rng.choice(self.words)
                    text = text.replace(f" {word} ", f" <strong>{escape(word)}</strong> ", 1)
                if self.rng.random() < 0.25:
                    text += f' <a href="{site}/info/{self.rng.randint(1, 999)}">{escape(self.title())}</a>'
                part = f"<p>{text}</p>"
            elif kind < 0.85:
                items = "".join(f"<li>{escape(self.sentence(3, 8))}</li>"
                                for _ in range(self.rng.randint(2, 5)))
                part = f"<ul>{items}</ul>"
            else:
                part = (f'<figure><img src="{site}/img/{self.rng.randint(1, 99999)}.jpg" '
                        f'alt="{escape(self.title())}" width="640" height="360">'
                        f"<figcaption>{escape(self.sentence(4, 8))}</figcaption></figure>")
            parts.append(part)
            length += len(part)
        return "\n".join(parts)


@dataclass
class _Story:
    title: str
    link: str
    summary: str
    html: str
    published: datetime


def _story(text: _Text, rng: random.Random, link: str, site: str) -> _Story:
    body = text.html(rng.randint(300, 3000), site)
    summary = " ".join(text.sentence() for _ in range(rng.randint(1, 3)))
    published = REFERENCE - timedelta(seconds=rng.randint(0, 90 * 86400))
    return _Story(text.title(), link, summary, body, published)


def _rss(info: FeedInfo, name: str, site: str, stories: list[tuple[str, _Story]]) -> str:
    items = []
    for guid, story in stories:
        items.append(
            f"<item><title>{escape(story.title)}</title><link>{escape(story.link)}</link>"
            f'<guid isPermaLink="false">{guid}</guid>'
            f"<pubDate>{format_datetime(story.published)}</pubDate>"
            f"<category>news</category>"
            f"<description>{escape(story.summary)}</description>"
            f"<content:encoded><![CDATA[{story.html}]]></content:encoded></item>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>{escape(name)}</title><link>{site}/</link>"
            f"<description>News from {escape(name)}</description>"
            f"<language>{info.language}</language>"
            f"<lastBuildDate>{format_datetime(REFERENCE)}</lastBuildDate>\n"
            + "\n".join(items) + "\n</channel></rss>\n")


def _atom(info: FeedInfo, name: str, site: str, stories: list[tuple[str, _Story]]) -> str:
    entries = []
    for guid, story in stories:
        when = story.published.isoformat().replace("+00:00", "Z")
        entries.append(
            f"<entry><title>{escape(story.title)}</title>"
            f'<link rel="alternate" href="{escape(story.link)}"/>'
            f"<id>{guid}</id><updated>{when}</updated><published>{when}</published>"
            f"<author><name>{escape(name)}</name></author>"
            f"<summary>{escape(story.summary)}</summary>"
            f'<content type="html">{escape(story.html)}</content></entry>')
    direction = ' dir="rtl"' if info.language in RTL else ""
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{info.language}"{direction}>'
            f"<title>{escape(name)}</title><id>{site}/</id>"
            f'<link rel="alternate" href="{site}/"/>'
            f'<link rel="self" href="http://{info.host}{info.path}"/>'
            f"<updated>{REFERENCE.isoformat().replace('+00:00', 'Z')}</updated>\n"
            + "\n".join(entries) + "\n</feed>\n")


def generate(out: Path, feeds: int = 500, seed: int = 1) -> list[FeedInfo]:
    """Write the corpus to ``out`` (unless it is there already) and return its manifest."""
    manifest = out / "manifest.json"
    if manifest.exists():
        return load(out)
    rng = random.Random(seed)
    languages = list(LANGUAGE_WEIGHTS)
    weights = list(LANGUAGE_WEIGHTS.values())
    plan = [(rng.choices(languages, weights)[0], "rss" if rng.random() < 0.6 else "atom",
             rng.randint(20, 100)) for _ in range(feeds)]
    # press releases that several partners of one language republish
    shared: dict[str, list[_Story]] = {}
    for language in languages:
        text = _Text(rng, language)
        count = int(SHARED_FRACTION * sum(n for lang, _, n in plan if lang == language) / 2.5)
        shared[language] = [
            _story(text, rng, f"https://press.example.org/{language}/{number}",
                   "https://press.example.org")
            for number in range(max(count, 1))]
    (out / "feeds").mkdir(parents=True, exist_ok=True)
    infos = []
    for index, (language, kind, count) in enumerate(plan):
        text = _Text(rng, language)
        name = f"Partner {index} ({language})"
        site = f"https://partner{index}.example.org"
        stories: list[tuple[str, _Story]] = []
        for number in range(count):
            guid = f"{site}/?p={number}"
            if rng.random() < SHARED_FRACTION:
                stories.append((guid, rng.choice(shared[language])))
            else:
                stories.append((guid, _story(text, rng, f"{site}/{language}/news/{number}", site)))
        stories.sort(key=lambda pair: pair[1].published, reverse=True)
        info = FeedInfo(index, f"p{index:04d}", f"/feeds/{index:04d}.xml", host_for(index),
                        kind, language, count, 0)
        document = (_rss if kind == "rss" else _atom)(info, name, site, stories).encode()
        (out / "feeds" / f"{index:04d}.xml").write_bytes(document)
        infos.append(FeedInfo(**{**asdict(info), "bytes": len(document)}))
    manifest.write_text(json.dumps([asdict(info) for info in infos]), encoding="utf-8")
    return infos


def load(out: Path) -> list[FeedInfo]:
    return [FeedInfo(**row) for row in json.loads((out / "manifest.json").read_text("utf-8"))]


def corpus_dir(feeds: int, seed: int) -> Path:
    return CACHE / f"corpus-{seed}-{feeds}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    out = args.out or corpus_dir(args.feeds, args.seed)
    started = time.perf_counter()
    infos = generate(out, args.feeds, args.seed)
    total = sum(info.bytes for info in infos)
    print(f"{len(infos)} feeds, {sum(i.entries for i in infos)} entries, "
          f"{total / 1e6:.1f} MB in {out} ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
