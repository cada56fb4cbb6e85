"""The one retry policy of every connector (tenacity).

Retries only what waiting can heal (:func:`~connectors.errors.heals_by_waiting`):
a :class:`~connectors.errors.RetriableError` (429, 5xx, refused or dropped
connections, timeouts, as each connector classifies them) that is not a 401 or
403, and never a TLS verification failure (a configuration error). Honours the
platform's ``retry_after`` when it said one, else waits exponentially with jitter;
re-raises the last error. Writes are retried only when the caller knows them to
be idempotent: the caller decides by wrapping or not.

Two bounds. A failure that is not a rate limit (5xx, dropped connection) is tried
``policy.attempts`` times within ``policy.total_seconds``, then raised. A rate
limit (429, Salesforce's concurrent ``REQUEST_LIMIT_EXCEEDED``) says "not now"
rather than "broken": given the client's :class:`~connectors.ratelimit.RateLimitStreak`
it is waited out however many tries it takes, ``Retry-After`` honoured in full,
until the streak's waits would pass ``max_wait_seconds``; then
:class:`~connectors.errors.StopRun` (exit 3, the next run resumes). Without a
streak (alert webhooks) a 429 counts as any other failure.

Record-level retries go through the same machinery: :func:`retry_records` (rows
locked by another transaction) and :func:`retry_creates` (a non-idempotent create
tried again only after a look-up of what the failed request may have made).

Tests pass a ``sleep`` that records the waits instead of sleeping.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    retry_if_result,
    stop_after_attempt,
    wait_exponential,
    wait_exponential_jitter,
)

from connectors.errors import WAITABLE_FORBIDDEN_CODES, RetriableError, heals_by_waiting
from connectors.ratelimit import RateLimitStreak

T = TypeVar("T")
log = logging.getLogger("reengage.retry")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 6
    total_seconds: float = 120.0
    initial: float = 0.5
    maximum: float = 20.0
    jitter: float = 0.5


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """A ``Retry-After`` header in seconds: a number of seconds or an HTTP date (RFC 9110
    §10.2.3); None when absent or junk, never negative."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def is_rate_limit(exc: BaseException | None) -> bool:
    """Whether the platform refused for its rate limits (429, or Salesforce's concurrent
    ``REQUEST_LIMIT_EXCEEDED``): not broken, only not now."""
    if not isinstance(exc, RetriableError):
        return False
    return exc.status == 429 or exc.code in WAITABLE_FORBIDDEN_CODES


class _Bounds:
    """The stop and the wait of one call: attempts and time for failures, the streak for
    rate limits (whose waits do not count against the failures' time)."""

    def __init__(self, policy: RetryPolicy, streak: RateLimitStreak | None) -> None:
        self._policy = policy
        self._streak = streak
        self._backoff = wait_exponential_jitter(
            multiplier=policy.initial, max=policy.maximum, jitter=policy.jitter
        )
        self._failures = 0
        self._limited_seconds = 0.0

    def _exception(self, state: RetryCallState) -> BaseException | None:
        return state.outcome.exception() if state.outcome else None

    def _streaked(self, exc: BaseException | None) -> bool:
        return self._streak is not None and is_rate_limit(exc)

    def stop(self, state: RetryCallState) -> bool:
        exc = self._exception(state)
        if self._streaked(exc):
            return False  # the streak decides, in wait()
        self._failures += 1
        spent = (state.seconds_since_start or 0.0) - self._limited_seconds
        return self._failures >= self._policy.attempts or spent >= self._policy.total_seconds

    def wait(self, state: RetryCallState) -> float:
        exc = self._exception(state)
        said = exc.retry_after if isinstance(exc, RetriableError) else None
        if self._streak is not None and is_rate_limit(exc):
            assert isinstance(exc, RetriableError)
            seconds = max(said, 0.0) if said is not None else float(self._backoff(state))
            self._streak.charge(seconds, exc)  # StopRun past max_wait_seconds
            self._limited_seconds += seconds
            return seconds
        if said is not None:
            return min(max(said, 0.0), self._policy.maximum)
        return float(self._backoff(state))


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    log.warning(
        "retrying after %s (attempt %d, waiting %.1fs)",
        getattr(exc, "user_message", type(exc).__name__),
        state.attempt_number,
        wait,
    )


def call_with_retry(
    fn: Callable[[], T],
    policy: RetryPolicy | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    streak: RateLimitStreak | None = None,
) -> T:
    """Calls ``fn`` until it returns, raises a non-retriable error, or the policy runs out.

    With ``streak`` (the client's), rate limits are waited out up to its bound and then
    raise :class:`~connectors.errors.StopRun`; a call that returns ends the streak.
    """
    bounds = _Bounds(policy or RetryPolicy(), streak)
    retrying = Retrying(
        retry=retry_if_exception(heals_by_waiting),
        stop=bounds.stop,
        wait=bounds.wait,
        sleep=sleep,
        reraise=True,
        before_sleep=_log_retry,
    )
    result = retrying(fn)
    if streak is not None:
        streak.passed()
    return result


def retry_records(
    attempt: Callable[[], list[int]],
    *,
    retries: int,
    sleep: Callable[[float], None] = time.sleep,
    initial: float = 0.5,
) -> None:
    """Calls ``attempt`` again while it answers records to try again (rows another
    transaction held locked), at most ``retries`` more times, waiting ``initial`` doubling
    between. ``attempt`` keeps each record's latest outcome itself: what is still locked
    after the last try stays failed."""
    Retrying(
        retry=retry_if_result(bool),
        stop=stop_after_attempt(retries + 1),
        wait=wait_exponential(multiplier=initial),
        sleep=sleep,
        retry_error_callback=lambda state: None,
    )(attempt)


def retry_creates(
    create: Callable[[], T],
    *,
    look_up: Callable[[], None],
    attempts: int,
    sleep: Callable[[float], None] = time.sleep,
    initial: float = 0.5,
) -> T:
    """Creation, which is not idempotent, tried again after a retriable failure only once
    ``look_up`` has found what the failed request may have created (so ``create`` makes
    only what is still missing); the last failure is raised."""

    def look_up_first(state: RetryCallState) -> None:
        if state.attempt_number > 1:
            look_up()

    retrying = Retrying(
        retry=retry_if_exception(heals_by_waiting),
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=initial),
        sleep=sleep,
        before=look_up_first,
        reraise=True,
    )
    return retrying(create)
