"""Timing and memory helpers shared by the workloads.

Timings on a shared machine: every round runs each system once, in turn, so that a burst
of load hits all of them alike, and a ratio is taken *within* each round; the reported
ratio is the median over rounds. Peak memory is ``ru_maxrss`` of the current (fresh)
process, minus its value after imports and a warm-up.
"""

from __future__ import annotations

import gc
import resource
import statistics
import time
from collections.abc import Callable

OURS = "tinygrad_edu"

# The clock every timing reads: "cpu" (time.process_time, the CPU time of this process:
# what other processes on a shared machine do barely moves it; on a quiet machine it
# equals wall time for these single-threaded jobs) or "wall" (time.perf_counter).
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
clock = CLOCKS["cpu"]


def use_clock(name: str) -> None:
    global clock
    clock = CLOCKS[name]


def compare(fns: dict[str, Callable[[], object]], repeats: int, number: int = 1,
            warmup: int = 1) -> dict[str, dict[str, float]]:
    """Time every function ``number`` times per round, all of them in each of ``repeats`` rounds.

    Returns, per name: ``time`` (median seconds per call) and ``ratio`` (median over rounds
    of the first function's time divided by this one's: above 1 means the first is slower).
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            gc.collect()  # garbage of the previous system is not charged to this one
            t0 = clock()
            for _ in range(number):
                fn()
            times[name].append((clock() - t0) / number)
    first = times[next(iter(fns))]
    return {
        name: {
            "time": statistics.median(ts),
            "ratio": statistics.median(f / t for f, t in zip(first, ts)),
        }
        for name, ts in times.items()
    }


def peak_rss_mb() -> float:
    """The peak resident set size of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _torch(threads: int):  # noqa: ANN202
    """PyTorch limited to ``threads`` threads, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch
