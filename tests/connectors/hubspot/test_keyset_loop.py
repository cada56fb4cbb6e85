"""The keyset read loop over a fake search: every page's cursor is a true position (a read
resumed from any page's cursor misses nothing), and answers that could loop are refused."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from connectors.errors import ConnectorError
from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.search import read_changes
from connectors.hubspot.streams import ObjectStream

STREAM = ObjectStream("contacts", "contacts", ("email",), associations=())
T = 1_764_000_000_000
HIGH = T + 10_000


def _matches(record: tuple[int, int], f: dict[str, str]) -> bool:
    mod, rid = record
    have = rid if f["propertyName"] == "hs_object_id" else mod
    value = int(f["value"])
    return {"GTE": have >= value, "LT": have < value, "GT": have > value}[f["operator"]]


class FakeSearch:
    """Search over (modified_ms, id) pairs, as HubSpot answers a keyset query from offset 0.

    ``ignore_id_filter`` plays a platform that drops the ``hs_object_id`` filter,
    ``always_next`` one that offers a next page even on the last (or an empty) one."""

    def __init__(
        self,
        records: list[tuple[int, int]],
        *,
        ignore_id_filter: bool = False,
        always_next: bool = False,
    ):
        self.records = records
        self.ignore_id_filter = ignore_id_filter
        self.always_next = always_next
        self.queries = 0

    def call(self, api: str, method: str, object_type: str, **kwargs: Any) -> Any:
        body = kwargs["public_object_search_request"].to_dict()
        filters = body["filter_groups"][0]["filters"]
        if self.ignore_id_filter:
            filters = [f for f in filters if f["propertyName"] != "hs_object_id"]
        by = body["sorts"][0]["propertyName"]
        found = [r for r in self.records if all(_matches(r, f) for f in filters)]
        found.sort(key=lambda r: r[1] if by == "hs_object_id" else r)
        self.queries += 1
        assert body["after"] == "0"
        page = found[: body["limit"]]
        more = len(found) > len(page) or self.always_next
        results = [
            SimpleNamespace(id=str(rid), properties={"lastmodifieddate": str(mod)})
            for mod, rid in page
        ]
        paging = SimpleNamespace(next=SimpleNamespace(after=str(len(page)))) if more else None
        return SimpleNamespace(results=results, paging=paging, total=len(found))


def _read(fake: FakeSearch, value: dict[str, Any]) -> list[tuple[set[int], dict[str, Any]]]:
    client = cast(HubSpotClient, fake)
    return [
        ({int(o.id) for o in page.objects}, page.value)
        for page in read_changes(client, STREAM, value, HIGH)
    ]


# 450 records at distinct instants, then 450 on one instant, then 30 more.
RECORDS = (
    [(T + 100 + i, 1 + i) for i in range(450)]
    + [(T + 700, 5000 + i) for i in range(450)]
    + [(T + 800 + i, 9000 + i) for i in range(30)]
)


def test_a_read_resumed_from_any_page_cursor_misses_nothing() -> None:
    start = {"mode": "increment", "since": T + 50}
    pages = _read(FakeSearch(RECORDS), start)
    assert set().union(*(ids for ids, _ in pages)) == {rid for _, rid in RECORDS}
    assert pages[-1][1] == {"mode": "increment", "since": HIGH}
    for k, (_, cursor) in enumerate(pages):
        before = set().union(*(ids for ids, _ in pages[: k + 1]))
        after = set().union(*(ids for ids, _ in _read(FakeSearch(RECORDS), cursor)))
        assert before | after == {rid for _, rid in RECORDS}, cursor


def test_an_unchanged_position_costs_one_query_and_none_past_high() -> None:
    fake = FakeSearch(RECORDS)
    assert _read(fake, {"mode": "increment", "since": T + 5000}) == [
        (set(), {"mode": "increment", "since": HIGH})
    ]
    assert fake.queries == 1
    ahead = {"mode": "increment", "since": HIGH + 5}
    assert _read(fake, ahead) == [(set(), ahead)]
    assert fake.queries == 1


def test_a_platform_that_ignores_the_id_filter_is_refused_not_looped() -> None:
    with pytest.raises(ConnectorError, match="same page again"):
        _read(FakeSearch(RECORDS, ignore_id_filter=True), {"mode": "increment", "since": T + 50})


def test_a_next_token_on_an_empty_page_ends_the_read() -> None:
    pages = _read(FakeSearch(RECORDS, always_next=True), {"mode": "increment", "since": T + 50})
    assert set().union(*(ids for ids, _ in pages)) == {rid for _, rid in RECORDS}
    assert pages[-1][1] == {"mode": "increment", "since": HIGH}
