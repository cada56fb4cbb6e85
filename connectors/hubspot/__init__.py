"""HubSpot connector (hubspot-api-client).

Reads contacts, engagements and deals; writes lists, properties and tasks.
"""

from __future__ import annotations

from typing import Any

from connectors.base import ConnectorInfo


def factory(settings: Any, rules: Any) -> Any:
    """Builds the connector from the whole :class:`config.settings.Settings` and the rules."""
    from connectors.hubspot.connector import HubSpotConnector

    return HubSpotConnector(settings.hubspot, rules)


HUBSPOT = ConnectorInfo(
    name="hubspot",
    platform="hubspot",
    description="HubSpot CRM v3 through hubspot-api-client (private-app token)",
    factory=factory,
)
