"""Cold and warm ingest of the benchmark corpus, ours side by side with lemon24/reader.

The corpus (``bench/corpus.py``: 500 feeds, about 90 MB) is served by
``bench/feedserver.py`` on loopback addresses (one per partner). Each run is a fresh
Python process, so its figures are its own: wall time from start to exit (imports
included), CPU time (user + system, all threads and worker processes) and peak memory
(PSS of the process tree), by ``bench/measure.py``. Runs alternate in this process
tree:

* **cold**: a fresh database, every source: ours = ``aggregator.config.load`` of a
  generated feeds.toml, then ``aggregator.service.run(aggregator.service.fetch_once(
  settings, settings.sources))`` as ``aggregator fetch`` does (on uvloop) (fetch + parse +
  normalise + dedupe + store + publish if anything changed); reader =
  ``make_reader(db)``, ``add_feed`` for each URL, ``update_feeds(workers=N)``;
* **warm**: the same databases again, every source answering 304 Not Modified,
  ``--warm-repeats`` times (default 5) per pair, alternating; the ratio is the median
  of the passes' ratios.

``--warm-only`` measures only the warm passes, on the databases an earlier run left in
``--scratch`` (a cold run is made first where there is none, and not counted): the
quick way to measure the 304 path again after a change.

Then the same cold run with ``--latency`` (default 50 ms) added to every response:
ours once, reader once at each of ``--reader-workers-latency`` (default 4, 16), the
best of them taken. Ratios are
reader / ours: above 1, we are faster. Prints a table; ``--json FILE`` writes the
figures for ``bench/run.py``.

    python bench/ingest.py                  # 500 feeds, 2 pairs, then the latency runs
    python bench/ingest.py --quick          # 100 feeds, 1 pair
    python bench/ingest.py --pairs 1 --latency 0 --warm-only   # the 304 pass again
    python bench/ingest.py --profile FILE   # also one cold run of ours under py-spy
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus
import feedserver
import measure

LANGUAGES = ["de", "en", "tr", "ar", "fa", "ru", "uk", "kmr", "ckb", "vi", "pl"]


# --- the children ----------------------------------------------------------------------

def feeds_toml(infos: list[corpus.FeedInfo], port: int, concurrency: int, per_host: int
               ) -> str:
    lines = ['[aggregator]', 'title = "Bench"', 'base_url = "http://bench.test/"',
             'database = "aggregator.db"', 'output_dir = "public"', 'interval = "30m"',
             'max_entries = 100', f"languages = {json.dumps(LANGUAGES)}",
             f"concurrency = {concurrency}", f"per_host = {per_host}",
             "allow_private_networks = true", ""]
    for info in infos:
        lines += ["[[source]]", f'id = "{info.id}"', f'name = "Partner {info.index}"',
                  f'url = "http://{info.host}:{port}{info.path}"',
                  f'homepage = "https://partner{info.index}.example.org/"',
                  f'language = "{info.language}"', ""]
    return "\n".join(lines)


def child_ours(workdir: Path, corpus_path: Path, port: int, concurrency: int, per_host: int
               ) -> dict[str, Any]:
    from collections import Counter

    from aggregator import config, service

    config_file = workdir / "feeds.toml"
    if not config_file.exists():
        config_file.write_text(feeds_toml(corpus.load(corpus_path), port, concurrency,
                                          per_host), encoding="utf-8")
    settings = config.load(config_file)
    started = time.perf_counter()
    results, report = service.run(service.fetch_once(settings, settings.sources))
    outcomes = Counter(result.outcome for result in results)
    # report None: nothing changed, so nothing was published
    return {"work_s": time.perf_counter() - started, "outcomes": dict(outcomes),
            "new": sum(result.counts.new for result in results),
            "errors": [result.error for result in results if result.error][:3],
            "published": report is not None,
            "written": len(report.written) if report else 0,
            "publish_s": report.duration if report else 0.0}


def child_reader(workdir: Path, corpus_path: Path, port: int, workers: int
                 ) -> dict[str, Any]:
    from reader import make_reader

    db = workdir / "reader.sqlite"
    cold = not db.exists()
    reader = make_reader(str(db))
    if cold:
        for info in corpus.load(corpus_path):
            reader.add_feed(f"http://{info.host}:{port}{info.path}")
    started = time.perf_counter()
    reader.update_feeds(scheduled=False, workers=workers)
    work = time.perf_counter() - started
    broken = [feed for feed in reader.get_feeds() if feed.last_exception]
    counts = reader.get_entry_counts()
    reader.close()
    return {"work_s": work, "entries": counts.total, "broken": len(broken),
            "errors": [str(feed.last_exception) for feed in broken][:3]}


# --- the parent ------------------------------------------------------------------------

def run_child(side: str, workdir: Path, corpus_path: Path, port: int, **options: Any
              ) -> dict[str, Any]:
    """Run one side in a fresh process; its figures from its own rusage."""
    command = [sys.executable, __file__, "--child", side, "--workdir", str(workdir),
               "--corpus", str(corpus_path), "--port", str(port)]
    for key, value in options.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    before = feedserver.stats(port)
    code = measure.code_version()
    with tempfile.TemporaryFile() as out:
        measured = measure.run(command, stdout=out)
        out.seek(0)
        text = out.read().decode()
    if measured.returncode != 0:
        raise SystemExit(f"{side} run failed ({measured.returncode}): {text[-2000:]}")
    after = feedserver.stats(port)
    served = {code: after.get(code, 0) - before.get(code, 0) for code in after}
    served["200"] -= 1  # the stats request itself
    figures = json.loads(text.strip().splitlines()[-1])
    return {"side": side, "wall_s": measured.wall_s, "cpu_s": measured.cpu_s,
            "mem_mb": measured.peak_pss_mb, "rss_mb": measured.peak_rss_mb,
            "maxrss_mb": measured.maxrss_mb, "processes": measured.processes,
            "served": served, "code": code, **figures}


def made_for(database: Path, port: int) -> bool:
    """Whether a database exists and names the feeds on this port (an earlier run may
    have served them on another one: every fetch would fail)."""
    marker = database.parent / "port"
    return database.exists() and marker.exists() and marker.read_text() == str(port)


def check(run: dict[str, Any], phase: str) -> None:
    """Stop on a run that did not do the whole job: its time would not be comparable."""
    expected = {"cold": "ok", "warm": "not_modified"}[phase]
    if run["side"] == "ours":
        failed = {outcome: n for outcome, n in run["outcomes"].items() if outcome != expected}
    else:
        failed = {"broken": run["broken"]} if run["broken"] else {}
    if failed:
        raise SystemExit(f"{run['side']} {phase} run: not every source was {expected}: "
                         f"{failed}, e.g. {run['errors']}")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def describe(run: dict[str, Any]) -> str:
    extra = (f"outcomes {run['outcomes']}, publish {run['publish_s']:.2f} s"
             if run["side"] == "ours"
             else f"entries {run['entries']}, broken {run['broken']}")
    return (f"  {run['side']:6} {run.get('phase', ''):5} wall {run['wall_s']:7.2f} s  "
            f"cpu {run['cpu_s']:7.2f} s  mem {run['mem_mb']:6.1f} MB "
            f"({run['processes']} proc)  "
            f"served {run['served']}  {extra}")


def side_by_side(args: argparse.Namespace, corpus_path: Path, scratch: Path
                 ) -> dict[str, Any]:
    runs: list[dict[str, Any]] = []
    ours_options = {"concurrency": args.concurrency, "per_host": args.per_host}
    # the databases hold the feeds' URLs: a warm-only run serves on the port they name
    port_file = scratch / "port"
    known = (int(port_file.read_text()) if args.warm_only and port_file.exists()
             else None)
    with feedserver.running(corpus_path, corpus.HOSTS, port=known) as port:
        scratch.mkdir(parents=True, exist_ok=True)
        port_file.write_text(str(port))
        for pair in range(args.pairs):
            ours_dir, reader_dir = scratch / f"ours-{pair}", scratch / f"reader-{pair}"
            ready = (made_for(ours_dir / "aggregator.db", port)
                     and made_for(reader_dir / "reader.sqlite", port))
            if not (args.warm_only and ready):
                for folder in (ours_dir, reader_dir):
                    shutil.rmtree(folder, ignore_errors=True)
                    folder.mkdir(parents=True)
                    (folder / "port").write_text(str(port))
            passes = [("cold", 0)] + [("warm", n) for n in range(args.warm_repeats)]
            for phase, repeat in passes:
                if phase == "cold" and args.warm_only and ready:
                    continue
                for side, folder, options in (
                        ("ours", ours_dir, ours_options),
                        ("reader", reader_dir, {"workers": args.reader_workers})):
                    run = run_child(side, folder, corpus_path, port, **options)
                    run.update(phase=phase, pair=pair, repeat=repeat)
                    print(describe(run), flush=True)
                    check(run, phase)
                    if not (phase == "cold" and args.warm_only):
                        runs.append(run)
    latency_runs: list[dict[str, Any]] = []
    if args.latency > 0:
        latency_corpus = corpus.corpus_dir(args.latency_feeds, args.seed)
        corpus.generate(latency_corpus, args.latency_feeds, args.seed)
        with feedserver.running(latency_corpus, corpus.HOSTS, args.latency) as port:
            candidates = [int(w) for w in args.reader_workers_latency.split(",")]
            # ours once, then reader once at each worker count (the best one is compared)
            plan = [("ours", ours_options)] + [("reader", {"workers": w}) for w in candidates]
            for index, (side, options) in enumerate(plan):
                folder = scratch / f"latency-{side}-{index}"
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir(parents=True)
                run = run_child(side, folder, latency_corpus, port, **options)
                run.update(phase="cold", workers=options.get("workers"), latency=args.latency)
                print(describe(run) + (f"  (workers={options['workers']})" if side == "reader"
                                       else ""), flush=True)
                check(run, "cold")
                latency_runs.append(run)
    return summarise(runs, latency_runs, args)


def summarise(runs: list[dict[str, Any]], latency_runs: list[dict[str, Any]],
              args: argparse.Namespace) -> dict[str, Any]:
    def pick(side: str, phase: str) -> list[dict[str, Any]]:
        return [r for r in runs if r["side"] == side and r["phase"] == phase]

    summary: dict[str, Any] = {"feeds": args.feeds, "pairs": args.pairs,
                               "warm_passes": len(pick("ours", "warm")),
                               "concurrency": args.concurrency, "per_host": args.per_host,
                               "reader_workers": args.reader_workers, "runs": runs,
                               "latency_runs": latency_runs}
    for phase in ("cold", "warm"):
        ours, theirs = pick("ours", phase), pick("reader", phase)
        for key in ("wall_s", "cpu_s", "mem_mb"):
            summary[f"{phase}_ours_{key}"] = median([r[key] for r in ours])
            summary[f"{phase}_reader_{key}"] = median([r[key] for r in theirs])
            summary[f"{phase}_ratio_{key}"] = median(
                [b[key] / a[key] for a, b in zip(ours, theirs, strict=True)])
    for phase in ("cold", "warm"):
        summary[f"{phase}_ours_publish_s"] = median([r["publish_s"] for r in pick("ours", phase)])
    if latency_runs:
        ours = [r for r in latency_runs if r["side"] == "ours"]
        theirs = [r for r in latency_runs if r["side"] == "reader"]
        by_workers: dict[int, list[float]] = {}
        for run in theirs:
            by_workers.setdefault(run["workers"], []).append(run["wall_s"])
        best = min(by_workers, key=lambda w: median(by_workers[w]))
        summary.update(
            latency=args.latency, latency_feeds=args.latency_feeds, latency_reader_by_workers={
                str(w): median(v) for w, v in sorted(by_workers.items())},
            latency_reader_best_workers=best,
            latency_ours_wall_s=median([r["wall_s"] for r in ours]),
            latency_ours_cpu_s=median([r["cpu_s"] for r in ours]),
            latency_ours_mem_mb=median([r["mem_mb"] for r in ours]),
            latency_reader_wall_s=median(by_workers[best]))
        summary["latency_ratio_wall_s"] = (summary["latency_reader_wall_s"]
                                           / summary["latency_ours_wall_s"])
    return summary


def print_summary(summary: dict[str, Any]) -> None:
    print(f"\n{summary['feeds']} feeds, medians of {summary['pairs']} pairs "
          f"(ours: concurrency {summary['concurrency']}, per_host {summary['per_host']}; "
          f"reader: workers {summary['reader_workers']})")
    print(f"{'':14}{'ours':>10}{'reader':>10}{'reader/ours':>13}")
    for phase in ("cold", "warm"):
        for key, unit in (("wall_s", "s"), ("cpu_s", "s"), ("mem_mb", "MB")):
            print(f"{phase + ' ' + key.split('_')[0]:14}"
                  f"{summary[f'{phase}_ours_{key}']:>9.2f}{unit[0]}"
                  f"{summary[f'{phase}_reader_{key}']:>9.2f}{unit[0]}"
                  f"{summary[f'{phase}_ratio_{key}']:>12.2f}x")
    if "latency" in summary:
        print(f"cold, {summary['latency_feeds']} feeds, {summary['latency'] * 1000:.0f} ms per "
              f"request: ours "
              f"{summary['latency_ours_wall_s']:.2f} s; reader by workers "
              f"{summary['latency_reader_by_workers']} -> best "
              f"{summary['latency_reader_best_workers']}: {summary['latency_reader_wall_s']:.2f}"
              f" s; ratio {summary['latency_ratio_wall_s']:.2f}x")


def profile(args: argparse.Namespace, corpus_path: Path, scratch: Path) -> None:
    """One cold run of ours under py-spy (all threads, native frames off): raw stacks."""
    folder = scratch / "profile"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with feedserver.running(corpus_path, corpus.HOSTS) as port:
        command = [sys.executable, __file__, "--child", "ours", "--workdir", str(folder),
                   "--corpus", str(corpus_path), "--port", str(port),
                   "--concurrency", str(args.concurrency), "--per-host", str(args.per_host)]
        subprocess.run(["py-spy", "record", "--format", "raw", "--rate", "200",
                        "--output", str(args.profile), "--", *command], check=True,
                       stdout=subprocess.DEVNULL)
    print(f"py-spy stacks written to {args.profile} (summarise: bench/stacks.py)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--reader-workers", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--reader-workers-latency", default="4,16")
    parser.add_argument("--latency-feeds", type=int, default=500,
                        help="feeds of the corpus for the latency runs")
    parser.add_argument("--warm-repeats", type=int, default=5,
                        help="warm passes per pair, ours then reader each time (a pass "
                             "takes seconds and one alone varies by 20 %% and more here)")
    parser.add_argument("--quick", action="store_true", help="100 feeds, 1 pair")
    parser.add_argument("--warm-only", action="store_true",
                        help="only the warm passes, on the databases left in --scratch")
    parser.add_argument("--scratch", type=Path, default=corpus.CACHE / "ingest")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--profile", type=Path)
    # a child run (internal)
    parser.add_argument("--child", choices=["ours", "reader"])
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--port", type=int)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if args.child == "ours":
        print(json.dumps(child_ours(args.workdir, args.corpus, args.port, args.concurrency,
                                    args.per_host)))
        return
    if args.child == "reader":
        print(json.dumps(child_reader(args.workdir, args.corpus, args.port, args.workers)))
        return
    if args.quick:
        args.feeds, args.pairs, args.latency_feeds = 100, 1, 100
    corpus_path = corpus.corpus_dir(args.feeds, args.seed)
    infos = corpus.generate(corpus_path, args.feeds, args.seed)
    print(f"corpus: {len(infos)} feeds, {sum(i.entries for i in infos)} entries, "
          f"{sum(i.bytes for i in infos) / 1e6:.1f} MB ({corpus_path})", flush=True)
    if args.profile:
        profile(args, corpus_path, args.scratch)
        return
    summary = side_by_side(args, corpus_path, args.scratch)
    print_summary(summary)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
