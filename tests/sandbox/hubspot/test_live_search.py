"""Search as a live result set (offsets shift when records change), its indexing delay,
one-instant keyset reads, the request log, and deleted engagements in the archived list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sandbox.hubspot import HubSpotEmulator

from .conftest import T0, ms


def _window(client: Any, after: str, limit: int = 5) -> Any:
    return client.crm.contacts.search_api.do_search(
        {
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": "lastmodifieddate", "operator": "GTE", "value": ms(T0)},
                        {
                            "propertyName": "lastmodifieddate",
                            "operator": "LT",
                            "value": ms(T0 + timedelta(days=1)),
                        },
                    ]
                }
            ],
            "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
            "limit": limit,
            "after": after,
        }
    )


def test_an_offset_shifts_when_a_record_of_an_earlier_page_changes(
    client: Any, emulator: HubSpotEmulator
) -> None:
    first = _window(client, "0")
    assert [r.id for r in first.results] == ["1", "2", "3", "4", "5"]
    state = emulator.state
    with state.lock:
        state.table("contacts").touch(state.table("contacts").records["2"], T0 + timedelta(days=2))
    second = _window(client, first.paging.next.after)
    assert [r.id for r in second.results] == ["7", "8", "9", "10", "11"]  # 6 is never read


def test_a_new_or_updated_record_is_searchable_only_after_the_indexing_delay(
    client: Any, emulator: HubSpotEmulator
) -> None:
    state = emulator.state
    state.clock = lambda: T0 + timedelta(hours=3)
    state.index_delay_ms = 2 * 3600 * 1000
    assert [r.id for r in _window(client, "0").results] == ["1"]  # 2 and 3 are too recent
    state.clock = lambda: T0 + timedelta(days=5)
    assert _window(client, "0").total == 22


def test_one_instant_is_read_by_id_in_keyset_pages(client: Any, emulator: HubSpotEmulator) -> None:
    state = emulator.state
    with state.lock:
        table = state.table("contacts")
        for i in ("3", "9", "4", "12"):
            table.touch(table.records[i], T0 + timedelta(days=3))
    instant = ms(T0 + timedelta(days=3))
    found = client.crm.contacts.search_api.do_search(
        {
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": "lastmodifieddate", "operator": "GTE", "value": instant},
                        {
                            "propertyName": "lastmodifieddate",
                            "operator": "LT",
                            "value": str(int(instant) + 1),
                        },
                        {"propertyName": "hs_object_id", "operator": "GT", "value": "3"},
                    ]
                }
            ],
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
            "limit": 2,
        }
    )
    assert (found.total, [r.id for r in found.results]) == (3, ["4", "9"])


def test_the_request_log_names_each_request(client: Any, emulator: HubSpotEmulator) -> None:
    emulator.state.reset_counts()
    client.crm.contacts.basic_api.get_page(limit=2)
    _window(client, "0")
    log = emulator.state.request_log
    assert [(r.method, r.object_type) for r in log] == [("GET", "contacts"), ("POST", "contacts")]
    assert log[0].path.startswith("/crm/v3/objects/contacts?") and "limit=2" in log[0].path
    assert log[1].path == "/crm/v3/objects/contacts/search" and "lastmodifieddate" in log[1].body


def test_a_deleted_engagement_is_archived_and_listed_with_archived_true(
    client: Any, emulator: HubSpotEmulator
) -> None:
    emulator.state.clock = lambda: T0 + timedelta(days=9)
    client.crm.objects.tasks.basic_api.archive("1002")
    live = client.crm.objects.tasks.basic_api.get_page(limit=10)
    gone = client.crm.objects.tasks.basic_api.get_page(limit=10, archived=True)
    assert [t.id for t in live.results] == ["1001"]
    assert [(t.id, t.archived, t.archived_at) for t in gone.results] == [
        ("1002", True, T0 + timedelta(days=9))
    ]
    found = client.crm.objects.tasks.search_api.do_search({"filterGroups": [], "limit": 10})
    assert [t.id for t in found.results] == ["1001"]
