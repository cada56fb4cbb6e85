"""The email events API through httpx (respx): paging, cursors, retries and budget stops."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from config.settings import HubSpotSettings
from connectors.errors import AuthError, BudgetExhausted
from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.email_events import CampaignNames, read_email_events
from connectors.retry import RetryPolicy

BASE = "https://hs.test"
TOKEN = "pat-secret-123"
NOW = 1_764_000_000_000


def event(i: int, kind: str = "OPEN") -> dict[str, Any]:
    return {"id": f"e{i}", "type": kind, "recipient": f"p{i}@x.io", "created": NOW - i}


def events_page(ids: range, offset: str | None) -> httpx.Response:
    body: dict[str, Any] = {"events": [event(i) for i in ids], "hasMore": offset is not None}
    if offset is not None:
        body["offset"] = offset
    return httpx.Response(200, json=body)


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def client(waits: list[float]) -> Iterator[HubSpotClient]:
    settings = HubSpotSettings(access_token=SecretStr(TOKEN), base_url=BASE)
    made = HubSpotClient(
        settings, retry_policy=RetryPolicy(attempts=4), sleep=waits.append, burst_penalty=0.5
    )
    yield made
    made.close()


@respx.mock(assert_all_called=True)
def test_backfill_pages_follow_offsets_and_end_in_increment_mode(
    respx_mock: respx.MockRouter, client: HubSpotClient
) -> None:
    route = respx_mock.get(f"{BASE}/email/public/v1/events").mock(
        side_effect=[events_page(range(0, 3), "77"), events_page(range(3, 5), None)]
    )
    pages = list(read_email_events(client, "OPEN", None, NOW, 600_000))
    assert [len(p.events) for p in pages] == [3, 2]
    assert pages[0].value == {"mode": "backfill", "offset": "77", "started": NOW}
    assert pages[1].value == {"mode": "increment", "since": NOW} and pages[1].complete
    first, second = (call.request.url.params for call in route.calls)
    assert first["eventType"] == "OPEN" and first["endTimestamp"] == str(NOW)
    assert "offset" not in first and second["offset"] == "77"
    assert route.calls[0].request.headers["authorization"] == f"Bearer {TOKEN}"


@respx.mock(assert_all_called=True)
def test_429_then_503_then_dropped_connection_are_retried(
    respx_mock: respx.MockRouter, client: HubSpotClient, waits: list[float]
) -> None:
    limited = {"status": "error", "policyName": "TEN_SECONDLY_ROLLING", "message": "slow down"}
    respx_mock.get(f"{BASE}/email/public/v1/events").mock(
        side_effect=[
            httpx.Response(429, json=limited),
            httpx.Response(503, json={"message": "unavailable"}),
            httpx.RemoteProtocolError("peer closed connection"),
            events_page(range(0, 2), None),
        ]
    )
    pages = list(read_email_events(client, "OPEN", {"mode": "increment", "since": 5}, NOW, 0))
    assert [len(p.events) for p in pages] == [2]
    assert len(waits) >= 3  # three retry waits (plus any limiter penalty wait)
    assert client.requests["GET email"] == 4


@respx.mock
def test_daily_429_stops_the_run(respx_mock: respx.MockRouter, client: HubSpotClient) -> None:
    daily = {"status": "error", "policyName": "DAILY", "message": "daily limit"}
    respx_mock.get(f"{BASE}/email/public/v1/events").mock(
        return_value=httpx.Response(429, json=daily)
    )
    with pytest.raises(BudgetExhausted):
        list(read_email_events(client, "OPEN", None, NOW, 0))
    assert client.requests["GET email"] == 1


@respx.mock
def test_nearly_spent_daily_budget_stops_before_the_next_call(
    respx_mock: respx.MockRouter, client: HubSpotClient
) -> None:
    headers = {"X-HubSpot-RateLimit-Daily": "1000", "X-HubSpot-RateLimit-Daily-Remaining": "5"}
    first = events_page(range(0, 2), "9")
    first.headers.update(headers)
    respx_mock.get(f"{BASE}/email/public/v1/events").mock(return_value=first)
    pages = read_email_events(client, "OPEN", None, NOW, 0)
    page = next(pages)
    assert page.value["offset"] == "9"  # the page read is kept with its cursor
    with pytest.raises(BudgetExhausted):
        next(pages)


@respx.mock
def test_401_is_an_auth_error_without_the_token(
    respx_mock: respx.MockRouter, client: HubSpotClient
) -> None:
    respx_mock.get(f"{BASE}/email/public/v1/events").mock(
        return_value=httpx.Response(
            401, json={"message": "bad", "category": "INVALID_AUTHENTICATION"}
        )
    )
    with pytest.raises(AuthError) as caught:
        list(read_email_events(client, "OPEN", None, NOW, 0))
    assert TOKEN not in str(caught.value) and TOKEN not in (caught.value.detail or "")


@respx.mock(assert_all_called=True)
def test_campaign_names_are_read_once(respx_mock: respx.MockRouter, client: HubSpotClient) -> None:
    route = respx_mock.get(f"{BASE}/email/public/v1/campaigns/7").mock(
        return_value=httpx.Response(200, json={"id": 7, "name": "Spring news"})
    )
    respx_mock.get(f"{BASE}/email/public/v1/campaigns/8").mock(
        return_value=httpx.Response(404, json={"message": "no campaign"})
    )
    names = CampaignNames(client)
    assert [names.name(7), names.name("7"), names.name(8), names.name(None)] == [
        "Spring news",
        "Spring news",
        None,
        None,
    ]
    assert route.call_count == 1


@respx.mock
def test_a_token_echoed_by_the_server_is_blanked_out(
    respx_mock: respx.MockRouter, client: HubSpotClient
) -> None:
    respx_mock.get(f"{BASE}/email/public/v1/events").mock(
        return_value=httpx.Response(401, json={"message": f"token {TOKEN} is not valid"})
    )
    with pytest.raises(AuthError) as caught:
        list(read_email_events(client, "OPEN", None, NOW, 0))
    assert caught.value.detail == "token [token] is not valid"
