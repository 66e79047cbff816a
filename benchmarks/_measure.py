"""Wall time, CPU time and peak memory of everything the benchmark starts, measured the same way for every system.

    with TreeMonitor() as monitor:
        subprocess.run([...])           # any number of children, in threads or one after another
    monitor.usage.wall_s, monitor.usage.cpu_s, monitor.usage.peak_rss, monitor.usage.peak_pss

- CPU: user + system time of every descendant that ended (and was waited for) inside the block, from
  ``getrusage(RUSAGE_CHILDREN)`` deltas: a child's figure includes its own waited-for children, so a
  Python pool and the Tesseract processes its workers start are all counted.
- Peak RSS: a thread samples the live descendants of this process every `interval` seconds (psutil),
  sums their resident set sizes and keeps the maximum. Pages shared between processes (a forked pool's
  copy-on-write memory, shared libraries, a process forked to run a tool, for the instant before its exec)
  are counted once per process, as ``ps`` would; spikes shorter than the interval can be missed. Which
  processes made up the peak is kept (``peak_detail``) to explain a surprising figure.
- Peak PSS: the same sum of proportional set sizes (``/proc/PID/smaps_rollup``): a page shared by k
  processes counts 1/k in each, so the sum is what the tree really holds in memory. Each process's PSS
  is capped by its RSS of the same sample (the two are separate reads, and a process at exec or exit can
  momentarily report a PSS above its RSS).

Only the systems under test may run children inside the block: the benchmark's own helpers (pdftoppm,
pdftotext) run outside it.
"""

from __future__ import annotations

import resource
import threading
import time
from dataclasses import dataclass
from types import TracebackType

import psutil

MB = 1024 * 1024


@dataclass(frozen=True)
class Usage:
    """What one measured block cost."""

    wall_s: float
    cpu_s: float  # user + sys of all descendants that ended inside the block
    peak_rss: int  # bytes: max over samples of the summed RSS of all live descendants
    samples: int  # how many memory samples were taken
    peak_pss: int = 0  # bytes: max over samples of the summed PSS of all live descendants
    peak_detail: str = ""  # the processes at the RSS peak, e.g. "sohoa 160, sohoa 175, tesseract 63" (MB)

    @property
    def peak_rss_mb(self) -> float:
        return self.peak_rss / MB


def tree_memory(process: psutil.Process | None = None) -> tuple[int, int, list[tuple[str, int]]]:
    """Summed RSS and PSS (bytes) of every live descendant of `process` (default: this process), and each RSS."""
    process = process or psutil.Process()
    try:
        children = process.children(recursive=True)
    except psutil.Error:
        return 0, 0, []
    rss = pss = 0
    each: list[tuple[str, int]] = []
    for child in children:
        try:
            try:
                info = child.memory_full_info()
                # statm and smaps_rollup are two reads: a process at exec or exit can show PSS > RSS.
                r, p = info.rss, min(info.pss, info.rss)
            except psutil.AccessDenied:
                r = p = child.memory_info().rss
            each.append((child.name(), r))
        except psutil.Error:  # ended or became a zombie between listing and reading
            continue
        rss, pss = rss + r, pss + p
    return rss, pss, each


class TreeMonitor:
    """Context manager measuring wall time, CPU time and peak RSS of this process's children."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.usage: Usage | None = None
        self._peak = 0
        self._peak_pss = 0
        self._peak_detail = ""
        self._samples = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = 0.0
        self._r0: resource.struct_rusage | None = None

    def __enter__(self) -> TreeMonitor:
        self._peak, self._peak_pss, self._peak_detail, self._samples = 0, 0, "", 0
        self._stop.clear()
        self._r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._run, name="tree-rss-sampler", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            rss, pss, each = tree_memory(me)
            if rss > self._peak:
                self._peak = rss
                self._peak_detail = ", ".join(f"{name} {r // MB}" for name, r in sorted(each, key=lambda e: -e[1]))
            self._peak_pss = max(self._peak_pss, pss)
            self._samples += 1
            self._stop.wait(self.interval)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        wall = time.perf_counter() - self._t0
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        r0 = self._r0 or r1
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        self.usage = Usage(
            wall_s=wall,
            cpu_s=cpu,
            peak_rss=self._peak,
            samples=self._samples,
            peak_pss=self._peak_pss,
            peak_detail=self._peak_detail,
        )
