"""An in-memory HubSpot over real HTTP, for the SDK to run against unchanged (SPEC §8).

Start it with :class:`HubSpotEmulator`; read back what clients wrote through
:class:`HubSpotState`.
"""

from __future__ import annotations

from sandbox.hubspot.emulator import HubSpotEmulator
from sandbox.hubspot.state import HubSpotState

__all__ = ["HubSpotEmulator", "HubSpotState"]
