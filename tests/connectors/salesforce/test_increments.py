"""Cursor rules as pure functions: before / after fixtures, repeated timestamps, flat rows."""

from __future__ import annotations

import pytest

from connectors.salesforce.bulk import parse_chunk, typed
from connectors.salesforce.connector import list_last
from connectors.salesforce.increments import StreamState, flatten, high_water, increment_query
from connectors.salesforce.streams import LEADS

T1 = "2026-11-24T18:10:32.000+0000"
T2 = "2026-11-24T18:10:33.000+0000"


def row(record_id: str, stamp: str) -> dict[str, object]:
    return {"Id": record_id, "SystemModstamp": stamp}


@pytest.mark.parametrize(
    ("before", "rows", "after"),
    [
        (StreamState(), [], StreamState()),
        (StreamState(), [row("00Q2", T1), row("00Q1", T1)], ("2026-11-24T18:10:32+00:00", "00Q2")),
        (
            StreamState(phase="rest", ts="2026-11-24T18:10:32+00:00", id="00Q5"),
            [row("00Q1", T1)],
            ("2026-11-24T18:10:32+00:00", "00Q5"),
        ),
        (
            StreamState(phase="rest", ts="2026-11-24T18:10:32+00:00", id="00Q5"),
            [row("00Q1", T2), row("00Q9", T1)],
            ("2026-11-24T18:10:33+00:00", "00Q1"),
        ),
    ],
    ids=["nothing-read", "same-stamp-larger-id-wins", "older-row-keeps-mark", "later-stamp-wins"],
)
def test_high_water(before: StreamState, rows: list[dict[str, object]], after: object) -> None:
    moved = high_water(before, rows, "SystemModstamp")
    if isinstance(after, StreamState):
        assert moved == after
    else:
        assert (moved.ts, moved.id) == after


def test_state_round_trips_through_json_values() -> None:
    state = StreamState(
        phase="bulk",
        ts="2026-11-24T18:10:32+00:00",
        id="00Q1",
        job="750x",
        locator="MjAwMA==",
        deleted_since="2026-11-20T00:00:00+00:00",
    )
    assert StreamState.from_value(state.to_value()) == state
    assert StreamState.from_value(None) == StreamState()
    assert StreamState.from_value({"phase": "rest", "unknown": 1}) == StreamState(phase="rest")


def test_increment_query_reads_all_without_a_bookmark_and_after_it_with_one() -> None:
    fields = ["Id", "SystemModstamp"]
    assert increment_query(LEADS, fields, StreamState()) == (
        "SELECT Id, SystemModstamp FROM Lead ORDER BY SystemModstamp, Id"
    )
    state = StreamState(phase="rest", ts="2026-11-24T18:10:32.5+00:00", id="00Q1")
    assert increment_query(LEADS, fields, state) == (
        "SELECT Id, SystemModstamp FROM Lead WHERE SystemModstamp > 2026-11-24T18:10:32.500Z OR "
        "(SystemModstamp = 2026-11-24T18:10:32.500Z AND Id > '00Q1') ORDER BY SystemModstamp, Id"
    )


def test_flatten_drops_attributes_and_flattens_parents() -> None:
    record = {
        "attributes": {"type": "Contact"},
        "Id": "003A",
        "Account": {"attributes": {"type": "Account"}, "Name": "Acme"},
        "DoNotCall": False,
    }
    assert flatten(record) == {"Id": "003A", "Account.Name": "Acme", "DoNotCall": False}


def test_bulk_csv_is_typed_by_describe() -> None:
    text = (
        '"Id","IsDeleted","Amount","CloseDate","Account.Name"\n'
        '"006A","true","12.5","2026-01-02",""\n'
    )
    types = {"Id": "id", "IsDeleted": "boolean", "Amount": "currency", "CloseDate": "date"}
    assert parse_chunk(text, types) == [
        {
            "Id": "006A",
            "IsDeleted": True,
            "Amount": 12.5,
            "CloseDate": "2026-01-02",
            "Account.Name": None,
        }
    ]
    assert typed("3", "int") == 3 and typed("", "string") is None


def test_list_last_flags_only_the_last_item() -> None:
    assert list(list_last(iter("abc"))) == [("a", False), ("b", False), ("c", True)]
    assert list(list_last(iter(()))) == []
