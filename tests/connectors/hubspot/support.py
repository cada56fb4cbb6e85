"""Helpers: a generated dataset in the HubSpot emulator, a connector pointed at it over real
HTTP, and draining of pages as the engine does (each page's cursor kept with it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from pydantic import SecretStr

from config.rules import Rules
from config.settings import HubSpotSettings, HubSpotTier
from connectors.base import Cursor, Page
from connectors.hubspot.connector import HubSpotConnector
from connectors.retry import RetryPolicy
from sandbox.dataset import Knobs, generate
from sandbox.hubspot import HubSpotEmulator
from sandbox.seed import SandboxDataset

T = TypeVar("T")
PERSONS = 1000
# Fewer marketing emails than the default calendar: each campaign's name is one request.
KNOBS = Knobs(marketing_emails_per_week=0.5)
FAST_RETRY = RetryPolicy(attempts=10, total_seconds=30.0, initial=0.01, maximum=0.05, jitter=0.01)


def dataset(persons: int = PERSONS, seed: int = 5) -> SandboxDataset:
    return generate(persons, seed=seed, knobs=KNOBS)


def start_emulator(data: SandboxDataset, **options: Any) -> HubSpotEmulator:
    emulator = HubSpotEmulator(**options)
    emulator.load_seed(data.hubspot)
    emulator.start()
    return emulator


def connect(
    emulator: HubSpotEmulator,
    rules: Rules,
    *,
    token: str | None = None,
    tier: HubSpotTier = HubSpotTier.API_ADDON,
    budget_share: float = 0.8,
    **options: Any,
) -> HubSpotConnector:
    settings = HubSpotSettings(
        access_token=SecretStr(token or emulator.token),
        base_url=emulator.url,
        rate_limit_tier=tier,
        budget_share=budget_share,
        timeout_seconds=10.0,
    )
    options.setdefault("retry_policy", FAST_RETRY)
    options.setdefault("burst_penalty", 0.05)
    options.setdefault("search_penalty", 0.05)
    options.setdefault("search_per_second", 5.0)
    # The emulator's search indexes at once unless told otherwise (index_delay).
    options.setdefault("search_margin", timedelta(0))
    return HubSpotConnector(settings, rules, **options)


@dataclass
class Drained:
    """Items read per stream and the last cursor of each."""

    items: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    cursors: dict[str, Cursor] = field(default_factory=dict)

    def all(self) -> list[Any]:
        return [item for items in self.items.values() for item in items]


def drain(pages: Iterator[Page[T]], into: Drained | None = None) -> Drained:
    """Reads every page, keeping the cursor of each as the engine would (with the page)."""
    out = into or Drained()
    for page in pages:
        out.items[page.cursor.stream].extend(page.items)
        out.cursors[page.cursor.stream] = page.cursor
    return out


def read_everything(connector: HubSpotConnector, cursors: dict[str, Cursor]) -> Drained:
    out = Drained()
    drain(connector.read_records(cursors), out)
    drain(connector.read_deals(cursors), out)
    drain(connector.read_activities(cursors), out)
    return out
