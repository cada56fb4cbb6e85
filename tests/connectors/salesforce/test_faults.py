"""Session expiry, the daily budget, locked rows, 5xx and dropped connections: each leaves a
correct result, or a clean stop that the next run completes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.base import Cursor, Page, WriteStatus
from connectors.errors import BudgetExhausted
from connectors.salesforce.connector import SalesforceConnector
from sandbox.faults import Faults
from sandbox.salesforce import SalesforceEmulator

from .conftest import MakeConnector
from .test_writes import FieldUpdate, people, tasks

Cursors = dict[str, Cursor]


def read_all(
    connector: SalesforceConnector, cursors: Cursors, seen: dict[str, set[str]] | None = None
) -> dict[str, set[str]]:
    """Every id read per stream, saving cursors page by page (what the engine does)."""
    seen = {} if seen is None else seen

    def take(pages: Iterator[Page[Any]], key: Any) -> None:
        for page in pages:
            seen.setdefault(page.cursor.stream, set()).update(key(i) for i in page.items)
            cursors[page.cursor.stream] = page.cursor

    take(connector.read_records(cursors), lambda r: r.ref.record_id)
    take(connector.read_activities(cursors), lambda a: a.activity_id)
    take(connector.read_deals(cursors), lambda d: d.deal_id)
    return seen


def expected_counts(org: SalesforceEmulator) -> dict[str, int]:
    return {
        "leads": len(org.state.records("Lead", include_deleted=True)),
        "contacts": len(org.state.records("Contact", include_deleted=True)),
        "opportunities": len(org.state.records("Opportunity", include_deleted=True)),
    }


def check_complete(seen: dict[str, set[str]], org: SalesforceEmulator) -> None:
    for stream, count in expected_counts(org).items():
        assert len(seen[stream]) == count, stream


def test_session_expiry_mid_run_logs_in_again(
    org: SalesforceEmulator, make_connector: MakeConnector
) -> None:
    connector = make_connector("client_credentials", bulk_threshold=1000, batch_size=500)
    org.session_expires_after = 7
    check_complete(read_all(connector, {}), org)
    assert connector.client.logins > 3
    connector.apply_setup(connector.check_setup(None))
    results = connector.create_tasks(tasks(people(org, 40)))
    assert {r.status for r in results} == {WriteStatus.APPLIED}


def test_an_expired_given_session_is_a_clear_auth_error(
    org: SalesforceEmulator, make_connector: MakeConnector
) -> None:
    from connectors.errors import AuthError

    connector = make_connector()
    org.state.expire_sessions()
    with pytest.raises(AuthError, match="INVALID_SESSION_ID"):
        list(connector.read_owners())


@pytest.mark.parametrize("share", [0.8, 1.0], ids=["configured-share", "org-limit-403"])
def test_the_daily_budget_stops_cleanly_and_the_next_run_completes(
    org: SalesforceEmulator, make_connector: MakeConnector, share: float
) -> None:
    connector = make_connector(bulk_threshold=1000, batch_size=200, daily_budget_share=share)
    org.state.budget.max = 40
    cursors: Cursors = {}
    first: dict[str, set[str]] = {}
    with pytest.raises(BudgetExhausted):
        read_all(connector, cursors, first)
    if share < 1:
        assert org.state.budget.used < org.state.budget.max  # stopped before the org refused
    assert cursors  # what was read before the stop is saved with its cursor
    org.state.budget.max = 1_000_000  # the next day
    tomorrow = make_connector(bulk_threshold=1000, batch_size=200, daily_budget_share=share)
    second = read_all(tomorrow, cursors)
    union = {s: first.get(s, set()) | second.get(s, set()) for s in expected_counts(org)}
    check_complete(union, org)


def test_locked_rows_are_retried_until_they_land(
    org: SalesforceEmulator, make_connector: MakeConnector
) -> None:
    connector = make_connector(lock_retries=8)
    connector.apply_setup(connector.check_setup(None))
    org.lock_row_rate = 0.2
    refs = people(org, 450)
    updates = [
        FieldUpdate(f"u{i}", r, {"Reengage_Status__c": "dormant"}) for i, r in enumerate(refs)
    ]
    assert {r.status for r in connector.update_fields(updates)} == {WriteStatus.APPLIED}
    created = connector.create_tasks(tasks(refs[:250]))
    assert {r.status for r in created} == {WriteStatus.APPLIED}
    keys = [t.get("Reengage_Task_Key__c") for t in org.state.records("Task")]
    assert sum(1 for k in keys if k) == 250 == len({k for k in keys if k})


def test_locked_rows_that_never_free_are_reported_retriable(
    org: SalesforceEmulator, make_connector: MakeConnector
) -> None:
    connector = make_connector(lock_retries=2)
    connector.apply_setup(connector.check_setup(None))
    org.lock_row_rate = 1.0
    results = connector.update_fields(
        [FieldUpdate("u", people(org, 1)[0], {"Reengage_Status__c": "x"})]
    )
    assert [(r.status, r.error_code, r.retriable) for r in results] == [
        (WriteStatus.FAILED, "UNABLE_TO_LOCK_ROW", True)
    ]


def test_5xx_and_dropped_connections_leave_a_correct_result(
    org: SalesforceEmulator, make_connector: MakeConnector, faults: Faults
) -> None:
    connector = make_connector("client_credentials", bulk_threshold=1000, batch_size=500)
    faults.error_rate = 0.05
    faults.drop_rate = 0.02
    check_complete(read_all(connector, {}), org)
    connector.apply_setup(connector.check_setup(None))
    refs = people(org, 300)
    created = connector.create_tasks(tasks(refs))
    assert {r.status for r in created} == {WriteStatus.APPLIED}
    keys = [t.get("Reengage_Task_Key__c") for t in org.state.records("Task")]
    assert sum(1 for k in keys if k) == 300 == len({k for k in keys if k})
    updates = [FieldUpdate(f"u{i}", r, {"Reengage_Segment__c": "x"}) for i, r in enumerate(refs)]
    assert {r.status for r in connector.update_fields(updates)} == {WriteStatus.APPLIED}
    assert faults.counts.get("server_error", 0) > 0 and faults.counts.get("drop", 0) > 0
