"""Settings: the documented environment names work exactly as written; secrets never show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config.settings import Settings, SettingsError, load_settings
from config.shown import MASK, effective_config


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("REENGAGE_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no stray .env


ENV = {
    "REENGAGE_DATABASE_URL": "postgresql+psycopg://svc:db-pass-123@db.internal:5432/reengage",
    "REENGAGE_RULES_FILE": "/etc/reengage/rules.toml",
    "REENGAGE_HUBSPOT__ACCESS_TOKEN": "pat-na1-secret-token",
    "REENGAGE_HUBSPOT__BASE_URL": "http://127.0.0.1:8099/",
    "REENGAGE_HUBSPOT__CA_BUNDLE": "/etc/ssl/hs.pem",
    "REENGAGE_SALESFORCE__INSTANCE_URL": "https://acme.my.salesforce.com:8443",
    "REENGAGE_SALESFORCE__SESSION_ID": "00Dxx!session-secret",
    "REENGAGE_SALESFORCE__API_VERSION": "63.0",
    "REENGAGE_SALESFORCE__CA_BUNDLE": "/etc/ssl/sf.pem",
}


def test_documented_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    s = load_settings()
    assert s.store_url == ENV["REENGAGE_DATABASE_URL"]
    assert s.rules_file == Path("/etc/reengage/rules.toml")
    assert s.hubspot.access_token is not None
    assert s.hubspot.access_token.get_secret_value() == "pat-na1-secret-token"
    assert s.hubspot.base_url == "http://127.0.0.1:8099"
    assert s.hubspot.ca_bundle == Path("/etc/ssl/hs.pem")
    assert s.salesforce.instance_url == "https://acme.my.salesforce.com:8443"
    assert s.salesforce.auth_mode == "session_id"
    assert s.salesforce.api_version == "63.0"
    assert s.salesforce.ca_bundle == Path("/etc/ssl/sf.pem")


@pytest.mark.parametrize(
    ("env", "mode"),
    [
        ({"USERNAME": "u@x.com", "CONSUMER_KEY": "ck", "PRIVATE_KEY_FILE": "/k.pem"}, "jwt_bearer"),
        ({"CONSUMER_KEY": "ck", "CONSUMER_SECRET": "cs"}, "client_credentials"),
        (
            {
                "USERNAME": "u@x.com",
                "PASSWORD": "pw",
                "SECURITY_TOKEN": "tok",
                "CONSUMER_KEY": "ck",
                "CONSUMER_SECRET": "cs",
            },
            "username_password",
        ),
    ],
    ids=["jwt", "client-credentials", "username-password"],
)
def test_salesforce_auth_modes(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], mode: str
) -> None:
    monkeypatch.setenv("REENGAGE_SALESFORCE__INSTANCE_URL", "https://acme.my.salesforce.com")
    for key, value in env.items():
        monkeypatch.setenv(f"REENGAGE_SALESFORCE__{key}", value)
    assert load_settings().salesforce.auth_mode == mode


def test_defaults_need_no_configuration() -> None:
    s = load_settings()
    assert s.store_url == "sqlite:///reengage-data/reengage.db"
    assert s.hubspot.base_url == "https://api.hubapi.com"
    assert not s.hubspot.configured and not s.salesforce.configured


def test_constructor_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REENGAGE_DATABASE_URL", "sqlite:///from-env.db")
    assert Settings(database_url="sqlite:///given.db").store_url == "sqlite:///given.db"


def test_masked_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    shown = json.dumps(effective_config(load_settings()))
    for secret in ("pat-na1-secret-token", "00Dxx!session-secret", "db-pass-123"):
        assert secret not in shown
    assert MASK in shown


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("REENGAGE_DATABASE_URL", "mysql://x/y", "unsupported database"),
        ("REENGAGE_DATABASE_URL", "not a url", "not a SQLAlchemy URL"),
        ("REENGAGE_SALESFORCE__INSTANCE_URL", "http://acme.my.salesforce.com", "https://"),
        ("REENGAGE_SALESFORCE__API_VERSION", "sixty", "API version"),
        ("REENGAGE_SALESFORCE__PASSWORD", "hunter2-secret", "incomplete Salesforce credentials"),
    ],
    ids=["mysql", "garbage-url", "http-salesforce", "bad-version", "password-alone"],
)
def test_bad_values_are_named_without_secrets(
    monkeypatch: pytest.MonkeyPatch, key: str, value: str, reason: str
) -> None:
    monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert reason in str(info.value)
    assert "hunter2-secret" not in str(info.value)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://hooks.slack.com/services/T/B/x", True),
        ("http://127.0.0.1:8080/hook", True),
        ("http://localhost/hook", True),
        ("http://localhost.evil.example/hook", False),
        ("http://127.0.0.1.nip.io/hook", False),
        ("http://hooks.example.com/x", False),
        ("ftp://hooks.example.com/x", False),
    ],
    ids=["https", "loopback-ip", "localhost", "lookalike-host", "lookalike-ip", "http", "ftp"],
)
def test_webhook_urls(monkeypatch: pytest.MonkeyPatch, url: str, ok: bool) -> None:
    monkeypatch.setenv("REENGAGE_ALERTS__WEBHOOK_URL", url)
    if ok:
        assert load_settings().alerts.configured
    else:
        with pytest.raises(SettingsError, match="https"):
            load_settings()


def test_secret_values_cover_every_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from config.shown import secret_values

    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("REENGAGE_ALERTS__SLACK_WEBHOOK_URL", "https://hooks.slack.com/s/T/B/tok")
    found = set(secret_values(load_settings()))
    assert {"pat-na1-secret-token", "00Dxx!session-secret", "db-pass-123"} <= found
    assert "https://hooks.slack.com/s/T/B/tok" in found


def test_username_password_needs_the_connected_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REENGAGE_SALESFORCE__INSTANCE_URL", "https://acme.my.salesforce.com")
    monkeypatch.setenv("REENGAGE_SALESFORCE__USERNAME", "u@x.com")
    monkeypatch.setenv("REENGAGE_SALESFORCE__PASSWORD", "pw-secret")
    with pytest.raises(SettingsError, match="CONSUMER_KEY") as info:
        load_settings()
    assert "pw-secret" not in str(info.value)


def test_serve_interval_in_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta

    assert load_settings().serve.interval == timedelta(minutes=60)
    monkeypatch.setenv("REENGAGE_SERVE__INTERVAL_MINUTES", "5")
    assert load_settings().serve.interval == timedelta(minutes=5)
    monkeypatch.delenv("REENGAGE_SERVE__INTERVAL_MINUTES")
    monkeypatch.setenv("REENGAGE_SERVE__INTERVAL_SECONDS", "15")
    assert load_settings().serve.interval == timedelta(seconds=15)


@pytest.mark.parametrize("seconds", ["9", "0", "-15", "fifteen"])
def test_serve_interval_seconds_is_ten_at_least(
    monkeypatch: pytest.MonkeyPatch, seconds: str
) -> None:
    monkeypatch.setenv("REENGAGE_SERVE__INTERVAL_SECONDS", seconds)
    with pytest.raises(SettingsError, match="REENGAGE_SERVE__INTERVAL_SECONDS"):
        load_settings()


def test_serve_interval_in_minutes_and_seconds_is_an_error_naming_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REENGAGE_SERVE__INTERVAL_MINUTES", "60")  # even at its default value
    monkeypatch.setenv("REENGAGE_SERVE__INTERVAL_SECONDS", "15")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "REENGAGE_SERVE__INTERVAL_MINUTES" in str(info.value)
    assert "REENGAGE_SERVE__INTERVAL_SECONDS" in str(info.value)
