"""Concurrency: two threads training separate models at the same time end with exactly the
parameters they reach one after the other, while a third thread evaluates under
``no_grad`` (grad mode is thread-local; tests/autograd/test_grad_mode.py checks the flag
itself).

``tg.manual_seed`` drives one process-wide generator, so two threads drawing from it would
interleave unpredictably. Each job therefore gets its initial weights and its shuffling
from its own ``numpy`` generator: with the same seed, a job is the same computation
whether it runs alone or next to another one.
"""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset

STEPS = 120


def make_job(seed: int, kind: str):
    """A training run as a function returning its final parameters (float64 arrays)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((256, 8)).astype(np.float32)
    teacher = rng.standard_normal((8, 3))
    y = np.argmax(X @ teacher, axis=1)
    if kind == "mlp":
        model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.LayerNorm(16), nn.Linear(16, 3))
    else:
        model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.BatchNorm1d(16), nn.Linear(16, 3))
    with tg.no_grad():
        for p in model.parameters():
            p.copy_(tg.tensor(rng.standard_normal(p.shape) * 0.3, dtype=p.dtype))
    loader = DataLoader(TensorDataset(tg.tensor(X), tg.tensor(y)), batch_size=16, shuffle=True,
                        generator=np.random.default_rng(seed + 1))
    if kind == "mlp":
        opt = optim.Adam(model.parameters(), lr=1e-2)
    else:
        opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)

    def run() -> list[np.ndarray]:
        step = 0
        while step < STEPS:
            for xb, yb in loader:
                opt.zero_grad()
                loss = F.cross_entropy(model(xb), yb)
                loss.backward()
                opt.step()
                step += 1
                if step == STEPS:
                    break
        return [np.array(t.data, dtype=np.float64) for t in model.state_dict().values()]

    return run


def evaluator(stop: threading.Event, seen: dict) -> None:
    """Keeps evaluating a model of its own under no_grad while the others train."""
    rng = np.random.default_rng(7)
    model = nn.Linear(8, 3)
    x = tg.tensor(rng.standard_normal((32, 8)).astype(np.float32))
    recorded = 0
    while not stop.is_set():
        with tg.no_grad():
            recorded += model(x).requires_grad
        seen["evaluations"] = seen.get("evaluations", 0) + 1
    seen["recorded"] = recorded


@pytest.fixture
def frequent_thread_switches():
    """Make the interpreter switch threads every few microseconds, so the jobs interleave
    inside ops and inside backward, not only between steps."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def test_two_threads_training_at_once_match_running_one_after_the_other(frequent_thread_switches):
    sequential = [make_job(1, "mlp")(), make_job(2, "bn")()]

    jobs = [make_job(1, "mlp"), make_job(2, "bn")]
    results: list = [None, None]
    errors: list = []
    start = threading.Barrier(3)

    def worker(i: int) -> None:
        try:
            start.wait(10)
            results[i] = jobs[i]()
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    stop, seen = threading.Event(), {}
    ev = threading.Thread(target=evaluator, args=(stop, seen))
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    ev.start()
    for t in threads:
        t.start()
    start.wait(10)
    for t in threads:
        t.join(60)
    stop.set()
    ev.join(10)

    assert not errors, errors
    for got, want in zip(results, sequential):
        assert len(got) == len(want)
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)  # bit for bit: the same computation
    # meanwhile the no_grad thread never recorded a graph, while the trainers always did
    assert seen["evaluations"] > 0 and seen["recorded"] == 0


def test_runs_with_different_seeds_differ():
    # guards the comparison above: equal results are not because every run is the same
    a, b = make_job(1, "mlp")(), make_job(3, "mlp")()
    assert any(not np.array_equal(x, y) for x, y in zip(a, b))
