"""Ingest cost through the real store: does clustering a new entry get slower as
the database grows?

Builds ``--entries`` feed entries (default 100,000) from many partners: a share
of the labelled corpus of generate.py (republications, edited copies, hard
negatives), unrelated stories of the template corpus (16 sentence templates per
language: far more overlap than real news) and a diverse background (Zipf-
weighted random sentences from the same vocabularies, see evaluate.py). They are
published at a steady rate (``--per-day``) over as many days as that takes, and
ingested the way the service does:

1. every partner's entries become one RSS document that goes through
   ``aggregator.reading.parse_and_normalize`` (feedparser, normalise, language,
   fingerprint, band keys) in a pool of worker processes, like the spine's CPU pool;
2. time moves on in steps of ``--poll-hours``; each partner that published in a
   step is "fetched": its feed (newest ``--feed-size`` entries, most of them
   known) goes to ``Store.state`` + ``Store.save(state, entries, now, policy)``
   on one thread, as on the spine's database thread.

Reported: total ingest time, and the time of ``Store.save`` per new entry (its
batch's time divided by its new entries) over ``--window`` entries before
10,000 and before ``--entries`` stored entries, with the parts of it spent in
the candidate query (``Store._candidates``), the decision
(``dedupe.choose_story``) and the same-partner "re-keyed?" lookup
(``Store._rekeyed``), measured by wrapping those functions here.

    PYTHONPATH=. python bench/dedup/scale.py [--entries 100000] [--days N]
"""

from __future__ import annotations

import argparse
import itertools
import os
import pickle
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from evaluate import diverse_background
from generate import generate
from pipeline import rss, slug, write_feeds_toml

from aggregator import config, dedupe
from aggregator.models import Entry, SourceConfig
from aggregator.reading import parse_and_normalize
from aggregator.store import Store

START = datetime(2024, 1, 8, tzinfo=UTC)
#: items per generated RSS document (aggregator.parse reads at most 1,000 per document)
CHUNK = 500


# -- the entries --------------------------------------------------------------------


def corpus(count: int, days: float, partners: int, seed: int,
           shares: tuple[float, float]) -> list[dict[str, Any]]:
    """``count`` entries published over ``days``: labelled corpus items (their own
    10 partners, dates scaled into the span), template-corpus singles and the diverse
    background spread over ``partners`` synthetic partners (Zipf-like sizes)."""
    rng = random.Random(seed)
    span = timedelta(days=days)
    labelled_n = int(count * shares[0])
    template_n = int(count * shares[1])
    labelled: list[dict[str, Any]] = []
    k = 0
    while len(labelled) < labelled_n:
        items = generate(seed + 100 + k)
        first = min(datetime.fromisoformat(i["published"]) for i in items)
        last = max(datetime.fromisoformat(i["published"]) for i in items)
        # a corpus covers ~330 days; squeeze or stretch it into the span
        factor = span / (last - first) if days < 300 else 1.0
        for item in items:
            moment = START + (datetime.fromisoformat(item["published"]) - first) * factor
            labelled.append({**item, "id": f"s{k}-{item['id']}", "story": f"s{k}-{item['story']}",
                             "published": moment.isoformat()})
        k += 1
    labelled = rng.sample(labelled, labelled_n) if len(labelled) > labelled_n else labelled
    templates = [i for i in generate(seed + 1, background=template_n) if i["kind"] == "single"]
    templates = [{**i, "id": f"t-{i['id']}", "story": f"t-{i['story']}"}
                 for i in templates[-template_n:]] if template_n else []
    diverse = diverse_background(count - labelled_n - len(templates), seed + 2)
    weights = [1 / (rank + 1) ** 0.7 for rank in range(partners)]
    names = [f"partner-{n + 1:02d}.example" for n in range(partners)]
    background = templates + diverse
    for n, item in enumerate(background):
        domain = rng.choices(names, weights)[0]
        item["source"] = domain
        item["published"] = (START + span * rng.random()).isoformat()
        if not item["link"] or rng.random() < 0.5:
            item["link"] = f"https://{domain}/news/{n}"
    return labelled + background


def _prepare(job: tuple[str, bytes, SourceConfig, datetime, tuple[str, ...]]
             ) -> tuple[str, list[Entry], float]:
    url, body, source, now, languages = job
    started = time.process_time()
    _, entries = parse_and_normalize(body, url, "application/rss+xml", source, now, languages)
    return source.id, entries, time.process_time() - started


def prepare(by_partner: dict[str, list[dict[str, Any]]], sources: dict[str, SourceConfig],
            languages: tuple[str, ...], workers: int
            ) -> tuple[dict[str, list[Entry]], float, float]:
    """Every partner's entries through parse_and_normalize; (entries by source, wall
    seconds, CPU seconds of the workers)."""
    t0 = time.perf_counter()
    now = datetime.now(UTC)
    jobs = []
    for domain, group in by_partner.items():
        group.sort(key=lambda i: i["published"])
        for start in range(0, len(group), CHUNK):  # the parser reads 1,000 items at most
            jobs.append((sources[slug(domain)].url, rss(domain, group[start:start + CHUNK]),
                         sources[slug(domain)], now, languages))
    prepared: dict[str, list[Entry]] = defaultdict(list)
    cpu = 0.0
    with ProcessPoolExecutor(workers) as pool:
        for source_id, entries, used in pool.map(_prepare, jobs):
            prepared[source_id] += entries
            cpu += used
    return dict(prepared), time.perf_counter() - t0, cpu


# -- timing the store's parts ---------------------------------------------------------


class Parts:
    """CPU time spent inside some functions, by wrapping them (the package is
    unchanged). CPU time of the thread, because the machine may be shared."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.candidates = 0
        self.most_candidates = 0

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] += time.thread_time() - started
                self.calls[name] += 1
        return timed

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] += seconds
        self.calls[name] += 1

    def snapshot(self, stored: int) -> Mark:
        return Mark(stored, dict(self.seconds), dict(self.calls), self.candidates)


@dataclass(frozen=True)
class Mark:
    """The totals when ``stored`` entries were stored."""

    stored: int
    seconds: dict[str, float]
    calls: dict[str, int]
    candidates: int


def per_entry_between(a: Mark, b: Mark) -> dict[str, float]:
    """µs per new entry spent in each part between two marks, candidates per entry,
    and µs per call of Store.state (once per fetch)."""
    n = max(1, b.stored - a.stored)
    result = {k: 1e6 * (b.seconds.get(k, 0.0) - a.seconds.get(k, 0.0)) / n
              for k in ("save", "candidates", "choose", "rekeyed")}
    result["other"] = result["save"] - result["candidates"] - result["choose"] - \
        result["rekeyed"]
    result["found"] = (b.candidates - a.candidates) / n
    calls = b.calls.get("state", 0) - a.calls.get("state", 0)
    result["state"] = 1e6 * (b.seconds.get("state", 0.0) - a.seconds.get("state", 0.0)) / \
        max(1, calls)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--per-day", type=float, default=300.0,
                        help="entries published per day by all partners together")
    parser.add_argument("--days", type=float, default=None,
                        help="publish everything within this many days instead "
                             "(a denser store: more entries inside the 14-day window)")
    parser.add_argument("--partners", type=int, default=60)
    parser.add_argument("--labelled", type=float, default=0.1,
                        help="share of labelled-corpus entries (duplicates, hard negatives)")
    parser.add_argument("--templates", type=float, default=0.2,
                        help="share of template-corpus singles")
    parser.add_argument("--poll-hours", type=float, default=1.0)
    parser.add_argument("--feed-size", type=int, default=20)
    parser.add_argument("--window", type=int, default=2000,
                        help="new entries per measuring window")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep the database")
    parser.add_argument("--cache", type=Path,
                        help="pickle of the parsed entries: written if missing, else read "
                             "(to rerun the store part alone)")
    args = parser.parse_args()

    def out(text: str) -> None:
        print(text, flush=True)

    days = args.days or args.entries / args.per_day
    out(f"# dedup scale through the real store: {args.entries} entries, {days:.0f} days, "
        f"{args.partners} + 10 partners, polled every {args.poll_hours:g} h")
    out(f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}, "
        f"{time.strftime('%Y-%m-%d')}, load average at start "
        f"{os.getloadavg()[0]:.1f}")
    wall0 = time.perf_counter()
    items = corpus(args.entries, days, args.partners, args.seed, (args.labelled, args.templates))
    out(f"corpus: {len(items)} entries ({sum(i['id'].startswith('s') for i in items)} labelled "
        f"corpus, {sum(i['id'].startswith('t-') for i in items)} template singles, "
        f"{sum(i['id'].startswith('bg-') for i in items)} diverse) generated in "
        f"{time.perf_counter() - wall0:.1f} s")

    folder = args.keep or Path(tempfile.mkdtemp(prefix="dedup-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    by_partner: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        by_partner[item["source"]].append(item)
    settings = config.load(write_feeds_toml(folder, "http://127.0.0.1:9", sorted(by_partner)),
                           environ={})
    sources = {s.id: s for s in settings.sources}

    # 1. parse -> normalise -> fingerprint, in documents of CHUNK items, in worker processes
    prepared: dict[str, list[Entry]] | None = None
    prepare_wall = cpu = 0.0
    if args.cache and args.cache.exists():
        prepared, prepare_wall, cpu = pickle.loads(args.cache.read_bytes())
        out(f"(parsed entries read from {args.cache}; figures below from when it was made)")
    if prepared is None:
        prepared, prepare_wall, cpu = prepare(by_partner, sources, settings.languages,
                                              args.workers)
        if args.cache:
            args.cache.write_bytes(pickle.dumps((prepared, prepare_wall, cpu)))
    count = sum(len(e) for e in prepared.values())
    out(f"parse + normalise + fingerprint: {prepare_wall:.1f} s wall with {args.workers} "
        f"processes, {cpu:.1f} s CPU = {1e6 * cpu / count:.0f} µs CPU per entry")

    # 2. the store, in publication order, polled like the scheduler does
    parts = Parts()
    original_candidates = Store._candidates
    original_rekeyed = Store._rekeyed

    def candidates(self: Store, entry: Entry, when: datetime, policy: Any) -> Any:
        found = original_candidates(self, entry, when, policy)
        parts.candidates += len(found)
        parts.most_candidates = max(parts.most_candidates, len(found))
        return found

    Store._candidates = parts.wrap("candidates", candidates)  # type: ignore[method-assign]
    Store._rekeyed = parts.wrap("rekeyed", original_rekeyed)  # type: ignore[method-assign]
    policy = dedupe.policy(settings)
    policy = replace(policy, choose=parts.wrap("choose", policy.choose))

    timeline: list[tuple[datetime, str, int]] = []  # (published, source, position)
    for source_id, entries in prepared.items():
        entries.sort(key=lambda e: (e.published or START, e.key))
        timeline += [(e.published or START, source_id, n) for n, e in enumerate(entries)]
    timeline.sort()
    step = timedelta(hours=args.poll_hours)
    store = Store.open(settings.database)
    per_entry: list[float] = []  # seconds of Store.save per new entry, in arrival order
    per_entry_cpu: list[float] = []  # the same in CPU time of the saving thread
    marks = [parts.snapshot(0)]
    state_seconds = save_seconds = save_cpu = 0.0
    stored = mismatches = 0
    done = {source_id: 0 for source_id in prepared}
    cursor = 0
    t0 = time.perf_counter()
    clock = timeline[0][0]
    next_mark = args.window
    try:
        while cursor < len(timeline):
            clock += step
            due: dict[str, int] = defaultdict(int)
            while cursor < len(timeline) and timeline[cursor][0] <= clock:
                due[timeline[cursor][1]] = timeline[cursor][2] + 1
                cursor += 1
            for source_id, upto in due.items():
                feed = prepared[source_id][max(0, upto - args.feed_size):upto]
                started, started_cpu = time.perf_counter(), time.thread_time()
                state = store.state(source_id)
                middle, middle_cpu = time.perf_counter(), time.thread_time()
                counts = store.save(replace(state, last_fetch=clock, last_success=clock),
                                    feed, clock, policy)
                ended, ended_cpu = time.perf_counter(), time.thread_time()
                state_seconds += middle - started
                save_seconds += ended - middle
                save_cpu += ended_cpu - middle_cpu
                parts.add("state", middle_cpu - started_cpu)
                parts.add("save", ended_cpu - middle_cpu)
                new = upto - done[source_id]
                done[source_id] = upto
                mismatches += counts.new != new
                per_entry += [(ended - middle) / new] * new
                per_entry_cpu += [(ended_cpu - middle_cpu) / new] * new
                stored += new
                if stored >= next_mark:
                    marks.append(parts.snapshot(stored))
                    next_mark += args.window
                    if len(marks) % max(1, len(timeline) // args.window // 10) == 0:
                        print(f"  ... {stored:,} stored, {time.perf_counter() - t0:.0f} s",
                              file=sys.stderr, flush=True)
        if marks[-1].stored != stored:
            marks.append(parts.snapshot(stored))
        ingest_wall = time.perf_counter() - t0
        bands = store.db.execute("SELECT count(*) FROM entry_bands").fetchone()[0]
        merged = store.db.execute(
            "SELECT count(*) FROM entries WHERE story_id != id").fetchone()[0]
        stored_rows = store.count()
    finally:
        store.close()
        Store._candidates = original_candidates  # type: ignore[method-assign]
        Store._rekeyed = original_rekeyed  # type: ignore[method-assign]
    size = settings.database.stat().st_size + sum(
        p.stat().st_size for p in settings.database.parent.glob(settings.database.name + "-*"))

    out(f"store: {stored_rows} entries stored in {ingest_wall:.1f} s "
        f"(Store.save {save_seconds:.1f} s wall / {save_cpu:.1f} s CPU, Store.state "
        f"{state_seconds:.1f} s), "
        f"{merged} joined another partner's story; {bands} band rows; database "
        f"{size / 2**20:.0f} MiB")
    total = prepare_wall + ingest_wall
    out(f"ingest of {stored_rows} entries: {total:.0f} s wall = parse/normalise/fingerprint "
        f"{prepare_wall:.0f} s ({args.workers} processes) + store {ingest_wall:.0f} s "
        f"(one thread)")
    out("")
    out("Store.save per new entry, over the window of new entries before N stored "
        "(µs; wall clock, and CPU time of the saving thread):")
    out(f"  {'N stored':>9}  {'mean':>6} {'median':>6} {'p95':>6}   {'CPU mean':>8} "
        f"{'median':>6} {'p95':>6}   window")
    windows = sorted({n for n in (10_000, len(per_entry)) if n <= len(per_entry)})
    for n in windows:
        low = max(0, n - args.window)
        cells = []
        for series in (per_entry, per_entry_cpu):
            chunk = sorted(series[low:n])
            cells.append(f"{1e6 * statistics.mean(chunk):>6.0f} "
                         f"{1e6 * chunk[len(chunk) // 2]:>6.0f} "
                         f"{1e6 * chunk[int(len(chunk) * 0.95)]:>6.0f}")
        out(f"  {n:>9,}  {cells[0]}   {cells[1]:>22}   entries {low + 1:,}-{n:,}")
    out("")
    out("where the CPU time goes (µs per new entry; parts measured by wrapping): clustering "
        "= the candidate query + choose_story; _rekeyed = the same-partner 'moved id?' "
        "lookup; other = insert, band rows, commit; Store.state is per fetch")
    header = (f"  {'stored':>9}  {'save':>6}  {'clustering':>10}  {'candidates query':>16}  "
              f"{'choose_story':>12}  {'_rekeyed':>8}  {'other':>6}  "
              f"{'candidates/entry':>16}  {'Store.state/fetch':>17}")
    out(header)

    def row(label: str, a: Mark, b: Mark) -> None:
        v = per_entry_between(a, b)
        out(f"  {label:>9}  {v['save']:>6.0f}  {v['candidates'] + v['choose']:>10.0f}  "
            f"{v['candidates']:>16.0f}  {v['choose']:>12.0f}  {v['rekeyed']:>8.0f}  "
            f"{v['other']:>6.0f}  {v['found']:>16.2f}  {v['state']:>17.0f}")

    def mark_at(n: int) -> Mark:
        return min(marks, key=lambda m: abs(m.stored - n))

    for n in windows:
        row(f"{n:,}", mark_at(n - args.window), mark_at(n))
    out("  by tenths of the ingest:")
    tenth = max(1, len(per_entry) // 10)
    chosen = sorted({mark_at(k * tenth).stored: mark_at(k * tenth) for k in range(11)}.items())
    for (_, a), (stored_at, b) in itertools.pairwise(chosen):
        row(f"{stored_at:,}", a, b)
    out(f"(most candidates for one entry: {parts.most_candidates}; the candidate query "
        f"returns at most 200)")
    largest = max(len(e) for e in prepared.values())
    out(f"(largest partner: {largest} entries; load average at the end "
        f"{os.getloadavg()[0]:.1f})")
    if mismatches:
        out(f"({mismatches} saves counted other new entries than expected)")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
