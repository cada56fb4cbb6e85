"""The Salesforce connector under the contract: the built-in sandbox's Salesforce org."""

from __future__ import annotations

import ssl
from collections import Counter
from typing import Any

import httpx
from pydantic import SecretStr

from config.rules import Rules, load_rules
from config.settings import SalesforceSettings
from connectors.base import RecordRef, RecordType, load_sandbox
from connectors.retry import RetryPolicy
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.reader import ReadOptions
from sandbox.sandbox import Sandbox

from ..subject import CAPABILITIES

UNLIMITED = 1_000_000
SOBJECTS = {RecordType.SALESFORCE_LEAD: "Lead", RecordType.SALESFORCE_CONTACT: "Contact"}
TASK_KEY_FIELD = "Reengage_Task_Key__c"


class SalesforceSubject:
    name = "salesforce"
    capabilities = frozenset(CAPABILITIES)
    text_field = "Reengage_Segment__c"
    empty_reads: frozenset[str] = frozenset()
    needs_setup = True

    def __init__(self, persons: int = 600, seed: int = 3, stranger: int | None = None) -> None:
        self.rules: Rules = load_rules()
        self.box: Sandbox = load_sandbox()(persons=persons, seed=seed, stranger=stranger)
        self.org = self.box.salesforce
        self._gone: RecordRef | None = None

    def start(self) -> None:
        self.box.start()

    def stop(self) -> None:
        self.box.stop()

    def connector(self) -> SalesforceConnector:
        settings = SalesforceSettings(
            session_id=SecretStr(self.org.session_id),
            instance_url=self.org.url,
            ca_bundle=self.org.ca_bundle,
        )
        policy = RetryPolicy(attempts=8, total_seconds=60.0, initial=0.01, maximum=0.05)
        client = SalesforceClient(settings, policy=policy)
        # REST pages of 200 (Bulk 2.0 above 10,000 rows): every stream spans pages here
        options = ReadOptions(bulk_threshold=10_000, batch_size=200, bulk_poll_seconds=0.001)
        return SalesforceConnector(settings, self.rules, options, client=client)

    # ----- the platform's side
    def served(self) -> int:
        return sum(self.org.state.request_counts.values())

    def refuse_after(self, requests: int) -> None:
        budget = self.org.state.budget
        budget.used, budget.max = 0, requests

    def refuse_none(self) -> None:
        budget = self.org.state.budget
        budget.used, budget.max = 0, UNLIMITED

    def live_records(self, count: int) -> list[RecordRef]:
        state = self.org.state
        leads = [r["Id"] for r in state.records("Lead") if not r.get("IsConverted")]
        contacts = [r["Id"] for r in state.records("Contact")]
        mixed = [
            RecordRef(record_type, record_id)
            for pair in zip(sorted(leads), sorted(contacts), strict=False)
            for record_type, record_id in zip(SOBJECTS, pair, strict=True)
        ]
        assert len(mixed) >= count, "the world is too small"
        return mixed[:count]

    def absent_record(self) -> RecordRef:
        """A contact deleted through the API (once per world): a well-formed id, no record."""
        if self._gone is None:
            contacts = sorted(r["Id"] for r in self.org.state.records("Contact"))
            self._gone = RecordRef(RecordType.SALESFORCE_CONTACT, contacts[-1])
            self.delete(self._gone)
        return self._gone

    def delete(self, ref: RecordRef) -> None:
        answer = httpx.delete(
            f"{self.org.url}/services/data/v{self.org.api_version}/sobjects/"
            f"{SOBJECTS[ref.record_type]}/{ref.record_id}",
            headers={"Authorization": f"Bearer {self.org.session_id}"},
            verify=ssl.create_default_context(cafile=str(self.org.ca_bundle)),
            trust_env=False,
        )
        answer.raise_for_status()

    def field_value(self, ref: RecordRef, field: str) -> Any:
        found = self.org.state.record(SOBJECTS[ref.record_type], ref.record_id)
        return None if found is None else found.get(field)

    def members(self, list_name: str) -> set[str]:
        state = self.org.state
        name = self.rules.lists.prefix + list_name
        campaigns = {c["Id"] for c in state.records("Campaign") if c["Name"] == name}
        return {
            m.get("LeadId") or m["ContactId"]
            for m in state.records("CampaignMember")
            if m["CampaignId"] in campaigns
        }

    def tasks_with_key(self, key: str) -> list[str]:
        return [t["Id"] for t in self.org.state.records("Task") if t.get(TASK_KEY_FIELD) == key]

    def setup_made(self) -> Counter[str]:
        state, prefix = self.org.state, self.rules.lists.prefix
        made = Counter(
            f"{sobject.name}.{custom.name}"
            for sobject in state.schema.objects.values()
            for custom in sobject.fields.values()
            if custom.name.lower().startswith("reengage_")
        )
        campaigns = (c["Name"] for c in state.records("Campaign"))
        made.update(f"campaign:{name}" for name in campaigns if name.startswith(prefix))
        return made

    def writes(self) -> int:
        return int(self.org.state.write_requests())


SUBJECT = SalesforceSubject
