"""Setup, property updates, list memberships and tasks against the emulator: each lands
exactly once, with per-record results, in the fewest requests the batch sizes allow."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from math import ceil
from typing import Any

import pytest

from config.rules import Rules
from connectors.base import (
    FieldUpdate,
    MembershipChange,
    RecordRef,
    RecordType,
    SetupItem,
    TaskRequest,
    WriteStatus,
)
from connectors.errors import RetriableError
from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.mapping import contact_ref
from connectors.hubspot.tasks import TASK_KEY_PROPERTY
from sandbox.hubspot import HubSpotEmulator
from sandbox.hubspot.catalog import PropertySpec
from sandbox.hubspot.state import ListDef, PropertyDef

from .support import connect, dataset, start_emulator

UPDATE = "POST /crm/v3/objects/{objectType}/batch/update"
CREATE = "POST /crm/v3/objects/{objectType}/batch/create"
ADD = "PUT /crm/v3/lists/{listId}/memberships/add"
REMOVE = "PUT /crm/v3/lists/{listId}/memberships/remove"


@pytest.fixture
def emulator() -> Iterator[HubSpotEmulator]:
    emulator = start_emulator(dataset(600, seed=2), ten_second_limit=250, search_per_second=50)
    yield emulator
    emulator.stop()


@pytest.fixture
def connector(emulator: HubSpotEmulator, rules: Rules) -> Iterator[HubSpotConnector]:
    made = connect(emulator, rules, search_per_second=50)
    yield made
    made.close()


def contact_ids(emulator: HubSpotEmulator, count: int) -> list[str]:
    live = sorted(emulator.state.objects("contacts", archived=False), key=lambda o: int(o.id))
    assert len(live) >= count
    return [o.id for o in live[:count]]


def statuses(items: list[Any]) -> set[WriteStatus]:
    return {r.status for r in items}


def task(key: str, contact: str, **over: Any) -> TaskRequest:
    values: dict[str, Any] = {
        "idempotency_key": key,
        "record": contact_ref(contact),
        "owner_id": None,
        "subject": f"Call {contact}",
        "body": "clicked Spring news on 2026-11-20",
        "due": date(2026, 11, 26),
        "priority": "HIGH",
    }
    values.update(over)
    return TaskRequest(**values)


def test_setup_creates_what_is_missing_and_reports_what_is_wrong(
    emulator: HubSpotEmulator, connector: HubSpotConnector, rules: Rules
) -> None:
    state = emulator.state
    with state.lock:  # an admin's own property and list under reengage's names
        spec = PropertySpec("reengage_score", "string", "text", "contactinformation")
        state.properties["contacts"]["reengage_score"] = PropertyDef(spec, state.clock())
        now = state.clock()
        state.lists["900"] = ListDef("900", "Reengage: sunset", "0-1", "DYNAMIC", now, now)
    before = connector.check_setup(rules)
    by_name = {i.name: i for i in before}
    assert by_name["contacts.reengage_score"].status == "wrong"
    assert by_name["Reengage: sunset"].status == "wrong"
    assert by_name["contacts.reengage_status"].status == "missing"
    assert by_name["tasks.reengage_task_key"].status == "missing"
    applied = connector.apply_setup(before)
    assert {i.status for i in applied} <= {"created", "wrong", "ok"}
    after = {i.name: i.status for i in connector.check_setup(rules)}
    assert after.pop("contacts.reengage_score") == "wrong"
    assert after.pop("Reengage: sunset") == "wrong"
    assert set(after.values()) == {"ok"}
    score, holdout = (
        state.property_def("contacts", n) for n in ("reengage_score", "reengage_holdout")
    )
    sunset_list = state.list_by_name("Reengage: sunset")
    assert score is not None and score.spec.type == "string"  # untouched
    assert holdout is not None and holdout.spec.type == "bool"
    assert sunset_list is not None and sunset_list.processing_type == "DYNAMIC"


def ready(connector: HubSpotConnector, rules: Rules) -> None:
    missing = [i for i in connector.check_setup(rules) if i.status == "missing"]
    assert {i.status for i in connector.apply_setup(missing)} == {"created"}


def test_writes_land_once_in_the_fewest_requests(
    emulator: HubSpotEmulator, connector: HubSpotConnector, rules: Rules
) -> None:
    ready(connector, rules)
    state = emulator.state
    ids = contact_ids(emulator, 300)
    state.reset_counts()

    updates = [
        FieldUpdate(
            f"f{cid}", contact_ref(cid), {"reengage_status": "dormant", "reengage_score": 12.5}
        )
        for cid in ids[:250]
    ]
    assert statuses(connector.update_fields(updates)) == {WriteStatus.APPLIED}
    dormant = [MembershipChange(f"m{cid}", "dormant_90_180d", contact_ref(cid)) for cid in ids]
    sunset = [MembershipChange(f"s{cid}", "sunset", contact_ref(cid)) for cid in ids[:20]]
    assert statuses(connector.add_members(dormant + sunset)) == {WriteStatus.APPLIED}
    tasks = [task(f"k-{cid}", cid) for cid in ids[:150]]
    created = connector.create_tasks(tasks)
    assert statuses(created) == {WriteStatus.APPLIED}

    counts = state.request_counts
    assert counts[UPDATE] == ceil(250 / 100)
    assert counts[ADD] == ceil(300 / 250) + 1
    assert counts[CREATE] == ceil(150 / 100)
    written = state.get_object("contacts", ids[0])
    assert written is not None and written.properties["reengage_score"] == "12.5"
    assert state.list_members("Reengage: dormant_90_180d") == set(ids)
    assert state.list_members("Reengage: sunset") == set(ids[:20])
    keyed = [t for t in state.objects("tasks") if t.properties.get(TASK_KEY_PROPERTY)]
    assert len(keyed) == 150 and len({t.properties[TASK_KEY_PROPERTY] for t in keyed}) == 150
    first = next(t for t in keyed if t.properties[TASK_KEY_PROPERTY] == f"k-{ids[0]}")
    assert first.properties["hs_task_type"] == "CALL"
    assert first.properties["hs_task_priority"] == "HIGH"
    assert state.associated("tasks", first.id, "contacts") == [ids[0]]
    found = connector.find_tasks([t.idempotency_key for t in tasks] + ["never-made"])
    assert found == {r.key: r.platform_id for r in created}

    again = connector.add_members(sunset)
    assert statuses(again) == {WriteStatus.SKIPPED}
    removed = connector.remove_members(sunset[:10])
    assert statuses(removed) == {WriteStatus.APPLIED}
    assert state.list_members("Reengage: sunset") == set(ids[10:20])
    assert counts[REMOVE] == 1


def test_each_refused_field_update_gets_hubspots_error_code(
    emulator: HubSpotEmulator, connector: HubSpotConnector, rules: Rules
) -> None:
    ready(connector, rules)
    good, other = contact_ids(emulator, 2)
    updates = [
        FieldUpdate("ok", contact_ref(good), {"reengage_segment": "lost_deal"}),
        FieldUpdate("absent", contact_ref("987654321"), {"reengage_segment": "x"}),
        FieldUpdate("bad-number", contact_ref(other), {"reengage_dormant_days": "many"}),
        FieldUpdate("lead", RecordRef(RecordType.SALESFORCE_LEAD, "00Q1"), {"a": 1}),
    ]
    results = connector.update_fields(updates)
    assert [r.key for r in results] == ["ok", "absent", "bad-number", "lead"]
    assert [r.status for r in results] == [WriteStatus.APPLIED] + [WriteStatus.FAILED] * 3
    assert [r.error_code for r in results[1:]] == [
        "OBJECT_NOT_FOUND",
        "VALIDATION_ERROR",
        "NOT_A_HUBSPOT_CONTACT",
    ]


def test_a_task_batch_whose_answer_is_lost_is_not_created_twice(
    emulator: HubSpotEmulator, connector: HubSpotConnector, rules: Rules
) -> None:
    ready(connector, rules)
    ids = contact_ids(emulator, 5)
    client = connector.client
    real_call = client.call
    lost: list[Any] = []

    def call(api: str, method: str, *args: Any, **kwargs: Any) -> Any:
        answer = real_call(api, method, *args, **kwargs)
        if method == "create" and not lost:  # it landed, but the answer never arrives
            lost.append(answer)
            raise RetriableError("connection reset", platform="hubspot")
        return answer

    client.call = call  # type: ignore[method-assign]
    results = connector.create_tasks([task(f"once-{cid}", cid) for cid in ids])
    assert {r.status for r in results} == {WriteStatus.SKIPPED}
    assert all(r.platform_id for r in results)
    keys = [t.properties.get(TASK_KEY_PROPERTY) for t in emulator.state.objects("tasks")]
    assert sorted(k for k in keys if k) == sorted(f"once-{cid}" for cid in ids)


def test_setup_items_for_a_missing_scope_say_what_an_admin_must_do(
    emulator: HubSpotEmulator, connector: HubSpotConnector, rules: Rules
) -> None:
    missing = [i for i in connector.check_setup(rules) if i.kind == "list"]
    emulator.missing_scopes.add("lists")
    items = connector.apply_setup([SetupItem(i.kind, i.name, "missing") for i in missing])
    assert {i.status for i in items} == {"manual"}
    assert "crm.lists" in items[0].instructions and "MANUAL" in items[0].instructions
