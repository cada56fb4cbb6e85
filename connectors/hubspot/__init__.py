"""HubSpot connector (hubspot-api-client).

Reads contacts, engagements and deals; writes lists, properties and tasks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from config.rules import Rules
from config.settings import Settings
from connectors.base import Connector, ConnectorInfo


def factory(
    settings: Settings, rules: Rules, *, clock: Callable[[], datetime] | None = None
) -> Connector:
    """Builds the connector from the whole :class:`config.settings.Settings` and the rules.

    ``clock`` is where the connector reads "now" (the upper bound of increments); a
    sandbox whose world runs ahead of the real clock passes its own.
    """
    from connectors.hubspot.connector import HubSpotConnector

    if clock is None:
        return HubSpotConnector(settings.hubspot, rules)
    return HubSpotConnector(settings.hubspot, rules, clock=clock)


HUBSPOT = ConnectorInfo(
    name="hubspot",
    platform="hubspot",
    description="HubSpot CRM v3 through hubspot-api-client (private-app token)",
    factory=factory,
)
