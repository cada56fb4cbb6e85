"""The client-side sliding window keeps requests under the platform's limit."""

from __future__ import annotations

import pytest

from connectors.ratelimit import SlidingWindow


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_never_more_than_limit_in_any_window() -> None:
    clock = FakeClock()
    window = SlidingWindow(5, 10.0, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(23):
        window.acquire()
        stamps.append(clock.now)
        clock.now += 0.3
    for i, t in enumerate(stamps):
        in_window = [s for s in stamps[i:] if s - t < 10.0]
        assert len(in_window) <= 5
    assert clock.slept and window.waited == pytest.approx(sum(clock.slept))


def test_no_wait_under_the_limit() -> None:
    clock = FakeClock()
    window = SlidingWindow(100, 10.0, clock=clock, sleep=clock.sleep)
    for _ in range(100):
        window.acquire()
    assert clock.slept == []


def test_penalise_blocks_for_the_given_time() -> None:
    clock = FakeClock()
    window = SlidingWindow(5, 10.0, clock=clock, sleep=clock.sleep)
    window.penalise(4.0)
    window.acquire()
    assert sum(clock.slept) == pytest.approx(4.0)


def test_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        SlidingWindow(0, 10.0)


def test_observe_remaining_makes_room_for_other_clients() -> None:
    clock = FakeClock()
    window = SlidingWindow(10, 10.0, clock=clock, sleep=clock.sleep)
    window.acquire()  # we used 1: room 9
    window.observe_remaining(4)  # the server says 4 left: someone else used 5
    for _ in range(4):
        window.acquire()
    assert clock.slept == []
    window.acquire()  # the fifth must wait for the window to slide
    assert sum(clock.slept) == pytest.approx(10.0)


def test_observe_remaining_never_loosens() -> None:
    clock = FakeClock()
    window = SlidingWindow(3, 10.0, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        window.acquire()
    window.observe_remaining(100)
    window.acquire()
    assert sum(clock.slept) == pytest.approx(10.0)
