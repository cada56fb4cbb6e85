"""Salesforce connector (simple-salesforce).

Reads leads, contacts, opportunities and activities; writes fields, campaign
members and tasks. ``SALESFORCE.factory(settings, rules)`` builds the connector.
"""

from __future__ import annotations

from typing import Any

from connectors.base import ConnectorInfo


def factory(settings: Any, rules: Any) -> Any:
    """The connector for ``settings.salesforce`` (imported late: listing connectors stays cheap)."""
    from connectors.salesforce.connector import SalesforceConnector

    return SalesforceConnector(settings.salesforce, rules)


SALESFORCE = ConnectorInfo(
    name="salesforce",
    platform="salesforce",
    description="Salesforce REST, Bulk API 2.0 and sObject Collections through simple-salesforce",
    factory=factory,
)
