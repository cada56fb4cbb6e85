"""20,000 persons: backfill (bulk), increments (REST) and write-back, with request counts.

Run with ``pytest -m slow -s tests/connectors/salesforce/test_scale.py``: it prints the
requests per route and records per second (speed is reported, never asserted).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from config.rules import load_rules
from connectors.base import FieldUpdate, MembershipChange, WriteStatus
from connectors.retry import RetryPolicy
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.reader import ReadOptions
from sandbox.dataset import generate
from sandbox.salesforce import SalesforceEmulator

from .conftest import Clock, settings_for
from .test_faults import check_complete, read_all
from .test_writes import people, tasks

PERSONS = 20_000


@pytest.fixture(scope="module")
def big_org() -> Iterator[SalesforceEmulator]:
    data = generate(PERSONS, seed=23)
    emulator = SalesforceEmulator()
    emulator.set_clock(Clock(data.now))
    emulator.load_seed(data.salesforce)
    with emulator:
        yield emulator


@pytest.mark.slow
def test_twenty_thousand_persons(big_org: SalesforceEmulator) -> None:
    org = big_org
    client = SalesforceClient(settings_for(org), policy=RetryPolicy(initial=0.05, maximum=1.0))
    connector = SalesforceConnector(
        client.settings,
        load_rules(),
        ReadOptions(bulk_poll_seconds=0.05, clock=org.state.clock),
        client=client,
    )
    rows = sum(len(org.state.records(o, include_deleted=True)) for o in org.state.tables)
    started = time.perf_counter()
    cursors: dict[str, object] = {}
    seen = read_all(connector, cursors)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    check_complete(seen, org)
    report("backfill", org, elapsed, sum(len(s) for s in seen.values()))

    org.state.reset_counts()
    started = time.perf_counter()
    assert not any(read_all(connector, cursors).values())  # type: ignore[arg-type]
    report("empty increment", org, time.perf_counter() - started, 0)

    connector.apply_setup(connector.check_setup(None))
    org.state.reset_counts()
    refs = people(org, 4000)
    started = time.perf_counter()
    updates = [
        FieldUpdate(f"u{i}", r, {"Reengage_Status__c": "dormant"}) for i, r in enumerate(refs)
    ]
    members = [MembershipChange(f"m{i}", "dormant_90_180d", r) for i, r in enumerate(refs[:2000])]
    results = connector.update_fields(updates) + connector.add_members(members)
    results += connector.create_tasks(tasks(refs[:1000]))
    assert {r.status for r in results} == {WriteStatus.APPLIED}
    report("write-back", org, time.perf_counter() - started, len(results))
    print(f"org rows {rows}")


def report(what: str, org: SalesforceEmulator, seconds: float, records: int) -> None:
    counts = org.state.describe_counts()
    total = sum(counts.values())
    print(
        f"\n{what}: {records} records in {seconds:.1f}s ({records / max(seconds, 1e-9):.0f}/s), "
        f"{total} requests, {org.state.write_requests()} writes"
    )
    for route, n in counts.items():
        print(f"  {n:6d} {route}")
