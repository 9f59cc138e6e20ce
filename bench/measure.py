"""Wall time, CPU time and peak memory of a command and every process it starts.

The aggregator parses in worker processes, so one process's ``rusage`` is not the
whole cost. While the command runs, its process tree is sampled every
``interval`` seconds (psutil): memory as the sum of the processes' PSS (proportional
set size: a page shared by several processes is counted once in all) and, for
reference, the sum of their RSS; CPU as user + system time of every process seen,
its last sample. At the end the CPU time is the larger of that sum and the
``rusage`` of the command (``os.wait4``: the command and the children it reaped),
so no short-lived child and no last burst is lost.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psutil


@dataclass
class Measurement:
    wall_s: float
    cpu_s: float
    peak_pss_mb: float  # the tree's peak, sampled
    peak_rss_mb: float  # the tree's peak of summed RSS, sampled
    maxrss_mb: float  # the command's own ru_maxrss (largest process, exact)
    processes: int  # how many processes the tree had at most
    returncode: int


class TreeSampler:
    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.root = psutil.Process(pid)
        self.interval = interval
        self.cpu: dict[int, float] = {}
        self.peak_pss = 0
        self.peak_rss = 0
        self.processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> None:
        try:
            tree = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        pss = rss = 0
        for process in tree:
            try:
                with process.oneshot():
                    times = process.cpu_times()
                    memory = process.memory_full_info()
            except psutil.Error:
                continue
            self.cpu[process.pid] = times.user + times.system
            pss += memory.pss
            rss += memory.rss
        self.peak_pss = max(self.peak_pss, pss)
        self.peak_rss = max(self.peak_rss, rss)
        self.processes = max(self.processes, len(tree))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)


def code_version() -> str:
    """A short hash of the package's sources as they are now: other people edit the
    package while benchmarks run, so each run says which code it measured."""
    package = Path(__file__).resolve().parents[1] / "aggregator"
    for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        if entry and (Path(entry) / "aggregator" / "__init__.py").exists():
            package = Path(entry) / "aggregator"  # a snapshot (bench/run.py)
            break
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:8]


def run(command: list[str], *, stdout: IO[Any] | int | None = None,
        stderr: IO[Any] | int | None = subprocess.DEVNULL, interval: float = 0.1,
        **popen: Any) -> Measurement:
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=stdout, stderr=stderr, **popen)
    with TreeSampler(process.pid, interval) as sampler:
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = max(usage.ru_utime + usage.ru_stime, sum(sampler.cpu.values()))
    return Measurement(wall, cpu, sampler.peak_pss / 2**20, sampler.peak_rss / 2**20,
                       usage.ru_maxrss / 1024, sampler.processes, process.returncode)
