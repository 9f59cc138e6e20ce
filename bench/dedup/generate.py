"""Generate a labelled, multilingual corpus for near-duplicate detection.

Deterministic from ``--seed``.  Writes JSON Lines, one feed entry per line:

    {"id", "story", "kind", "variant", "lang", "source", "link", "title",
     "text", "published"}

``story`` is the ground truth: entries with the same ``story`` are the same
story (exact republications and edited copies), everything else is not.
``kind`` names the family the entry was generated in, ``variant`` what was
done to this copy (for the per-kind breakdown in evaluate.py).

Families (per language, see ``COUNTS``):

* ``exact``: a story republished unchanged by 1-3 partners: under URL
  variants of the original link (tracking parameters, trailing slash,
  http/https, ``www.``/``m.``, ``index.html``, fragment), under a partner's
  own link, or without link; some copies carry HTML remnants.
* ``near``: copies with 1-2 edits: title changed, teaser shortened (sentences
  dropped or cut with "…"/"read more"), credit line added, two sentences
  swapped, HTML remnants.
* ``headline``: title-only entries republished unchanged (short texts).
* hard negatives, each entry its own story unless said otherwise:
  ``footer`` (different short stories sharing a long boilerplate footer),
  ``template`` (same template text, different date/level/weekday/time; some
  instances also republished = positives), ``weekly`` (identical undated
  text naming a weekday, one week apart), ``monthly`` (identical text a month
  apart), ``generic`` (generic title-only entries), ``listing`` (different
  events all linking to the same listing page), ``homepage`` (entries whose
  link is the site root), ``place`` (same template, different district, same
  site), ``topic`` (different stories on the same topic and district),
  ``roundup`` (a "this week's events" entry quoting 2-3 stories that are
  also published on their own).
* ``single``: unrelated stories (background); ``--background N`` adds N more
  (used by the scale benchmark).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from vocab import CONTACT, LANGS, LEVELS, ORGS, PERSONS, ROUNDUP

COUNTS: dict[str, int] = {
    "exact": 25,
    "near": 40,
    "headline": 8,
    "footer": 4,
    "template": 6,
    "weekly": 3,
    "monthly": 3,
    "generic": 3,
    "listing": 3,
    "homepage": 2,
    "place": 2,
    "topic": 6,
    "roundup": 4,
    "single": 60,
}

_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_START = datetime(2024, 1, 8, 6, 0, tzinfo=UTC)


@dataclass
class Item:
    id: str
    story: str
    kind: str
    variant: str
    lang: str
    source: str
    link: str | None
    title: str
    text: str
    published: str


@dataclass
class Story:
    lang: str
    org: str
    title: str
    sentences: list[str]
    link: str
    published: datetime
    digits: str

    def text(self, sentences: list[str] | None = None) -> str:
        parts = self.sentences if sentences is None else sentences
        cut = max(1, (len(parts) + 1) // 2)
        return " ".join(parts[:cut]) + ("\n\n" + " ".join(parts[cut:]) if parts[cut:] else "")


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.items: list[Item] = []
        self.story_no = 0
        self.item_no = 0
        self.link_no = 1000

    # -- helpers -----------------------------------------------------------
    def new_story_id(self, lang: str) -> str:
        self.story_no += 1
        return f"{lang}-s{self.story_no:05d}"

    def emit(
        self,
        story: str,
        kind: str,
        variant: str,
        lang: str,
        source: str,
        link: str | None,
        title: str,
        text: str,
        published: datetime,
    ) -> None:
        self.item_no += 1
        self.items.append(
            Item(
                f"{lang}-{self.item_no:06d}",
                story,
                kind,
                variant,
                lang,
                source,
                link,
                title,
                text,
                published.isoformat(),
            )
        )

    def digits(self, lang: str) -> str:
        style = LANGS[lang]["digits"]
        if style == "ascii":
            return "ascii"
        return style if self.rng.random() < 0.6 else "ascii"

    @staticmethod
    def localise(text: str, digits: str) -> str:
        if digits == "arabic":
            return text.translate(_ARABIC_DIGITS)
        if digits == "persian":
            return text.translate(_PERSIAN_DIGITS)
        return text

    def render_date(self, lang: str, day: datetime, style: str | None = None) -> str:
        spec = LANGS[lang]
        style = style or self.rng.choice(spec["date_styles"])
        return style.format(
            d=day.day,
            dd=f"{day.day:02d}",
            mm=f"{day.month:02d}",
            y=day.year,
            month=spec["months"][day.month - 1],
        )

    def render_time(self, lang: str, hour: int, minute: int) -> str:
        return str(LANGS[lang]["time_style"].format(h=hour, min=f"{minute:02d}"))

    def slot_values(self, lang: str, org: str, published: datetime, **fixed: str) -> dict[str, str]:
        spec = LANGS[lang]
        rng = self.rng
        event = published + timedelta(days=rng.randint(3, 30))
        deadline = event - timedelta(days=rng.randint(1, 3))
        org2 = rng.choice([k for k in ORGS if k != org])
        values = {
            "org": ORGS[org][1][lang],
            "org2": ORGS[org2][1][lang],
            "place": rng.choice(spec["places"]),
            "topic": rng.choice(spec["topics"]),
            "date": self.render_date(lang, event),
            "date2": self.render_date(lang, deadline),
            "time": self.render_time(
                lang, rng.choice([10, 11, 14, 15, 16, 17, 18, 19]), rng.choice([0, 0, 0, 30, 15])
            ),
            "n": str(rng.choice([12, 15, 20, 25, 30, 40, 50, 80])),
            "n2": str(rng.choice([100, 150, 200, 300, 400, 500, 800, 1000])),
            "phone": f"{rng.randint(100000, 999999)}",
            "person": rng.choice(PERSONS[spec["persons"]]),
            "domain": ORGS[org][0],
        }
        for key, options in spec["slots"].items():
            values[key] = rng.choice(options)
        values.update(fixed)
        return values

    def link(self, domain: str, lang: str, title: str) -> str:
        self.link_no += 1
        n = self.link_no
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "beitrag"
        style = self.rng.randrange(5)
        if style == 0:
            return f"https://www.{domain}/aktuelles/{slug}-{n}/"
        if style == 1:
            return f"https://{domain}/{lang}/news/{n}.html"
        if style == 2:
            return f"https://{domain}/?p={n}"
        if style == 3:
            return f"https://www.{domain}/presse/2024/{slug}-{n}"
        return f"https://{domain}/veranstaltungen/{n}/{slug}/"

    def url_variant(self, url: str) -> tuple[str, str]:
        """A differently spelled link with the same canonical form."""
        rng = self.rng
        tracking = rng.choice(
            [
                "utm_source=newsletter&utm_medium=email&utm_campaign=maerz",
                "fbclid=IwAR3x" + str(rng.randint(1000, 9999)),
                "utm_source=facebook&utm_medium=social",
                "mc_cid=ab12cd&mc_eid=ef34",
                "gclid=Cj0KCQ" + str(rng.randint(10, 99)),
                "igshid=MzRlODBiNW",
            ]
        )
        kinds = ["tracking", "slash", "scheme", "host", "index", "fragment", "case"]
        chosen = rng.sample(kinds, rng.randint(1, 3))
        scheme, rest = url.split("://", 1)
        host, _, path = rest.partition("/")
        path, _, query = ("/" + path).partition("?")
        fragment = ""
        for kind in chosen:
            if kind == "tracking":
                query = "&".join(p for p in rng.sample([query, tracking], 2) if p)
            elif kind == "slash" and path != "/" and not path.endswith(".html"):
                path = path.rstrip("/") if path.endswith("/") else path + "/"
            elif kind == "scheme":
                scheme = "http" if scheme == "https" else "https"
            elif kind == "host":
                bare = host.removeprefix("www.").removeprefix("m.")
                host = rng.choice([h for h in (f"www.{bare}", f"m.{bare}", bare) if h != host])
            elif kind == "index" and path != "/" and not path.endswith(".html"):
                path = path.rstrip("/") + "/" + rng.choice(["index.html", "index.php"])
            elif kind == "fragment":
                fragment = "#" + rng.choice(["kommentare", "top", "content"])
            elif kind == "case":
                host, scheme = host.upper(), scheme.upper()
        return f"{scheme}://{host}{path}" + (f"?{query}" if query else "") + fragment, "+".join(
            sorted(chosen)
        )

    def partner_domains(self, exclude: str, count: int) -> list[str]:
        domains = [d for d, _ in ORGS.values() if d != exclude]
        return self.rng.sample(domains, min(count, len(domains)))

    def new_story(
        self,
        lang: str,
        published: datetime,
        *,
        n_sentences: tuple[int, int] = (4, 7),
        org: str | None = None,
        **fixed: str,
    ) -> Story:
        spec = LANGS[lang]
        rng = self.rng
        org = org or rng.choice(list(ORGS))
        values = self.slot_values(lang, org, published, **fixed)
        digits = self.digits(lang)
        k = rng.randint(*n_sentences)
        first = [0] if rng.random() < 0.8 else []
        others = rng.sample(range(1, len(spec["sentences"])), k - len(first))
        picked = first + sorted(others)
        sentences = [self.localise(spec["sentences"][i].format_map(values), digits) for i in picked]
        title = self.localise(rng.choice(spec["titles"]).format_map(values), digits)
        return Story(
            lang, org, title, sentences, self.link(ORGS[org][0], lang, title), published, digits
        )

    def when(self) -> datetime:
        return _START + timedelta(days=self.rng.randint(0, 330), minutes=self.rng.randint(0, 900))

    # -- edits -------------------------------------------------------------
    def edit(self, story: Story, edits: list[str]) -> tuple[str, str]:
        rng = self.rng
        spec = LANGS[story.lang]
        title, sentences = story.title, list(story.sentences)
        markup = False
        tail = ""
        for kind in edits:
            if kind == "title":
                choice = rng.randrange(3)
                if choice == 0:
                    title = rng.choice(spec["title_prefix"]) + title
                elif choice == 1 and (":" in title or "–" in title):
                    title = re.split(r"[:–]", title, maxsplit=1)[1].strip() or title + " (Update)"
                else:
                    title = title + rng.choice(
                        [" (Update)", "!", " | " + ORGS[story.org][1][story.lang]]
                    )
            elif kind == "shorten":
                if rng.random() < 0.5 and len(sentences) > 3:
                    sentences = sentences[: rng.randint(2, len(sentences) - 1)]
                else:
                    words = " ".join(sentences).split()
                    keep = max(8, int(len(words) * rng.uniform(0.5, 0.8)))
                    sentences = [" ".join(words[:keep]) + rng.choice([" …", " […]", "..."])]
                    if rng.random() < 0.5:
                        tail = " " + spec["read_more"]
            elif kind == "credit":
                credit = rng.choice(spec["credit"]).format(org=ORGS[story.org][1][story.lang])
                tail = tail + "\n\n" + credit
            elif kind == "reorder" and len(sentences) > 3:
                i = rng.randint(1, len(sentences) - 2)
                sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
            elif kind == "markup":
                markup = True
        text = story.text(sentences) + tail
        if markup:
            text = self.markup(text)
        return title, text

    def markup(self, text: str) -> str:
        paragraphs = text.split("\n\n")
        html = "".join(f"<p>{p}</p>" for p in paragraphs)
        html = html.replace(" ", "&nbsp;", 2)
        if self.rng.random() < 0.5:
            html = '<div class="teaser">' + html + "</div><br/>"
        return html

    # -- families ----------------------------------------------------------
    def family_exact(self, lang: str) -> None:
        rng = self.rng
        story = self.new_story(lang, self.when())
        sid = self.new_story_id(lang)
        domain = ORGS[story.org][0]
        self.emit(
            sid,
            "exact",
            "original",
            lang,
            domain,
            story.link,
            story.title,
            story.text(),
            story.published,
        )
        copies = rng.randint(1, 3)
        partners = iter(self.partner_domains(domain, copies))
        for _ in range(copies):
            when = story.published + timedelta(hours=rng.randint(1, 96))
            mode = rng.random()
            text = story.text()
            variant = "same text"
            if rng.random() < 0.2:
                text, variant = self.markup(text), "markup"
            if mode < 0.4:
                link, how = self.url_variant(story.link)
                self.emit(
                    sid,
                    "exact",
                    f"url:{how}; {variant}",
                    lang,
                    domain,
                    link,
                    story.title,
                    text,
                    when,
                )
            elif mode < 0.85:
                partner = next(partners)
                self.emit(
                    sid,
                    "exact",
                    f"partner link; {variant}",
                    lang,
                    partner,
                    self.link(partner, lang, story.title),
                    story.title,
                    text,
                    when,
                )
            else:
                self.emit(
                    sid,
                    "exact",
                    f"no link; {variant}",
                    lang,
                    next(partners),
                    None,
                    story.title,
                    text,
                    when,
                )

    def family_near(self, lang: str) -> None:
        rng = self.rng
        story = self.new_story(lang, self.when())
        sid = self.new_story_id(lang)
        domain = ORGS[story.org][0]
        self.emit(
            sid,
            "near",
            "original",
            lang,
            domain,
            story.link,
            story.title,
            story.text(),
            story.published,
        )
        copies = rng.randint(1, 2)
        partners = iter(self.partner_domains(domain, copies))
        for _ in range(copies):
            edits = rng.sample(
                ["title", "shorten", "credit", "reorder", "markup"], rng.choice([1, 1, 2])
            )
            title, text = self.edit(story, edits)
            when = story.published + timedelta(hours=rng.randint(1, 24 * 10))
            partner = next(partners)
            link = None if rng.random() < 0.15 else self.link(partner, lang, title)
            self.emit(sid, "near", "+".join(sorted(edits)), lang, partner, link, title, text, when)

    def family_headline(self, lang: str) -> None:
        rng = self.rng
        story = self.new_story(lang, self.when())
        sid = self.new_story_id(lang)
        domain = ORGS[story.org][0]
        self.emit(
            sid, "headline", "original", lang, domain, story.link, story.title, "", story.published
        )
        for partner in self.partner_domains(domain, rng.randint(1, 2)):
            when = story.published + timedelta(hours=rng.randint(1, 72))
            self.emit(
                sid,
                "headline",
                "title only",
                lang,
                partner,
                self.link(partner, lang, story.title),
                story.title,
                "",
                when,
            )

    def family_footer(self, lang: str) -> None:
        rng = self.rng
        org = rng.choice(list(ORGS))
        domain = ORGS[org][0]
        base = self.when()
        values = self.slot_values(lang, org, base)
        footer = LANGS[lang]["footer"].format_map(values)
        partners = self.partner_domains("", rng.randint(3, 4))
        for partner in partners:
            story = self.new_story(
                lang, base + timedelta(hours=rng.randint(0, 120)), n_sentences=(2, 3), org=org
            )
            text = story.text() + "\n\n" + footer
            link = None if rng.random() < 0.2 else self.link(partner, lang, story.title)
            self.emit(
                self.new_story_id(lang),
                "footer",
                "shared footer",
                lang,
                partner or domain,
                link,
                story.title,
                text,
                story.published,
            )

    def family_template(self, lang: str) -> None:
        rng = self.rng
        spec = LANGS[lang]
        index = rng.randrange(len(spec["template_events"]))
        title_t, text_t = spec["template_events"][index]
        base = self.when()
        org = rng.choice(list(ORGS))
        place = rng.choice(spec["places"])
        digits = self.digits(lang)
        event = base + timedelta(days=rng.randint(5, 20))
        level = rng.choice(LEVELS)
        hour = rng.choice([9, 10, 14, 16, 18])
        instances = rng.randint(2, 4)
        # Vary one dimension per family; keep all else identical.
        dimension = (
            rng.choice(["date", "level", "time"]) if index == 0 else rng.choice(["date", "time"])
        )
        seen: set[tuple[Any, ...]] = set()
        partners = self.partner_domains(ORGS[org][0], instances + 3)
        same_site = rng.random() < 0.3
        for i in range(instances):
            day, lvl, hr = event, level, hour
            if dimension == "date":
                day = event + timedelta(
                    days=7 * i if index == 1 else rng.choice([7, 14, 1, 2, 21]) * i
                )
            elif dimension == "level":
                lvl = LEVELS[(LEVELS.index(level) + i) % len(LEVELS)]
            else:
                hr = hour + i
            key = (day, lvl, hr)
            if key in seen:
                continue
            seen.add(key)
            weekday = spec["weekdays"][day.weekday()]
            values = {
                "level": lvl,
                "weekday": weekday,
                "date": self.render_date(lang, day, spec["date_styles"][0]),
                "time": self.render_time(lang, hr, 0),
                "place": place,
            }
            title = self.localise(title_t.format_map(values), digits)
            text = self.localise(text_t.format_map(values), digits)
            published = base + timedelta(hours=rng.randint(0, 24 * 6))
            source = ORGS[org][0] if same_site else partners[i]
            link = self.link(source, lang, title) if rng.random() < 0.85 else None
            sid = self.new_story_id(lang)
            self.emit(
                sid, "template", f"vary {dimension}", lang, source, link, title, text, published
            )
            if rng.random() < 0.4:  # republished by a partner: a positive inside a negative family
                partner = partners[-1 - i % 3]
                when = published + timedelta(hours=rng.randint(2, 48))
                self.emit(
                    sid,
                    "template",
                    "republished",
                    lang,
                    partner,
                    self.link(partner, lang, title),
                    title,
                    text,
                    when,
                )

    def family_weekly(self, lang: str) -> None:
        rng = self.rng
        spec = LANGS[lang]
        title_t, text_t = spec["weekly"]
        weekday = rng.choice(spec["weekdays"][:5])
        values = {"weekday": weekday, "place": rng.choice(spec["places"])}
        title, text = title_t.format_map(values), text_t.format_map(values)
        base = self.when()
        partners = self.partner_domains("", 4)
        for week in range(rng.randint(2, 3)):
            published = base + timedelta(days=7 * week, hours=rng.randint(-3, 3))
            source = partners[week]
            link = self.link(source, lang, title) if rng.random() < 0.8 else None
            sid = self.new_story_id(lang)
            self.emit(sid, "weekly", f"week {week}", lang, source, link, title, text, published)
            if week == 0 and rng.random() < 0.5:
                when = published + timedelta(hours=rng.randint(2, 40))
                self.emit(
                    sid,
                    "weekly",
                    "republished same week",
                    lang,
                    partners[3],
                    self.link(partners[3], lang, title),
                    title,
                    text,
                    when,
                )

    def contact(self, lang: str) -> str:
        return CONTACT[lang].format(
            person=self.rng.choice(PERSONS[LANGS[lang]["persons"]]),
            phone=self.rng.randint(100000, 999999),
        )

    def family_monthly(self, lang: str) -> None:
        rng = self.rng
        title_t, text_t = LANGS[lang]["monthly"]
        values = {"place": rng.choice(LANGS[lang]["places"])}
        title, text = (
            title_t.format_map(values),
            text_t.format_map(values) + " " + self.contact(lang),
        )
        base = self.when()
        partners = self.partner_domains("", 3)
        for month in range(rng.randint(2, 3)):
            published = base + timedelta(days=rng.randint(27, 35) * month)
            self.emit(
                self.new_story_id(lang),
                "monthly",
                f"month {month}",
                lang,
                partners[month],
                self.link(partners[month], lang, title),
                title,
                text,
                published,
            )

    def family_generic(self, lang: str) -> None:
        rng = self.rng
        spec = LANGS[lang]
        base = self.when()
        title = rng.choice(spec["generic_titles"])
        for partner in self.partner_domains("", rng.randint(2, 3)):
            published = base + timedelta(hours=rng.randint(0, 72))
            self.emit(
                self.new_story_id(lang),
                "generic",
                "generic title only",
                lang,
                partner,
                self.link(partner, lang, title),
                title,
                "",
                published,
            )
        # Monthly newsletters: the same title template, different month.
        template = spec["month_titles"]
        partner = self.partner_domains("", 1)[0]
        for month in range(2):
            day = base + timedelta(days=30 * month)
            title = template.format(
                month=spec["months"][day.month - 1],
                month_nom=spec.get("month_nominative", spec["months"])[day.month - 1],
                y=day.year,
            )
            self.emit(
                self.new_story_id(lang),
                "generic",
                "monthly newsletter title",
                lang,
                partner,
                self.link(partner, lang, title),
                title,
                "",
                day,
            )

    def family_listing(self, lang: str) -> None:
        rng = self.rng
        org = rng.choice(list(ORGS))
        domain = ORGS[org][0]
        listing = f"https://{domain}/veranstaltungen/"
        base = self.when()
        for i in range(rng.randint(2, 3)):
            story = self.new_story(lang, base + timedelta(days=2 * i), org=org)
            link = listing if i == 0 else self.url_variant(listing)[0]
            self.emit(
                self.new_story_id(lang),
                "listing",
                "listing-page link",
                lang,
                domain,
                link,
                story.title,
                story.text(),
                story.published,
            )

    def family_homepage(self, lang: str) -> None:
        rng = self.rng
        org = rng.choice(list(ORGS))
        domain = ORGS[org][0]
        base = self.when()
        for i in range(rng.randint(2, 3)):
            story = self.new_story(lang, base + timedelta(hours=5 * i), org=org)
            link = rng.choice(
                [f"https://{domain}/", f"http://www.{domain}", f"https://{domain}/index.html"]
            )
            self.emit(
                self.new_story_id(lang),
                "homepage",
                "root link",
                lang,
                domain,
                link,
                story.title,
                story.text(),
                story.published,
            )

    def family_place(self, lang: str) -> None:
        rng = self.rng
        spec = LANGS[lang]
        title_t, text_t = spec["monthly"]
        org = rng.choice(list(ORGS))
        domain = ORGS[org][0]
        base = self.when()
        contact = self.contact(lang)
        for place in rng.sample(spec["places"], rng.randint(2, 3)):
            values = {"place": place}
            title, text = title_t.format_map(values), text_t.format_map(values) + " " + contact
            self.emit(
                self.new_story_id(lang),
                "place",
                "same site, other district",
                lang,
                domain,
                self.link(domain, lang, title),
                title,
                text,
                base + timedelta(hours=rng.randint(0, 48)),
            )

    def family_topic(self, lang: str) -> None:
        rng = self.rng
        spec = LANGS[lang]
        topic, place = rng.choice(spec["topics"]), rng.choice(spec["places"])
        org = rng.choice(list(ORGS))
        base = self.when()
        partners = self.partner_domains("", 2)
        for i in range(2):
            story = self.new_story(
                lang, base + timedelta(hours=rng.randint(0, 96)), org=org, topic=topic, place=place
            )
            self.emit(
                self.new_story_id(lang),
                "topic",
                "same topic and district",
                lang,
                partners[i],
                self.link(partners[i], lang, story.title),
                story.title,
                story.text(),
                story.published,
            )

    def family_roundup(self, lang: str) -> None:
        rng = self.rng
        base = self.when()
        parts = []
        for _ in range(rng.randint(2, 3)):
            story = self.new_story(
                lang, base + timedelta(hours=rng.randint(0, 48)), n_sentences=(3, 5)
            )
            self.emit(
                self.new_story_id(lang),
                "roundup",
                "quoted story",
                lang,
                ORGS[story.org][0],
                story.link,
                story.title,
                story.text(),
                story.published,
            )
            parts.append(story.title + "\n\n" + story.text())
        partner = rng.choice(list(ORGS.values()))[0]
        title = ROUNDUP[lang]
        self.emit(
            self.new_story_id(lang),
            "roundup",
            "roundup",
            lang,
            partner,
            self.link(partner, lang, title),
            title,
            "\n\n".join(parts),
            base + timedelta(hours=rng.randint(49, 96)),
        )

    def family_single(self, lang: str) -> None:
        story = self.new_story(lang, self.when())
        self.emit(
            self.new_story_id(lang),
            "single",
            "unrelated",
            lang,
            ORGS[story.org][0],
            story.link,
            story.title,
            story.text(),
            story.published,
        )

    def run(self, langs: list[str], background: int) -> list[Item]:
        for lang in langs:
            for family, count in COUNTS.items():
                for _ in range(count):
                    getattr(self, f"family_{family}")(lang)
        for i in range(background):
            self.family_single(langs[i % len(langs)])
        return self.items


def generate(
    seed: int = 7, langs: list[str] | None = None, background: int = 0
) -> list[dict[str, Any]]:
    """The corpus as a list of dicts (also used by evaluate.py and the tests)."""
    items = Generator(seed).run(langs or list(LANGS), background)
    return [asdict(item) for item in items]


def iter_jsonl(items: list[dict[str, Any]]) -> Iterator[str]:
    for item in items:
        yield json.dumps(item, ensure_ascii=False, sort_keys=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--background", type=int, default=0, help="extra unrelated stories")
    parser.add_argument("--langs", default=",".join(LANGS), help="comma-separated language codes")
    parser.add_argument(
        "-o", "--output", type=Path, default=None, help="JSONL file (default stdout)"
    )
    args = parser.parse_args()
    items = generate(args.seed, args.langs.split(","), args.background)
    lines = "\n".join(iter_jsonl(items)) + "\n"
    if args.output:
        args.output.write_text(lines, encoding="utf-8")
        stories = len({i["story"] for i in items})
        print(f"wrote {len(items)} entries, {stories} stories to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(lines)


if __name__ == "__main__":
    main()
