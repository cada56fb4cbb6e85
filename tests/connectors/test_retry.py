"""The one retry policy: what is retried, how long it waits, and when it gives up."""

from __future__ import annotations

import pytest

from connectors.errors import AuthError, RecordError, RetriableError, StopRun
from connectors.ratelimit import RateLimitStreak
from connectors.retry import RetryPolicy, call_with_retry


class Flaky:
    """Fails with the given errors in turn, then answers 'ok'."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def test_retries_then_succeeds_honouring_retry_after() -> None:
    waits: list[float] = []
    fn = Flaky(RetriableError("429", retry_after=7.0), RetriableError("503"))
    assert call_with_retry(fn, RetryPolicy(jitter=0.0, initial=0.5), sleep=waits.append) == "ok"
    assert fn.calls == 3
    assert waits[0] == 7.0  # the platform's word
    assert 0.5 <= waits[1] <= 20.0  # exponential otherwise


@pytest.mark.parametrize(
    "error",
    [AuthError("bad token", status=401), RecordError("bad value", status=400), ValueError("bug")],
    ids=["auth", "record", "bug"],
)
def test_never_retries_what_cannot_succeed(error: Exception) -> None:
    fn = Flaky(error)
    with pytest.raises(type(error)):
        call_with_retry(fn, sleep=lambda _: None)
    assert fn.calls == 1


def test_gives_up_after_the_attempts_and_reraises_the_last_error() -> None:
    fn = Flaky(*[RetriableError(f"503 #{i}") for i in range(10)])
    with pytest.raises(RetriableError, match="503 #3"):
        call_with_retry(fn, RetryPolicy(attempts=4), sleep=lambda _: None)
    assert fn.calls == 4


def test_waits_are_capped() -> None:
    """Without a rate-limit streak (alert webhooks), even a 429's Retry-After is capped."""
    waits: list[float] = []
    fn = Flaky(RetriableError("429", retry_after=3600.0))
    call_with_retry(fn, RetryPolicy(maximum=15.0), sleep=waits.append)
    assert waits == [15.0]


# --- rate-limit streaks (a 429 says "not now", not "broken") ----------------------------------


def _streak(max_wait: float = 60.0) -> RateLimitStreak:
    return RateLimitStreak(
        max_wait, platform="hubspot", setting="REENGAGE_HUBSPOT__MAX_WAIT_SECONDS"
    )


def _limited(n: int, retry_after: float | None = 5.0) -> list[Exception]:
    return [RetriableError(f"429 #{i}", status=429, retry_after=retry_after) for i in range(n)]


def test_a_rate_limit_streak_is_waited_out_up_to_its_bound_then_stops_cleanly() -> None:
    waits: list[float] = []
    fn = Flaky(*_limited(20))  # 100 s of refusals against a bound of 60 s
    with pytest.raises(StopRun, match="REENGAGE_HUBSPOT__MAX_WAIT_SECONDS=60"):
        call_with_retry(fn, RetryPolicy(attempts=3), sleep=waits.append, streak=_streak())
    assert waits == [5.0] * 12 and fn.calls == 13  # not the policy's three attempts


def test_retry_after_is_honoured_up_to_the_bound() -> None:
    waits: list[float] = []
    fn = Flaky(*_limited(1, retry_after=45.0))
    assert call_with_retry(fn, RetryPolicy(maximum=20.0), sleep=waits.append, streak=_streak())
    assert waits == [45.0]  # the platform's word, past the backoff's maximum
    never = Flaky(*_limited(1, retry_after=61.0))
    with pytest.raises(StopRun):
        call_with_retry(never, sleep=waits.append, streak=_streak())
    assert never.calls == 1 and waits == [45.0]  # a wait past the bound is not started


def test_a_request_that_gets_through_ends_the_streak() -> None:
    waits: list[float] = []
    streak = _streak()
    for _ in range(3):  # 50 s each, 150 s in all: three streaks, each under the bound
        assert call_with_retry(Flaky(*_limited(10)), sleep=waits.append, streak=streak) == "ok"
    assert sum(waits) == 150.0 and streak.waited == 0.0


def test_the_limiters_waits_count_only_during_a_streak() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    streak = _streak(max_wait=30.0)
    paced = streak.sleeper(sleep, lambda: now[0])
    paced(25.0)  # ordinary pacing: no streak on
    assert streak.waited == 0.0
    streak.charge(5.0, RetriableError("429", status=429))
    paced(20.0)  # a window penalised after the 429
    assert streak.waited == 25.0
    with pytest.raises(StopRun):
        paced(10.0)  # not started: it would pass the bound
    assert slept == [25.0, 20.0]


def test_without_a_streak_a_429_counts_as_any_failure() -> None:
    """Alert webhooks: a 429 is tried the policy's attempts, never a StopRun."""
    fn = Flaky(*_limited(10))
    with pytest.raises(RetriableError, match="429 #2"):
        call_with_retry(fn, RetryPolicy(attempts=3), sleep=lambda _: None)
