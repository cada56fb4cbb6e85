"""The one retry policy: what is retried, how long it waits, and when it gives up."""

from __future__ import annotations

import pytest

from connectors.errors import AuthError, RecordError, RetriableError
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
    waits: list[float] = []
    fn = Flaky(RetriableError("429", retry_after=3600.0))
    call_with_retry(fn, RetryPolicy(maximum=15.0), sleep=waits.append)
    assert waits == [15.0]
