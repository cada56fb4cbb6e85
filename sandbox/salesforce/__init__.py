"""An in-memory Salesforce org served over HTTPS, for the connector, demo and benchmarks."""

from __future__ import annotations

from sandbox.salesforce.emulator import SalesforceEmulator
from sandbox.salesforce.state import Knobs, SalesforceState

__all__ = ["Knobs", "SalesforceEmulator", "SalesforceState"]
