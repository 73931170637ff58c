"""Shared test settings: hypothesis profiles and float64 numerics.

``HYPOTHESIS_PROFILE=ci`` (default) keeps the whole suite within minutes on 2 cores;
``HYPOTHESIS_PROFILE=long`` runs many more examples per property.
"""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

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
