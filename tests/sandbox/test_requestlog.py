"""The emulators' request logs label each request with the object it read or wrote."""

from __future__ import annotations

import pytest

from sandbox.hubspot.requestlog import label
from sandbox.salesforce.requestlog import query_object


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", "/crm/v3/objects/contacts/search", ("contacts", "search")),
        ("POST", "/crm/v3/objects/0-1/batch/update", ("contacts", "batch/update")),
        ("GET", "/crm/v3/objects/deals", ("deals", "read")),
        ("POST", "/crm/v4/associations/emails/contacts/batch/read", ("emails", "associations")),
        ("PUT", "/crm/v3/lists/12/memberships/add", ("lists", "add")),
        ("GET", "/email/public/v1/events", ("email_events", "events")),
        ("GET", "/crm/v3/owners/", ("owners", "owners")),
    ],
)
def test_hubspot_labels(method: str, path: str, expected: tuple[str, str]) -> None:
    assert label(method, path, "") == expected


@pytest.mark.parametrize(
    ("soql", "expected"),
    [
        ("SELECT Id FROM Lead WHERE SystemModstamp > 2026-01-01T00:00:00Z", "Lead"),
        ("select Id, (select Id from Contacts) from Account", "Account"),
        ("SELECT COUNT() FROM Task", "Task"),
    ],
)
def test_salesforce_query_object(soql: str, expected: str) -> None:
    assert query_object(soql) == expected
