"""HubSpot connector (hubspot-api-client).

Reads contacts, engagements and deals; writes lists, properties and tasks.
"""

from __future__ import annotations

from connectors.base import ConnectorInfo

HUBSPOT = ConnectorInfo(
    name="hubspot",
    platform="hubspot",
    description="HubSpot CRM v3 through hubspot-api-client (private-app token)",
)
