"""A tally of what the hardening tests tried, printed at the end of the test session.

Tests call ``record("random programs")`` (or "bad inputs", "corrupt files") once per case
they ran, with ``failed=1`` when the case failed, or wrap the case in ``with case(kind):``,
which does both. ``tests/conftest.py`` prints the totals from a ``pytest_terminal_summary``
hook::

    hardening report: 412 random programs, 0 bad inputs, 0 corrupt files tried; 0 failed

Counts are per process (one pytest run without xdist). A failing hypothesis test runs its
failing case several times while shrinking, and each run counts.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator

KINDS = ("random programs", "bad inputs", "corrupt files")

TRIED: Counter[str] = Counter()
FAILED: Counter[str] = Counter()


def record(kind: str, n: int = 1, failed: int = 0) -> None:
    """Count ``n`` cases of ``kind`` tried, ``failed`` of which failed."""
    if kind not in KINDS:
        raise ValueError(f"record: unknown kind {kind!r}, expected one of {KINDS}")
    TRIED[kind] += n
    FAILED[kind] += failed


@contextlib.contextmanager
def case(kind: str) -> Iterator[None]:
    """Count one case of ``kind``, failed if the block raises (the exception propagates)."""
    try:
        yield
    except Exception:  # not BaseException: a pytest.skip is no failure
        record(kind, failed=1)
        raise
    record(kind)


def summary() -> str | None:
    """The report line, or None when no hardening test ran."""
    if not TRIED:
        return None
    counts = ", ".join(f"{TRIED[k]} {k}" for k in KINDS)
    return f"hardening report: {counts} tried; {sum(FAILED.values())} failed"
