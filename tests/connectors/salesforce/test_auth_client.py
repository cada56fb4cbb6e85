"""Login flows against the emulator's token endpoint, and the request gate's error rules."""

from __future__ import annotations

import logging
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr
from simple_salesforce.exceptions import SalesforceError

from config.settings import SalesforceSettings
from connectors.errors import (
    AuthError,
    BudgetExhausted,
    ConnectorError,
    RecordError,
    RetriableError,
)
from connectors.salesforce.auth import Authenticator, jwt_audience
from connectors.salesforce.client import PinnedSession, SalesforceClient, translate
from sandbox.salesforce import SalesforceEmulator

from .conftest import MakeConnector


@pytest.fixture(scope="module")
def key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def base(org: SalesforceEmulator) -> dict[str, Any]:
    return {"instance_url": org.url, "ca_bundle": org.ca_bundle}


def test_jwt_bearer_logs_in_with_the_documented_claims(
    org: SalesforceEmulator, key_pem: str
) -> None:
    creds = org.state.credentials
    settings = SalesforceSettings(
        consumer_key=creds.client_id,
        username=creds.username,
        private_key=SecretStr(key_pem),
        domain="test",
        **base(org),
    )
    auth = Authenticator(settings, PinnedSession(str(org.ca_bundle), 10), clock=lambda: 1_000.0)
    claims = jwt.decode(auth._assertion(), options={"verify_signature": False})
    assert claims == {
        "iss": creds.client_id,
        "sub": creds.username,
        "aud": "https://test.salesforce.com",
        "exp": 1_180,
    }
    client = SalesforceClient(settings)
    assert client.call(lambda sf: sf.restful("limits/"))["DailyApiRequests"]["Max"] > 0
    assert client.logins == 1 and jwt_audience("login") == "https://login.salesforce.com"


def test_username_password_works_and_warns_it_is_being_retired(
    org: SalesforceEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    creds = org.state.credentials
    settings = SalesforceSettings(
        username=creds.username,
        password=SecretStr(creds.password),
        consumer_key=creds.client_id,
        consumer_secret=SecretStr(creds.client_secret),
        **base(org),
    )
    caplog.set_level(logging.INFO)
    client = SalesforceClient(settings)
    assert settings.auth_mode == "username_password"
    client.call(lambda sf: sf.restful("limits/"))
    assert "being retired" in caplog.text
    assert creds.password not in caplog.text and creds.client_secret not in caplog.text


def test_refused_credentials_are_an_auth_error_without_the_secret(
    org: SalesforceEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s3cr3t-never-shown"
    settings = SalesforceSettings(
        consumer_key="sandbox-client", consumer_secret=SecretStr(secret), **base(org)
    )
    with pytest.raises(AuthError) as caught:
        SalesforceClient(settings).call(lambda sf: sf.restful("limits/"))
    assert "invalid_client" in caught.value.user_message
    assert secret not in str(caught.value) and secret not in caplog.text


def test_the_configured_ca_bundle_wins_over_the_environment(
    make_connector: MakeConnector, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(tmp_path / "missing.pem"))
    assert len(list(make_connector().read_owners())) >= 2


def error(status: int, code: str | None, message: str = "m") -> SalesforceError:
    content: Any = [{"errorCode": code, "message": message}] if code else "gateway"
    return SalesforceError("https://x/services/data/v62.0/query", status, "query", content)


@pytest.mark.parametrize(
    ("status", "code", "message", "expected"),
    [
        (503, "SERVER_UNAVAILABLE", "down", RetriableError),
        (502, None, "", RetriableError),
        (403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", BudgetExhausted),
        (
            403,
            "REQUEST_LIMIT_EXCEEDED",
            "ConcurrentRequests (Concurrent API Requests) Limit exceeded.",
            RetriableError,
        ),
        (401, "INVALID_SESSION_ID", "Session expired or invalid", AuthError),
        (403, "INSUFFICIENT_ACCESS", "no", AuthError),
        (400, "MALFORMED_QUERY", "bad", RecordError),
        (404, "NOT_FOUND", "gone", RecordError),
    ],
    ids=[
        "503",
        "502-no-body",
        "daily-limit",
        "concurrent-limit",
        "401",
        "403-access",
        "400",
        "404",
    ],
)
def test_translation_table(
    status: int, code: str | None, message: str, expected: type[ConnectorError]
) -> None:
    translated = translate(error(status, code, message))
    assert type(translated) is expected
    assert translated.status == status and translated.code == code


def test_budget_share_is_checked_before_each_request(org: SalesforceEmulator) -> None:
    settings = SalesforceSettings(
        session_id=SecretStr(org.session_id), daily_budget_share=0.8, **base(org)
    )
    client = SalesforceClient(settings)
    client.usage = (79, 100)
    client.check_budget()
    client.usage = (80, 100)
    with pytest.raises(BudgetExhausted):
        client.call(lambda sf: sf.restful("limits/"))
    client.usage = None
    client.call(lambda sf: sf.restful("limits/"))
    assert client.usage is not None and client.usage[1] == org.state.budget.max
