"""HubSpot error answers -> the error taxonomy (429 policies, 401 / 403, 5xx, 4xx)."""

from __future__ import annotations

import json

import pytest

from connectors.errors import (
    AuthError,
    BudgetExhausted,
    ConnectorError,
    RecordError,
    RetriableError,
)
from connectors.hubspot.limits import (
    daily_left,
    missing_scopes,
    parse_body,
    penalty_for,
    translate,
)

TOKEN = "pat-na1-secret-token-value"


def rate_body(policy: str) -> bytes:
    return json.dumps(
        {
            "status": "error",
            "message": f"You have reached your {policy.lower()} limit.",
            "errorType": "RATE_LIMIT",
            "policyName": policy,
        }
    ).encode()


@pytest.mark.parametrize(
    ("policy", "cls", "search_penalty"),
    [
        ("TEN_SECONDLY_ROLLING", RetriableError, False),
        ("SECONDLY", RetriableError, True),
        ("DAILY", BudgetExhausted, None),
    ],
    ids=["ten-secondly", "secondly-search", "daily"],
)
def test_429_policies(policy: str, cls: type[ConnectorError], search_penalty: bool | None) -> None:
    error = translate(429, rate_body(policy), {})
    assert type(error) is cls
    assert error.code == policy
    if search_penalty is not None:
        penalty = penalty_for(error, burst_seconds=10.0, search_seconds=1.0)
        assert penalty.search is search_penalty
        assert penalty.seconds == (1.0 if search_penalty else 10.0)


def test_429_honours_retry_after_when_sent() -> None:
    error = translate(429, rate_body("TEN_SECONDLY_ROLLING"), {"Retry-After": "3"})
    assert isinstance(error, RetriableError)
    assert error.retry_after == 3.0
    assert penalty_for(error, burst_seconds=10.0, search_seconds=1.0).seconds == 3.0


def test_401_names_the_token_problem_never_the_token() -> None:
    body = {
        "status": "error",
        "message": f"bad token {TOKEN}",
        "category": "INVALID_AUTHENTICATION",
    }
    error = translate(401, json.dumps(body), {})
    assert isinstance(error, AuthError)
    assert "token" in error.user_message
    assert TOKEN not in error.user_message
    assert TOKEN not in str(error)


def test_403_missing_scopes_names_the_scope() -> None:
    body = {
        "status": "error",
        "message": "This app hasn't been granted all required scopes",
        "category": "MISSING_SCOPES",
        "errors": [{"message": "x", "context": {"requiredGranularScopes": ["crm.lists.write"]}}],
    }
    error = translate(403, json.dumps(body).encode(), {})
    assert isinstance(error, AuthError)
    assert error.code == "MISSING_SCOPES"
    assert "crm.lists.write" in error.user_message
    assert missing_scopes(body) == ["crm.lists.write"]


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (500, RetriableError),
        (503, RetriableError),
        (423, RetriableError),
        (400, RecordError),
        (404, RecordError),
    ],
    ids=["500", "503", "423-locked", "400", "404"],
)
def test_other_statuses(status: int, cls: type[ConnectorError]) -> None:
    body = {"status": "error", "message": "nope", "category": "VALIDATION_ERROR"}
    error = translate(status, json.dumps(body), {})
    assert type(error) is cls
    assert error.status == status


@pytest.mark.parametrize(
    ("body", "expected"),
    [(b"", {}), ("not json", {}), (b'{"a": 1}', {"a": 1}), ("[1]", {}), ({"b": 2}, {"b": 2})],
    ids=["empty", "text", "bytes-json", "array", "dict"],
)
def test_parse_body(body: object, expected: dict[str, int]) -> None:
    assert parse_body(body) == expected


def test_daily_left_reads_optional_headers() -> None:
    headers = {"x-hubspot-ratelimit-daily": "1000", "X-HubSpot-RateLimit-Daily-Remaining": "12"}
    assert daily_left(headers) == (12, 1000)
    assert daily_left({}) is None
    assert daily_left({"X-HubSpot-RateLimit-Daily": "1000"}) is None
