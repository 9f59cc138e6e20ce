"""Publishing: the time to render every output after a change, with 30,000 and with
10,000 entries stored, and what the outputs weigh.

For each size, a portal is ingested cold from the benchmark corpus (the first feeds of
``bench/corpus.py``'s 500 whose entries add up to the size; ``--from DIR`` reuses an
ingested portal instead, such as ``bench/ingest.py``'s). Then, each in a fresh
process through the public API:

* **change** (3 times below 5,000 entries, once above): one partner publishes one
  new entry, newer than any stored, so that it enters the combined feed, its
  language's and its partner's (its feed, with a copy of its first item under a new
  id, link, title and date, is served from a scratch folder) and
  ``aggregator.service.fetch_once(settings, [that source])`` runs, the source fetched
  from the scratch server but the settings, and so the URL the outputs show for that
  partner, left as they are (a changed feeds.toml is another case): the figure is the
  publish that follows, ``PublishReport.duration`` (every output considered, the
  changed ones rendered and written; with ``PublishReport.cpu``, the processor time
  of the thread that published). That first publish in a fresh process also
  loads what rendering needs once (CLDR date formats of each language, language
  names, templates); then the partner publishes another entry and the same is done
  again in the same process, as in a running service: the second figure;
* **idle**: ``aggregator.service.publish_once(settings)`` with nothing changed (not
  for a portal given with ``--from``: its warm ingest pass published with nothing
  changed already).

The cold ingest's own first publish (every document rendered) is reported too, with
the number and total bytes of the files in ``output_dir``.

**full** (``--full``, with ``--from DIR`` for an ingested portal, or for each size):
a full publish, every document rendered, as after a cold ingest or a settings
change: on a copy of the portal, ``output_dir`` is deleted and the documents'
digests forgotten, then ``aggregator.service.publish_once(settings)`` runs in a
fresh process (``--repeat N`` times, each on a fresh copy): its wall and processor
time (``PublishReport.duration``, ``PublishReport.cpu``) and the files and bytes
written. ``--profile FILE`` writes a cProfile of the (last) full publish.

    python bench/publish.py [--sizes 10000,30000] [--from DIR]
    python bench/publish.py --full --from DIR [--repeat 3] [--profile FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus
import feedserver
import ingest
import measure


def with_new_entry(document: str, stamp: str, when: datetime) -> str:
    """The feed with one more item: a copy of its first, under a new id, link and title,
    published at ``when``."""
    for start_tag, end_tag in (("<item>", "</item>"), ("<entry>", "</entry>")):
        start = document.find(start_tag)
        if start >= 0:
            end = document.index(end_tag, start) + len(end_tag)
            item = document[start:end]
            item = re.sub(r"\?p=\d+", f"?p=new-{stamp}", item)
            item = re.sub(r"/news/\d+", f"/news/new-{stamp}", item)
            item = re.sub(r"<title>", f"<title>Neu {stamp}: ", item, count=1)
            item = re.sub(r"<pubDate>[^<]*</pubDate>",
                          f"<pubDate>{format_datetime(when)}</pubDate>", item)
            item = re.sub(r"<(published|updated)>[^<]*</",
                          lambda match: f"<{match[1]}>{when.isoformat()}</", item)
            return document[:start] + item + "\n" + document[start:]
    raise ValueError("no item in the feed")


def child_change(workdir: Path, corpus_path: Path, source_id: str) -> dict[str, Any]:
    import asyncio
    import dataclasses

    from aggregator import config, service

    settings = config.load(workdir / "feeds.toml")
    source = next(s for s in settings.sources if s.id == source_id)
    info = next(i for i in corpus.load(corpus_path) if i.id == source_id)
    scratch = Path(tempfile.mkdtemp(prefix="bench-change-"))
    (scratch / "feeds").mkdir()
    original = (corpus_path / "feeds" / Path(info.path).name).read_text("utf-8")
    served = scratch / "feeds" / Path(info.path).name
    # newer than anything stored: it enters every window it belongs to (combined,
    # its language, its partner), as news does
    newest = corpus.REFERENCE + timedelta(hours=1)
    served.write_text(with_new_entry(original, str(time.time_ns()), newest), "utf-8")
    try:
        with feedserver.running(scratch, 0) as port:
            # fetched from the scratch server; published with the settings as they are
            # (the partner's configured URL, which its items show, does not change)
            changed = dataclasses.replace(source, url=f"http://127.0.0.1:{port}{info.path}")
            started = time.perf_counter()
            results, report = asyncio.run(service.fetch_once(settings, [changed]))
            total = time.perf_counter() - started
            # once more in the same process, as in a running service (`aggregator run`):
            # the libraries' data (CLDR dates, language names, templates) already loaded
            served.write_text(with_new_entry(served.read_text("utf-8"), str(time.time_ns()),
                                             newest + timedelta(minutes=1)), "utf-8")
            again_results, again = asyncio.run(service.fetch_once(settings, [changed]))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {"publish_s": report.duration, "publish_cpu_s": report.cpu, "fetch_once_s": total,
            "outcome": results[0].outcome, "new": results[0].counts.new,
            "written": len(report.written), "unchanged": len(report.unchanged),
            "again_publish_s": again.duration, "again_publish_cpu_s": again.cpu,
            "again_new": again_results[0].counts.new,
            "again_written": len(again.written)}


def child_idle(workdir: Path) -> dict[str, Any]:
    from aggregator import config, service

    settings = config.load(workdir / "feeds.toml")
    started = time.perf_counter()
    report = service.publish_once(settings)
    return {"publish_s": report.duration, "publish_cpu_s": report.cpu,
            "wall_in_s": time.perf_counter() - started,
            "written": len(report.written), "unchanged": len(report.unchanged)}


def child_full(workdir: Path, profile: Path | None) -> dict[str, Any]:
    import cProfile
    import sqlite3

    from aggregator import config, service

    settings = config.load(workdir / "feeds.toml")
    shutil.rmtree(settings.output_dir, ignore_errors=True)
    with sqlite3.connect(settings.database) as db:
        db.execute("DELETE FROM documents")  # every digest forgotten: everything renders
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    report = service.publish_once(settings)
    if profiler is not None and profile is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    return {"publish_s": report.duration, "publish_cpu_s": report.cpu,
            "written": len(report.written), **outputs(settings.output_dir)}


def bench_full(folder: Path, repeat: int, profile: Path | None) -> dict[str, Any]:
    """Full publishes (every document rendered) on fresh copies of a portal."""
    work = folder.parent / (folder.name + "-full")
    runs = []
    for _ in range(repeat):
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(folder, work)
        runs.append(run_child("full", work, folder, profile=profile))
    shutil.rmtree(work, ignore_errors=True)
    return {"entries": entries_in(folder), "runs": runs,
            "publish_s": statistics.median(r["publish_s"] for r in runs),
            "publish_cpu_s": statistics.median(r["publish_cpu_s"] for r in runs)}


def run_child(mode: str, workdir: Path, corpus_path: Path, source_id: str = "",
              profile: Path | None = None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", mode, "--workdir", str(workdir),
               "--corpus", str(corpus_path), "--source-id", source_id]
    if profile is not None:
        command += ["--profile", str(profile)]
    with tempfile.TemporaryFile() as out:
        measured = measure.run(command, stdout=out)
        out.seek(0)
        text = out.read().decode()
    if measured.returncode != 0:
        raise SystemExit(f"publish {mode} failed: {text[-2000:]}")
    return {"wall_s": measured.wall_s, "cpu_s": measured.cpu_s, "mem_mb": measured.peak_pss_mb,
            **json.loads(text.strip().splitlines()[-1])}


def outputs(folder: Path) -> dict[str, Any]:
    files = [path for path in folder.rglob("*")  # (not the hidden publish lock)
             if path.is_file() and not path.name.startswith(".")]
    feed = folder / "feed.atom"
    return {"files": len(files), "bytes": sum(path.stat().st_size for path in files),
            "feed_atom_bytes": feed.stat().st_size if feed.exists() else 0}


def entries_in(workdir: Path) -> int:
    import sqlite3

    with sqlite3.connect(workdir / "aggregator.db") as db:
        return int(db.execute("SELECT count(*) FROM entries").fetchone()[0])


def portal(size: int, corpus_path: Path, scratch: Path, concurrency: int,
           per_host: int) -> tuple[Path, dict[str, Any]]:
    """A portal with about ``size`` entries, ingested cold; the ingest's figures."""
    infos = corpus.load(corpus_path)
    chosen, total = [], 0
    for info in infos:
        if total >= size:
            break
        chosen.append(info)
        total += info.entries
    folder = scratch / f"portal-{size}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with feedserver.running(corpus_path, corpus.HOSTS) as port:
        (folder / "feeds.toml").write_text(
            ingest.feeds_toml(chosen, port, concurrency, per_host), encoding="utf-8")
        run = ingest.run_child("ours", folder, corpus_path, port, concurrency=concurrency,
                               per_host=per_host)
    return folder, run


def bench_size(folder: Path, corpus_path: Path, cold: dict[str, Any] | None
               ) -> dict[str, Any]:
    work = folder.parent / (folder.name + "-publish")
    if work != folder:
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(folder, work)
    first = corpus.load(corpus_path)[0].id
    result: dict[str, Any] = {"entries": entries_in(work), **outputs(work / "public")}
    if cold is not None:
        result.update(cold_publish_s=cold["publish_s"], cold_ingest_wall_s=cold["wall_s"],
                      cold_written=cold["written"])
    if cold is not None:  # (a portal given with --from: its idle publish is known already)
        result["idle"] = run_child("idle", work, corpus_path)
    # three changes on small portals, one on large ones (a publish there takes minutes)
    repeats = 3 if result["entries"] < 5000 else 1
    result["change"] = [run_child("change", work, corpus_path, first) for _ in range(repeats)]
    result["change_publish_s"] = statistics.median(r["publish_s"] for r in result["change"])
    for key in ("publish_cpu_s", "again_publish_s", "again_publish_cpu_s"):
        result[f"change_{key}"] = statistics.median(r[key] for r in result["change"])
    shutil.rmtree(work, ignore_errors=True)
    return result


def print_full(full: dict[str, Any]) -> None:
    last = full["runs"][-1]
    print(f"{full['entries']} entries: full publish {full['publish_s']:.2f} s "
          f"(CPU {full['publish_cpu_s']:.2f} s; median of {len(full['runs'])}: "
          + ", ".join(f"{r['publish_s']:.2f} s / CPU {r['publish_cpu_s']:.2f} s"
                      for r in full["runs"])
          + f"); {last['written']} files written, outputs {last['files']} files, "
          f"{last['bytes'] / 1e6:.1f} MB; process peak PSS {last['mem_mb']:.0f} MB",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,30000")
    parser.add_argument("--from", dest="source", type=Path,
                        help="an ingested portal (feeds.toml, aggregator.db, public/) to use "
                             "for the largest size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--scratch", type=Path, default=corpus.CACHE / "publish")
    parser.add_argument("--quick", action="store_true", help="3,000 entries only")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--full", action="store_true",
                        help="full publishes only (every document rendered)")
    parser.add_argument("--repeat", type=int, default=1, help="full publishes per size")
    parser.add_argument("--profile", type=Path, help="cProfile output of a full publish")
    parser.add_argument("--child", choices=["change", "idle", "full"])
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--source-id", default="")
    args = parser.parse_args()
    if args.child == "change":
        print(json.dumps(child_change(args.workdir, args.corpus, args.source_id)))
        return
    if args.child == "idle":
        print(json.dumps(child_idle(args.workdir)))
        return
    if args.child == "full":
        print(json.dumps(child_full(args.workdir, args.profile)))
        return
    if args.full and args.source is not None:
        full = bench_full(args.source, args.repeat, args.profile)
        print_full(full)
        if args.json:
            args.json.write_text(json.dumps(full, indent=1), encoding="utf-8")
        return
    corpus_path = corpus.corpus_dir(500, args.seed)
    corpus.generate(corpus_path, 500, args.seed)
    sizes = [3000] if args.quick else [int(size) for size in args.sizes.split(",")]
    results: dict[str, Any] = {}
    for size in sizes:
        if args.source is not None and size == max(sizes):
            folder, cold = args.source, None
        else:
            folder, cold = portal(size, corpus_path, args.scratch, args.concurrency,
                                  args.per_host)
        if args.full:
            results[str(size)] = full = bench_full(folder, args.repeat, args.profile)
            print_full(full)
            continue
        result = bench_size(folder, corpus_path, cold)
        results[str(size)] = result
        idle = (f", idle publish {result['idle']['publish_s']:.2f} s "
                f"(CPU {result['idle']['publish_cpu_s']:.2f} s)" if "idle" in result else "")
        print(f"{result['entries']} entries: publish after a change "
              f"{result['change_publish_s']:.2f} s (CPU {result['change_publish_cpu_s']:.2f} s; "
              f"median of {len(result['change'])}; a second change in the same process "
              f"{result['change_again_publish_s']:.2f} s, CPU "
              f"{result['change_again_publish_cpu_s']:.2f} s){idle}; "
              f"outputs {result['files']} files, "
              f"{result['bytes'] / 1e6:.1f} MB (feed.atom {result['feed_atom_bytes'] / 1e3:.0f} kB)"
              + (f"; first publish after the cold ingest {result['cold_publish_s']:.2f} s"
                 if "cold_publish_s" in result else ""), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
