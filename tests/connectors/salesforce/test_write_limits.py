"""Writes that a documented Salesforce limit would refuse if sent naively.

sObject Collections processes records of several types in chunks of same-type
neighbours, at most 10 a call: Lead and Contact updates in input order (alternating)
would be refused whole. Reengage groups them by type and still answers one result
per input, in input order.
"""

from __future__ import annotations

from connectors.base import FieldUpdate, RecordType, WriteStatus
from connectors.salesforce.collections import grouped_calls
from connectors.salesforce.connector import SalesforceConnector
from sandbox.salesforce import SalesforceEmulator

from .test_writes import people, ready  # noqa: F401  (ready is a fixture)

LEAD, CONTACT = RecordType.SALESFORCE_LEAD, RecordType.SALESFORCE_CONTACT
SOBJECT = {LEAD: "Lead", CONTACT: "Contact"}


def test_interleaved_lead_and_contact_updates_all_land(
    org: SalesforceEmulator,
    ready: SalesforceConnector,  # noqa: F811
) -> None:
    refs = people(org, 12)  # Lead, Contact, Lead, ...: 12 chunks if sent in input order
    assert [r.record_type for r in refs[:4]] == [LEAD, CONTACT, LEAD, CONTACT]
    updates = [
        FieldUpdate(f"k{i}", ref, {"Reengage_Segment__c": f"seg-{i}"}) for i, ref in enumerate(refs)
    ]
    results = ready.update_fields(updates)
    assert [r.key for r in results] == [u.key for u in updates]
    assert {r.status for r in results} == {WriteStatus.APPLIED}
    assert [r.platform_id for r in results] == [ref.record_id for ref in refs]
    for i, ref in enumerate(refs):
        stored = org.state.record(SOBJECT[ref.record_type], ref.record_id)
        assert stored is not None and stored["Reengage_Segment__c"] == f"seg-{i}"


def test_grouped_calls_keep_each_type_in_input_order_within_the_limits() -> None:
    kinds = ["Lead", "Contact"] * 250 + ["lead"]
    calls = grouped_calls(kinds)
    assert sorted(p for call in calls for p in call) == list(range(len(kinds)))
    assert [len(c) for c in calls] == [200, 200, 101]
    leads = [p for call in calls for p in call if kinds[p].lower() == "lead"]
    assert leads == sorted(leads) and calls[0][0] == 0
    many = [f"T{i % 12}" for i in range(24)]  # 12 types, alternating
    calls = grouped_calls(many)
    runs = [len({many[p] for p in call}) for call in calls]
    assert runs == [10, 2] and [len(c) for c in calls] == [20, 4]
    assert grouped_calls([]) == []
