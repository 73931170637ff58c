"""Shared test settings: hypothesis profiles and float64 numerics.

``HYPOTHESIS_PROFILE=ci`` (default) keeps the whole suite within minutes on 2 cores;
``HYPOTHESIS_PROFILE=long`` runs many more examples per property.
"""

import os

# One BLAS thread: tests use small matrices, where extra threads only add contention
# (set before numpy is imported, which is when OpenBLAS reads it).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile("long", max_examples=500, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _quiet_numpy():
    """Domain warnings (log of a negative...) are part of what some tests check."""
    with np.errstate(all="ignore"):
        yield


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest's hook signature
    """One line with what the hardening tests (fuzzing, bad input, corrupt files) tried."""
    from . import _report

    line = _report.summary()
    if line:
        terminalreporter.write_line(line)
