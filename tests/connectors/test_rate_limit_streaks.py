"""Rate-limit streaks on each platform's client: waited out up to ``max_wait_seconds``, then a
clean stop (StopRun: exit 3, the next run resumes); never more than five tries and an exit 1.

Sleeping is faked by a clock the clients' waits advance; the waits are asserted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError
from simple_salesforce.exceptions import SalesforceRefusedRequest

from config.settings import HubSpotSettings, SalesforceSettings, Settings
from connectors.errors import RetriableError, StopRun
from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.limits import retry_after
from connectors.salesforce.client import SalesforceClient
from tests.connectors.local_servers import FixedAnswer

TEN_SECONDLY = {
    "status": "error",
    "message": "You have reached your ten_secondly_rolling limit.",
    "errorType": "RATE_LIMIT",
    "policyName": "TEN_SECONDLY_ROLLING",
}
CONCURRENT = [
    {
        "errorCode": "REQUEST_LIMIT_EXCEEDED",
        "message": "ConcurrentRequests (Concurrent API Requests) Limit exceeded.",
    }
]


class FakeClock:
    """Monotonic seconds that only the client's waits move; records each wait."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.waits.append(seconds)


def _hubspot(url: str, clock: FakeClock, **settings: Any) -> HubSpotClient:
    return HubSpotClient(
        HubSpotSettings(access_token=SecretStr("pat-test"), base_url=url, **settings),
        sleep=clock.sleep,
        limiter_clock=clock,
    )


def test_hubspot_retry_after_beyond_the_bound_stops_cleanly_without_waiting_it() -> None:
    clock = FakeClock()
    with FixedAnswer(429, TEN_SECONDLY, headers={"Retry-After": "400"}) as server:
        client = _hubspot(server.url, clock)
        with pytest.raises(StopRun):
            client.get_json("/email/public/v1/events", {})
    assert len(server.requests) == 1  # a wait the bound cannot cover is not started
    assert sum(clock.waits) < 300


def test_hubspot_429_streak_is_waited_out_up_to_the_bound_then_stops_cleanly() -> None:
    clock = FakeClock()
    with FixedAnswer(429, TEN_SECONDLY) as server:
        client = _hubspot(server.url, clock)
        with pytest.raises(StopRun) as stopped:
            client.get_json("/email/public/v1/events", {})
    assert len(server.requests) > 6  # far more than five tries
    assert 250 <= sum(clock.waits) <= 300  # the default bound, not a minute
    assert stopped.value.platform == "hubspot"


def _concurrent_limit(sf: Any) -> Any:
    raise SalesforceRefusedRequest(
        "https://example.my.salesforce.com/services/data/v62.0/query", 403, "query", CONCURRENT
    )


def test_salesforce_concurrent_limit_streak_stops_cleanly() -> None:
    clock = FakeClock()
    settings = SalesforceSettings(
        instance_url="https://example.my.salesforce.com", session_id=SecretStr("00Dx!token")
    )
    client = SalesforceClient(settings, sleep=clock.sleep)
    calls: list[int] = []

    def refused(sf: Any) -> Any:
        calls.append(1)
        return _concurrent_limit(sf)

    with pytest.raises(StopRun):
        client.call(refused)
    assert len(calls) > 6
    assert 250 <= sum(clock.waits) <= 300


def test_a_streak_shorter_than_the_bound_is_waited_through() -> None:
    clock = FakeClock()
    settings = SalesforceSettings(
        instance_url="https://example.my.salesforce.com", session_id=SecretStr("00Dx!token")
    )
    client = SalesforceClient(settings, sleep=clock.sleep)
    left = [12]  # a minute of 5-second waits: more than five tries, well under the bound

    def flaky(sf: Any) -> str:
        left[0] -= 1
        return "ok" if left[0] < 0 else _concurrent_limit(sf)

    assert client.call(flaky) == "ok"
    assert sum(clock.waits) == pytest.approx(60.0)


def test_other_retriable_errors_keep_their_attempt_bound() -> None:
    """A 503 is not a rate limit: five retries, then the error (exit 1), as before."""
    clock = FakeClock()
    with FixedAnswer(503, {"message": "down"}) as server:
        client = _hubspot(server.url, clock)
        with pytest.raises(RetriableError) as failed:
            client.get_json("/email/public/v1/events", {})
    assert not isinstance(failed.value, StopRun)
    assert len(server.requests) == 6


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("45", 45.0), ("2.5", 2.5), ("-1", 0.0), ("Fri, 20 Nov 2026 09:01:00 GMT", 60.0),
     ("later", None), ("", None)],
    ids=["seconds", "fraction", "negative", "http-date", "junk", "empty"],
)  # fmt: skip
def test_hubspot_reads_either_form_of_retry_after(header: str, seconds: float | None) -> None:
    now = datetime(2026, 11, 20, 9, tzinfo=UTC)
    assert retry_after({"retry-after": header}, now=now) == seconds


def test_max_wait_is_a_setting_of_each_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REENGAGE_HUBSPOT__MAX_WAIT_SECONDS", "45")
    monkeypatch.setenv("REENGAGE_SALESFORCE__MAX_WAIT_SECONDS", "600")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.hubspot.max_wait_seconds == 45.0
    assert settings.salesforce.max_wait_seconds == 600.0
    assert HubSpotSettings().max_wait_seconds == SalesforceSettings().max_wait_seconds == 300.0
    with pytest.raises(ValidationError, match="greater than or equal to 10"):
        HubSpotSettings(max_wait_seconds=5)
