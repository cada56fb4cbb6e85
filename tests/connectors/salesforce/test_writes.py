"""Write-back against the emulator: exactly once, per-record results, fewest requests."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from config.rules import Lists, Rules
from connectors.base import (
    FieldUpdate,
    MembershipChange,
    RecordRef,
    RecordType,
    TaskRequest,
    WriteStatus,
)
from connectors.salesforce.connector import SalesforceConnector
from sandbox.salesforce import SalesforceEmulator
from sandbox.salesforce.soql_parser import BoolOp, InList, parse

from .conftest import MakeConnector

LEAD, CONTACT = RecordType.SALESFORCE_LEAD, RecordType.SALESFORCE_CONTACT
HOSTILE = "Reengage' OR Name != '"


def people(org: SalesforceEmulator, n: int) -> list[RecordRef]:
    leads = [RecordRef(LEAD, r["Id"]) for r in org.state.records("Lead") if not r["IsConverted"]]
    contacts = [RecordRef(CONTACT, r["Id"]) for r in org.state.records("Contact")]
    mixed = [ref for pair in zip(leads, contacts, strict=False) for ref in pair]
    assert len(mixed) >= n
    return mixed[:n]


def writes(org: SalesforceEmulator) -> dict[str, int]:
    return {f"{m} {t.rsplit('/', 1)[-1]}": n for (m, t), n in org.state.write_counts.items()}


@pytest.fixture
def ready(org: SalesforceEmulator, make_connector: MakeConnector) -> SalesforceConnector:
    connector = make_connector()
    connector.apply_setup(connector.check_setup(None))
    org.state.reset_counts()
    return connector


def test_field_updates_land_once_in_the_fewest_requests(
    org: SalesforceEmulator, ready: SalesforceConnector
) -> None:
    refs = people(org, 450)
    updates = [
        FieldUpdate(f"u{i}", ref, {"Reengage_Status__c": "dormant", "Reengage_Score__c": 12.5})
        for i, ref in enumerate(refs)
    ]
    results = ready.update_fields(updates)
    assert [r.key for r in results] == [u.key for u in updates]
    assert {r.status for r in results} == {WriteStatus.APPLIED}
    assert writes(org) == {"PATCH sobjects": 3}  # ceil(450 / 200)
    sobject = {LEAD: "Lead", CONTACT: "Contact"}
    for ref in refs:
        stored = org.state.record(sobject[ref.record_type], ref.record_id)
        assert stored is not None and stored["Reengage_Status__c"] == "dormant"


def test_one_bad_record_does_not_sink_its_batch(
    org: SalesforceEmulator, ready: SalesforceConnector
) -> None:
    good, gone = people(org, 2)
    ready.client.sf.restful(f"sobjects/Contact/{gone.record_id}", method="DELETE")
    results = ready.update_fields(
        [
            FieldUpdate("good", good, {"Reengage_Segment__c": "thin_touch"}),
            FieldUpdate("gone", gone, {"Reengage_Segment__c": "thin_touch"}),
            FieldUpdate("bad-field", good, {"Name, Id": "x"}),
        ]
    )
    assert [(r.key, r.status, r.error_code) for r in results] == [
        ("good", WriteStatus.APPLIED, None),
        ("gone", WriteStatus.FAILED, "ENTITY_IS_DELETED"),
        ("bad-field", WriteStatus.FAILED, "INVALID_FIELD"),
    ]


def changes(refs: list[RecordRef], lists: tuple[str, ...]) -> list[MembershipChange]:
    return [MembershipChange(f"m{i}", lists[i % len(lists)], ref) for i, ref in enumerate(refs)]


def test_membership_lands_once_and_a_rerun_writes_nothing(
    org: SalesforceEmulator, ready: SalesforceConnector
) -> None:
    adds = changes(people(org, 250), ("dormant_90_180d", "thin_touch"))
    first = ready.add_members(adds)
    assert {r.status for r in first} == {WriteStatus.APPLIED}
    # setup made the campaigns: ceil(250 / 200) POSTs of members
    assert writes(org) == {"POST sobjects": 2}
    names = {c["Name"] for c in org.state.records("Campaign")}
    assert {"Reengage: dormant_90_180d", "Reengage: thin_touch"} <= names
    org.state.reset_counts()
    again = ready.add_members(adds)
    assert {r.status for r in again} == {WriteStatus.SKIPPED}
    assert [r.platform_id for r in again] == [r.platform_id for r in first]
    assert writes(org) == {}

    gone = ready.remove_members(adds[:60])
    assert {r.status for r in gone} == {WriteStatus.APPLIED}
    assert writes(org) == {"DELETE sobjects": 1}
    org.state.reset_counts()
    assert {r.status for r in ready.remove_members(adds[:60])} == {WriteStatus.SKIPPED}
    assert writes(org) == {}
    live = [
        m for m in org.state.records("CampaignMember") if m["Id"] in {r.platform_id for r in first}
    ]
    assert len(live) == 250 - 60


def tasks(refs: list[RecordRef], owner: str | None = None) -> list[TaskRequest]:
    return [
        TaskRequest(
            f"task-{i}-ep1",
            ref,
            owner,
            "Call: re-engage",
            "Clicked Nov newsletter",
            date(2026, 11, 27),
            "HIGH" if i % 2 else "NORMAL",
        )
        for i, ref in enumerate(refs)
    ]


def test_tasks_are_created_once_with_their_key(
    org: SalesforceEmulator, ready: SalesforceConnector
) -> None:
    requested = tasks(people(org, 300))
    first = ready.create_tasks(requested)
    assert {r.status for r in first} == {WriteStatus.APPLIED}
    assert writes(org) == {"POST sobjects": 2}
    made = [t for t in org.state.records("Task") if t.get("Reengage_Task_Key__c")]
    assert len(made) == 300
    sample = next(t for t in made if t["Reengage_Task_Key__c"] == "task-1-ep1")
    assert (sample["TaskSubtype"], sample["Priority"], sample["ActivityDate"]) == (
        "Call",
        "High",
        date(2026, 11, 27),
    )
    org.state.reset_counts()
    again = ready.create_tasks(requested)
    assert {r.status for r in again} == {WriteStatus.SKIPPED}
    assert [r.platform_id for r in again] == [r.platform_id for r in first]
    assert writes(org) == {}
    assert ready.find_tasks(["task-7-ep1", "nope"]) == {"task-7-ep1": first[7].platform_id}


def test_a_task_for_an_inactive_owner_fails_alone(
    org: SalesforceEmulator, ready: SalesforceConnector
) -> None:
    inactive = next(u["Id"] for u in org.state.records("User") if not u["IsActive"])
    requested = tasks(people(org, 2))
    requested[1] = tasks(people(org, 2), owner=inactive)[1]
    results = ready.create_tasks(requested)
    assert [(r.status, r.error_code) for r in results] == [
        (WriteStatus.APPLIED, None),
        (WriteStatus.FAILED, "INACTIVE_OWNER_OR_USER"),
    ]


def received_queries(connector: SalesforceConnector) -> list[str]:
    seen: list[str] = []

    def hook(response: Any, *args: Any, **kwargs: Any) -> None:
        query = parse_qs(urlsplit(response.request.url).query).get("q")
        if query:
            seen.extend(query)

    connector.client.http.hooks["response"].append(hook)
    return seen


def test_hostile_values_in_configuration_and_data_cannot_alter_a_query(
    org: SalesforceEmulator, make_connector: MakeConnector, rules: Rules
) -> None:
    hostile_rules = rules.model_copy(update={"lists": Lists(prefix=HOSTILE)})
    connector = make_connector(rules_=hostile_rules)
    connector.apply_setup(connector.check_setup(None))
    queries = received_queries(connector)
    refs = people(org, 4)
    adds = changes(refs, ("sunset", "x\\' OR Id != null OR Name = \\'"))
    assert {r.status for r in connector.add_members(adds)} == {WriteStatus.APPLIED}
    assert {r.status for r in connector.add_members(adds)} == {WriteStatus.SKIPPED}
    created = sorted(
        c["Name"] for c in org.state.records("Campaign") if c["Name"].startswith(HOSTILE)
    )
    wanted = [*hostile_rules.list_names(), HOSTILE + "x\\' OR Id != null OR Name = \\'"]
    assert created == sorted(wanted)  # each found again by its exact name, never made twice
    lookups = [parse(q).where for q in queries if " FROM Campaign " in q]
    assert lookups and all(isinstance(w, InList) and w.path == "Name" for w in lookups)
    asked = {lit.value for w in lookups if isinstance(w, InList) for lit in w.literals}
    assert asked <= set(created) and HOSTILE + "x\\' OR Id != null OR Name = \\'" in asked
    members = [parse(q).where for q in queries if " FROM CampaignMember " in q]
    assert all(isinstance(w, BoolOp) and w.op == "AND" for w in members)

    connector.create_tasks(tasks(refs))
    assert connector.find_tasks(["x' OR Id != '", "task-0-ep1\\"]) == {}
    assert len(connector.find_tasks(["task-0-ep1", "task-3-ep1"])) == 2


def test_large_field_updates_go_through_bulk_ingest_with_per_record_results(
    org: SalesforceEmulator, make_connector: MakeConnector
) -> None:
    connector = make_connector(bulk_write_threshold=100, lock_retries=8)
    connector.apply_setup(connector.check_setup(None))
    refs = people(org, 450)
    connector.client.sf.restful(f"sobjects/Lead/{refs[0].record_id}", method="DELETE")
    org.state.reset_counts()
    org.lock_row_rate = 0.1
    updates = [
        FieldUpdate(f"u{i}", ref, {"Reengage_Status__c": "dormant", "Reengage_Holdout__c": True,
                                   "Reengage_Last_Touch__c": None})
        for i, ref in enumerate(refs)
    ]  # fmt: skip
    results = connector.update_fields(updates)
    assert [r.key for r in results] == [u.key for u in updates]
    assert (results[0].status, results[0].error_code) == (WriteStatus.FAILED, "ENTITY_IS_DELETED")
    assert [r for r in results[1:] if r.status != WriteStatus.APPLIED] == []
    counts = writes(org)
    assert counts["POST ingest"] == 2 and counts["PUT batches"] == 2  # one job per object
    assert counts.get("PATCH sobjects", 0) >= 1  # locked rows went again through Collections
    stored = org.state.record("Contact", refs[1].record_id)
    assert stored is not None and stored["Reengage_Holdout__c"] is True
