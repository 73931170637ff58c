"""The benchmarks' own claims that are not timings.

``benchmarks/profile_w2.py`` says its numpy transcription makes the numpy calls the engine
makes for one W2 step; if the engine changes, that transcription must still compute the
same step, or the profile explains something else.
"""

from __future__ import annotations

import numpy as np

import tinygrad_edu as tg
from benchmarks.profile_w2 import LR, engine_numpy_calls
from benchmarks.workloads import _train_step, make_mlp
from tinygrad_edu import optim
from tinygrad_edu.nn import functional as F


def test_profile_transcription_computes_the_engines_step():
    rng = np.random.default_rng(0)
    xb = rng.random((8, 20), dtype=np.float32)
    yb = rng.integers(0, 10, 8)
    tg.manual_seed(3)
    model = make_mlp((20, 16, 10))
    params = [p.data.copy(order="K") for p in model.parameters()]
    assert params[0].flags.f_contiguous  # the layout the transcription assumes
    opt = optim.SGD(model.parameters(), lr=LR)
    ours = _train_step(model, opt, F.cross_entropy, tg.tensor(xb), tg.tensor(yb))
    theirs = engine_numpy_calls(params, xb, yb)
    np.testing.assert_allclose(theirs, ours, rtol=1e-6)
    for p, q in zip(model.parameters(), params):
        np.testing.assert_allclose(p.data, q, rtol=1e-5, atol=1e-7)
