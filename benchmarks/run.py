"""Run the benchmark suite and print one table of ratios measured in the same run.

    python -m benchmarks                 # every workload, one BLAS thread
    python -m benchmarks --quick         # fewer repeats (noisier, ~1 minute)
    python -m benchmarks --threads 2     # let BLAS and PyTorch use 2 threads
    python -m benchmarks --only W2,W5    # a subset
    python -m benchmarks --clock wall    # wall-clock instead of CPU time
    python benchmarks/run.py ...         # the same

Every workload runs in a fresh Python process (so one cannot warm the caches or fragment
the heap of another) with ``OPENBLAS_NUM_THREADS`` etc. set before numpy is imported and
``torch.set_num_threads`` for PyTorch. Inside it, tinygrad_edu, the hand-written numpy
version (``numpy_reference.py``) and PyTorch (when installed) first prove they compute the
same losses / values, then are timed in alternating rounds; a ratio is the median over
rounds of tinygrad_edu's time divided by the other system's in the same round, so above
1x means tinygrad_edu is slower. Times are the CPU time of the benchmark process by default
(other processes on a shared machine barely move it; for these single-threaded jobs it
equals wall time on a quiet machine). W4's peak memory is measured in one more fresh process
per system (``ru_maxrss`` after the job minus its value after imports and a warm-up).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if __package__ in (None, ""):  # python benchmarks/run.py: make ``benchmarks`` importable
    sys.path.insert(0, ROOT)

MARK = "BENCH_RESULT "
ALL = ("W1", "W2", "W3", "W4", "W5", "W6", "W7")
OURS, NUMPY, TORCH = "tinygrad_edu", "numpy", "PyTorch"
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
               "NUMEXPR_NUM_THREADS")


def _worker_env(threads: int) -> dict[str, str]:
    env = dict(os.environ)
    for var in THREAD_VARS:
        env[var] = str(threads)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _spawn(args: list[str], threads: int, clock: str = "cpu") -> object:
    """Run ``benchmarks.run --worker ARGS`` in a fresh interpreter and return its JSON result."""
    cmd = [sys.executable, "-m", "benchmarks.run", "--worker", *args, "--threads", str(threads),
           "--clock", clock]
    proc = subprocess.run(cmd, cwd=ROOT, env=_worker_env(threads), capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    raise RuntimeError(f"benchmark {' '.join(args)} failed (exit code {proc.returncode}):\n"
                       f"{proc.stdout}{proc.stderr}")


def _worker(args: argparse.Namespace) -> None:
    from benchmarks.timing import use_clock
    from benchmarks.workloads import WORKLOADS, w4_memory

    use_clock(args.clock)
    name = args.worker[0]
    if name == "W4mem":
        result: object = w4_memory(args.worker[1], args.threads)
    else:
        result = WORKLOADS[name](args.quick, args.threads)
    print(MARK + json.dumps(result), flush=True)


def _torch_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def _memory_row(threads: int, has_torch: bool) -> dict:
    systems = [OURS, NUMPY] + ([TORCH] if has_torch else [])
    mb = {s: float(_spawn(["W4mem", s], threads)) for s in systems}  # type: ignore[arg-type]
    return {
        "key": "W4", "what": "same job: peak RSS increase over the process after imports", "unit": "MB",
        "values": mb, "ratios": {s: mb[OURS] / mb[s] for s in systems if s != OURS and mb[s] > 0},
        "targets": {TORCH: 1.0},
    }


# ------------------------------------------------------------------ the table
def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if value >= 100:
        return f"{value:.0f} {unit}"
    return f"{value:.1f} {unit}" if value >= 10 else f"{value:.3g} {unit}"


def _ratio(r: float | None) -> str:
    return "n/a" if r is None else f"{r:.2f}×"


def _targets(row: dict) -> tuple[str, str]:
    """The target text and whether it is met ('yes', 'no', or '' when there is none)."""
    parts, met = [], []
    for system, limit in row["targets"].items():
        name = "numpy" if system == NUMPY else system
        parts.append(f"≤ {limit:.2f}× {name}")
        r = row["ratios"].get(system)
        if r is not None:
            met.append(r <= limit)
    if not parts:
        return "", ""
    if len(met) < len(parts):
        return ", ".join(parts), "not measured"
    return ", ".join(parts), "yes" if all(met) else "**no**"


def print_table(rows: list[dict]) -> None:
    head = ["", "workload", OURS, "numpy by hand", f"{OURS} / numpy", TORCH, f"{OURS} / {TORCH}",
            "target", "met"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for row in rows:
        v, r, unit = row["values"], row["ratios"], row["unit"]
        target, met = _targets(row)
        cells = [row["key"], row["what"], _fmt(v.get(OURS), unit), _fmt(v.get(NUMPY), unit),
                 _ratio(r.get(NUMPY)), _fmt(v.get(TORCH), unit), _ratio(r.get(TORCH)), target, met]
        print("| " + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats: faster, noisier figures")
    parser.add_argument("--threads", type=int, default=1, metavar="N",
                        help="BLAS / OpenMP / PyTorch threads in every system (default 1)")
    parser.add_argument("--only", default=",".join(ALL), metavar="W1,W2,...",
                        help="comma-separated workloads to run (default: all)")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                        help="time with the CPU time of the benchmark process (default; barely moved "
                        "by other processes on a shared machine) or with wall-clock time")
    parser.add_argument("--json", metavar="PATH", help="also write the table rows as JSON to PATH")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)  # internal: one workload
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args)
        return 0
    only = [w.strip().upper() for w in args.only.split(",") if w.strip()]
    unknown = [w for w in only if w not in ALL]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(ALL)}")
    has_torch = _torch_installed()
    import numpy as np

    versions = f"Python {platform.python_version()}, numpy {np.__version__}"
    if has_torch:
        import importlib.metadata

        versions += f", PyTorch {importlib.metadata.version('torch')}"
    print(f"# tinygrad_edu benchmarks: {versions}; {args.threads} thread(s); {os.cpu_count()} CPUs; "
          f"{args.clock} time; float32 unless stated{'; quick mode' if args.quick else ''}")
    if not has_torch:
        print("# PyTorch is not installed: PyTorch columns are n/a (pip install torch to compare)")
    rows: list[dict] = []
    failed = []
    for key in only:
        t0 = time.perf_counter()
        try:
            rows += _spawn([key] + (["--quick"] if args.quick else []), args.threads, args.clock)  # type: ignore[operator]
            if key == "W4":
                rows.append(_memory_row(args.threads, has_torch))
        except RuntimeError as e:
            failed.append(key)
            print(f"# {key} FAILED: {e}", file=sys.stderr)
        print(f"# {key} done in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    print_table(rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    if failed:
        print(f"# failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
