"""Storing: the cost of ``Store.save`` per entry on the benchmark corpus, without
HTTP or parsing in the figure.

The first ``--feeds`` feeds of ``bench/corpus.py``'s corpus go through
``aggregator.reading.parse_and_normalize`` once (the entries are cached in a pickle
beside the corpus, so reruns measure only the store). Then, on a fresh SQLite
file, every feed's entries are saved the way the spine saves them (one
``Store.save(state, entries, now, policy)`` per source in one batch, filing entries
into stories): the **cold** figure. A second pass saves the same entries again (all
known and unchanged): the **warm** figure. Then every source's ``state`` and a
``save`` of it without entries, as a pass answered 304 Not Modified makes them: the
**304** figure. Printed: wall and CPU time, and ms per entry (per source for the 304
figure); ``--profile`` adds the top functions of the cold pass by cumulative time.

``--ablate`` then also stores the same entries on another fresh file without
deduplication (no fingerprints, so no band rows, no candidate queries, no story
decisions): what the near-duplicate check costs the store.

    python bench/store.py [--feeds 500] [--profile] [--ablate]
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import pickle
import pstats
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus

from aggregator import dedupe
from aggregator.config import load
from aggregator.models import Entry, SourceConfig
from aggregator.reading import parse_and_normalize
from aggregator.store import Store


def prepared(feeds: int, seed: int) -> list[tuple[str, list[Entry]]]:
    """Every feed's entries after parse + normalise + fingerprint, cached."""
    folder = corpus.corpus_dir(500, seed)
    infos = corpus.generate(folder, 500, seed)[:feeds]
    cache = folder / f"entries-{feeds}.pickle"
    if cache.exists():
        result: list[tuple[str, list[Entry]]] = pickle.loads(cache.read_bytes())
        return result
    now = datetime.now(UTC)
    result = []
    for info in infos:
        source = SourceConfig(id=info.id, name=info.id, url=f"http://{info.host}{info.path}")
        body = (folder / "feeds" / f"{info.index:04d}.xml").read_bytes()
        _, entries = parse_and_normalize(body, source.url, None, source, now,
                                         list(corpus.LANGUAGE_WEIGHTS))
        result.append((info.id, entries))
    cache.write_bytes(pickle.dumps(result))
    return result


def save_all(store: Store, feeds: list[tuple[str, list[Entry]]], policy: object) -> int:
    """Every feed's save, in one batch as ``Pipeline.update_many`` makes them."""
    now = datetime.now(UTC)
    count = 0
    store.begin_batch()
    try:
        for source_id, entries in feeds:
            store.save(store.state(source_id), entries, now, policy)  # type: ignore[arg-type]
            count += len(entries)
    finally:
        store.end_batch()
    return count


def save_states(store: Store, feeds: list[tuple[str, list[Entry]]]) -> int:
    """Every source's state read and saved again without entries, in one batch."""
    now = datetime.now(UTC)
    store.begin_batch()
    try:
        for source_id, _ in feeds:
            store.save(store.state(source_id), None, now)
    finally:
        store.end_batch()
    return len(feeds)


def timed(label: str, run: object, unit: str = "entry") -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    count = run()  # type: ignore[operator]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    plural = "sources" if unit == "source" else "entries"
    print(f"{label}: {count:,} {plural}, wall {wall:.2f} s, CPU {cpu:.2f} s, "
          f"{1000 * cpu / count:.3f} ms CPU per {unit}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--ablate", action="store_true",
                        help="also the cold figure without deduplication")
    args = parser.parse_args()
    feeds = prepared(args.feeds, args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "feeds.toml").write_text(
            '[aggregator]\ntitle = "bench"\nbase_url = "http://127.0.0.1/"\n'
            f'database = "{scratch}/db.sqlite"\noutput_dir = "{scratch}/out"\n'
            '[[source]]\nid = "x"\nname = "x"\nurl = "http://127.0.0.1/x"\n')
        policy = dedupe.policy(load(Path(scratch) / "feeds.toml", environ={}))
        store = Store.open(Path(scratch) / "db.sqlite")
        profile = cProfile.Profile() if args.profile else None
        if profile:
            profile.enable()
        timed("cold (new entries)", lambda: save_all(store, feeds, policy))
        if profile:
            profile.disable()
        timed("warm (all known)", lambda: save_all(store, feeds, policy))
        timed("304 (state only)", lambda: save_states(store, feeds), unit="source")
        store.close()
        if args.ablate:
            bare = [(source_id, [dataclasses.replace(entry, fingerprint=None, bands=())
                                 for entry in entries]) for source_id, entries in feeds]
            store = Store.open(Path(scratch) / "bare.sqlite")
            timed("cold without deduplication", lambda: save_all(store, bare, None))
            store.close()
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
