"""A run stopped cleanly mid-backfill (the platform's daily budget ends: ``StopRun``) resumes:
a new connector given the cursors saved with the pages read before the stop reads the rest,
and both runs together read what one uninterrupted run reads, nothing lost, nothing twice.

The stop is tried at several points of the backfill (after a share of the requests an
uninterrupted read makes); at least one must fall between two pages with items, when the
backfill has two."""

from __future__ import annotations

import pytest

from connectors.base import StopRun

from .subject import READS, Drained, Subject, drain, read, require


def stop_points(requests: int) -> list[int]:
    """Every request count for a short read, a spread of them for a long one."""
    if requests <= 12:
        return list(range(1, requests))
    return sorted({requests * k // 4 for k in range(1, 4)})


def stopped_then_resumed(subject: Subject, method: str, after: int) -> tuple[Drained, Drained]:
    """A backfill the platform stops after ``after`` requests, then one resumed from the
    cursors its pages carried."""
    first, stopped = Drained(), subject.connector()
    subject.refuse_after(after)
    try:
        with pytest.raises(StopRun):
            drain(read(stopped, method)({}), first)
    finally:
        subject.refuse_none()
        stopped.close()
    resumed_by = subject.connector()
    rest = drain(read(resumed_by, method)(dict(first.cursors)))
    resumed_by.close()
    return first, rest


@pytest.mark.parametrize("method", READS)
def test_a_backfill_stopped_cleanly_resumes_from_its_cursors(subject: Subject, method: str) -> None:
    require(subject, method)
    whole = subject.connector()
    before = subject.served()
    full = drain(read(whole, method)({}))
    requests = subject.served() - before
    whole.close()

    midway = 0
    for after in stop_points(requests):
        first, rest = stopped_then_resumed(subject, method, after)
        assert first.seen() + rest.seen() == full.seen(), f"stopped after {after} requests"
        midway += bool(first.all() and rest.all())
    assert midway or full.filled < 2, "no stop fell between two pages"
