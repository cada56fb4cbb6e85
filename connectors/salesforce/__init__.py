"""Salesforce connector (simple-salesforce).

Reads leads, contacts, opportunities and activities; writes fields, campaign
members and tasks. ``SALESFORCE.factory(settings, rules)`` builds the connector.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from config.rules import Rules
from config.settings import Settings
from connectors.base import Connector, ConnectorInfo
from connectors.salesforce.ids import id_forms


def factory(
    settings: Settings, rules: Rules, *, clock: Callable[[], datetime] | None = None
) -> Connector:
    """The connector for ``settings.salesforce`` (imported late: listing connectors stays cheap).

    ``clock`` is where the connector reads "now" (the end of getDeleted windows); a
    sandbox whose world runs ahead of the real clock passes its own.
    """
    from connectors.salesforce.connector import SalesforceConnector
    from connectors.salesforce.reader import ReadOptions

    options = ReadOptions() if clock is None else ReadOptions(clock=clock)
    return SalesforceConnector(settings.salesforce, rules, options)


SALESFORCE = ConnectorInfo(
    name="salesforce",
    platform="salesforce",
    description="Salesforce REST, Bulk API 2.0 and sObject Collections through simple-salesforce",
    factory=factory,
    id_forms=id_forms,
)
