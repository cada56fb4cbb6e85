"""Fixtures: the Salesforce emulator over HTTPS seeded with a generated dataset, and connectors.

The dataset (~1,500 persons) is generated once per session; every test gets a fresh
org loaded from it, with a clock that moves one second per reading so that each
change gets its own ``SystemModstamp``, as in a real org.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from config.rules import Rules, load_rules
from config.settings import SalesforceSettings
from connectors.retry import RetryPolicy
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.reader import ReadOptions
from sandbox.dataset import generate
from sandbox.faults import Faults
from sandbox.salesforce import SalesforceEmulator
from sandbox.seed import SandboxDataset

PERSONS = 1500


class Clock:
    """A clock that moves forward a second each time it is read."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture(scope="session")
def dataset() -> SandboxDataset:
    return generate(PERSONS, seed=11)


@pytest.fixture
def clock(dataset: SandboxDataset) -> Clock:
    return Clock(dataset.now)


@pytest.fixture
def faults() -> Faults:
    return Faults(seed=5)


@pytest.fixture
def org(dataset: SandboxDataset, clock: Clock, faults: Faults) -> Iterator[SalesforceEmulator]:
    emulator = SalesforceEmulator(faults=faults)
    emulator.set_clock(clock)
    emulator.load_seed(dataset.salesforce)
    with emulator:
        yield emulator


@pytest.fixture
def rules() -> Rules:
    return load_rules()


class Waits(list[float]):
    """Records the waits asked for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def settings_for(
    org: SalesforceEmulator, mode: str = "session_id", **extra: Any
) -> SalesforceSettings:
    common: dict[str, Any] = {"instance_url": org.url, "ca_bundle": org.ca_bundle, **extra}
    if mode == "session_id":
        return SalesforceSettings(session_id=SecretStr(org.session_id), **common)
    creds = org.state.credentials
    return SalesforceSettings(
        consumer_key=creds.client_id, consumer_secret=SecretStr(creds.client_secret), **common
    )


MakeConnector = Callable[..., SalesforceConnector]


@pytest.fixture
def make_connector(org: SalesforceEmulator, rules: Rules, clock: Clock) -> MakeConnector:
    """Builds a connector for the org: no real sleeping, bulk above ``bulk_threshold`` rows."""

    def make(
        mode: str = "session_id",
        *,
        bulk_threshold: int = 10_000,
        rules_: Rules | None = None,
        lock_retries: int = 3,
        batch_size: int = 2000,
        bulk_write_threshold: int = 2000,
        bulk_poll_deadline: float = 1800.0,
        **extra: Any,
    ) -> SalesforceConnector:
        waits = Waits()
        client = SalesforceClient(
            settings_for(org, mode, **extra),
            policy=RetryPolicy(attempts=8, total_seconds=60.0, initial=0.01, maximum=0.05),
            sleep=waits,
        )
        options = ReadOptions(
            bulk_threshold=bulk_threshold,
            bulk_max_records=2000,
            bulk_poll_seconds=0.001,
            bulk_poll_deadline=bulk_poll_deadline,
            batch_size=batch_size,
            clock=clock,
        )
        connector = SalesforceConnector(
            client.settings,
            rules_ or rules,
            options,
            client=client,
            lock_retries=lock_retries,
            bulk_write_threshold=bulk_write_threshold,
        )
        connector.reader.bulk.sleep = waits
        return connector

    return make
