"""The labelled corpus through the real pipeline: HTTP -> parse -> normalise ->
dedupe -> SQLite, then precision, recall and lost entries from the database.

``generate.py`` makes the corpus; every partner (the corpus' ``source``) gets one
RSS 2.0 feed (guid = corpus id, title, link as generated or none, description =
the text, pubDate), served by a small threaded HTTP server on 127.0.0.1. A
feeds.toml in a temporary folder lists one ``[[source]]`` per partner, and
``aggregator.service.fetch_once`` (the ``aggregator fetch`` command) ingests
them. The stories are then read back from the database.

Order (``--order``):

* ``rounds`` (default): time moves on in steps of ``--round-hours``; each feed
  shows its newest ``--feed-size`` entries published so far, and every round
  updates all partners (``Pipeline.update_many``, what ``fetch_once`` runs) on one
  long-lived ``Pipeline``, as ``aggregator run`` does; the outputs are published
  once at the end. Entries arrive as they would in production: roughly in
  publication order, several partners per round.
* ``all``: every feed holds all its entries and one ``fetch_once`` takes them.

Pairs (a pair is positive when both entries carry the same ``story`` label, as
in evaluate.py): the pipeline never compares two entries of the *same* partner
(by design: a partner's look-alike entries, such as a calendar's, must stay
apart; only a partner's language versions of one article are joined, and the
corpus has none); its two copies of one story become one story only through
another partner's copy that matches both. Same-source pairs are therefore
neither expected positives nor counted as predictions in the headline figures.
They are reported on their own line, and the literal evaluate.py definition (all
pairs) is printed too.

    PYTHONPATH=. python bench/dedup/pipeline.py [--seed 7] [--order rounds|all]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import logging
import os
import platform
import re
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from generate import generate
from vocab import LANGS, ORGS

from aggregator import config, dedupe
from aggregator.models import Settings, UpdateResult
from aggregator.publish import publish_all
from aggregator.service import fetch_once
from aggregator.similarity import Fingerprint, band_keys, same_story
from aggregator.store import Store
from aggregator.update import Pipeline

Pair = tuple[int, int]
TARGET_KINDS = ("exact", "near")


# -- the partners' feeds ------------------------------------------------------------


def slug(domain: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", domain.lower()).strip("-")


def partner_name(domain: str) -> str:
    for host, names in ORGS.values():
        if host == domain:
            return names.get("de") or next(iter(names.values()))
    return domain


def rss(domain: str, items: Iterable[dict[str, Any]]) -> bytes:
    """One partner's entries as an RSS 2.0 document, newest first. No <language>:
    a partner publishes in several languages, the pipeline identifies each entry's."""
    rss_ = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss_, "channel")
    ET.SubElement(channel, "title").text = partner_name(domain)
    ET.SubElement(channel, "link").text = f"https://{domain}/"
    ET.SubElement(channel, "description").text = f"News from {partner_name(domain)}"
    for item in items:
        node = ET.SubElement(channel, "item")
        ET.SubElement(node, "guid", isPermaLink="false").text = item["id"]
        ET.SubElement(node, "title").text = item["title"]
        if item["link"]:
            ET.SubElement(node, "link").text = item["link"]
        if item["text"]:
            ET.SubElement(node, "description").text = item["text"]
        ET.SubElement(node, "pubDate").text = format_datetime(
            datetime.fromisoformat(item["published"]))
    body: bytes = ET.tostring(rss_, encoding="utf-8", xml_declaration=True)
    return body


class FeedServer:
    """Static documents on 127.0.0.1 with ETag / 304; documents can be replaced while
    serving (one dict swap)."""

    def __init__(self) -> None:
        self.documents: dict[str, tuple[bytes, str]] = {}
        self.requests = 0
        self.not_modified = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.requests += 1
                found = server.documents.get(self.path)
                if found is None:
                    self._send(404, b"not found", {"Content-Type": "text/plain"})
                    return
                body, etag = found
                if self.headers.get("If-None-Match") == etag:
                    server.not_modified += 1
                    self._send(304, b"", {"ETag": etag})
                    return
                self._send(200, body, {"Content-Type": "application/rss+xml; charset=utf-8",
                                       "ETag": etag})

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def publish(self, documents: dict[str, bytes]) -> None:
        self.documents = {path: (body, '"' + hashlib.sha1(body).hexdigest()[:16] + '"')
                          for path, body in documents.items()}

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def write_feeds_toml(folder: Path, base: str, domains: list[str]) -> Path:
    """feeds.toml: one [[source]] per partner, generous fetch limits."""
    aggregator: dict[str, Any] = {
        "title": "dedup bench", "base_url": "http://portal.test/",
        "database": "data/bench.db", "output_dir": "data/public",
        "languages": list(LANGS), "concurrency": 16, "per_host": 16,
        "max_entries": 100,
    }
    if "allow_private_networks" in config.AGGREGATOR_KEYS:  # SSRF protection, if present
        aggregator["allow_private_networks"] = True
    lines = ["[aggregator]", *(f"{k} = {_toml(v)}" for k, v in aggregator.items())]
    for domain in domains:
        lines += ["", "[[source]]", f"id = {_toml(slug(domain))}",
                  f"name = {_toml(partner_name(domain))}",
                  f"url = {_toml(f'{base}/feeds/{slug(domain)}.xml')}"]
        if "allow_private_networks" in config.SOURCE_KEYS:
            lines.append("allow_private_networks = true")
    path = folder / "feeds.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- ingesting ----------------------------------------------------------------------


def feeds_at(by_partner: dict[str, list[dict[str, Any]]], cutoff: datetime | None,
             size: int | None) -> tuple[dict[str, bytes], set[str]]:
    """Each partner's feed as it looks at ``cutoff`` (its newest ``size`` entries
    published by then; None: all), and the ids it shows."""
    documents: dict[str, bytes] = {}
    shown: set[str] = set()
    for domain, items in by_partner.items():
        visible = [i for i in items if cutoff is None or _when(i) <= cutoff]
        visible = visible[-size:] if size else visible
        documents[f"/feeds/{slug(domain)}.xml"] = rss(domain, reversed(visible))
        shown.update(i["id"] for i in visible)
    return documents, shown


def _when(item: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(item["published"])


def ingest(items: list[dict[str, Any]], folder: Path, order: str, round_hours: float,
           feed_size: int) -> tuple[Settings, dict[str, Any]]:
    by_partner: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in sorted(items, key=lambda i: (_when(i), i["id"])):
        by_partner[item["source"]].append(item)
    domains = sorted(by_partner)
    outcomes: Counter[str] = Counter()
    warnings: Counter[str] = Counter()
    errors: list[str] = []

    def seen(result: UpdateResult) -> None:
        outcomes[result.outcome] += 1
        if result.warning:
            warnings[result.warning[:80]] += 1
        if result.error:
            errors.append(f"{result.source_id}: {result.error}")

    served: set[str] = set()
    rounds = 0
    started = time.perf_counter()
    with FeedServer() as server:
        settings = config.load(write_feeds_toml(folder, server.base, domains), environ={})
        if order == "all":
            documents, served = feeds_at(by_partner, None, None)
            server.publish(documents)
            asyncio.run(fetch_once(settings, settings.sources, seen))
            rounds = 1
        else:
            first = min(_when(i) for i in items)
            last = max(_when(i) for i in items)
            step = timedelta(hours=round_hours)
            cutoffs = [first + step * n for n in range(int((last - first) / step) + 2)]

            async def run() -> int:
                # one long-lived pipeline, as in `aggregator run`: fetch_once would start
                # a new pipeline (database thread, parse workers) for every round
                done = 0
                async with Pipeline(settings) as pipeline:
                    for cutoff in cutoffs:
                        documents, shown = feeds_at(by_partner, cutoff, feed_size)
                        if shown <= served:
                            continue  # nothing new anywhere
                        served.update(shown)
                        server.publish(documents)
                        for result in await pipeline.update_many(settings.sources):
                            seen(result)
                        done += 1
                        if done % 50 == 0:
                            print(f"  ... round {done} ({cutoff:%Y-%m-%d}), "
                                  f"{time.perf_counter() - started:.0f} s", file=sys.stderr,
                                  flush=True)
                    await pipeline.db(publish_all, settings)
                return done

            rounds = asyncio.run(run())
        requests, not_modified = server.requests, server.not_modified
    return settings, {
        "rounds": rounds, "seconds": time.perf_counter() - started, "outcomes": outcomes,
        "warnings": warnings, "errors": errors, "served": served, "requests": requests,
        "not_modified": not_modified, "partners": len(domains),
    }


# -- evaluating ---------------------------------------------------------------------


def within(groups: Iterable[list[int]]) -> set[Pair]:
    pairs: set[Pair] = set()
    for members in groups:
        pairs.update(itertools.combinations(sorted(members), 2))
    return pairs


def prf(predicted: set[Pair], truth: set[Pair]) -> tuple[float, float, int, int, int]:
    tp, fp, fn = len(predicted & truth), len(predicted - truth), len(truth - predicted)
    return (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, tp, fp, fn)


def line(name: str, predicted: set[Pair], truth: set[Pair]) -> str:
    p, r, tp, fp, fn = prf(predicted, truth)
    return f"  {name:<46} {p:.4f}     {r:.4f}   {tp:>5} {fp:>4} {fn:>4}"


def evaluate(items: list[dict[str, Any]], settings: Settings, stats: dict[str, Any],
             out: Any, *, details: bool) -> dict[str, float]:
    store = Store.open(settings.database)
    try:
        rows = list(store.rows(
            "SELECT guid, source_id, story_id, merge_reason, canonical_link, title, "
            "story_text, published, fingerprint FROM entries"))
    finally:
        store.close()
    index = {(slug(item["source"]), item["id"]): n for n, item in enumerate(items)}
    row_of: dict[int, dict[str, Any]] = {}
    extra = 0
    for row in rows:
        n = index.get((row["source_id"], row["guid"]))
        if n is None or n in row_of:
            extra += 1
        else:
            row_of[n] = row
    lost = [n for n in range(len(items)) if n not in row_of]
    never_served = [n for n in lost if items[n]["id"] not in stats["served"]]

    labels: dict[str, list[int]] = defaultdict(list)
    for n, item in enumerate(items):
        labels[item["story"]].append(n)
    stories: dict[int, list[int]] = defaultdict(list)
    for n, row in row_of.items():
        stories[row["story_id"]].append(n)
    truth_all, predicted_all = within(labels.values()), within(stories.values())

    def cross(pairs: set[Pair]) -> set[Pair]:
        return {(a, b) for a, b in pairs if items[a]["source"] != items[b]["source"]}

    def kinds(pairs: set[Pair], wanted: tuple[str, ...]) -> set[Pair]:
        return {(a, b) for a, b in pairs
                if items[a]["kind"] in wanted or items[b]["kind"] in wanted}

    truth, predicted = cross(truth_all), cross(predicted_all)
    same_source = truth_all - truth
    target = kinds(truth, TARGET_KINDS)
    p, _, _, _, _ = prf(predicted, truth)
    _, r_target, *_ = prf(predicted, target)

    out(f"entries: {len(items)}   stories: {len(labels)}   partners: {stats['partners']}   "
        f"rows in the database: {len(rows)}")
    how = "one fetch_once" if stats["rounds"] == 1 else f"{stats['rounds']} rounds"
    out(f"ingest: {how} in {stats['seconds']:.1f} s; "
        f"{stats['requests']} requests ({stats['not_modified']} answered 304); outcomes "
        + ", ".join(f"{k} {v}" for k, v in sorted(stats["outcomes"].items())))
    for warning, count in stats["warnings"].most_common(5):
        out(f"  warning x{count}: {warning}")
    for error in stats["errors"][:5]:
        out(f"  error: {error}")
    out(f"lost: {len(lost)} corpus entries without a row (source + guid)"
        f"{f', {len(never_served)} of them never served' if never_served else ''}; "
        f"rows not in the corpus or doubled: {extra}")
    out("")
    out(f"  {'pairs':<46} precision  recall      TP   FP   FN")
    out(line("cross-source, exact+near (the target)", kinds(predicted, TARGET_KINDS),
             target) + "   <- precision over exact+near pairs only")
    out(line("cross-source, all families", predicted, truth)
        + "   <- precision over every merged pair")
    out(line("all pairs, same source included (evaluate.py)", predicted_all, truth_all))
    doubled = {items[a]["story"] for a, _ in same_source}
    single = {(a, b) for a, b in target if items[a]["story"] not in doubled}
    out(line("cross-source, exact+near, one copy per partner",
             {(a, b) for a, b in kinds(predicted, TARGET_KINDS)
              if items[a]["story"] not in doubled and items[b]["story"] not in doubled},
             single) + f"   <- {len(doubled)} stories with 2 copies at a partner left out")
    joined = len(same_source & predicted_all)
    out(f"  same-source positive pairs (never merged directly, not expected): "
        f"{len(same_source)}, {joined} of them in one story anyway through another "
        f"partner's copy")
    _, r_single, *_ = prf(predicted, single)
    figures = {"precision": p, "recall_target": r_target, "recall_single": r_single,
               "lost": len(lost)}
    if not details:
        return figures

    out("")
    out("recall by family / copy variant (cross-source pairs involving the copy):")
    by_variant: dict[str, list[bool]] = defaultdict(list)
    for a, b in truth:
        copy = b if items[b]["variant"] != "original" else a
        variant = items[copy]["variant"]
        if items[copy]["kind"] == "exact":
            variant = variant.split(";")[0].split(":")[0]
        by_variant[f"{items[copy]['kind']}: {variant}"].append((a, b) in predicted)
    for name, hits in sorted(by_variant.items()):
        out(f"  {name:<42} {sum(hits):>5}/{len(hits):<5} {sum(hits) / len(hits):.3f}")

    out("")
    out("merged pairs by family (cross-source; wrong merges / merged pairs):")
    families: dict[str, list[bool]] = defaultdict(list)
    for pair in predicted:
        name = "+".join(sorted({items[pair[0]]["kind"], items[pair[1]]["kind"]}))
        families[name].append(pair not in truth)
    for name, flags in sorted(families.items(), key=lambda kv: -len(kv[1])):
        out(f"  {name:<42} {sum(flags):>5}/{len(flags):<5}")

    out("")
    out("why entries joined a story (merge_reason of the joining entry):")
    reasons = Counter(re.sub(r"\d+(\.\d+)?", "#", (row["merge_reason"] or "").split("(")[0]
                             ).strip() or "(founded its story)" for row in row_of.values())
    for reason, count in reasons.most_common():
        out(f"  {count:>6}  {reason}")

    def facts(row: dict[str, Any]) -> Any:
        return dedupe._facts(row["canonical_link"], row["title"], row["story_text"] or "",
                             datetime.fromisoformat(row["published"]), row["fingerprint"])

    def candidates(a: dict[str, Any], b: dict[str, Any]) -> bool:
        """Would the store's candidate query pair them (a band key or the link)?"""
        if a["canonical_link"] and a["canonical_link"] == b["canonical_link"]:
            return True
        keys = [set(band_keys(Fingerprint.from_bytes(row["fingerprint"])))
                if row["fingerprint"] else set() for row in (a, b)]
        return bool(keys[0] & keys[1])

    def show(pair: Pair) -> None:
        a, b = items[pair[0]], items[pair[1]]
        ra, rb = row_of[pair[0]], row_of[pair[1]]
        decision = same_story(facts(ra), facts(rb))
        verdict = ("never candidates" if not candidates(ra, rb) and pair not in predicted
                   else "same_story: same (" + decision.reason + ")" + (
                       "" if pair in predicted else ", but they joined different stories")
                   if decision.same else "same_story: " + decision.reason)
        out(f"  [{a['kind']}/{b['kind']}] {a['id']} ({a['source']}) {b['id']} "
            f"({b['source']}): {verdict}")
        out(f"      A: {a['title'][:70]!r} | {a['variant']}")
        out(f"      B: {b['title'][:70]!r} | {b['variant']}")

    out("")
    wrong = sorted(predicted - truth)
    out(f"wrong merges ({len(wrong)}), first 15:")
    for pair in wrong[:15]:
        show(pair)
    missed = sorted(truth - predicted)
    causes: Counter[str] = Counter()
    for a, b in missed:
        if a not in row_of or b not in row_of:
            causes["an entry is lost"] += 1
        elif not candidates(row_of[a], row_of[b]):
            causes["never candidates (no shared band key, different canonical links)"] += 1
        elif not same_story(facts(row_of[a]), facts(row_of[b])).same:
            causes["same_story decides apart"] += 1
        elif items[a]["story"] in doubled:
            causes["same_story: same, but the story has two copies at one partner, which "
                   "never join each other, and the pair's entries joined different ones"
                   ] += 1
        else:
            causes["same_story: same, but they joined different stories"] += 1
    out(f"missed cross-source pairs ({len(missed)}), by cause:")
    for cause, count in causes.most_common():
        out(f"  {count:>5}  {cause}")
    out("first 25:")
    for pair in [p for p in missed if p[0] in row_of and p[1] in row_of][:25]:
        show(pair)
    return figures


def simulated(items: list[dict[str, Any]], out: Any) -> None:
    """evaluate.py's simulation on the same corpus and the same (cross-source) pairs."""
    import evaluate as E

    run = E.simulate(items, [E.facts_for(item) for item in items])
    predicted_pairs = {pair for pair, d in run.decisions.items() if d.same}
    roots = E.clusters(len(items), predicted_pairs)
    groups: dict[int, list[int]] = defaultdict(list)
    for n, root in enumerate(roots):
        groups[root].append(n)
    clustered = {(a, b) for a, b in within(groups.values())
                 if items[a]["source"] != items[b]["source"]}
    pairwise = {(a, b) for a, b in predicted_pairs if items[a]["source"] != items[b]["source"]}
    truth = {(a, b) for a, b in run.truth if items[a]["source"] != items[b]["source"]}
    target = {(a, b) for a, b in truth if items[a]["kind"] in TARGET_KINDS}
    out("for comparison, evaluate.py's simulation (bench text, no HTTP/parse/store) on the "
        "same cross-source pairs:")
    out(f"  {'pairs':<46} precision  recall      TP   FP   FN")
    out(line("pairwise decisions, exact+near", {p for p in pairwise
                                                 if items[p[0]]["kind"] in TARGET_KINDS},
             target))
    out(line("pairwise decisions, all families", pairwise, truth))
    out(line("transitive closure, all families", clustered, truth))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--seeds", default="", help="more corpus seeds, summary only: 1,2,3")
    parser.add_argument("--order", choices=("rounds", "all"), default="rounds")
    parser.add_argument("--round-hours", type=float, default=24.0)
    parser.add_argument("--feed-size", type=int, default=30,
                        help="entries per feed document in --order rounds")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--no-compare", action="store_true",
                        help="skip evaluate.py's simulation for comparison")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    def out(text: str) -> None:
        print(text, flush=True)

    out(f"# dedup through the real pipeline, corpus seed {args.seed}, order {args.order}"
        + (f" (rounds of {args.round_hours:g} h, feeds of {args.feed_size} entries)"
           if args.order == "rounds" else ""))
    out(f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}, "
        f"{time.strftime('%Y-%m-%d')}")
    summary = []
    for seed in [args.seed, *(int(s) for s in args.seeds.split(",") if s)]:
        items = generate(seed)
        folder = args.keep / f"seed{seed}" if args.keep else Path(tempfile.mkdtemp(
            prefix="dedup-pipeline-"))
        folder.mkdir(parents=True, exist_ok=True)
        try:
            settings, stats = ingest(items, folder, args.order, args.round_hours,
                                     args.feed_size)
            if seed != args.seed:
                out(f"\n-- seed {seed}")
            else:
                out("")
            figures = evaluate(items, settings, stats, out, details=seed == args.seed)
            summary.append((seed, figures))
            if seed == args.seed and not args.no_compare:
                out("")
                simulated(items, out)
        finally:
            if not args.keep:
                shutil.rmtree(folder, ignore_errors=True)
    out("")
    out("summary (cross-source pairs; target precision >= 0.99, recall >= 0.95 on "
        "exact+near, 0 lost):")
    for seed, figures in summary:
        out(f"  seed {seed}: precision {figures['precision']:.4f} (every merged pair)   "
            f"recall exact+near {figures['recall_target']:.4f} (one copy per partner "
            f"{figures['recall_single']:.4f})   lost {figures['lost']}")


if __name__ == "__main__":
    main()
