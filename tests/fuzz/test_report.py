"""The shared hardening tally (tests/_report.py) that conftest prints at the end of a run."""

from __future__ import annotations

from collections import Counter

import pytest

from .. import _report


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """Empty counters, so that these tests do not change the session's real report."""
    monkeypatch.setattr(_report, "TRIED", Counter())
    monkeypatch.setattr(_report, "FAILED", Counter())


def test_summary_lists_every_kind_and_the_failures(fresh: None) -> None:
    assert _report.summary() is None  # nothing ran: no line
    _report.record("random programs", n=3)
    _report.record("corrupt files", n=2, failed=1)
    assert _report.summary() == (
        "hardening report: 3 random programs, 0 bad inputs, 2 corrupt files tried; 1 failed"
    )


def test_case_counts_a_raising_block_as_failed_and_reraises(fresh: None) -> None:
    with _report.case("bad inputs"):
        pass
    with pytest.raises(ZeroDivisionError), _report.case("bad inputs"):
        1 / 0  # noqa: B018
    assert _report.TRIED["bad inputs"] == 2
    assert _report.FAILED["bad inputs"] == 1


def test_case_does_not_count_a_skip_as_failed(fresh: None) -> None:
    with pytest.raises(pytest.skip.Exception), _report.case("random programs"):
        pytest.skip("PyTorch not installed")
    assert _report.FAILED["random programs"] == 0


def test_record_rejects_an_unknown_kind(fresh: None) -> None:
    with pytest.raises(ValueError, match="unknown kind 'random program'"):
        _report.record("random program")
