"""Drives every served endpoint through hubspot-api-client with client-side validation on,
so that an answer the SDK's generated models would refuse fails here."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sandbox.hubspot import HubSpotEmulator


def _task_input(key: str, contact_id: str = "1") -> dict[str, Any]:
    return {
        "properties": {
            "hs_task_subject": "Call back",
            "hs_timestamp": "1706745600000",
            "reengage_key": key,
        },
        "associations": [
            {
                "to": {"id": contact_id},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 204}],
            }
        ],
        "objectWriteTraceId": key,
    }


def test_objects_list_get_and_merged_redirect(client: Any) -> None:
    page = client.crm.contacts.basic_api.get_page(
        limit=5, properties=["email"], associations=["tasks"]
    )
    assert [r.id for r in page.results] == ["1", "2", "3", "4", "5"]
    assert page.paging.next.after == "6"
    assert {a.id for a in page.results[0].associations["tasks"].results} == {"1001", "1002"}
    merged = client.crm.contacts.basic_api.get_by_id("999")
    assert merged.id == "2"
    generic = client.crm.objects.basic_api.get_by_id(
        "tasks", "1001", properties=["hs_task_subject"]
    )
    assert generic.properties["hs_task_subject"] == "Task 1001"


def test_single_create_update_archive(client: Any, emulator: HubSpotEmulator) -> None:
    api = client.crm.objects.basic_api
    created = api.create(
        "notes", {"properties": {"hs_timestamp": "2024-03-01T00:00:00Z", "hs_note_body": "hi"}}
    )
    updated = api.update("notes", created.id, {"properties": {"hs_note_body": "bye"}})
    assert updated.properties["hs_note_body"] == "bye"
    api.archive("notes", created.id)
    stored = emulator.state.get_object("notes", created.id)
    assert stored is not None and stored.archived


def test_batch_create_with_associations_then_read_update_archive(
    client: Any, emulator: HubSpotEmulator
) -> None:
    tasks = client.crm.objects.tasks.batch_api
    client.crm.properties.core_api.create(
        "tasks",
        {
            "name": "reengage_key",
            "label": "Key",
            "type": "string",
            "fieldType": "text",
            "groupName": "task",
        },
    )
    made = tasks.create({"inputs": [_task_input("k1"), _task_input("k2")]})
    assert {r.object_write_trace_id for r in made.results} == {"k1", "k2"}
    ids = [r.id for r in made.results]
    assert set(emulator.state.associated("contacts", "1", "tasks")) >= set(ids)
    read = tasks.read({"inputs": [{"id": i} for i in ids], "properties": ["reengage_key"]})
    assert sorted(r.properties["reengage_key"] for r in read.results) == ["k1", "k2"]
    before = emulator.state.get_object("tasks", ids[0]).properties["hs_lastmodifieddate"]  # type: ignore[union-attr]
    tasks.update({"inputs": [{"id": ids[0], "properties": {"hs_task_status": "COMPLETED"}}]})
    after = emulator.state.get_object("tasks", ids[0]).properties  # type: ignore[union-attr]
    assert after["hs_task_status"] == "COMPLETED" and after["hs_lastmodifieddate"] >= before
    tasks.archive({"inputs": [{"id": ids[1]}]})
    assert emulator.state.get_object("tasks", ids[1]).archived  # type: ignore[union-attr]


def test_search_by_custom_property_and_modification_window(client: Any) -> None:
    client.crm.properties.core_api.create(
        "tasks",
        {
            "name": "reengage_key",
            "label": "Key",
            "type": "string",
            "fieldType": "text",
            "groupName": "task",
        },
    )
    client.crm.objects.tasks.basic_api.create(_task_input("abc"))
    found = client.crm.objects.tasks.search_api.do_search(
        {
            "filterGroups": [
                {"filters": [{"propertyName": "reengage_key", "operator": "EQ", "value": "abc"}]}
            ],
            "properties": ["reengage_key"],
        }
    )
    assert found.total == 1 and found.results[0].properties["reengage_key"] == "abc"
    window = client.crm.contacts.search_api.do_search(
        {
            "filterGroups": [
                {
                    "filters": [
                        {
                            "propertyName": "lastmodifieddate",
                            "operator": "GTE",
                            "value": "2024-01-01T05:00:00Z",
                        },
                        {
                            "propertyName": "lastmodifieddate",
                            "operator": "LT",
                            "value": "1704103200000",
                        },
                    ]
                }
            ],
            "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
            "limit": 2,
        }
    )
    assert window.total == 5 and [r.id for r in window.results] == ["5", "6"]
    assert window.paging.next.after == "2"


def test_associations_v4(client: Any) -> None:
    v4 = client.crm.associations.v4
    page = v4.basic_api.get_page("contacts", "1", "tasks")
    assert {r.to_object_id for r in page.results} == {"1001", "1002"}
    assert page.results[0].association_types[0].type_id == 203
    v4.basic_api.create_default("tasks", "1001", "contacts", "3")
    v4.batch_api.create_default(
        "tasks", "contacts", {"inputs": [{"from": {"id": "1002"}, "to": {"id": "4"}}]}
    )
    batch = v4.batch_api.get_page("tasks", "contacts", {"inputs": [{"id": "1001"}, {"id": "1002"}]})
    linked = {r._from.id: {t.to_object_id for t in r.to} for r in batch.results}
    assert linked == {"1001": {"1", "3"}, "1002": {"1", "4"}}


def test_properties_and_groups(client: Any) -> None:
    core, groups = client.crm.properties.core_api, client.crm.properties.groups_api
    names = {p.name: p.type for p in core.get_all("contacts").results}
    assert names["lastmodifieddate"] == "datetime" and names["email"] == "string"
    groups.create("contacts", {"name": "reengage", "label": "reengage"})
    assert "reengage" in {g.name for g in groups.get_all("contacts").results}
    created = core.create(
        "contacts",
        {
            "name": "reengage_segment",
            "label": "Segment",
            "type": "enumeration",
            "fieldType": "select",
            "groupName": "reengage",
            "options": [{"label": "Dormant", "value": "dormant", "hidden": False}],
        },
    )
    assert created.options[0].value == "dormant"
    assert core.get_by_name("contacts", "reengage_segment").group_name == "reengage"


def test_lists_v3(client: Any, emulator: HubSpotEmulator) -> None:
    lists, members = client.crm.lists.lists_api, client.crm.lists.memberships_api
    made = lists.create(
        {"name": "Dormant leads", "objectTypeId": "0-1", "processingType": "MANUAL"}
    )
    list_id = made.list.list_id
    assert lists.get_by_name("dormant leads", "0-1").list.list_id == list_id
    assert lists.get_by_id(list_id).list.processing_type == "MANUAL"
    added = members.add(list_id, ["1", "2", "3", "424242"])
    assert added.records_ids_added == ["1", "2", "3"] and added.record_ids_missing == ["424242"]
    removed = members.remove(list_id, ["2"])
    assert removed.record_ids_removed == ["2"]
    members.add_and_remove(list_id, {"recordIdsToAdd": ["4"], "recordIdsToRemove": ["1"]})
    first = members.get_page(list_id, limit=1)
    second = members.get_page(list_id, limit=1, after=first.paging.next.after)
    assert [first.results[0].record_id, second.results[0].record_id] == ["3", "4"]
    assert emulator.state.list_members("Dormant leads") == {"3", "4"}


def test_owners_events_and_usage(client: Any, emulator: HubSpotEmulator) -> None:
    active = client.crm.owners.owners_api.get_page()
    inactive = client.crm.owners.owners_api.get_page(archived=True)
    assert [o.id for o in active.results] == ["11"] and [o.id for o in inactive.results] == ["12"]
    events = client.events.events_api.get_page(object_type="contact", object_id="1", limit=2)
    assert len(events.results) == 2 and events.paging.next.after
    rest = client.events.events_api.get_page(
        object_type="contact", object_id="1", after=events.paging.next.after
    )
    assert len(rest.results) == 1
    usage = httpx.get(
        f"{emulator.url}/account-info/v3/api-usage/daily/private-apps",
        headers={"Authorization": f"Bearer {emulator.token}"},
    ).json()["results"][0]
    assert usage["name"] == "private-apps-api-calls-daily" and usage["currentUsage"] >= 3


def test_email_events_pages_newest_first(emulator: HubSpotEmulator) -> None:
    auth = {"Authorization": f"Bearer {emulator.token}"}
    first = httpx.get(
        f"{emulator.url}/email/public/v1/events", params={"limit": 3}, headers=auth
    ).json()
    assert [e["id"] for e in first["events"]] == ["e4", "e3", "e2"] and first["hasMore"]
    assert first["events"][2]["filteredEvent"] is True
    rest = httpx.get(
        f"{emulator.url}/email/public/v1/events", params={"offset": first["offset"]}, headers=auth
    ).json()
    assert [e["id"] for e in rest["events"]] == ["e1", "e0"] and not rest["hasMore"]
    opens = httpx.get(
        f"{emulator.url}/email/public/v1/events", params={"eventType": "OPEN"}, headers=auth
    ).json()
    assert [e["type"] for e in opens["events"]] == ["OPEN", "OPEN"]


def test_request_counts_keyed_by_route_template(client: Any, emulator: HubSpotEmulator) -> None:
    client.crm.objects.batch_api.update(
        "contacts", {"inputs": [{"id": "1", "properties": {"firstname": "X"}}]}
    )
    client.crm.contacts.basic_api.get_page()
    assert emulator.state.request_counts["POST /crm/v3/objects/{objectType}/batch/update"] == 1
    assert emulator.state.write_requests() == {"POST /crm/v3/objects/{objectType}/batch/update": 1}


@pytest.mark.parametrize("archived", [False, True], ids=["live", "archived"])
def test_paging_returns_each_contact_once(client: Any, archived: bool) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = client.crm.contacts.basic_api.get_page(limit=4, after=after, archived=archived)
        seen.extend(r.id for r in page.results)
        if page.paging is None:
            break
        after = page.paging.next.after
    expected = [str(i) for i in (range(23, 26) if archived else range(1, 23))]
    assert seen == expected


def test_email_events_leave_out_bot_filtered_events_when_asked(emulator: HubSpotEmulator) -> None:
    """``excludeFilteredEvents=true`` drops events HubSpot flagged as filtered (default: kept)."""
    auth = {"Authorization": f"Bearer {emulator.token}"}
    url = f"{emulator.url}/email/public/v1/events"
    kept = httpx.get(url, params={"excludeFilteredEvents": "false"}, headers=auth).json()
    dropped = httpx.get(url, params={"excludeFilteredEvents": "true"}, headers=auth).json()
    assert any(e["filteredEvent"] for e in kept["events"])
    assert [e["id"] for e in dropped["events"]] == [
        e["id"] for e in kept["events"] if not e["filteredEvent"]
    ]
