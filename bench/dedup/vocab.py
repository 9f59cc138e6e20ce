"""Small hand-written template vocabularies for the synthetic dedup corpus.

Seven languages in four scripts (Latin, Arabic, Cyrillic; Persian and Arabic
with their own digits).  Slots in ``{braces}`` are filled by generate.py:
``org``, ``org2`` (organisation display names), ``place``, ``topic``,
``date``, ``date2`` (event dates, rendered per language), ``time``, ``n``,
``n2``, ``phone``, ``person`` and the language's own slot lists in ``slots``.
Grammar is deliberately simple; what matters is realistic word statistics:
shared function words and phrasing between different stories, distinct
content per story.
"""

from __future__ import annotations

from typing import Any

# Organisations: key -> (domain, display names per language).  Domains are
# only used to build links; nothing is ever fetched.
ORGS: dict[str, tuple[str, dict[str, str]]] = {
    "stadt": ("hannover.de", {
        "de": "Landeshauptstadt Hannover", "en": "City of Hannover", "tr": "Hannover Belediyesi",
        "ar": "بلدية هانوفر", "fa": "شهرداری هانوفر", "ru": "Администрация Ганновера",
        "uk": "Міська рада Ганновера"}),
    "miso": ("miso-netzwerk.de", {
        "de": "MiSO-Netzwerk", "en": "MiSO Network", "tr": "MiSO Ağı", "ar": "شبكة ميسو",
        "fa": "شبکه میسو", "ru": "Сеть MiSO", "uk": "Мережа MiSO"}),
    "kargah": ("kargah.de", {
        "de": "kargah e.V.", "en": "kargah e.V.", "tr": "kargah derneği", "ar": "جمعية كارگاه",
        "fa": "انجمن کارگاه", "ru": "объединение kargah", "uk": "об'єднання kargah"}),
    "faust": ("kulturzentrum-faust.de", {
        "de": "Kulturzentrum Faust", "en": "Faust Cultural Centre", "tr": "Faust Kültür Merkezi",
        "ar": "مركز فاوست الثقافي", "fa": "مرکز فرهنگی فاوست", "ru": "Культурный центр Фауст",
        "uk": "Культурний центр Фауст"}),
    "linden": ("nachbarschaft-linden.example", {
        "de": "Nachbarschaftsinitiative Linden", "en": "Linden Neighbourhood Initiative",
        "tr": "Linden Komşuluk Girişimi", "ar": "مبادرة جيران ليندن", "fa": "ابتکار همسایگی لیندن",
        "ru": "Соседская инициатива Линден", "uk": "Сусідська ініціатива Лінден"}),
    "hdk": ("haus-der-kulturen.example", {
        "de": "Haus der Kulturen", "en": "House of Cultures", "tr": "Kültürler Evi",
        "ar": "بيت الثقافات", "fa": "خانه فرهنگ‌ها", "ru": "Дом культур", "uk": "Дім культур"}),
    "frauen": ("migrantinnen-netz.example", {
        "de": "Netzwerk Migrantinnen", "en": "Migrant Women's Network", "tr": "Göçmen Kadınlar Ağı",
        "ar": "شبكة النساء المهاجرات", "fa": "شبکه زنان مهاجر", "ru": "Сеть женщин-мигранток",
        "uk": "Мережа жінок-мігранток"}),
    "jugend": ("jugendtreff-sahlkamp.example", {
        "de": "Jugendtreff Sahlkamp", "en": "Sahlkamp Youth Club", "tr": "Sahlkamp Gençlik Kulübü",
        "ar": "نادي شباب زالكامب", "fa": "باشگاه جوانان زالکامپ", "ru": "Молодёжный клуб Залькамп",
        "uk": "Молодіжний клуб Залькамп"}),
    "zeitung": ("stadtteilzeitung-list.example", {
        "de": "Stadtteilzeitung List", "en": "List District News", "tr": "List Semt Gazetesi",
        "ar": "صحيفة حي ليست", "fa": "روزنامه محله لیست", "ru": "Районная газета Лист",
        "uk": "Районна газета Лист"}),
    "portal": ("hannover-international.example", {
        "de": "Portal Hannover International", "en": "Hannover International Portal",
        "tr": "Hannover Uluslararası Portalı", "ar": "بوابة هانوفر الدولية",
        "fa": "پورتال بین‌المللی هانوفر", "ru": "Портал Ганновер Интернешнл",
        "uk": "Портал Ганновер Інтернешнл"}),
}

PERSONS: dict[str, list[str]] = {
    "latin": ["Ayşe Yılmaz", "Mohammad Rezaei", "Olena Kovalenko", "Fatma Demir", "Jana Becker",
              "Karim Haddad", "Nguyen Thi Lan", "Piotr Nowak", "Leyla Ahmadi", "Thomas Krüger",
              "Dilan Aydın", "Svetlana Petrova"],
    "ar": ["أيشة يلماز", "محمد رضائي", "كريم حداد", "فاطمة دمير", "ليلى أحمدي", "يانا بيكر",
           "سامر الخطيب", "رنا عيسى"],
    "fa": ["محمد رضایی", "لیلا احمدی", "عایشه ییلماز", "کریم حداد", "مریم کریمی", "یانا بکر",
           "سارا محمدی", "رضا نوری"],
    "cyr": ["Олена Коваленко", "Светлана Петрова", "Мохаммад Резаи", "Айше Йылмаз",
            "Яна Беккер", "Карим Хаддад", "Ирина Смирнова", "Андрій Шевчук"],
}

# Per language: month names (genitive where the language inflects), weekday
# names as used after "on"/"am", the date style, and the texts.
LANGS: dict[str, dict[str, Any]] = {}

LANGS["de"] = {
    "persons": "latin",
    "digits": "ascii",
    "months": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
               "September", "Oktober", "November", "Dezember"],
    "weekdays": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"],
    "date_styles": ["{d}.{mm}.{y}", "{dd}.{mm}.", "{d}. {month}", "{d}. {month} {y}"],
    "time_style": "{h}:{min} Uhr",
    "places": ["Linden-Nord", "List", "Vahrenwald", "Nordstadt", "Sahlkamp", "Mühlenberg",
               "Döhren", "Südstadt", "Ricklingen", "Hainholz"],
    "topics": ["Sommerfest", "Nachbarschaftscafé", "Sprachcafé", "Beratungsnachmittag zum Aufenthaltsrecht",
               "Lesung mit Autorinnen aus Syrien", "Konzert für Groß und Klein", "Fotoausstellung",
               "Workshop für Frauen", "Hausaufgabenhilfe", "Fahrradwerkstatt", "interkultureller Kochabend",
               "Filmabend", "Infoabend zur Kita-Anmeldung", "Tag der offenen Tür", "Stadtteilrundgang",
               "Bewerbungstraining", "Elterncafé", "Theaterprojekt", "Flohmarkt", "Nähwerkstatt"],
    "slots": {
        "audience": ["Frauen mit Migrationsgeschichte", "Jugendliche ab 14 Jahren", "Seniorinnen und Senioren",
                     "neu zugewanderte Familien", "Studierende", "Eltern von Kita-Kindern",
                     "Geflüchtete aus der Ukraine", "alle Interessierten"],
        "item": ["einen Teller für das Buffet", "ein Instrument", "Ihre Fragen", "bequeme Schuhe",
                 "Fotos aus Ihrer Heimat", "Ihren Aufenthaltstitel"],
        "group": ["der Frauenchor", "die Jugendgruppe", "das Team des Nachbarschaftscafés",
                  "eine syrische Kochgruppe", "der kurdische Kulturverein", "die Schülerfirma"],
        "series": ["Hannover hält zusammen", "Vielfalt im Quartier", "Sprache verbindet", "Nachbarschaft leben"],
        "venue": ["den Saal der Kirchengemeinde", "die Turnhalle der Grundschule", "das Freizeitheim",
                  "die Stadtbibliothek"],
        "stop": ["Küchengarten", "Lister Platz", "Vahrenwalder Platz", "Kröpcke", "Fischerhof"],
        "langs": ["Arabisch und Farsi", "Türkisch und Kurdisch", "Ukrainisch und Russisch",
                  "Englisch und Französisch"],
    },
    "titles": ["{topic} in {place}", "Einladung: {topic} in {place}", "{org} startet {topic}",
               "Neues Angebot in {place}: {topic}", "{topic} am {date}", "{org}: {topic} für Familien",
               "Jetzt anmelden: {topic} in {place}", "{topic} – {org} sucht Helferinnen und Helfer"],
    "sentences": [
        "Am {date} findet im Stadtteilzentrum {place} ein {topic} statt.",
        "Beginn ist um {time}, der Eintritt ist frei.",
        "Eingeladen sind alle Nachbarinnen und Nachbarn aus {place} und Umgebung.",
        "{org} organisiert die Veranstaltung gemeinsam mit {org2}.",
        "Es gibt {n} Plätze, eine Anmeldung ist bis zum {date2} erforderlich.",
        "Eine Übersetzung ins {langs} wird angeboten.",
        "Kinder sind herzlich willkommen, eine Betreuung ist vorhanden.",
        "Die Räume sind barrierefrei, die nächste Haltestelle ist {stop}.",
        "{person} von {org} sagt: „Wir möchten Menschen aus allen Kulturen zusammenbringen.“",
        "Im vergangenen Jahr kamen mehr als {n2} Besucherinnen und Besucher.",
        "Das Angebot richtet sich besonders an {audience}.",
        "Fragen beantwortet {person} unter der Telefonnummer 0511 {phone}.",
        "Mitbringen müssen Sie nur gute Laune und {item}.",
        "Für Essen und Getränke sorgt {group}.",
        "Die Veranstaltung gehört zur Reihe „{series}“.",
        "Bei schlechtem Wetter weichen wir in {venue} aus.",
    ],
    "credit": ["Quelle: {org}", "Foto: {org}", "Text und Bild: {org}", "Quelle: Stadt Hannover"],
    "title_prefix": ["Pressemitteilung: ", "Hinweis: ", "Aus dem Stadtteil: "],
    "read_more": "Weiterlesen",
    "footer": ("Das Projekt wird gefördert durch das Land Niedersachsen und die Landeshauptstadt Hannover "
               "im Rahmen des Programms Integration im Quartier. Kontakt: {org}, Am Küchengarten 3, "
               "30449 Hannover, Telefon 0511 {phone}, E-Mail info@{domain}. Unsere Beratung ist "
               "vertraulich und kostenlos, alle Angebote sind offen für Menschen jeder Herkunft."),
    # Template events: (title, text); {level}, {weekday}, {date}, {time}, {place} vary.
    "template_events": [
        ("Deutschkurs {level} – Anmeldung",
         "Der Deutschkurs auf Niveau {level} beginnt am {date} um {time} in {place}. "
         "Der Kurs findet zweimal pro Woche statt und ist für Teilnehmende mit Berechtigung kostenlos. "
         "Bitte bringen Sie zur Anmeldung Ihren Ausweis mit."),
        ("Sprechstunde am {weekday}",
         "Unsere offene Sprechstunde zu Aufenthalt, Arbeit und Wohnen findet am {weekday}, {date}, "
         "von {time} bis 17 Uhr in {place} statt. Eine Anmeldung ist nicht nötig, Dolmetscherinnen "
         "für Arabisch, Farsi und Türkisch sind vor Ort."),
        ("Sprachcafé am {date}",
         "Beim Sprachcafé am {date} üben wir ab {time} gemeinsam Deutsch in entspannter Runde in {place}. "
         "Alle Niveaus sind willkommen, Tee und Kekse gibt es gratis."),
    ],
    # Weekly events without an explicit date: title names the weekday.
    "weekly": ("Offenes Elterncafé am {weekday}",
               "Jeden {weekday} treffen sich Eltern aus {place} zum offenen Elterncafé. Wir sprechen über "
               "Schule, Kita und Freizeit, die Kinder spielen nebenan. Komm einfach vorbei, die Teilnahme ist "
               "kostenlos und ohne Anmeldung."),
    "monthly": ("Repair-Café in {place}",
                "Kaputte Toaster, Lampen oder Fahrräder? Im Repair-Café in {place} helfen Ehrenamtliche "
                "beim Reparieren. Werkzeug ist vorhanden, bringen Sie Ihr defektes Gerät einfach mit. "
                "Kaffee und Kuchen gibt es gegen Spende."),
    "generic_titles": ["Offene Sprechstunde", "Newsletter", "Pressemitteilung", "Veranstaltungshinweis",
                       "Neuigkeiten aus dem Verein", "Termine", "Stellenangebot"],
    "month_titles": "Newsletter {month} {y}",
}

LANGS["en"] = {
    "persons": "latin",
    "digits": "ascii",
    "months": ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"],
    "weekdays": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "date_styles": ["{d} {month} {y}", "{month} {d}", "{month} {d}, {y}", "{d} {month}"],
    "time_style": "{h}:{min}",
    "places": ["Linden-Nord", "List", "Vahrenwald", "the Nordstadt", "Sahlkamp", "Mühlenberg",
               "Döhren", "the Südstadt", "Ricklingen", "Hainholz"],
    "topics": ["summer festival", "neighbourhood café", "language café", "advice afternoon on residence law",
               "reading with Syrian authors", "family concert", "photo exhibition", "women's workshop",
               "homework club", "bike repair workshop", "intercultural cooking night", "film night",
               "information evening on nursery registration", "open day", "neighbourhood walk",
               "job application training", "parents' café", "theatre project", "flea market", "sewing workshop"],
    "slots": {
        "audience": ["women with a migration background", "young people aged 14 and over", "senior citizens",
                     "newly arrived families", "students", "parents of nursery children",
                     "refugees from Ukraine", "everyone who is interested"],
        "item": ["a dish for the buffet", "an instrument", "your questions", "comfortable shoes",
                 "photos from your home country", "your residence permit"],
        "group": ["the women's choir", "the youth group", "the neighbourhood café team",
                  "a Syrian cooking group", "the Kurdish cultural association", "the student company"],
        "series": ["Hannover stands together", "Diversity in the neighbourhood", "Language connects",
                   "Living together"],
        "venue": ["the parish hall", "the primary school gym", "the community centre", "the city library"],
        "stop": ["Küchengarten", "Lister Platz", "Vahrenwalder Platz", "Kröpcke", "Fischerhof"],
        "langs": ["Arabic and Farsi", "Turkish and Kurdish", "Ukrainian and Russian", "English and French"],
    },
    "titles": ["{topic} in {place}", "Invitation: {topic} in {place}", "{org} launches {topic}",
               "New in {place}: {topic}", "{topic} on {date}", "{org}: {topic} for families",
               "Register now: {topic} in {place}", "{topic} – {org} is looking for volunteers"],
    "sentences": [
        "On {date} the community centre in {place} hosts a {topic}.",
        "It starts at {time} and admission is free.",
        "All neighbours from {place} and the surrounding area are invited.",
        "{org} is organising the event together with {org2}.",
        "There are {n} places and registration is required by {date2}.",
        "Interpreting into {langs} is available.",
        "Children are very welcome and childcare is provided.",
        "The venue is step-free and the nearest stop is {stop}.",
        "{person} from {org} says: \"We want to bring people from all cultures together.\"",
        "Last year more than {n2} visitors came.",
        "The offer is aimed especially at {audience}.",
        "{person} answers questions on 0511 {phone}.",
        "All you need to bring is a good mood and {item}.",
        "Food and drinks are provided by {group}.",
        "The event is part of the series \"{series}\".",
        "In bad weather we move to {venue}.",
    ],
    "credit": ["Source: {org}", "Photo: {org}", "Text and image: {org}", "Source: City of Hannover"],
    "title_prefix": ["Press release: ", "Notice: ", "From the neighbourhood: "],
    "read_more": "Read more",
    "footer": ("This project is funded by the State of Lower Saxony and the City of Hannover as part of the "
               "Integration in the Neighbourhood programme. Contact: {org}, Am Küchengarten 3, 30449 "
               "Hannover, phone 0511 {phone}, email info@{domain}. Our advice is confidential and free of "
               "charge, and all our services are open to people of every background."),
    "template_events": [
        ("German course {level} – registration",
         "The German course at level {level} starts on {date} at {time} in {place}. The course meets twice "
         "a week and is free for eligible participants. Please bring your ID when you register."),
        ("Drop-in advice on {weekday}",
         "Our drop-in advice on residence, work and housing takes place on {weekday}, {date}, from {time} "
         "to 5 pm in {place}. No appointment is needed, interpreters for Arabic, Farsi and Turkish are there."),
        ("Language café on {date}",
         "At the language café on {date} we practise German together from {time} in a relaxed group in "
         "{place}. All levels are welcome, tea and biscuits are free."),
    ],
    "weekly": ("Open parents' café every {weekday}",
               "Every {weekday} parents from {place} meet at the open parents' café. We talk about school, "
               "nursery and leisure while the children play next door. Just drop by, it is free and no "
               "registration is needed."),
    "monthly": ("Repair café in {place}",
                "Broken toaster, lamp or bike? At the repair café in {place} volunteers help you fix it. Tools "
                "are available, just bring your broken item along. Coffee and cake for a donation."),
    "generic_titles": ["Drop-in advice", "Newsletter", "Press release", "Event notice", "News from the association",
                       "Dates", "Job vacancy"],
    "month_titles": "Newsletter {month} {y}",
}

LANGS["tr"] = {
    "persons": "latin",
    "digits": "ascii",
    "months": ["Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül",
               "Ekim", "Kasım", "Aralık"],
    "weekdays": ["Pazartesi", "Salı", "Çarşamba", "Perşembe", "Cuma", "Cumartesi", "Pazar"],
    "date_styles": ["{d} {month} {y}", "{d} {month}", "{dd}.{mm}.{y}"],
    "time_style": "saat {h}:{min}",
    "places": ["Linden-Nord", "List", "Vahrenwald", "Nordstadt", "Sahlkamp", "Mühlenberg",
               "Döhren", "Südstadt", "Ricklingen", "Hainholz"],
    "topics": ["yaz şenliği", "komşuluk kahvesi", "dil kafesi", "oturum hakkı danışma günü",
               "Suriyeli yazarlarla okuma günü", "aile konseri", "fotoğraf sergisi", "kadınlar atölyesi",
               "ödev yardımı", "bisiklet tamir atölyesi", "kültürlerarası yemek akşamı", "film gecesi",
               "kreş kaydı bilgilendirme akşamı", "açık kapı günü", "semt gezisi", "iş başvurusu eğitimi",
               "veli kahvesi", "tiyatro projesi", "bit pazarı", "dikiş atölyesi"],
    "slots": {
        "audience": ["göç geçmişi olan kadınlar", "14 yaş üstü gençler", "yaşlılar", "yeni gelen aileler",
                     "öğrenciler", "kreş çocuklarının velileri", "Ukrayna'dan gelen mülteciler",
                     "ilgilenen herkes"],
        "item": ["açık büfe için bir tabak yemek", "bir müzik aleti", "sorularınız", "rahat ayakkabılar",
                 "memleketinizden fotoğraflar", "oturum belgeniz"],
        "group": ["kadınlar korosu", "gençlik grubu", "komşuluk kahvesi ekibi", "Suriyeli bir yemek grubu",
                  "Kürt kültür derneği", "öğrenci şirketi"],
        "series": ["Hannover birlikte", "Mahallede çeşitlilik", "Dil birleştirir", "Komşuluğu yaşamak"],
        "venue": ["kilise salonuna", "ilkokulun spor salonuna", "gençlik merkezine", "şehir kütüphanesine"],
        "stop": ["Küchengarten", "Lister Platz", "Vahrenwalder Platz", "Kröpcke", "Fischerhof"],
        "langs": ["Arapça ve Farsça", "Türkçe ve Kürtçe", "Ukraynaca ve Rusça", "İngilizce ve Fransızca"],
    },
    "titles": ["{place}'da {topic}", "Davet: {place}'da {topic}", "{org} {topic} başlatıyor",
               "{place}'da yeni: {topic}", "{date} tarihinde {topic}", "{org}: aileler için {topic}",
               "Şimdi kaydolun: {place}'da {topic}", "{topic} – {org} gönüllü arıyor"],
    "sentences": [
        "{date} tarihinde {place} semt merkezinde {topic} düzenleniyor.",
        "Etkinlik {time}'da başlıyor ve giriş ücretsiz.",
        "{place} ve çevresindeki tüm komşular davetlidir.",
        "{org} etkinliği {org2} ile birlikte düzenliyor.",
        "{n} kişilik yer var, {date2} tarihine kadar kayıt gerekiyor.",
        "{langs} dillerine çeviri sunulacak.",
        "Çocuklar da davetli, çocuk bakımı sağlanıyor.",
        "Mekan engelsiz, en yakın durak {stop}.",
        "{org} adına {person}: \"Tüm kültürlerden insanları bir araya getirmek istiyoruz\" dedi.",
        "Geçen yıl {n2} kişiden fazla ziyaretçi geldi.",
        "Bu etkinlik özellikle {audience} için düşünüldü.",
        "Sorularınızı {person} 0511 {phone} numaralı telefondan yanıtlıyor.",
        "Yanınızda sadece iyi bir ruh hali ve {item} getirmeniz yeterli.",
        "Yiyecek ve içecekleri {group} hazırlıyor.",
        "Etkinlik \"{series}\" dizisinin bir parçası.",
        "Kötü havada etkinlik {venue} taşınıyor.",
    ],
    "credit": ["Kaynak: {org}", "Fotoğraf: {org}", "Metin ve görsel: {org}", "Kaynak: Hannover Belediyesi"],
    "title_prefix": ["Basın bülteni: ", "Duyuru: ", "Semtten haberler: "],
    "read_more": "Devamını oku",
    "footer": ("Bu proje Aşağı Saksonya eyaleti ve Hannover Belediyesi tarafından Mahallede Uyum programı "
               "kapsamında desteklenmektedir. İletişim: {org}, Am Küchengarten 3, 30449 Hannover, telefon "
               "0511 {phone}, e-posta info@{domain}. Danışmanlığımız gizli ve ücretsizdir, tüm hizmetlerimiz "
               "her kökenden insana açıktır."),
    "template_events": [
        ("Almanca kursu {level} – kayıt",
         "{level} seviyesindeki Almanca kursu {date} tarihinde saat {time}'da {place}'da başlıyor. Kurs haftada "
         "iki kez yapılıyor ve hak sahibi katılımcılar için ücretsiz. Kayıt için lütfen kimliğinizi getirin."),
        ("{weekday} günü danışma saati",
         "Oturum, iş ve konut konularındaki açık danışma saatimiz {weekday}, {date} günü {time}'dan 17'ye kadar "
         "{place}'da yapılıyor. Randevu gerekmiyor, Arapça, Farsça ve Türkçe tercümanlar hazır bulunuyor."),
        ("{date} dil kafesi",
         "{date} tarihindeki dil kafesinde {time}'dan itibaren {place}'da rahat bir ortamda birlikte Almanca "
         "pratik yapıyoruz. Her seviye davetli, çay ve kurabiye ücretsiz."),
    ],
    "weekly": ("Her {weekday} açık veli kahvesi",
               "Her {weekday} {place}'dan veliler açık veli kahvesinde buluşuyor. Okul, kreş ve boş zaman "
               "hakkında konuşuyoruz, çocuklar yan odada oynuyor. Uğrayın, katılım ücretsiz ve kayıtsız."),
    "monthly": ("{place}'da tamir kafe",
                "Bozuk tost makinesi, lamba ya da bisiklet mi? {place}'daki tamir kafede gönüllüler onarıma "
                "yardım ediyor. Aletler mevcut, bozuk eşyanızı getirmeniz yeterli. Kahve ve kek bağış karşılığı."),
    "generic_titles": ["Açık danışma saati", "Bülten", "Basın bülteni", "Etkinlik duyurusu",
                       "Dernekten haberler", "Tarihler", "İş ilanı"],
    "month_titles": "Bülten {month} {y}",
}

LANGS["ar"] = {
    "persons": "ar",
    "digits": "arabic",
    "months": ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
               "أكتوبر", "نوفمبر", "ديسمبر"],
    "weekdays": ["الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"],
    "date_styles": ["{d} {month} {y}", "{d} {month}"],
    "time_style": "الساعة {h}:{min}",
    "places": ["ليندن نورد", "ليست", "فارنفالد", "نوردشتات", "زالكامب", "مولنبرغ", "دورن",
               "زودشتات", "ريكلينغن", "هاينهولتس"],
    "topics": ["مهرجان الصيف", "مقهى الجيران", "مقهى اللغة", "يوم استشارات حول قانون الإقامة",
               "أمسية قراءة مع كاتبات سوريات", "حفلة موسيقية للعائلات", "معرض صور", "ورشة عمل للنساء",
               "مساعدة في الواجبات المدرسية", "ورشة تصليح الدراجات", "أمسية طبخ بين الثقافات", "أمسية أفلام",
               "أمسية معلومات حول التسجيل في الحضانة", "يوم الأبواب المفتوحة", "جولة في الحي",
               "تدريب على طلبات العمل", "مقهى الأهالي", "مشروع مسرحي", "سوق للأغراض المستعملة", "ورشة خياطة"],
    "slots": {
        "audience": ["النساء من أصول مهاجرة", "الشباب من عمر 14 عاماً", "كبار السن", "العائلات القادمة حديثاً",
                     "الطلاب", "أهالي أطفال الحضانة", "اللاجئين من أوكرانيا", "جميع المهتمين"],
        "item": ["طبقاً للبوفيه", "آلة موسيقية", "أسئلتكم", "أحذية مريحة", "صوراً من بلدكم", "بطاقة الإقامة"],
        "group": ["جوقة النساء", "مجموعة الشباب", "فريق مقهى الجيران", "مجموعة طبخ سورية",
                  "الجمعية الثقافية الكردية", "شركة الطلاب"],
        "series": ["هانوفر معاً", "التنوع في الحي", "اللغة تجمعنا", "نعيش الجيرة"],
        "venue": ["قاعة الكنيسة", "صالة رياضة المدرسة الابتدائية", "مركز الشباب", "مكتبة المدينة"],
        "stop": ["كوشنغارتن", "ليستر بلاتس", "فارنفالدر بلاتس", "كروبكه", "فيشرهوف"],
        "langs": ["العربية والفارسية", "التركية والكردية", "الأوكرانية والروسية", "الإنجليزية والفرنسية"],
    },
    "titles": ["{topic} في {place}", "دعوة: {topic} في {place}", "{org} تطلق {topic}",
               "جديد في {place}: {topic}", "{topic} يوم {date}", "{org}: {topic} للعائلات",
               "سجلوا الآن: {topic} في {place}", "{topic} – {org} تبحث عن متطوعين"],
    "sentences": [
        "يقام في {date} {topic} في مركز حي {place}.",
        "تبدأ الفعالية {time} والدخول مجاني.",
        "جميع الجيران من {place} والمناطق المجاورة مدعوون.",
        "تنظم {org} الفعالية بالتعاون مع {org2}.",
        "يتوفر {n} مكاناً ويجب التسجيل حتى {date2}.",
        "تتوفر ترجمة إلى {langs}.",
        "الأطفال مرحب بهم وتتوفر رعاية لهم.",
        "المكان خال من العوائق وأقرب محطة هي {stop}.",
        "قال {person} من {org}: «نريد أن نجمع الناس من كل الثقافات».",
        "في العام الماضي حضر أكثر من {n2} زائر.",
        "يستهدف العرض بشكل خاص {audience}.",
        "يجيب {person} على الأسئلة على الرقم 0511 {phone}.",
        "كل ما عليكم إحضاره هو مزاج جيد و{item}.",
        "تتولى {group} تقديم الطعام والمشروبات.",
        "الفعالية جزء من سلسلة «{series}».",
        "في حال سوء الطقس ننتقل إلى {venue}.",
    ],
    "credit": ["المصدر: {org}", "الصورة: {org}", "النص والصورة: {org}", "المصدر: بلدية هانوفر"],
    "title_prefix": ["بيان صحفي: ", "تنويه: ", "من الحي: "],
    "read_more": "اقرأ المزيد",
    "footer": ("يحظى هذا المشروع بدعم ولاية سكسونيا السفلى وبلدية هانوفر ضمن برنامج الاندماج في الحي. "
               "للتواصل: {org}، Am Küchengarten 3، 30449 هانوفر، هاتف 0511 {phone}، البريد الإلكتروني "
               "info@{domain}. استشاراتنا سرية ومجانية وجميع خدماتنا مفتوحة للناس من كل الأصول."),
    "template_events": [
        ("دورة اللغة الألمانية {level} – التسجيل",
         "تبدأ دورة اللغة الألمانية للمستوى {level} في {date} {time} في {place}. تقام الدورة مرتين في الأسبوع "
         "وهي مجانية للمستحقين. يرجى إحضار الهوية عند التسجيل."),
        ("ساعة استشارات يوم {weekday}",
         "تقام ساعة الاستشارات المفتوحة حول الإقامة والعمل والسكن يوم {weekday} {date} من {time} حتى الخامسة "
         "في {place}. لا حاجة لموعد مسبق ويتواجد مترجمون للعربية والفارسية والتركية."),
        ("مقهى اللغة في {date}",
         "في مقهى اللغة يوم {date} نتدرب معاً على الألمانية ابتداءً من {time} في جو مريح في {place}. "
         "جميع المستويات مرحب بها والشاي والبسكويت مجاناً."),
    ],
    "weekly": ("مقهى الأهالي المفتوح كل {weekday}",
               "كل {weekday} يلتقي الأهالي من {place} في مقهى الأهالي المفتوح. نتحدث عن المدرسة والحضانة "
               "وأوقات الفراغ بينما يلعب الأطفال في الغرفة المجاورة. تعالوا ببساطة، المشاركة مجانية ودون تسجيل."),
    "monthly": ("مقهى التصليح في {place}",
                "محمصة خبز أو مصباح أو دراجة معطلة؟ في مقهى التصليح في {place} يساعدكم متطوعون في الإصلاح. "
                "الأدوات متوفرة، أحضروا أغراضكم المعطلة فقط. القهوة والكعك مقابل تبرع."),
    "generic_titles": ["ساعة استشارات مفتوحة", "النشرة الإخبارية", "بيان صحفي", "إعلان فعالية",
                       "أخبار الجمعية", "مواعيد", "فرصة عمل"],
    "month_titles": "النشرة الإخبارية {month} {y}",
}

LANGS["fa"] = {
    "persons": "fa",
    "digits": "persian",
    "months": ["ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن", "ژوئیه", "اوت", "سپتامبر", "اکتبر",
               "نوامبر", "دسامبر"],
    "weekdays": ["دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه"],
    "date_styles": ["{d} {month} {y}", "{d} {month}"],
    "time_style": "ساعت {h}:{min}",
    "places": ["لیندن نورد", "لیست", "فارن‌والد", "نورداشتات", "زالکامپ", "مولنبرگ", "دورن",
               "زوداشتات", "ریکلینگن", "هاین‌هولتس"],
    "topics": ["جشن تابستانی", "کافه همسایگی", "کافه زبان", "روز مشاوره درباره قانون اقامت",
               "شب کتاب‌خوانی با نویسندگان سوری", "کنسرت خانوادگی", "نمایشگاه عکس", "کارگاه زنان",
               "کمک درسی", "کارگاه تعمیر دوچرخه", "شب آشپزی بین فرهنگی", "شب فیلم",
               "جلسه اطلاع‌رسانی ثبت‌نام مهدکودک", "روز درهای باز", "گردش در محله", "آموزش درخواست کار",
               "کافه والدین", "پروژه تئاتر", "بازار دست‌دوم", "کارگاه خیاطی"],
    "slots": {
        "audience": ["زنان با پیشینه مهاجرت", "نوجوانان بالای ۱۴ سال", "سالمندان", "خانواده‌های تازه‌وارد",
                     "دانشجویان", "والدین کودکان مهدکودک", "پناهجویان اوکراینی", "همه علاقه‌مندان"],
        "item": ["یک بشقاب غذا برای بوفه", "یک ساز", "پرسش‌هایتان", "کفش راحت", "عکس‌هایی از وطنتان",
                 "کارت اقامت"],
        "group": ["گروه کر زنان", "گروه جوانان", "تیم کافه همسایگی", "یک گروه آشپزی سوری",
                  "انجمن فرهنگی کرد", "شرکت دانش‌آموزی"],
        "series": ["هانوفر با هم", "تنوع در محله", "زبان پیوند می‌دهد", "همسایگی را زندگی کنیم"],
        "venue": ["سالن کلیسا", "سالن ورزشی دبستان", "خانه جوانان", "کتابخانه شهر"],
        "stop": ["کوشن‌گارتن", "لیستر پلاتس", "فارن‌والدر پلاتس", "کروپکه", "فیشرهوف"],
        "langs": ["عربی و فارسی", "ترکی و کردی", "اوکراینی و روسی", "انگلیسی و فرانسوی"],
    },
    "titles": ["{topic} در {place}", "دعوت: {topic} در {place}", "{org} {topic} را آغاز می‌کند",
               "تازه در {place}: {topic}", "{topic} در {date}", "{org}: {topic} برای خانواده‌ها",
               "همین حالا ثبت‌نام کنید: {topic} در {place}", "{topic} – {org} به داوطلب نیاز دارد"],
    "sentences": [
        "در {date} {topic} در مرکز محله {place} برگزار می‌شود.",
        "برنامه {time} آغاز می‌شود و ورود رایگان است.",
        "همه همسایگان از {place} و اطراف دعوت شده‌اند.",
        "{org} این برنامه را با همکاری {org2} برگزار می‌کند.",
        "{n} جای خالی وجود دارد و ثبت‌نام تا {date2} لازم است.",
        "ترجمه به زبان‌های {langs} فراهم است.",
        "کودکان نیز خوش آمدید و مراقبت از کودک فراهم است.",
        "محل برگزاری بدون مانع است و نزدیک‌ترین ایستگاه {stop} است.",
        "{person} از {org} می‌گوید: «می‌خواهیم مردم همه فرهنگ‌ها را گرد هم بیاوریم.»",
        "سال گذشته بیش از {n2} بازدیدکننده آمدند.",
        "این برنامه به‌ویژه برای {audience} است.",
        "{person} به پرسش‌ها با شماره 0511 {phone} پاسخ می‌دهد.",
        "تنها کافی است حال خوب و {item} همراه بیاورید.",
        "غذا و نوشیدنی را {group} فراهم می‌کند.",
        "این برنامه بخشی از مجموعه «{series}» است.",
        "در صورت بدی هوا به {venue} می‌رویم.",
    ],
    "credit": ["منبع: {org}", "عکس: {org}", "متن و تصویر: {org}", "منبع: شهرداری هانوفر"],
    "title_prefix": ["خبرنامه مطبوعاتی: ", "اطلاعیه: ", "از محله: "],
    "read_more": "ادامه مطلب",
    "footer": ("این پروژه با حمایت ایالت نیدرزاکسن و شهرداری هانوفر در چارچوب برنامه ادغام در محله اجرا می‌شود. "
               "تماس: {org}، Am Küchengarten 3، 30449 هانوفر، تلفن 0511 {phone}، ایمیل info@{domain}. "
               "مشاوره ما محرمانه و رایگان است و همه خدمات ما برای مردم از هر پیشینه‌ای باز است."),
    "template_events": [
        ("کلاس زبان آلمانی {level} – ثبت‌نام",
         "کلاس زبان آلمانی سطح {level} در {date} {time} در {place} آغاز می‌شود. کلاس هفته‌ای دو بار برگزار "
         "می‌شود و برای شرکت‌کنندگان واجد شرایط رایگان است. لطفاً برای ثبت‌نام کارت شناسایی همراه داشته باشید."),
        ("ساعت مشاوره روز {weekday}",
         "ساعت مشاوره باز درباره اقامت، کار و مسکن روز {weekday} {date} از {time} تا ساعت ۱۷ در {place} "
         "برگزار می‌شود. نیازی به وقت قبلی نیست و مترجمان عربی، فارسی و ترکی حضور دارند."),
        ("کافه زبان در {date}",
         "در کافه زبان روز {date} از {time} با هم در فضایی آرام در {place} آلمانی تمرین می‌کنیم. "
         "همه سطح‌ها خوش آمدید، چای و بیسکویت رایگان است."),
    ],
    "weekly": ("کافه باز والدین هر {weekday}",
               "هر {weekday} والدین از {place} در کافه باز والدین دور هم جمع می‌شوند. درباره مدرسه، مهدکودک و "
               "اوقات فراغت صحبت می‌کنیم و کودکان در اتاق کناری بازی می‌کنند. سر بزنید، شرکت رایگان و بدون ثبت‌نام است."),
    "monthly": ("کافه تعمیر در {place}",
                "توستر، چراغ یا دوچرخه خراب دارید؟ در کافه تعمیر {place} داوطلبان در تعمیر کمک می‌کنند. "
                "ابزار موجود است، فقط وسیله خرابتان را بیاورید. قهوه و کیک در ازای کمک مالی."),
    "generic_titles": ["ساعت مشاوره باز", "خبرنامه", "اطلاعیه مطبوعاتی", "اعلام برنامه", "اخبار انجمن",
                       "تاریخ‌ها", "فرصت شغلی"],
    "month_titles": "خبرنامه {month} {y}",
}

LANGS["ru"] = {
    "persons": "cyr",
    "digits": "ascii",
    "months": ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
               "октября", "ноября", "декабря"],
    "month_nominative": ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
                         "сентябрь", "октябрь", "ноябрь", "декабрь"],
    "weekdays": ["понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье"],
    "date_styles": ["{d} {month} {y} года", "{d} {month}", "{dd}.{mm}.{y}"],
    "time_style": "в {h}:{min}",
    "places": ["Линден-Норд", "Лист", "Фаренвальд", "Нордштадт", "Залькамп", "Мюленберг", "Дёрен",
               "Зюдштадт", "Риклинген", "Хайнхольц"],
    "topics": ["летний праздник", "соседское кафе", "языковое кафе", "день консультаций по праву на пребывание",
               "чтения с сирийскими писательницами", "семейный концерт", "фотовыставка", "женский семинар",
               "помощь с домашними заданиями", "велосипедная мастерская", "межкультурный кулинарный вечер",
               "киновечер", "информационный вечер о записи в детский сад", "день открытых дверей",
               "прогулка по району", "тренинг по составлению резюме", "родительское кафе",
               "театральный проект", "блошиный рынок", "швейная мастерская"],
    "slots": {
        "audience": ["женщин с миграционным опытом", "подростков от 14 лет", "пожилых людей",
                     "недавно приехавших семей", "студентов", "родителей детей из детского сада",
                     "беженцев из Украины", "всех желающих"],
        "item": ["блюдо для общего стола", "музыкальный инструмент", "ваши вопросы", "удобную обувь",
                 "фотографии с родины", "вид на жительство"],
        "group": ["женский хор", "молодёжная группа", "команда соседского кафе", "сирийская кулинарная группа",
                  "курдское культурное общество", "школьная фирма"],
        "series": ["Ганновер вместе", "Многообразие в районе", "Язык объединяет", "Живём по-соседски"],
        "venue": ["зал церковной общины", "спортзал начальной школы", "дом досуга", "городскую библиотеку"],
        "stop": ["Кюхенгартен", "Листер-плац", "Фаренвальдер-плац", "Крёпке", "Фишерхоф"],
        "langs": ["арабский и фарси", "турецкий и курдский", "украинский и русский", "английский и французский"],
    },
    "titles": ["{topic} в районе {place}", "Приглашение: {topic} в районе {place}", "{org} запускает проект: {topic}",
               "Новое в районе {place}: {topic}", "{topic} {date}", "{org}: {topic} для семей",
               "Запишитесь сейчас: {topic} в районе {place}", "{topic} – {org} ищет волонтёров"],
    "sentences": [
        "{date} в районном центре {place} пройдёт {topic}.",
        "Начало {time}, вход свободный.",
        "Приглашаются все соседи из района {place} и окрестностей.",
        "{org} организует мероприятие вместе с партнёром {org2}.",
        "Есть {n} мест, записаться нужно до {date2}.",
        "Будет перевод на {langs}.",
        "Детям тоже рады, за ними присмотрят.",
        "Помещение без барьеров, ближайшая остановка {stop}.",
        "{person} из организации {org} говорит: «Мы хотим объединить людей всех культур».",
        "В прошлом году пришли более {n2} посетителей.",
        "Предложение рассчитано прежде всего на {audience}.",
        "На вопросы отвечает {person} по телефону 0511 {phone}.",
        "С собой нужно взять только хорошее настроение и {item}.",
        "Еду и напитки готовит {group}.",
        "Мероприятие входит в серию «{series}».",
        "В плохую погоду мы переходим в {venue}.",
    ],
    "credit": ["Источник: {org}", "Фото: {org}", "Текст и фото: {org}", "Источник: Администрация Ганновера"],
    "title_prefix": ["Пресс-релиз: ", "Объявление: ", "Новости района: "],
    "read_more": "Читать далее",
    "footer": ("Проект финансируется землёй Нижняя Саксония и городом Ганновер в рамках программы «Интеграция "
               "в районе». Контакт: {org}, Am Küchengarten 3, 30449 Ганновер, телефон 0511 {phone}, "
               "электронная почта info@{domain}. Наши консультации конфиденциальны и бесплатны, все "
               "предложения открыты для людей любого происхождения."),
    "template_events": [
        ("Курс немецкого языка {level} – запись",
         "Курс немецкого языка уровня {level} начинается {date} {time} в районе {place}. Занятия проходят "
         "два раза в неделю и бесплатны для тех, кто имеет право на курс. Пожалуйста, возьмите на запись паспорт."),
        ("Консультация в {weekday}",
         "Открытая консультация по вопросам пребывания, работы и жилья пройдёт в {weekday}, {date}, с {time} "
         "до 17 часов в районе {place}. Запись не нужна, на месте есть переводчики арабского, фарси и турецкого."),
        ("Языковое кафе {date}",
         "В языковом кафе {date} мы вместе практикуем немецкий {time} в непринуждённой обстановке в районе "
         "{place}. Рады всем уровням, чай и печенье бесплатно."),
    ],
    "weekly": ("Открытое родительское кафе каждый {weekday}",
               "Каждый {weekday} родители из района {place} встречаются в открытом родительском кафе. Говорим о "
               "школе, детском саде и досуге, а дети играют в соседней комнате. Приходите, участие бесплатное "
               "и без записи."),
    "monthly": ("Ремонтное кафе в районе {place}",
                "Сломался тостер, лампа или велосипед? В ремонтном кафе в районе {place} волонтёры помогут с "
                "ремонтом. Инструменты есть, просто принесите сломанную вещь. Кофе и пирог за пожертвование."),
    "generic_titles": ["Открытая консультация", "Рассылка", "Пресс-релиз", "Анонс мероприятия",
                       "Новости объединения", "Даты", "Вакансия"],
    "month_titles": "Рассылка за {month_nom} {y}",
}

LANGS["uk"] = {
    "persons": "cyr",
    "digits": "ascii",
    "months": ["січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня",
               "жовтня", "листопада", "грудня"],
    "month_nominative": ["січень", "лютий", "березень", "квітень", "травень", "червень", "липень", "серпень",
                         "вересень", "жовтень", "листопад", "грудень"],
    "weekdays": ["понеділок", "вівторок", "середу", "четвер", "п’ятницю", "суботу", "неділю"],
    "date_styles": ["{d} {month} {y} року", "{d} {month}", "{dd}.{mm}.{y}"],
    "time_style": "о {h}:{min}",
    "places": ["Лінден-Норд", "Ліст", "Фаренвальд", "Нордштадт", "Залькамп", "Мюленберг", "Дьорен",
               "Зюдштадт", "Ріклінген", "Хайнхольц"],
    "topics": ["літнє свято", "сусідська кав’ярня", "мовне кафе", "день консультацій щодо права на перебування",
               "читання із сирійськими письменницями", "сімейний концерт", "фотовиставка", "жіночий семінар",
               "допомога з домашніми завданнями", "велосипедна майстерня", "міжкультурний кулінарний вечір",
               "кіновечір", "інформаційний вечір про запис до дитсадка", "день відчинених дверей",
               "прогулянка районом", "тренінг зі складання резюме", "батьківське кафе", "театральний проєкт",
               "блошиний ринок", "швейна майстерня"],
    "slots": {
        "audience": ["жінок з міграційним досвідом", "підлітків від 14 років", "людей похилого віку",
                     "нещодавно прибулих сімей", "студентів", "батьків дітей з дитсадка",
                     "біженців з України", "усіх охочих"],
        "item": ["страву для спільного столу", "музичний інструмент", "ваші запитання", "зручне взуття",
                 "фотографії з батьківщини", "посвідку на проживання"],
        "group": ["жіночий хор", "молодіжна група", "команда сусідської кав’ярні", "сирійська кулінарна група",
                  "курдське культурне товариство", "шкільна фірма"],
        "series": ["Ганновер разом", "Розмаїття в районі", "Мова єднає", "Живемо по-сусідськи"],
        "venue": ["зал церковної громади", "спортзал початкової школи", "будинок дозвілля", "міську бібліотеку"],
        "stop": ["Кюхенгартен", "Лістер-плац", "Фаренвальдер-плац", "Крьопке", "Фішергоф"],
        "langs": ["арабську та фарсі", "турецьку та курдську", "українську та російську",
                  "англійську та французьку"],
    },
    "titles": ["{topic} у районі {place}", "Запрошення: {topic} у районі {place}", "{org} започатковує: {topic}",
               "Нове в районі {place}: {topic}", "{topic} {date}", "{org}: {topic} для сімей",
               "Реєструйтеся зараз: {topic} у районі {place}", "{topic} – {org} шукає волонтерів"],
    "sentences": [
        "{date} у районному центрі {place} відбудеться {topic}.",
        "Початок {time}, вхід вільний.",
        "Запрошуємо всіх сусідів з району {place} та околиць.",
        "{org} організовує захід разом із партнером {org2}.",
        "Є {n} місць, зареєструватися потрібно до {date2}.",
        "Буде переклад на {langs}.",
        "Дітям теж раді, за ними доглянуть.",
        "Приміщення без бар’єрів, найближча зупинка {stop}.",
        "{person} з організації {org} каже: «Ми хочемо об’єднати людей усіх культур».",
        "Минулого року прийшли понад {n2} відвідувачів.",
        "Пропозиція розрахована насамперед на {audience}.",
        "На запитання відповідає {person} за телефоном 0511 {phone}.",
        "Із собою потрібно взяти лише гарний настрій і {item}.",
        "Їжу та напої готує {group}.",
        "Захід входить до серії «{series}».",
        "У негоду ми переходимо до {venue}.",
    ],
    "credit": ["Джерело: {org}", "Фото: {org}", "Текст і фото: {org}", "Джерело: Міська рада Ганновера"],
    "title_prefix": ["Пресреліз: ", "Оголошення: ", "Новини району: "],
    "read_more": "Читати далі",
    "footer": ("Проєкт фінансується землею Нижня Саксонія та містом Ганновер у межах програми «Інтеграція в "
               "районі». Контакт: {org}, Am Küchengarten 3, 30449 Ганновер, телефон 0511 {phone}, "
               "електронна пошта info@{domain}. Наші консультації конфіденційні та безкоштовні, усі "
               "пропозиції відкриті для людей будь-якого походження."),
    "template_events": [
        ("Курс німецької мови {level} – запис",
         "Курс німецької мови рівня {level} починається {date} {time} у районі {place}. Заняття відбуваються "
         "двічі на тиждень і безкоштовні для тих, хто має право на курс. Будь ласка, візьміть на запис паспорт."),
        ("Консультація в {weekday}",
         "Відкрита консультація з питань перебування, роботи та житла відбудеться в {weekday}, {date}, з {time} "
         "до 17 години в районі {place}. Запис не потрібен, на місці є перекладачі арабської, фарсі та турецької."),
        ("Мовне кафе {date}",
         "У мовному кафе {date} ми разом практикуємо німецьку {time} у невимушеній атмосфері в районі {place}. "
         "Раді всім рівням, чай і печиво безкоштовно."),
    ],
    "weekly": ("Відкрите батьківське кафе щоп’ятниці",
               "Щоп’ятниці батьки з району {place} зустрічаються у відкритому батьківському кафе. Говоримо про "
               "школу, дитсадок і дозвілля, а діти граються в сусідній кімнаті. Приходьте, участь безкоштовна "
               "і без запису."),
    "monthly": ("Ремонтне кафе в районі {place}",
                "Зламався тостер, лампа чи велосипед? У ремонтному кафе в районі {place} волонтери допоможуть "
                "з ремонтом. Інструменти є, просто принесіть зламану річ. Кава і пиріг за пожертву."),
    "generic_titles": ["Відкрита консультація", "Розсилка", "Пресреліз", "Анонс заходу", "Новини товариства",
                       "Дати", "Вакансія"],
    "month_titles": "Розсилка за {month_nom} {y}",
}

LEVELS: list[str] = ["A1", "A2", "B1", "B2", "C1"]

# Contact sentence appended to recurring-event texts (one contact per family).
CONTACT: dict[str, str] = {
    "de": "Ansprechpartnerin ist {person}, Telefon 0511 {phone}.",
    "en": "Your contact is {person}, phone 0511 {phone}.",
    "tr": "İletişim: {person}, telefon 0511 {phone}.",
    "ar": "للتواصل: {person}، هاتف 0511 {phone}.",
    "fa": "تماس: {person}، تلفن 0511 {phone}.",
    "ru": "Контактное лицо: {person}, телефон 0511 {phone}.",
    "uk": "Контактна особа: {person}, телефон 0511 {phone}.",
}
