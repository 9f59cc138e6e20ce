"""Summarise py-spy's raw (collapsed) stacks: functions by cumulative and by own samples.

    py-spy record --format raw --rate 200 -o run.raw -- python ...
    python bench/stacks.py run.raw [--top 30] [--filter aggregator]

Cumulative: the share of samples (of all threads, idle ones left out) in which the
function is on the stack; own: the share in which it is the innermost frame.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<name>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")
#: innermost frames of a thread that waits (event loop, idle pool threads)
IDLE = ("select (selectors.py", "_worker (concurrent/futures/thread.py", "wait (threading.py",
        "poll (selectors.py", "_wait_for_tstate_lock", "run_forever")


def short(frame: str) -> str:
    match = _FRAME.match(frame)
    if not match:
        return frame
    file = match["file"]
    for marker in ("site-packages/", "lib/python3.11/", "/work/main/"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return f"{match['name']} ({file})"


def summarise(path: Path) -> tuple[int, Counter[str], Counter[str]]:
    cumulative: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = [short(frame) for frame in stack.split(";") if frame]
        if not frames or any(marker in stack.rsplit(";", 1)[-1] for marker in IDLE):
            continue
        count = int(count_text)
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            cumulative[frame] += count
    return total, cumulative, own


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("raw", type=Path)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--filter", default="", help="only functions whose file has this")
    args = parser.parse_args()
    total, cumulative, own = summarise(args.raw)
    print(f"{total} busy samples")
    for title, counter in (("cumulative", cumulative), ("own", own)):
        print(f"\nby {title}:")
        shown = 0
        for frame, count in counter.most_common():
            if args.filter and args.filter not in frame:
                continue
            print(f"  {100 * count / total:5.1f} %  {frame}")
            shown += 1
            if shown >= args.top:
                break


if __name__ == "__main__":
    main()
