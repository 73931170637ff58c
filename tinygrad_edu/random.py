"""The global random generator: ``tg.manual_seed(n)`` makes every random op reproducible.

Random factories, ``nn.init``, dropout and ``DataLoader(shuffle=True)`` all draw from
:func:`generator`, so one seed fixes a whole run.
"""

from __future__ import annotations

import numpy as np

_gen = [np.random.default_rng()]


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the global generator (returns it, as ``torch.manual_seed`` returns a Generator)."""
    _gen[0] = np.random.default_rng(int(seed))
    return _gen[0]


seed = manual_seed


def generator() -> np.random.Generator:
    """The numpy Generator every random op of tinygrad_edu draws from."""
    return _gen[0]
