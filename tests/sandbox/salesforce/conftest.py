"""Fixtures: a started emulator, a simple-salesforce client for it, a lead loader."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from simple_salesforce import Salesforce

from sandbox.faults import Faults
from sandbox.salesforce import SalesforceEmulator
from sandbox.seed import SalesforceSeed
from tests.sandbox.salesforce.builders import NOW, client_for, close_clients, lead


@pytest.fixture
def faults() -> Faults:
    return Faults(seed=7)


@pytest.fixture
def org(faults: Faults) -> Iterator[SalesforceEmulator]:
    emulator = SalesforceEmulator(faults=faults)
    emulator.set_clock(lambda: NOW)
    with emulator:
        yield emulator
        close_clients()


@pytest.fixture
def sf(org: SalesforceEmulator) -> Salesforce:
    return client_for(org)


@pytest.fixture
def seed_leads(org: SalesforceEmulator) -> Callable[..., list[dict[str, Any]]]:
    """Loads ``n`` leads (every tenth deleted unless told otherwise) and returns them."""

    def load(n: int, deleted_every: int = 10) -> list[dict[str, Any]]:
        rows = [lead(i, IsDeleted=bool(deleted_every) and i % deleted_every == 0) for i in range(n)]
        deleted = {r["Id"]: r["SystemModstamp"] for r in rows if r["IsDeleted"]}
        org.load_seed(SalesforceSeed(records={"Lead": rows}, deleted=deleted))
        return rows

    return load
