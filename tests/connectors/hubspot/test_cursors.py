"""Cursor rules and window splitting, as pure functions with before / after values."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.errors import ConnectorError
from connectors.hubspot.backfill import after_page, backfill_start
from connectors.hubspot.email_events import _stored, _window
from connectors.hubspot.search import RESULT_CAP, Window, search_body, split_window
from connectors.hubspot.streams import ACTIVITY_STREAMS, contact_stream

NOW = 1_764_000_000_000


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (None, {"mode": "backfill", "after": None, "started": NOW}),
        ({}, {"mode": "backfill", "after": None, "started": NOW}),
        (
            {"mode": "backfill", "after": "401", "started": 5},
            {"mode": "backfill", "after": "401", "started": 5},
        ),
    ],
    ids=["none", "empty", "resume"],
)
def test_backfill_start(stored: dict[str, Any] | None, expected: dict[str, Any]) -> None:
    assert backfill_start(stored, NOW) == expected


def test_after_page_moves_on_then_switches_to_increments() -> None:
    state = {"mode": "backfill", "after": None, "started": 5}
    assert after_page(state, "101") == {"mode": "backfill", "after": "101", "started": 5}
    assert after_page(state, None) == {"mode": "increment", "since": 5}


def test_after_page_refuses_a_repeated_token() -> None:
    with pytest.raises(ConnectorError, match="same page token"):
        after_page({"mode": "backfill", "after": "101", "started": 5}, "101")


@pytest.mark.parametrize(
    ("window", "total", "expected"),
    [
        (Window(0, 100), RESULT_CAP, [Window(0, 100)]),
        (Window(0, 100), RESULT_CAP + 1, [Window(0, 50), Window(50, 100)]),
        (Window(0, 101), 30_000, [Window(0, 50), Window(50, 101)]),
        (Window(7, 8), 50_000, [Window(7, 8)]),
    ],
    ids=["fits", "over-by-one", "odd-width", "one-ms-cannot-split"],
)
def test_split_window(window: Window, total: int, expected: list[Window]) -> None:
    parts = split_window(window, total)
    assert parts == expected
    assert parts[0].low == window.low and parts[-1].high == window.high


def test_search_body_filters_on_the_modification_property() -> None:
    contacts = contact_stream("hubspotscore")
    body = search_body(contacts, Window(10, 20), 200)
    filters = body["filter_groups"][0]["filters"]
    assert {f["propertyName"] for f in filters} == {"lastmodifieddate"}
    assert [(f["operator"], f["value"]) for f in filters] == [("GTE", "10"), ("LT", "20")]
    assert body["sorts"] == [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}]
    assert (body["limit"], body["after"]) == (200, "200")
    calls = search_body(ACTIVITY_STREAMS[1], Window(10, 20), 0)
    assert calls["filter_groups"][0]["filters"][0]["propertyName"] == "hs_lastmodifieddate"


def test_email_event_cursor_rules() -> None:
    bounds, state = _window(None, NOW, 600)
    assert bounds == {"endTimestamp": NOW}
    assert _stored(state, "55") == {"mode": "backfill", "offset": "55", "started": NOW}
    assert _stored(state, None) == {"mode": "increment", "since": NOW}
    bounds, state = _window({"mode": "increment", "since": 1000}, NOW, 600)
    assert bounds == {"startTimestamp": 400, "endTimestamp": NOW}
    assert _stored(state, "9") == {"mode": "increment", "since": 1000}
    assert _stored(state, None) == {"mode": "increment", "since": NOW}
