"""What waiting cannot heal is asked once: TLS verification, 401, 403 (but Salesforce's
``REQUEST_LIMIT_EXCEEDED``); what can heal (refused, 503) is asked again, bounded.

Sleeping is switched off (the clients take a ``sleep``); the servers count what reached them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from config.settings import HubSpotSettings, SalesforceSettings
from connectors.errors import (
    AuthError,
    BudgetExhausted,
    ConfigurationError,
    ConnectorError,
    RetriableError,
)
from connectors.hubspot.client import HubSpotClient
from connectors.retry import RetryPolicy, call_with_retry
from connectors.salesforce.client import SalesforceClient

from .local_servers import FixedAnswer, UntrustedTls

POLICY = RetryPolicy(attempts=4)


def no_sleep(_seconds: float) -> None:
    return None


def hubspot(url: str) -> HubSpotClient:
    settings = HubSpotSettings(access_token=SecretStr("pat-secret"), base_url=url)
    return HubSpotClient(settings, retry_policy=POLICY, sleep=no_sleep)


def salesforce(url: str, ca_bundle: Path | None = None, **auth: object) -> SalesforceClient:
    given = auth or {"session_id": SecretStr("00Dsecret")}
    settings = SalesforceSettings(instance_url=url, ca_bundle=ca_bundle, **given)  # type: ignore[arg-type]
    return SalesforceClient(settings, policy=POLICY, sleep=no_sleep)


def owners(client: HubSpotClient) -> object:
    return client.call("owners", "get_page")


def query(client: SalesforceClient) -> object:
    return client.call(lambda sf: sf.query("SELECT Id FROM User"))


def test_an_untrusted_certificate_is_one_connection_on_each_platform() -> None:
    with UntrustedTls() as server:
        with pytest.raises(ConfigurationError, match="certificate verification failed"):
            owners(hubspot(server.url))
        assert server.connections == 1
        client = salesforce(server.url, consumer_key="k", consumer_secret=SecretStr("s"))
        with pytest.raises(ConfigurationError, match=f"127.0.0.1:{server.port}/services/oauth2"):
            query(client)
        assert server.connections == 2


HUBSPOT_REFUSALS = {
    401: {"category": "INVALID_AUTHENTICATION", "message": "bad token"},
    403: {"category": "MISSING_SCOPES", "message": "no", "errors": []},
}


@pytest.mark.parametrize("status", [401, 403])
def test_hubspot_asks_a_refusal_once_naming_status_and_category(status: int) -> None:
    body = HUBSPOT_REFUSALS[status]
    with FixedAnswer(status, body) as server, pytest.raises(AuthError) as raised:
        owners(hubspot(server.url))
    assert len(server.requests) == 1
    said = raised.value.user_message
    assert f"HTTP {status} {body['category']} from http://127.0.0.1:{server.port}" in said
    assert "pat-secret" not in said


def test_hubspot_asks_a_503_again_until_the_policy_runs_out() -> None:
    busy = {"category": "SERVICE_UNAVAILABLE", "message": "later"}
    with FixedAnswer(503, busy) as server, pytest.raises(RetriableError, match="HTTP 503"):
        owners(hubspot(server.url))
    assert len(server.requests) == POLICY.attempts


def test_a_refused_connection_is_asked_again_and_named() -> None:
    client = hubspot("http://127.0.0.1:9")
    with pytest.raises(RetriableError, match=r"connection refused by 127\.0\.0\.1:9"):
        owners(client)
    assert sum(client.requests.values()) == POLICY.attempts


@pytest.mark.parametrize(
    ("status", "code", "raised"),
    [
        (401, "INVALID_SESSION_ID", AuthError),
        (403, "INSUFFICIENT_ACCESS", AuthError),
        (403, "API_DISABLED_FOR_ORG", AuthError),
        (403, "REQUEST_LIMIT_EXCEEDED", BudgetExhausted),
    ],
)
def test_salesforce_asks_a_refusal_once_naming_status_code_and_url(
    tmp_path: Path, status: int, code: str, raised: type[ConnectorError]
) -> None:
    body = [{"errorCode": code, "message": "TotalRequests Limit exceeded."}]
    with FixedAnswer(status, body, tls_dir=tmp_path) as server, pytest.raises(raised) as error:
        query(salesforce(server.url, server.ca_bundle))
    assert server.requests == ["/services/data/v62.0/query/"]
    said = error.value.user_message
    assert f"{status} {code}" in said
    assert f"from https://127.0.0.1:{server.port}/services/data/v62.0/query/" in said
    assert "SELECT" not in said and "00Dsecret" not in said


class Refusing:
    """Raises the same error on every call; counts the calls."""

    def __init__(self, error: ConnectorError) -> None:
        self.error, self.calls = error, 0

    def __call__(self) -> None:
        self.calls += 1
        raise self.error


@pytest.mark.parametrize(
    ("error", "calls"),
    [
        (RetriableError("refused token", status=401), 1),
        (RetriableError("forbidden", status=403, code="INSUFFICIENT_ACCESS"), 1),
        (RetriableError("concurrent", status=403, code="REQUEST_LIMIT_EXCEEDED"), 4),
        (RetriableError("busy", status=503), 4),
    ],
    ids=["401", "403", "403-concurrent-limit", "503"],
)
def test_the_policy_never_retries_401_or_403_even_when_called_retriable(
    error: RetriableError, calls: int
) -> None:
    fn = Refusing(error)
    with pytest.raises(RetriableError):
        call_with_retry(fn, POLICY, sleep=no_sleep)
    assert fn.calls == calls
