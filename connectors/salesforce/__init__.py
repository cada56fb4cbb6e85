"""Salesforce connector (simple-salesforce).

Reads leads, contacts, opportunities and activities; writes fields, campaign
members and tasks.
"""

from __future__ import annotations

from connectors.base import ConnectorInfo

SALESFORCE = ConnectorInfo(
    name="salesforce",
    platform="salesforce",
    description="Salesforce REST, Bulk API 2.0 and sObject Collections through simple-salesforce",
)
