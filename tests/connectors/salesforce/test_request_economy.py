"""An unchanged increment costs one request per stream: getDeleted at most hourly, field
lists without a describe on every run, and still correct when the org's fields change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.base import Cursor, Page
from connectors.errors import ConfigurationError
from connectors.salesforce.increments import StreamState
from connectors.salesforce.reader import deletions_due
from sandbox.requestlog import request_log
from sandbox.salesforce import SalesforceEmulator
from tests.connectors.salesforce.conftest import MakeConnector

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("since", "due"),
    [
        (None, True),
        ((NOW - timedelta(minutes=59)).isoformat(), False),
        ((NOW - HOUR).isoformat(), True),
        ("not a time", True),
    ],
    ids=["never-asked", "59-minutes", "an-hour", "unreadable"],
)
def test_get_deleted_is_due_hourly(since: str | None, due: bool) -> None:
    state = StreamState(phase="rest", ts=NOW.isoformat(), id="00Q", deleted_since=since)
    assert deletions_due(state, NOW, HOUR) is due


def drain(pages: Iterator[Page[Any]], cursors: dict[str, Cursor]) -> list[Any]:
    items: list[Any] = []
    for page in pages:
        items.extend(page.items)
        cursors[page.cursor.stream] = page.cursor
    return items


def describes(org: SalesforceEmulator) -> list[str]:
    return [e.object for e in request_log(org.state).entries() if e.kind == "describe"]


def test_a_new_process_reads_deals_without_a_describe(
    org: SalesforceEmulator, make_connector: MakeConnector
) -> None:
    cursors: dict[str, Cursor] = {}
    drain(make_connector().read_deals({}), cursors)
    assert "Loss_Reason__c" in cursors["opportunities"].value["fields"]
    request_log(org.state).clear()
    drain(make_connector().read_deals(cursors), cursors)
    assert describes(org) == []


def test_a_remembered_field_the_org_dropped_is_described_and_left_out(
    org: SalesforceEmulator, make_connector: MakeConnector
) -> None:
    cursors: dict[str, Cursor] = {}
    drain(make_connector().read_deals({}), cursors)
    opportunity = org.state.schema.get("Opportunity")
    assert opportunity is not None
    del opportunity.fields["loss_reason__c"]
    request_log(org.state).clear()
    drain(make_connector().read_deals(cursors), cursors)
    assert "Loss_Reason__c" not in cursors["opportunities"].value["fields"]
    assert describes(org) == ["Opportunity"]


def test_a_missing_required_field_is_a_configuration_error_naming_it(
    org: SalesforceEmulator, make_connector: MakeConnector
) -> None:
    lead = org.state.schema.get("Lead")
    assert lead is not None
    del lead.fields["leadsource"]
    with pytest.raises(ConfigurationError, match="LeadSource"):
        drain(make_connector().read_records({}), {})
