"""The HubSpot connector under the contract: the built-in sandbox's HubSpot portal."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
from pydantic import SecretStr

from config.rules import Rules, load_rules
from config.settings import HubSpotSettings, HubSpotTier
from connectors.base import RecordRef, RecordType, load_sandbox
from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.tasks import TASK_KEY_PROPERTY
from connectors.retry import RetryPolicy
from sandbox.dataset import Knobs, generate
from sandbox.faults import is_write
from sandbox.sandbox import Sandbox
from sandbox.seed import SandboxDataset

from ..subject import CAPABILITIES

# test function -> the connector bug it shows (a strict xfail for this subject until fixed)
KNOWN_BUGS: dict[str, str] = {}
FAST_RETRY = RetryPolicy(attempts=10, total_seconds=30.0, initial=0.01, maximum=0.05, jitter=0.01)
UNLIMITED = 1_000_000


class HubSpotSubject:
    name = "hubspot"
    capabilities = frozenset(CAPABILITIES)
    text_field = "reengage_segment"
    empty_reads: frozenset[str] = frozenset()
    needs_setup = True

    def __init__(self, persons: int = 250, seed: int = 3, stranger: int | None = None) -> None:
        self.rules: Rules = load_rules()
        self.persons, self.seed = persons, seed
        self.box: Sandbox = load_sandbox()(
            persons=persons, seed=seed, stranger=stranger, ten_second_limit=1000
        )
        self.emulator = self.box.hubspot
        self.emulator.limiter.search_per_second = 200

    def start(self) -> None:
        # Few marketing emails: the connector asks each one's campaign name in a request.
        knobs = Knobs(marketing_emails_per_week=0.2)

        def world() -> SandboxDataset:
            return generate(self.persons, seed=self.seed, knobs=knobs)

        stranger = self.box.stranger
        self.box.start(stranger.render(world) if stranger is not None else world())

    def stop(self) -> None:
        self.box.stop()

    def connector(self) -> HubSpotConnector:
        settings = HubSpotSettings(
            access_token=SecretStr(self.emulator.token),
            base_url=self.emulator.url,
            rate_limit_tier=HubSpotTier.API_ADDON,
            timeout_seconds=10.0,
        )
        return HubSpotConnector(
            settings,
            self.rules,
            retry_policy=FAST_RETRY,
            burst_penalty=0.05,
            search_penalty=0.05,
            search_per_second=100.0,
            search_margin=timedelta(0),  # the emulator's search indexes at once
        )

    # ----- the platform's side
    def served(self) -> int:
        with self.emulator.state.lock:
            return sum(self.emulator.state.request_counts.values())

    def refuse_after(self, requests: int) -> None:
        limiter = self.emulator.limiter
        limiter.daily_used, limiter.daily_limit = 0, requests

    def refuse_none(self) -> None:
        limiter = self.emulator.limiter
        limiter.daily_used, limiter.daily_limit = 0, UNLIMITED

    def live_records(self, count: int) -> list[RecordRef]:
        live = self.emulator.state.objects("contacts", archived=False)
        ids = sorted(o.id for o in live)[:count]
        assert len(ids) == count, "the world is too small"
        return [RecordRef(RecordType.HUBSPOT_CONTACT, i) for i in ids]

    def absent_record(self) -> RecordRef:
        """A contact id past every contact's (the world's ids have their own ranges)."""
        known = self.emulator.state.objects("contacts")
        return RecordRef(RecordType.HUBSPOT_CONTACT, str(max(int(o.id) for o in known) + 7919))

    def delete(self, ref: RecordRef) -> None:
        answer = httpx.delete(
            f"{self.emulator.url}/crm/v3/objects/contacts/{ref.record_id}",
            headers={"Authorization": f"Bearer {self.emulator.token}"},
            trust_env=False,
        )
        answer.raise_for_status()

    def field_value(self, ref: RecordRef, field: str) -> Any:
        found = self.emulator.state.get_object("contacts", ref.record_id)
        return None if found is None else found.properties.get(field)

    def members(self, list_name: str) -> set[str]:
        return set(self.emulator.state.list_members(self.rules.lists.prefix + list_name))

    def tasks_with_key(self, key: str) -> list[str]:
        tasks = self.emulator.state.objects("tasks", archived=False)
        return [t.id for t in tasks if t.properties.get(TASK_KEY_PROPERTY) == key]

    def setup_made(self) -> Counter[str]:
        state, prefix = self.emulator.state, self.rules.lists.prefix
        with state.lock:
            made = Counter(
                f"{kind}.{name}"
                for kind, known in state.properties.items()
                for name in known
                if name.startswith("reengage_")
            )
            lists = [found.name for found in state.lists.values()]
        made.update(f"list:{name}" for name in lists if name.startswith(prefix))
        return made

    def writes(self) -> int:
        with self.emulator.state.lock:
            counts = dict(self.emulator.state.request_counts)
        return sum(n for key, n in counts.items() if is_write(*key.split(" ", 1)))


SUBJECT = HubSpotSubject
