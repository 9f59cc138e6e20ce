"""CPU cost per entry of the parse-and-normalise step of a cold ingest, in-process.

Takes the first N feeds of the benchmark corpus (``bench/corpus.py``, the 500-feed
corpus of ``bench/ingest.py``, generated once and cached) and runs
``aggregator.reading.parse_and_normalize`` on every body, as a parser worker process
does. Prints entries per second of CPU, CPU milliseconds per entry and where they go:

* parse: ``parse_source`` (lxml for well-formed RSS 2.0 and Atom 1.0, else feedparser);
* normalise: sanitise (``clean_html``, ``plain_text``, ``escape_text``), identify
  (language identification), other (links, dates, keys, text extraction ...);
* prepare (``dedupe.prepare``): shingles, MinHash, bands, other.

Stages are timed with the thread's CPU clock by wrapping the functions at their call
sites (``bench/`` only; the package is not changed for it); each stage is exclusive of
the stages inside it. The model of language identification is loaded before timing,
as the worker pool does. The digest line is a hash of everything the step returns
(texts, languages, keys, fingerprints, band keys): equal digests, equal output.

    python bench/normalize.py                 # 100 feeds, best of 3 passes
    python bench/normalize.py --feeds 500 --passes 1
    python bench/normalize.py --profile 30    # also cProfile's top 30 (own time)
    python bench/normalize.py --ablate        # also: without features the portal needs

``--ablate`` measures what 10x reader would cost in features: the step again (best of
the passes, without the stage timers) with declared languages taken on trust (no
identification to catch a mislabelled entry), then also without the fingerprint (no
near-duplicate detection across partners), then also without any identification.
The package is not changed for it; the functions are replaced in this process only.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import hashlib
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus

from aggregator import dedupe, identify, normalize, reading, similarity
from aggregator.models import Entry, SourceConfig

LANGUAGES = ("de", "en", "tr", "ar", "fa", "ru", "uk", "kmr", "ckb", "vi", "pl")
NOW = corpus.REFERENCE


class Timers:
    """Exclusive CPU time per stage: a stage's time excludes the stages called inside."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.stack: list[list[float]] = []  # per open stage: [start, children]

    def wrap(self, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            frame = [time.thread_time(), 0.0]
            self.stack.append(frame)
            try:
                return function(*args, **kwargs)
            finally:
                self.stack.pop()
                total = time.thread_time() - frame[0]
                self.spent[stage] = self.spent.get(stage, 0.0) + total - frame[1]
                if self.stack:
                    self.stack[-1][1] += total
        return timed

    def reset(self) -> None:
        self.spent.clear()


def instrument(timers: Timers) -> None:
    """Wrap the stages where they are called from (module globals)."""
    for module, name, stage in (
            (reading, "parse_source", "parse"),
            (normalize, "normalize_feed", "normalise: other"),
            (normalize, "clean_feed", "normalise: other"),
            (normalize, "clean_html", "normalise: sanitise"),
            (normalize, "plain_text", "normalise: sanitise"),
            (normalize, "escape_text", "normalise: sanitise"),
            (normalize, "identify", "normalise: identify"),
            (dedupe, "prepare", "prepare: other"),
            (dedupe, "fingerprint", "prepare: MinHash"),
            (similarity, "_shingles_of", "prepare: shingles"),
            (dedupe, "band_keys", "prepare: bands")):
        if hasattr(module, name):
            setattr(module, name, timers.wrap(stage, getattr(module, name)))


def sources(infos: list[corpus.FeedInfo]) -> list[tuple[bytes, str, str, SourceConfig]]:
    return [(path.read_bytes(),
             f"http://{info.host}{info.path}",
             "application/atom+xml" if info.format == "atom" else "application/rss+xml",
             SourceConfig(id=info.id, name=f"Partner {info.index}", url=info.path,
                          homepage=f"https://partner{info.index}.example.org/",
                          language=info.language))
            for info in infos
            if (path := corpus_path() / "feeds" / f"{info.index:04d}.xml").exists()]


def corpus_path() -> Path:
    return corpus.corpus_dir(500, 1)


def digest_of(entries: list[Entry], digest: Any) -> None:
    for entry in entries:
        digest.update(repr((entry.key, entry.guid, entry.link, entry.title,
                            entry.summary_html, entry.content_html, entry.author,
                            entry.published, entry.updated, entry.language,
                            entry.language_origin, entry.language_confidence,
                            entry.categories, entry.translation_key, entry.content_hash,
                            entry.canonical_link, entry.story_text, entry.fingerprint,
                            entry.bands)).encode())


def one_pass(bodies: list[tuple[bytes, str, str, SourceConfig]]) -> tuple[int, float, str]:
    """Entries, CPU seconds of the step alone, digest of the output."""
    results: list[list[Entry]] = []
    started = time.thread_time()
    for body, url, content_type, source in bodies:
        results.append(reading.parse_and_normalize(body, url, content_type, source, NOW,
                                                  LANGUAGES)[1])
    spent = time.thread_time() - started
    digest = hashlib.sha256()
    for entries in results:
        digest_of(entries, digest)
    return sum(map(len, results)), spent, digest.hexdigest()[:16]


def ablate(bodies: list[tuple[bytes, str, str, SourceConfig]], passes: int) -> None:
    """The step's CPU per entry as built, then with features taken away one by one."""
    def best() -> float:
        runs = [one_pass(bodies) for _ in range(passes)]
        return min(1000 * spent / count for count, spent, _ in runs)

    saved = normalize.OVERRULE_LETTERS, dedupe.prepare, normalize.identify
    print("Without features (ms of CPU per entry, best of "
          f"{passes} pass(es)):")
    print(f"  as built                                          {best():.3f}")
    normalize.OVERRULE_LETTERS = 10**9  # never enough text to overrule a declaration
    print(f"  declared languages taken on trust                 {best():.3f}")
    dedupe.prepare = lambda entry: entry
    print(f"    and no fingerprint (no near-duplicate check)    {best():.3f}")
    normalize.identify = lambda *args, **kwargs: None
    print(f"    and no language identification at all          {best():.3f}")
    normalize.OVERRULE_LETTERS, dedupe.prepare, normalize.identify = saved
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=100, help="the first N of 500 feeds")
    parser.add_argument("--passes", type=int, default=3, help="the best pass is shown")
    parser.add_argument("--profile", type=int, default=0,
                        help="also print cProfile's top N functions by own time")
    parser.add_argument("--ablate", action="store_true",
                        help="also measure the step without features (see above)")
    args = parser.parse_args()
    infos = corpus.generate(corpus_path(), 500, 1)[: args.feeds]
    bodies = sources(infos)
    identify.load()
    if args.ablate:
        ablate(bodies, args.passes)
    timers = Timers()
    instrument(timers)
    best: tuple[float, dict[str, float]] | None = None
    count, digest = 0, ""
    for _ in range(args.passes):
        timers.reset()
        count, spent, digest = one_pass(bodies)
        # the stages' exclusive times add up to the pass; the rest is the spine itself
        stages = dict(timers.spent)
        stages["spine and timers"] = spent - sum(stages.values())
        if best is None or spent < best[0]:
            best = (spent, stages)
    assert best is not None
    spent, stages = best
    megabytes = sum(len(body) for body, *_ in bodies) / 1e6
    print(f"{len(bodies)} feeds, {count:,} entries, {megabytes:.1f} MB; best of "
          f"{args.passes} pass(es), thread CPU time")
    print(f"  {count / spent:,.0f} entries/s   {1000 * spent / count:.3f} ms per entry   "
          f"({spent:.2f} s)")
    order = ["parse", "normalise: sanitise", "normalise: identify", "normalise: other",
             "prepare: shingles", "prepare: MinHash", "prepare: bands", "prepare: other",
             "spine and timers"]
    for stage in order:
        value = stages.get(stage, 0.0)
        print(f"  {stage:22} {1000 * value / count:7.3f} ms/entry  {100 * value / spent:5.1f} %")
    print(f"  output digest {digest}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(one_pass, bodies)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
