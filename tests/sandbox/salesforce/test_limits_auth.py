"""Limits, sessions, faults, OAuth, describe and getUpdated / getDeleted as a client sees them."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from sandbox.faults import Faults
from sandbox.salesforce import SalesforceEmulator
from sandbox.salesforce.auth import JWT_GRANT
from tests.sandbox.salesforce.builders import NOW, client_for

Loader = Callable[..., list[dict[str, Any]]]


def test_describe_global_and_object(sf: Salesforce) -> None:
    names = {o["name"]: o for o in sf.describe()["sobjects"]}
    assert names["Lead"]["keyPrefix"] == "00Q" and names["CampaignMember"]["keyPrefix"] == "00v"
    fields = {f["name"]: f for f in sf.Task.describe()["fields"]}
    assert fields["OwnerId"]["referenceTo"] == ["User"]
    assert fields["WhoId"]["referenceTo"] == ["Contact", "Lead"]
    assert [v["value"] for v in fields["Status"]["picklistValues"]] == [
        "Not Started",
        "In Progress",
        "Completed",
    ]
    assert fields["IsClosed"]["updateable"] is False and fields["Subject"]["nillable"] is True


def test_limits_and_api_usage_header(sf: Salesforce, org: SalesforceEmulator) -> None:
    org.state.budget.max = 5000
    org.state.budget.used = 17
    limits = sf.limits()
    assert limits["DailyApiRequests"] == {"Max": 5000, "Remaining": 4982}
    assert "DailyBulkV2QueryJobs" in limits
    assert sf.api_usage["api-usage"].used == 18 and sf.api_usage["api-usage"].total == 5000


def test_spent_budget_is_request_limit_exceeded(sf: Salesforce, org: SalesforceEmulator) -> None:
    org.state.budget.used = org.state.budget.max - 1
    sf.query("SELECT Id FROM Lead")
    with pytest.raises(SalesforceRefusedRequest) as caught:
        sf.query("SELECT Id FROM Lead")
    assert caught.value.content == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]


def test_session_expires_after_n_requests(sf: Salesforce, org: SalesforceEmulator) -> None:
    org.session_expires_after = 2
    sf.query("SELECT Id FROM Lead")
    sf.query("SELECT Id FROM Lead")
    with pytest.raises(SalesforceExpiredSession) as caught:
        sf.query("SELECT Id FROM Lead")
    assert caught.value.content[0]["errorCode"] == "INVALID_SESSION_ID"
    assert client_for(org, org.new_session()).query("SELECT Id FROM Lead")["totalSize"] == 0


def test_unknown_token_is_401(org: SalesforceEmulator) -> None:
    with pytest.raises(SalesforceExpiredSession):
        client_for(org, "00D!not-a-token").limits()


def test_server_error_share_is_503_for_the_client(org: SalesforceEmulator, faults: Faults) -> None:
    faults.error_rate = 0.5
    sf = client_for(org)
    outcomes = []
    for _ in range(40):
        try:
            sf.limits()
            outcomes.append(200)
        except SalesforceGeneralError as exc:
            outcomes.append(exc.status)
            assert exc.content[0]["errorCode"] == "SERVER_UNAVAILABLE"
    assert set(outcomes) == {200, 503} and faults.counts["server_error"] == outcomes.count(503)


def test_bursts_answer_403_concurrent_request_limit(
    org: SalesforceEmulator, faults: Faults
) -> None:
    faults.burst_every, faults.burst_length = 3, 1
    sf = client_for(org)
    sf.limits()
    sf.limits()
    with pytest.raises(SalesforceRefusedRequest) as caught:
        sf.limits()
    assert caught.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    assert caught.value.content[0]["message"].startswith("ConcurrentRequests")


def test_dropped_connection_breaks_the_read(org: SalesforceEmulator, faults: Faults) -> None:
    faults.drop_rate = 1.0
    with pytest.raises(requests.exceptions.RequestException):
        client_for(org).limits()


def test_updated_and_deleted_windows(
    sf: Salesforce, org: SalesforceEmulator, seed_leads: Loader
) -> None:
    rows = seed_leads(20)
    org.set_clock(lambda: NOW + timedelta(minutes=5))  # seconds are truncated: cover NOW itself
    start, end = NOW - timedelta(days=1), NOW + timedelta(minutes=1)
    updated = sf.Lead.updated(start, end)
    assert set(updated["ids"]) == {r["Id"] for r in rows if not r["IsDeleted"]}
    deleted = sf.Lead.deleted(start, end)
    assert {d["id"] for d in deleted["deletedRecords"]} == {r["Id"] for r in rows if r["IsDeleted"]}
    assert deleted["earliestDateAvailable"] == "2026-11-09T00:00:00.000+0000"
    assert sf.Lead.updated(NOW - timedelta(days=29), end)["ids"]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Lead.deleted(NOW - timedelta(days=16), end)
    assert caught.value.content[0]["errorCode"] == "INVALID_REPLICATION_DATE"
    with pytest.raises(SalesforceMalformedRequest):
        sf.Lead.updated(NOW - timedelta(days=31), end)


def _post_token(
    org: SalesforceEmulator, data: dict[str, str], auth: tuple[str, str] | None = None
) -> requests.Response:
    with requests.Session() as session:
        session.verify, session.trust_env = str(org.ca_bundle), False
        return session.post(f"{org.url}/services/oauth2/token", data=data, auth=auth)


def _jwt(claims: dict[str, Any]) -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJl"


GOOD_JWT = {
    "iss": "sandbox-client",
    "sub": "integration@sandbox.example",
    "aud": "https://login.salesforce.com",
}
GRANTS = [
    ("jwt", {"grant_type": JWT_GRANT, "assertion": "JWT"}, None),
    (
        "client-form",
        {
            "grant_type": "client_credentials",
            "client_id": "sandbox-client",
            "client_secret": "sandbox-secret",
        },
        None,
    ),
    ("client-basic", {"grant_type": "client_credentials"}, ("sandbox-client", "sandbox-secret")),
    (
        "password",
        {
            "grant_type": "password",
            "client_id": "sandbox-client",
            "client_secret": "sandbox-secret",
            "username": "integration@sandbox.example",
            "password": "sandbox-password",
        },
        None,
    ),
]


@pytest.mark.parametrize(("name", "form", "auth"), GRANTS, ids=[g[0] for g in GRANTS])
def test_oauth_grants_issue_working_tokens(
    org: SalesforceEmulator, name: str, form: dict[str, str], auth: tuple[str, str] | None
) -> None:
    if form.get("assertion") == "JWT":
        form = {**form, "assertion": _jwt({**GOOD_JWT, "exp": int(time.time()) + 180})}
    answer = _post_token(org, form, auth)
    assert answer.status_code == 200
    body = answer.json()
    assert body["instance_url"] == org.url and body["token_type"] == "Bearer"
    assert {"access_token", "id", "issued_at", "signature"} <= body.keys()
    assert client_for(org, body["access_token"]).limits()["DailyApiRequests"]["Max"] == 1_000_000


BAD_GRANTS = [
    ("jwt-wrong-sub", {"grant_type": JWT_GRANT, "assertion": "SUB"}, "invalid_grant"),
    ("jwt-expired", {"grant_type": JWT_GRANT, "assertion": "EXP"}, "invalid_grant"),
    ("jwt-garbage", {"grant_type": JWT_GRANT, "assertion": "not.a.jwt"}, "invalid_grant"),
    (
        "wrong-secret",
        {
            "grant_type": "client_credentials",
            "client_id": "sandbox-client",
            "client_secret": "nope",
        },
        "invalid_client",
    ),
    (
        "wrong-password",
        {
            "grant_type": "password",
            "client_id": "sandbox-client",
            "client_secret": "sandbox-secret",
            "username": "integration@sandbox.example",
            "password": "nope",
        },
        "invalid_grant",
    ),
    ("unknown-grant", {"grant_type": "authorization_code"}, "unsupported_grant_type"),
]


@pytest.mark.parametrize(("name", "form", "error"), BAD_GRANTS, ids=[g[0] for g in BAD_GRANTS])
def test_oauth_refuses_bad_credentials(
    org: SalesforceEmulator, name: str, form: dict[str, str], error: str
) -> None:
    if form.get("assertion") == "SUB":
        form = {
            **form,
            "assertion": _jwt({**GOOD_JWT, "sub": "someone@else", "exp": time.time() + 60}),
        }
    if form.get("assertion") == "EXP":
        form = {**form, "assertion": _jwt({**GOOD_JWT, "exp": time.time() - 60})}
    answer = _post_token(org, form)
    assert answer.status_code == 400 and answer.json()["error"] == error
    assert "error_description" in answer.json()


def test_every_answer_carries_limit_info(org: SalesforceEmulator) -> None:
    with requests.Session() as session:
        session.verify, session.trust_env = str(org.ca_bundle), False
        missing = session.get(
            f"{org.url}/services/data/v62.0/nothing-here",
            headers={"Authorization": f"Bearer {org.session_id}"},
        )
        versions = session.get(f"{org.url}/services/data/")
    assert missing.status_code == 404 and missing.json()[0]["errorCode"] == "NOT_FOUND"
    assert missing.headers["Sforce-Limit-Info"].startswith("api-usage=")
    assert versions.json()[-1]["version"] == "62.0"
