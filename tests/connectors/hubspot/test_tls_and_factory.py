"""The configured base URL and CA bundle reach both clients (SDK and httpx); the entry point's
factory builds a connector that meets both contracts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from config.rules import Rules
from config.settings import HubSpotSettings, Settings
from connectors.base import SinkConnector, SourceConnector
from connectors.errors import ConfigurationError
from connectors.hubspot import HUBSPOT
from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.email_events import read_email_events
from connectors.retry import RetryPolicy
from sandbox.hubspot import HubSpotEmulator
from sandbox.hubspot.app import build_app
from sandbox.server import ServedApp, Tls, make_tls

from .support import dataset


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def https(tls: Tls) -> Iterator[tuple[str, HubSpotEmulator]]:
    """The emulator's app served over TLS (its own ``start`` serves plain HTTP)."""
    emulator = HubSpotEmulator()
    emulator.load_seed(dataset(60, seed=1).hubspot)
    served = ServedApp(build_app(emulator.context, emulator.faults), tls=tls).start()
    yield served.url, emulator
    served.stop()


def connector(url: str, token: str, rules: Rules, ca_bundle: Path | None) -> HubSpotConnector:
    settings = HubSpotSettings(access_token=SecretStr(token), base_url=url, ca_bundle=ca_bundle)
    return HubSpotConnector(settings, rules, retry_policy=RetryPolicy(attempts=2, initial=0.01))


def test_both_clients_trust_the_configured_ca_bundle(
    https: tuple[str, HubSpotEmulator], tls: Tls, rules: Rules
) -> None:
    url, emulator = https
    assert url.startswith("https://")
    made = connector(url, emulator.token, rules, tls.ca_bundle)
    assert list(made.read_owners())  # the SDK (urllib3)
    pages = list(read_email_events(made.client, "SENT", None, 1_900_000_000_000, 0))
    assert sum(len(p.events) for p in pages) > 0  # httpx
    made.close()


def test_an_untrusted_certificate_is_a_configuration_error_not_retried(
    https: tuple[str, HubSpotEmulator], rules: Rules
) -> None:
    url, emulator = https
    made = connector(url, emulator.token, rules, None)
    with pytest.raises(ConfigurationError, match="TLS"):
        list(made.read_owners())
    with pytest.raises(ConfigurationError, match="TLS"):
        list(read_email_events(made.client, "SENT", None, 1_900_000_000_000, 0))
    assert set(made.client.requests.values()) == {1}
    made.close()


def test_the_entry_point_factory_builds_a_source_and_sink(rules: Rules) -> None:
    settings = Settings(hubspot=HubSpotSettings(access_token=SecretStr("t")))
    assert HUBSPOT.factory is not None
    built = HUBSPOT.factory(settings, rules)
    assert isinstance(built, SourceConnector) and isinstance(built, SinkConnector)
    assert isinstance(built, HubSpotConnector)
    assert built.client.settings.base_url == "https://api.hubapi.com"


def test_no_token_is_a_configuration_error(rules: Rules) -> None:
    with pytest.raises(ConfigurationError, match="ACCESS_TOKEN"):
        HubSpotConnector(HubSpotSettings(), rules)
