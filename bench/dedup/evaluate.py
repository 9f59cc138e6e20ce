"""Evaluate aggregator.similarity on the labelled corpus from generate.py.

Simulates the pipeline: entries arrive in publication order; each new entry
is fingerprinted, its LSH band keys are looked up in a band index (a dict
standing in for the indexed SQLite table ``band -> entry``) and in a link
index (same canonical link); ``same_story`` is run against every candidate;
then the entry's keys are added to the indexes.

Prints pairwise precision and recall (a pair is positive when both entries
carry the same ``story`` label), candidate counts, a breakdown per family,
the false positives/negatives with ``same_story``'s reasons, optional
parameter sweeps (``--sweep``) and a scale measurement (``--scale``).

    PYTHONPATH=. python bench/dedup/evaluate.py [--sweep] [--scale 10000,100000]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from generate import generate

from aggregator import similarity as S
from aggregator import storyfacts
from aggregator.urls import canonical_url

Pair = tuple[int, int]


@dataclass
class Run:
    decisions: dict[Pair, S.MergeDecision]
    candidates_per_entry: list[int]
    truth: set[Pair]
    lsh_candidates: set[Pair]


def facts_for(item: dict[str, Any]) -> S.StoryFacts:
    link = item["link"]
    return S.StoryFacts(
        canonical_link=canonical_url(link) if link else None,
        title=item["title"],
        text=item["text"],
        published=datetime.fromisoformat(item["published"]),
        fingerprint=S.fingerprint(item["title"], item["text"]),
    )


def truth_pairs(items: list[dict[str, Any]]) -> set[Pair]:
    by_story: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        by_story[item["story"]].append(index)
    pairs: set[Pair] = set()
    for members in by_story.values():
        pairs.update(itertools.combinations(sorted(members), 2))
    return pairs


def simulate(items: list[dict[str, Any]], facts: list[S.StoryFacts]) -> Run:
    order = sorted(range(len(items)), key=lambda i: (facts[i].published, i))
    band_index: dict[int, list[int]] = defaultdict(list)
    link_index: dict[str, list[int]] = defaultdict(list)
    decisions: dict[Pair, S.MergeDecision] = {}
    lsh_pairs: set[Pair] = set()
    per_entry: list[int] = []
    for i in order:
        keys = S.band_keys(facts[i].fingerprint)
        lsh: set[int] = set()
        for key in keys:
            lsh.update(band_index[key])
        candidates = set(lsh)
        link = facts[i].canonical_link
        if link:
            candidates.update(link_index[link])
        per_entry.append(len(candidates))
        for j in candidates:
            pair = (min(i, j), max(i, j))
            decisions[pair] = S.same_story(facts[i], facts[j])
            if j in lsh:
                lsh_pairs.add(pair)
        for key in keys:
            band_index[key].append(i)
        if link:
            link_index[link].append(i)
    return Run(decisions, per_entry, truth_pairs(items), lsh_pairs)


def clusters(n: int, pairs: Iterable[Pair]) -> list[int]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    return [find(x) for x in range(n)]


def prf(predicted: set[Pair], truth: set[Pair]) -> tuple[float, float, int, int, int]:
    tp = len(predicted & truth)
    fp = len(predicted - truth)
    fn = len(truth - predicted)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp, fp, fn


def report(
    items: list[dict[str, Any]], run: Run, out: Callable[[str], None], *, details: bool
) -> tuple[float, float]:
    predicted = {p for p, d in run.decisions.items() if d.same}
    precision, recall, tp, fp, fn = prf(predicted, run.truth)
    candidate_pairs = len(run.decisions)
    lsh_recall = len(run.lsh_candidates & run.truth) / len(run.truth)
    cand_recall = len(set(run.decisions) & run.truth) / len(run.truth)
    out(
        f"entries: {len(items)}   stories: {len({i['story'] for i in items})}   "
        f"positive pairs: {len(run.truth)}"
    )
    out(
        f"candidate pairs: {candidate_pairs} (LSH band collisions {len(run.lsh_candidates)}, "
        f"mean {statistics.mean(run.candidates_per_entry):.2f} / max "
        f"{max(run.candidates_per_entry)} per new entry)"
    )
    out(f"positive pairs among candidates: LSH {lsh_recall:.4f}, LSH+link {cand_recall:.4f}")
    out(f"pairwise   precision {precision:.4f}   recall {recall:.4f}   (TP {tp}, FP {fp}, FN {fn})")
    roots = clusters(len(items), predicted)
    clustered: set[Pair] = set()
    members: dict[int, list[int]] = defaultdict(list)
    for index, root in enumerate(roots):
        members[root].append(index)
    for group in members.values():
        clustered.update(itertools.combinations(sorted(group), 2))
    cp, cr, _, cfp, _ = prf(clustered, run.truth)
    out(f"clustered  precision {cp:.4f}   recall {cr:.4f}   (transitive closure, FP {cfp})")
    if not details:
        return precision, recall

    out("")
    out("recall by family / copy variant (pairs involving the copy):")
    by_variant: dict[str, list[bool]] = defaultdict(list)
    for a, b in run.truth:
        copy = b if items[b]["variant"] != "original" else a
        variant = items[copy]["variant"]
        variant = variant.split(";")[0].split(":")[0] if items[copy]["kind"] == "exact" else variant
        by_variant[f"{items[copy]['kind']}: {variant}"].append((a, b) in predicted)
    for name, hits in sorted(by_variant.items()):
        out(f"  {name:<42} {sum(hits):>5}/{len(hits):<5} {sum(hits) / len(hits):.3f}")

    out("")
    out("negative candidate pairs by family (kept apart / candidates):")
    negatives: dict[str, list[bool]] = defaultdict(list)
    for pair, decision in run.decisions.items():
        if pair in run.truth:
            continue
        kinds = sorted({items[pair[0]]["kind"], items[pair[1]]["kind"]})
        negatives["+".join(kinds)].append(not decision.same)
    for name, kept in sorted(negatives.items(), key=lambda kv: -len(kv[1]))[:25]:
        out(f"  {name:<42} {sum(kept):>5}/{len(kept):<5}")

    out("")
    out("reasons for decisions on candidate pairs (truth same / different):")
    reasons: Counter[tuple[str, bool, bool]] = Counter()
    for pair, decision in run.decisions.items():
        reason = re.sub(r"\d+(\.\d+)?", "#", decision.reason.split("(")[0]).strip()
        reasons[(reason, decision.same, pair in run.truth)] += 1
    for (reason, same, truth), count in sorted(reasons.items(), key=lambda kv: -kv[1]):
        out(
            f"  {'MERGE' if same else 'apart'} {'(dup)' if truth else '(not)'} {count:>6}  {reason}"
        )

    def show(pair: Pair, decision: S.MergeDecision | None) -> None:
        a, b = items[pair[0]], items[pair[1]]
        why = decision.reason if decision else "never a candidate"
        out(f"  [{a['kind']}/{b['kind']}] {a['id']} {b['id']}: {why}")
        out(f"      A: {a['title'][:70]!r} | {b['variant']}")
        out(f"      B: {b['title'][:70]!r}")

    out("")
    false_pos = sorted(predicted - run.truth)
    out(f"false positives ({len(false_pos)}):")
    for pair in false_pos[:15]:
        show(pair, run.decisions[pair])
    false_neg = sorted(run.truth - predicted)
    out(f"false negatives ({len(false_neg)}), first 25:")
    for pair in false_neg[:25]:
        show(pair, run.decisions.get(pair))
    return precision, recall


def evaluate_with(items: list[dict[str, Any]], **params: Any) -> tuple[float, float, Run]:
    saved = {name: getattr(S, name) for name in params}
    try:
        for name, value in params.items():
            setattr(S, name, value)
        storyfacts.facts_of.cache_clear()
        S._shingle_set.cache_clear()
        facts = [facts_for(item) for item in items]
        run = simulate(items, facts)
        predicted = {p for p, d in run.decisions.items() if d.same}
        precision, recall, *_ = prf(predicted, run.truth)
        return precision, recall, run
    finally:
        for name, value in saved.items():
            setattr(S, name, value)


def sweep(items: list[dict[str, Any]], out: Callable[[str], None]) -> None:
    out("shingle size (words per shingle), other parameters as configured:")
    out(
        "  n   precision  recall   candidate pairs  mean sim dup  mean sim hard-neg (similar "
        "template)"
    )
    for n in (1, 2, 3, 4, 5):
        precision, recall, run = evaluate_with(items, SHINGLE_WORDS=n)
        dup = [
            d.score for p, d in run.decisions.items() if p in run.truth and "URL" not in d.reason
        ]
        neg = [
            d.score
            for p, d in run.decisions.items()
            if p not in run.truth
            and items[p[0]]["kind"] in ("template", "footer", "weekly", "monthly")
            and items[p[0]]["kind"] == items[p[1]]["kind"]
        ]
        out(
            f"  {n}   {precision:.4f}     {recall:.4f}   {len(run.decisions):>8}         "
            f"{statistics.mean(dup):.3f}         {statistics.mean(neg) if neg else 0:.3f}"
        )
    out("")
    out("LSH banding (bands x rows), share of positive pairs found by band keys:")
    for bands, rows in ((16, 8), (32, 4), (42, 3), (64, 2)):
        precision, recall, run = evaluate_with(items, BANDS=bands, ROWS=rows)
        lsh = len(run.lsh_candidates & run.truth) / len(run.truth)
        out(
            f"  {bands:>2} x {rows}  LSH recall {lsh:.4f}  candidate pairs "
            f"{len(run.lsh_candidates):>7}  "
            f"precision {precision:.4f}  recall {recall:.4f}"
        )
    out("")
    out("decision thresholds (one varied at a time):")
    grid: list[tuple[str, list[Any]]] = [
        ("TEXT_THRESHOLD", [0.5, 0.6, 0.7, 0.8, 0.9]),
        ("UNRELATED_TITLES_THRESHOLD", [0.7, 0.8, 0.85, 0.9, 1.01]),
        ("CONTAINMENT_THRESHOLD", [0.7, 0.8, 0.9, 1.01]),
        ("CONTAINMENT_MIN_JACCARD", [0.15, 0.2, 0.3, 0.4]),
        ("SHORT_SHINGLES", [6, 8, 12, 16, 24]),
        ("SHORT_THRESHOLD", [0.7, 0.8, 0.9, 1.0]),
        ("MIN_SHINGLES", [1, 2, 3, 4, 6]),
        ("LINK_MIN_CONTAINMENT", [0.0, 0.3, 0.5, 0.7]),
        ("TWO_SIDED_UNIQUE", [3, 4, 6, 8, 12, 10000]),
        (
            "RELATIVE_WINDOW",
            [timedelta(days=1), timedelta(days=3), timedelta(days=6), timedelta(days=30)],
        ),
    ]
    for name, values in grid:
        cells = []
        for value in values:
            precision, recall, _ = evaluate_with(items, **{name: value})
            cells.append(f"{value}: P {precision:.4f} R {recall:.4f}")
        out(f"  {name:<24} " + " | ".join(cells))


def diverse_background(count: int, seed: int) -> list[dict[str, Any]]:
    """Unrelated entries with realistic (low) background overlap.

    Random word sequences drawn Zipf-weighted from each language's vocabulary
    in vocab.py: the words and their frequencies are those of the corpus,
    but two entries share about as few word trigrams as two unrelated news
    items do.  (The template corpus overstates background similarity: its
    stories are built from 16 sentence templates per language.)
    """
    from vocab import LANGS

    rng = random.Random(seed)
    vocabularies: dict[str, tuple[list[str], list[float]]] = {}
    for lang, spec in LANGS.items():
        counts: Counter[str] = Counter()
        for sentence in spec["sentences"] + spec["titles"]:
            counts.update(w for w in sentence.split() if "{" not in w)
        for options in spec["slots"].values():
            for option in options:
                counts.update(option.split())
        for word in spec["topics"] + spec["places"]:
            counts.update(word.split())
        words = [w for w, _ in counts.most_common()]
        vocabularies[lang] = (words, [1.0 / (rank + 1) for rank in range(len(words))])
    langs = list(vocabularies)
    start = datetime(2024, 1, 1)
    entries = []
    for i in range(count):
        lang = langs[i % len(langs)]
        words, weights = vocabularies[lang]

        def sentence(
            low: int, high: int, words: list[str] = words, weights: list[float] = weights
        ) -> str:
            return " ".join(rng.choices(words, weights, k=rng.randint(low, high)))

        entries.append(
            {
                "id": f"bg-{i}",
                "story": f"bg-{i}",
                "kind": "single",
                "variant": "diverse",
                "lang": lang,
                "source": "",
                "link": None,
                "title": sentence(4, 9),
                "text": ". ".join(sentence(8, 16) for _ in range(rng.randint(4, 7))) + ".",
                "published": (start + timedelta(minutes=5 * i)).isoformat(),
            }
        )
    return entries


def scale(sizes: list[int], seed: int, out: Callable[[str], None], probes: int = 400) -> None:
    largest = max(sizes)
    backgrounds: dict[str, Callable[[], list[dict[str, Any]]]] = {
        "template corpus": lambda: [
            i for i in generate(seed + 1, background=largest) if i["kind"] == "single"
        ][:largest],
        "diverse": lambda: diverse_background(largest, seed + 1),
    }
    for name, make in backgrounds.items():
        out(f"background: {name}")
        t0 = time.perf_counter()
        stored_items = make()
        generated = time.perf_counter() - t0
        t0 = time.perf_counter()
        stored = [facts_for(item) for item in stored_items]
        keys = [S.band_keys(f.fingerprint) for f in stored]
        elapsed = time.perf_counter() - t0
        out(
            f"  {len(stored_items)} stored entries generated in {generated:.1f} s; fingerprint + "
            f"band keys "
            f"{1000 * elapsed / len(stored):.3f} ms per entry"
        )
        rng = random.Random(seed)
        fresh = [i for i in generate(seed + 2, background=probes) if i["kind"] == "single"][
            : probes // 2
        ]
        for size in sorted(sizes):
            index: dict[int, list[int]] = defaultdict(list)
            for entry in range(size):
                for key in keys[entry]:
                    index[key].append(entry)
            probe_items: list[tuple[dict[str, Any], int | None]] = [(item, None) for item in fresh]
            for original in rng.sample(range(size), probes // 2):
                item = dict(stored_items[original])
                item["text"] = item["text"] + "\n\nQuelle: Stadt Hannover"
                item["title"] = "Hinweis: " + item["title"]
                item["published"] = (
                    datetime.fromisoformat(item["published"]) + timedelta(days=1)
                ).isoformat()
                probe_items.append((item, original))
            S._shingle_set.cache_clear()
            storyfacts.facts_of.cache_clear()
            times: list[float] = []
            fingerprint_times: list[float] = []
            counts: list[int] = []
            found = false_merges = 0
            for item, source in probe_items:
                start = time.perf_counter()
                fp = S.fingerprint(item["title"], item["text"])
                keys_new = S.band_keys(fp)
                middle = time.perf_counter()
                new = S.StoryFacts(
                    None, item["title"], item["text"], datetime.fromisoformat(item["published"]), fp
                )
                candidates: set[int] = set()
                for key in keys_new:
                    candidates.update(index.get(key, ()))
                merged = [c for c in candidates if S.same_story(new, stored[c]).same]
                end = time.perf_counter()
                times.append(end - start)
                fingerprint_times.append(middle - start)
                counts.append(len(candidates))
                found += source in merged
                false_merges += sum(1 for c in merged if c != source)
            times.sort()
            out(
                f"  {size:>7} stored: {1000 * statistics.mean(times):.3f} ms mean "
                f"(fingerprint + keys {1000 * statistics.mean(fingerprint_times):.3f}), "
                f"{1000 * times[len(times) // 2]:.3f} ms median, "
                f"{1000 * times[int(len(times) * 0.95)]:.3f} ms p95 "
                f"per new entry; candidates mean {statistics.mean(counts):.1f}, max {max(counts)}; "
                f"edited copies found {found}/{probes // 2}, false merges {false_merges}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--corpus", type=Path, help="JSONL from generate.py (default: generate in memory)"
    )
    parser.add_argument("--sweep", action="store_true", help="parameter sweeps")
    parser.add_argument(
        "--scale", default="", help="comma-separated stored-entry counts, e.g. 10000,100000"
    )
    parser.add_argument(
        "--seeds", default="", help="extra seeds to check for stability, e.g. 1,2,3"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a parameter of aggregator.similarity (exploration only)",
    )
    args = parser.parse_args()
    for assignment in args.set:
        name, _, value = assignment.partition("=")
        current = getattr(S, name)
        setattr(
            S,
            name,
            type(current)(value)
            if not isinstance(current, timedelta)
            else timedelta(days=float(value)),
        )

    def out(line: str) -> None:
        print(line, flush=True)

    if args.corpus:
        items = [
            json.loads(line)
            for line in args.corpus.read_text(encoding="utf-8").splitlines()
            if line
        ]
    else:
        items = generate(args.seed)
    out(f"# dedup evaluation, corpus seed {args.seed}")
    out(
        f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}, "
        f"{time.strftime('%Y-%m-%d')}"
    )
    out(
        f"parameters: NUM_PERM={S.NUM_PERM} BANDS={S.BANDS} ROWS={S.ROWS} "
        f"SHINGLE_WORDS={S.SHINGLE_WORDS} "
        f"TEXT_THRESHOLD={S.TEXT_THRESHOLD}/{S.UNRELATED_TITLES_THRESHOLD} "
        f"CONTAINMENT={S.CONTAINMENT_THRESHOLD}/{S.CONTAINMENT_MIN_JACCARD} "
        f"SHORT={S.SHORT_SHINGLES}@{S.SHORT_THRESHOLD} MIN_SHINGLES={S.MIN_SHINGLES} "
        f"LINK_MIN_CONTAINMENT={S.LINK_MIN_CONTAINMENT} TWO_SIDED_UNIQUE={S.TWO_SIDED_UNIQUE} "
        f"RELATIVE_WINDOW={S.RELATIVE_WINDOW}"
    )
    out("")
    t0 = time.perf_counter()
    facts = [facts_for(item) for item in items]
    run = simulate(items, facts)
    out(f"(simulation took {time.perf_counter() - t0:.1f} s)")
    report(items, run, out, details=True)
    if args.seeds:
        out("")
        out("other corpus seeds:")
        for seed in (int(s) for s in args.seeds.split(",")):
            other = generate(seed)
            out(f"-- seed {seed}")
            report(other, simulate(other, [facts_for(i) for i in other]), out, details=False)
    if args.sweep:
        out("")
        sweep(items, out)
    if args.scale:
        out("")
        out(
            "scale: time per new entry = fingerprint + band keys + band-index lookup + "
            "same_story on candidates"
        )
        scale([int(s) for s in args.scale.split(",")], args.seed, out)


if __name__ == "__main__":
    main()
