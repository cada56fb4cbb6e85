"""The one retry policy of every connector (tenacity).

Retries only what waiting can heal (:func:`~connectors.errors.heals_by_waiting`):
a :class:`~connectors.errors.RetriableError` (429, 5xx, refused or dropped
connections, timeouts, as each connector classifies them) that is not a 401 or
403, and never a TLS verification failure (a configuration error). Honours the
platform's ``retry_after`` when it said one, else waits exponentially with jitter;
bounded by attempts and by total time; re-raises the last error. Writes are
retried only when the caller knows them to be idempotent: the caller decides
by wrapping or not.

Tests pass a ``sleep`` that records the waits instead of sleeping.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from connectors.errors import RetriableError, heals_by_waiting

T = TypeVar("T")
log = logging.getLogger("reengage.retry")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 6
    total_seconds: float = 120.0
    initial: float = 0.5
    maximum: float = 20.0
    jitter: float = 0.5


class _Wait:
    """Waits what the platform asked for, else exponential with jitter."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._backoff = wait_exponential_jitter(
            multiplier=policy.initial, max=policy.maximum, jitter=policy.jitter
        )
        self._maximum = policy.maximum

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetriableError) and exc.retry_after is not None:
            return min(max(exc.retry_after, 0.0), self._maximum)
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
) -> T:
    """Calls ``fn`` until it returns, raises a non-retriable error, or the policy runs out."""
    policy = policy or RetryPolicy()
    retrying = Retrying(
        retry=retry_if_exception(heals_by_waiting),
        stop=stop_after_attempt(policy.attempts) | stop_after_delay(policy.total_seconds),
        wait=_Wait(policy),
        sleep=sleep,
        reraise=True,
        before_sleep=_log_retry,
    )
    return retrying(fn)
