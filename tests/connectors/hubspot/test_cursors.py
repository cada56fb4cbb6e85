"""Cursor rules and window splitting, as pure functions with before / after values."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.hubspot.email_events import _stored, _window
from connectors.hubspot.search import Position, instant_query, time_query
from connectors.hubspot.streams import ACTIVITY_STREAMS, contact_stream

NOW = 1_764_000_000_000


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ({"mode": "increment", "since": 5}, Position(5)),
        ({"mode": "increment", "since": 5, "at_id": 0}, Position(5, 0)),
        ({"mode": "increment", "since": 5, "at_id": "77"}, Position(5, 77)),
    ],
    ids=["before-instant", "instant-from-start", "instant-after-id"],
)
def test_position_round_trip(stored: dict[str, Any], expected: Position) -> None:
    assert Position.of(stored) == expected
    assert Position.of(expected.value()) == expected


def test_time_query_asks_one_time_range_sorted_by_time_from_offset_zero() -> None:
    contacts = contact_stream("hubspotscore")
    body = time_query(contacts, 10, 20)
    filters = body["filter_groups"][0]["filters"]
    assert [(f["propertyName"], f["operator"], f["value"]) for f in filters] == [
        ("lastmodifieddate", "GTE", "10"),
        ("lastmodifieddate", "LT", "20"),
    ]
    assert body["sorts"] == [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}]
    assert (body["limit"], body["after"]) == (200, "0")
    calls = time_query(ACTIVITY_STREAMS[1], 10, 20)
    assert calls["filter_groups"][0]["filters"][0]["propertyName"] == "hs_lastmodifieddate"


def test_instant_query_reads_one_millisecond_by_id() -> None:
    body = instant_query(ACTIVITY_STREAMS[1], 10, 500)
    filters = body["filter_groups"][0]["filters"]
    assert [(f["propertyName"], f["operator"], f["value"]) for f in filters] == [
        ("hs_lastmodifieddate", "GTE", "10"),
        ("hs_lastmodifieddate", "LT", "11"),
        ("hs_object_id", "GT", "500"),
    ]
    assert body["sorts"] == [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]
    assert body["after"] == "0"


def test_email_event_cursor_rules() -> None:
    bounds, state = _window(None, NOW, 600)
    assert bounds == {"endTimestamp": NOW}
    assert _stored(state, "55") == {"mode": "backfill", "offset": "55", "started": NOW}
    assert _stored(state, None) == {"mode": "increment", "since": NOW}
    bounds, state = _window({"mode": "increment", "since": 1000}, NOW, 600)
    assert bounds == {"startTimestamp": 400, "endTimestamp": NOW}
    assert _stored(state, "9") == {"mode": "increment", "since": 1000}
    assert _stored(state, None) == {"mode": "increment", "since": NOW}
