"""Run every benchmark and print one table: target, measured, ratio, met?

    python bench/run.py            # the full run (500 feeds; see the note on time below)
    python bench/run.py --quick    # 100 feeds, one pair, 3,000 entries: a few minutes

Steps, each a subprocess writing JSON into ``--results`` (default
/tmp/aggregator-bench/results): ``bench/ingest.py`` (cold and warm side by side with
reader at 500 feeds, then cold with 50 ms per request at ``--latency-feeds``),
``bench/scale.py`` (10,000 sources on the real scheduler), ``bench/serving.py`` (wrk
against ``aggregator serve`` and nginx), ``bench/publish.py`` (publish after a change
with 30,000 entries: the database of ingest's cold run; and with 10,000 entries: a
portal ingested for it, with the outputs' sizes). The table is printed and, unless
``--quick``, written to ``bench/RESULTS.md`` with the machine, the date and the code
measured: the package as committed at HEAD, extracted to a scratch folder that every
benchmark process imports (others may edit the work tree meanwhile; ``--worktree``
measures the work tree instead). The file's hand-written notes (from the heading
``## Notes (by hand`` on) are kept below the new figures.

Time: the run takes as long as our cold ingest and publish let it. At commit 2dcd375,
on this 2-core machine, the full run (one pair by default, ``--pairs``) took about
10 minutes, a cold ingest of the 500 feeds by us 1.5 minutes; at 09a58af, before
publishing was incremental, it took 45. ``--quick`` (100 feeds, 3,000 entries) takes
a few minutes.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: where the hand-written part of bench/RESULTS.md starts (kept by every new run)
NOTES_HEADING = "## Notes (by hand"


def step(name: str, command: list[str], results: Path) -> dict[str, Any] | None:
    out = results / f"{name}.json"
    out.unlink(missing_ok=True)
    print(f"\n== {name}: {' '.join(command)}", flush=True)
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, *command, "--json", str(out)], cwd=ROOT)
    print(f"== {name}: {time.perf_counter() - started:.0f} s", flush=True)
    if completed.returncode != 0 or not out.exists():
        print(f"== {name} FAILED (exit {completed.returncode})", flush=True)
        return None
    return dict(json.loads(out.read_text("utf-8")))


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()


def snapshot(scratch: Path) -> tuple[str, Path]:
    """The package as committed at HEAD, extracted to a folder that every benchmark
    process imports first (PYTHONPATH): the work tree may change while the benchmarks
    run (other people edit the package), the measured code does not. It is compiled
    to bytecode there, as ``pip install`` does for the container and for the
    dependencies (with PYTHONDONTWRITEBYTECODE set, as on this machine, every process
    would compile it again: 0.04-0.06 s of each start)."""
    commit = git("rev-parse", "--short", "HEAD")
    folder = scratch / f"src-{commit}"
    if not (folder / "aggregator" / "__init__.py").exists():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", "HEAD", "aggregator"], cwd=ROOT,
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
        compileall.compile_dir(folder / "aggregator", quiet=1)
    return commit, folder


def yes(met: bool | None) -> str:
    return "n/a" if met is None else ("yes" if met else "**no**")


def table(ingest: dict[str, Any] | None, publish: dict[str, Any] | None,
          serving: dict[str, Any] | None, scale: dict[str, Any] | None,
          quick: bool) -> list[str]:
    rows: list[tuple[str, str, str, str, str]] = []
    feeds = ingest["feeds"] if ingest else 500
    if ingest:
        cold_ratio = ingest["cold_ratio_wall_s"]
        rows.append((f"cold ingest, {feeds} feeds", ">= 10x reader's throughput",
                     f"ours {ingest['cold_ours_wall_s']:.1f} s (of which publish "
                     f"{ingest['cold_ours_publish_s']:.0f} s), reader "
                     f"{ingest['cold_reader_wall_s']:.1f} s (CPU {ingest['cold_ours_cpu_s']:.0f}"
                     f" s vs {ingest['cold_reader_cpu_s']:.0f} s)",
                     f"{cold_ratio:.2f}x", yes(cold_ratio >= 10)))
        if "latency_ratio_wall_s" in ingest:
            ratio = ingest["latency_ratio_wall_s"]
            rows.append((f"same with {ingest['latency'] * 1000:.0f} ms latency per request"
                         f" ({ingest.get('latency_feeds', feeds)} feeds)",
                         ">= 10x reader with its best worker count",
                         f"ours {ingest['latency_ours_wall_s']:.1f} s, reader "
                         f"{ingest['latency_reader_wall_s']:.1f} s (workers="
                         f"{ingest['latency_reader_best_workers']}; tried "
                         f"{', '.join(ingest['latency_reader_by_workers'])})",
                         f"{ratio:.2f}x", yes(ratio >= 10)))
        warm_ratio = ingest["warm_ratio_wall_s"]
        passes = ingest.get("warm_passes")
        rows.append((f"warm pass, {feeds} feeds, all 304", ">= 3x reader's throughput",
                     (f"medians of {passes} passes: " if passes and passes > 1 else "")
                     + f"ours {ingest['warm_ours_wall_s']:.2f} s (of which publish "
                     f"{ingest['warm_ours_publish_s']:.1f} s), reader "
                     f"{ingest['warm_reader_wall_s']:.2f} s (CPU {ingest['warm_ours_cpu_s']:.1f}"
                     f" s vs {ingest['warm_reader_cpu_s']:.1f} s)",
                     f"{warm_ratio:.2f}x", yes(warm_ratio >= 3)))
        memory = ingest["cold_ours_mem_mb"]
        rows.append(("peak memory during cold ingest", "<= 100 MB",
                     f"{memory:.0f} MB (PSS of the process tree; reader "
                     f"{ingest['cold_reader_mem_mb']:.0f} MB)",
                     f"{memory / 100:.2f}x the budget", yes(memory <= 100)))
    if publish:
        sizes = sorted(publish, key=int)
        largest = publish[sizes[-1]]
        seconds = largest["change_publish_s"]
        idle = (largest["idle"]["publish_s"] if "idle" in largest
                else ingest["warm_ours_publish_s"] if ingest else float("nan"))
        rows.append((f"publish all outputs after a change, {largest['entries']:,} entries "
                     "stored", "<= 1 s",
                     f"{seconds:.2f} s (with nothing changed: {idle:.2f} s)",
                     f"{seconds:.1f}x the budget", yes(seconds <= 1.0)))
    if serving:
        ours, nginx = serving["aggregator"]["conditional"], serving["nginx"]["conditional"]
        met = ours["rps"] >= 3000 and ours["p99_ms"] < 50
        rows.append((f"conditional GET of /feed.atom, {serving['connections']} connections",
                     ">= 3,000 requests/s, p99 < 50 ms",
                     f"{ours['rps']:,.0f} req/s, p99 {ours['p99_ms']:.1f} ms (nginx "
                     f"{nginx['rps']:,.0f} req/s, p99 {nginx['p99_ms']:.1f} ms)",
                     f"{ours['rps'] / 3000:.2f}x the target; {ours['rps'] / nginx['rps']:.2f}x "
                     "nginx", yes(met)))
    if scale:
        share = scale["cpu_share_real"]
        lag = scale["lag_p99_s"]
        rows.append((f"{scale['sources']:,} sources, 30-min interval",
                     "< 25% of one core on average, due-time lag p99 < 60 s",
                     f"scheduler {100 * share:.2f} % of a core, lag p99 {lag:.1f} s "
                     f"(compressed x{scale['compress']:g}; stub fetches)",
                     f"{share / 0.25:.3f}x the CPU budget", yes(share < 0.25 and lag < 60)))
    lines = ["| | target | measured | ratio | met? |", "|---|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in rows]
    if quick:
        lines.append("")
        lines.append("(--quick: fewer feeds, entries and runs than the targets name)")
    return lines


def details(ingest: dict[str, Any] | None, publish: dict[str, Any] | None,
            serving: dict[str, Any] | None, scale: dict[str, Any] | None) -> list[str]:
    lines: list[str] = []
    if ingest:
        lines.append(f"Ingest ({ingest['feeds']} feeds, {ingest['pairs']} pair(s); ours: "
                     f"concurrency {ingest['concurrency']}, per_host {ingest['per_host']}; "
                     f"reader: workers {ingest['reader_workers']}):")
        lines.append("")
        lines.append("| run | side | wall s | CPU s | peak PSS MB | processes | served |")
        lines.append("|---|---|---|---|---|---|---|")
        for run in (ingest["runs"] + ingest["latency_runs"]
                    + ingest.get("other_latency_runs", [])):
            label = run["phase"] + (f" +{run['latency'] * 1000:.0f} ms" if "latency" in run
                                    else f" #{run['pair'] + 1}")
            if run["phase"] == "warm" and "repeat" in run:
                label += f", pass {run['repeat'] + 1}"
            if run.get("feeds"):
                label += f" ({run['feeds']} feeds)"
            side = run["side"] + (f" (workers {run['workers']})" if run.get("workers") else "")
            served = ", ".join(f"{k}: {v}" for k, v in sorted(run["served"].items()) if v)
            lines.append(f"| {label} | {side} | {run['wall_s']:.1f} | {run['cpu_s']:.1f} | "
                         f"{run['mem_mb']:.0f} | {run['processes']} | {served} |")
        lines.append("")
    if publish:
        for size in sorted(publish, key=int):
            result = publish[size]
            cold = (f"; the first publish, right after the cold ingest: "
                    f"{result['cold_publish_s']:.1f} s ({result['cold_written']} files)"
                    if "cold_publish_s" in result else "")
            idle = (f", with nothing changed {result['idle']['publish_s']:.2f} s"
                    if "idle" in result else "")
            lines.append(
                f"- Publish, {result['entries']:,} entries: after a change "
                f"{result['change_publish_s']:.2f} s{idle}; outputs: {result['files']:,} files, "
                f"{result['bytes'] / 1e6:.1f} MB (feed.atom {result['feed_atom_bytes'] / 1e3:.0f}"
                f" kB){cold}.")
    if serving:
        for name in ("aggregator", "nginx"):
            for kind, figures in serving[name].items():
                if kind in ("conditional", "full"):
                    lines.append(
                        f"- Serving, {name}, {kind} GET: {figures['rps']:,.0f} req/s, p50 "
                        f"{figures['p50_ms']:.2f} ms, p99 {figures['p99_ms']:.2f} ms, server "
                        f"CPU {100 * figures['server_cpu_share']:.0f} % of a core.")
        if "startup_s" in serving["aggregator"]:
            lines.append(f"- `aggregator serve` answered /healthz "
                         f"{serving['aggregator']['startup_s']:.1f} s after it started (it "
                         "publishes first when the outputs are out of date).")
    if scale:
        lines.append(
            f"- Scale: {scale['sources']:,} sources, interval {scale['interval_s']:g} s "
            f"(30 min / {scale['compress']:g}), {scale['simulated_hours']:g} simulated hour in "
            f"{scale['wall_s']:.0f} s: {scale['runs']:,} runs (expected "
            f"{scale['expected_runs']:,.0f}), CPU {scale['cpu_s']:.1f} s, peak PSS "
            f"{scale['peak_pss_mb']:.0f} MB, lag p50 {scale['lag_p50_s']:.1f} s / p99 "
            f"{scale['lag_p99_s']:.1f} s / max {scale['lag_max_s']:.1f} s in real-time "
            f"equivalent (x{scale['compress']:g}; p99 measured {scale['lag_p99_compressed_s']:.3f}"
            f" s), at most {scale['most_in_flight']} in flight; adding the "
            f"{scale['sources']:,} jobs took {scale['setup_s']:.1f} s.")
    return lines


def merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Pool the pairs of several ingest runs (see ``--merge-ingest``)."""
    sys.path.insert(0, str(HERE))
    import ingest as ingest_module

    runs: list[dict[str, Any]] = []
    for part in parts:
        offset = len({run["pair"] for run in runs})
        runs += [{**run, "pair": run["pair"] + offset} for run in part["runs"]]
    feeds = max(part.get("latency_feeds", part["feeds"]) for part in parts
                if part["latency_runs"])
    latency = [run for part in parts if part.get("latency_feeds", part["feeds"]) == feeds
               for run in part["latency_runs"]]
    first = parts[0]
    options = argparse.Namespace(
        feeds=first["feeds"], pairs=len({run["pair"] for run in runs}),
        concurrency=first["concurrency"], per_host=first["per_host"],
        reader_workers=first["reader_workers"], latency=first.get("latency", 0.05),
        latency_feeds=feeds)
    summary: dict[str, Any] = ingest_module.summarise(runs, latency, options)
    summary["other_latency_runs"] = [
        {**run, "feeds": part.get("latency_feeds")} for part in parts
        if part.get("latency_feeds", part["feeds"]) != feeds for run in part["latency_runs"]]
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pairs", type=int, default=1)
    parser.add_argument("--latency-feeds", type=int, default=500,
                        help="feeds for the cold ingest with latency (100 saves ~8 minutes)")
    parser.add_argument("--worktree", action="store_true",
                        help="measure the package as it is in the work tree, not HEAD's")
    parser.add_argument("--results", type=Path, default=Path("/tmp/aggregator-bench/results"))
    parser.add_argument("--only", default="ingest,publish,serving,scale")
    parser.add_argument("--merge-ingest", default="",
                        help="comma-separated ingest JSON files of earlier runs of "
                             "bench/ingest.py on the same code: their pairs are pooled; the "
                             "latency runs of the largest corpus are compared")
    parser.add_argument("--out", type=Path, help="default: bench/RESULTS.md unless --quick")
    args = parser.parse_args()
    args.results.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(","))
    if args.worktree:
        code = git("rev-parse", "--short", "HEAD") + " + the work tree's changes"
    else:
        commit, folder = snapshot(Path("/tmp/aggregator-bench"))
        os.environ["PYTHONPATH"] = os.pathsep.join(
            [str(folder), *filter(None, [os.environ.get("PYTHONPATH")])])
        code = f"{commit} (the package as committed, from {folder})"
    started = datetime.now(UTC)
    load_before = os.getloadavg()
    quick = ["--quick"] if args.quick else []

    def load(name: str) -> dict[str, Any] | None:
        path = args.results / f"{name}.json"
        return dict(json.loads(path.read_text("utf-8"))) if path.exists() else None

    ingest = (step("ingest", ["bench/ingest.py", *quick, "--pairs", str(args.pairs),
                              "--latency-feeds", str(args.latency_feeds)], args.results)
              if "ingest" in only else load("ingest"))
    if args.merge_ingest:
        ingest = merge([json.loads(Path(p).read_text("utf-8"))
                        for p in args.merge_ingest.split(",")])
        (args.results / "ingest.json").write_text(json.dumps(ingest, indent=1), "utf-8")
    scale = (step("scale", ["bench/scale.py", *quick], args.results)
             if "scale" in only else load("scale"))
    if "serving" in only:
        # /feed.atom holds max_entries (100) whatever the database's size: a small portal
        # serves the same document, and `aggregator serve` (which publishes first) starts
        # in seconds instead of a quarter of an hour
        command = ["bench/serving.py", "--full"]
        portal = Path("/tmp/aggregator-bench/publish/portal-3000")
        if (portal / "aggregator.db").exists():
            command += ["--workdir", str(portal)]
        if args.quick:
            command += ["--seconds", "5"]
        serving = step("serving", command, args.results)
    else:
        serving = load("serving")
    scratch = Path("/tmp/aggregator-bench/ingest")
    if "publish" in only:
        command = ["bench/publish.py", *quick]
        if not args.quick:
            command += ["--sizes", "30000,10000"]
            if (scratch / "ours-0" / "aggregator.db").exists():
                command += ["--from", str(scratch / "ours-0")]
        publish = step("publish", command, args.results)
    else:
        publish = load("publish")
    finished = datetime.now(UTC)
    meta_file = args.results / "meta.json"
    meta = {"started": started.isoformat(), "finished": finished.isoformat(), "code": code,
            "load_start": load_before[0], "load_end": os.getloadavg()[0]}
    if only & {"ingest", "publish", "serving", "scale"}:
        meta_file.write_text(json.dumps(meta), "utf-8")
    elif meta_file.exists():  # a report of earlier runs: their dates and code
        meta = {**json.loads(meta_file.read_text("utf-8")),
                **({"finished": finished.isoformat()} if args.merge_ingest else {})}
    header = [
        f"Measured {meta['started'][:16].replace('T', ' ')}–{meta['finished'][11:16]} UTC on "
        f"{machine()}; code {meta['code']}; load average {meta['load_start']:.1f} at the "
        f"start, {meta['load_end']:.1f} at the end (other jobs shared the machine when it is "
        "above 0.5)." + (f" Ingest pairs pooled from {args.merge_ingest.count(',') + 1} runs "
                         "of bench/ingest.py on that code (--merge-ingest)."
                         if args.merge_ingest else "")]
    lines = table(ingest, publish, serving, scale, args.quick)
    print("\n" + "\n".join(header) + "\n\n" + "\n".join(lines))
    more = details(ingest, publish, serving, scale)
    print("\n" + "\n".join(more))
    out = args.out or (None if args.quick else HERE / "RESULTS.md")
    if out is not None:
        text = ["# Benchmark results", "", "`make bench` (`python bench/run.py`); how each "
                "figure is measured: the docstrings of `bench/*.py`.", "", *header, "",
                *lines, "", "## Details", "", *more, ""]
        notes = hand_notes(out)
        out.write_text("\n".join(text) + notes, encoding="utf-8")
        print(f"\nwritten to {out}" + (" (its hand-written notes kept)" if notes else ""))


def hand_notes(results: Path) -> str:
    """The hand-written part of a results file, from its notes heading on: a new run
    replaces the measured part and keeps the notes (each says which run it is about)."""
    if not results.exists():
        return ""
    text = results.read_text("utf-8")
    start = text.find(NOTES_HEADING)
    return "\n" + text[start:] if start >= 0 else ""


if __name__ == "__main__":
    main()
