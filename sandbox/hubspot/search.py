"""The CRM search endpoint's query language and limits (notes §1.4).

Filter groups are ORed, filters inside a group ANDed; at most 5 groups, 6
filters per group, 18 in all; one sort; 200 per page; ``after`` is an integer
offset and paging to 10,000 or beyond is refused with a 400, as HubSpot does.
A record modified less than ``state.index_delay_ms`` ago is not yet visible
(the documented indexing delay; 0 by default). ``after`` is an offset into the
result as evaluated at each request: a record whose modification moves it
within or out of the result shifts the later pages, as a live index does.
Date properties compare as epoch milliseconds whichever form (ISO or epoch-ms
string) the filter value has. Archived records never match.

Speed: a query ranged on the type's modification date (the shape of an
incremental pull) reads a slice of the table's ``(modified_ms, id)`` index, so
that a page over half a million records costs a bisect plus the page; an
``EQ`` on a text property reads an equality index. Other queries scan.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sandbox.hubspot.filters import Filter, SearchError, compile_group, kind_of
from sandbox.hubspot.state import HubSpotState
from sandbox.hubspot.table import ObjectTable
from sandbox.hubspot.wire import parse_ms, to_ms
from sandbox.seed import HubSpotObject

MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18
MAX_LIMIT = 200
RESULT_CAP = 10_000
_RANGE_OPS = {"EQ", "GT", "GTE", "LT", "LTE", "BETWEEN"}


@dataclass(frozen=True, slots=True)
class SearchRequest:
    groups: list[list[Filter]]
    sort: tuple[str, bool] | None  # (property, descending)
    properties: list[str]
    limit: int
    after: int


@dataclass(frozen=True, slots=True)
class SearchResult:
    records: list[HubSpotObject]
    total: int
    next_after: str | None


def parse_request(body: dict[str, Any]) -> SearchRequest:
    """Reads and checks a ``PublicObjectSearchRequest`` body."""
    groups = [
        [Filter.parse(f) for f in (g.get("filters") or [])] for g in body.get("filterGroups") or []
    ]
    if len(groups) > MAX_GROUPS:
        raise SearchError(f"Too many filter groups ({len(groups)}); the maximum is {MAX_GROUPS}.")
    if any(len(g) > MAX_FILTERS_PER_GROUP for g in groups):
        raise SearchError(f"A filter group may hold at most {MAX_FILTERS_PER_GROUP} filters.")
    if sum(len(g) for g in groups) > MAX_FILTERS:
        raise SearchError(f"Too many filters; the maximum is {MAX_FILTERS} in total.")
    limit = int(body.get("limit") or 10)
    if not 0 < limit <= MAX_LIMIT:
        raise SearchError(f"limit must be between 1 and {MAX_LIMIT}.")
    raw_after = body.get("after") or "0"
    if not str(raw_after).isdigit():
        raise SearchError("after must be formatted as an integer.")
    after = int(raw_after)
    if after >= RESULT_CAP:
        raise SearchError(f"Paging past {RESULT_CAP} results is not supported for search.")
    return SearchRequest(
        groups, _parse_sort(body.get("sorts") or []), body.get("properties") or [], limit, after
    )


def _parse_sort(sorts: list[Any]) -> tuple[str, bool] | None:
    if len(sorts) > 1:
        raise SearchError("Only one sort is allowed.")
    if not sorts:
        return None
    sort = sorts[0]
    if isinstance(sort, dict):
        return str(sort.get("propertyName")), str(
            sort.get("direction", "ASCENDING")
        ) == "DESCENDING"
    text = str(sort)
    return text.lstrip("-"), text.startswith("-")


def run(state: HubSpotState, type_name: str, request: SearchRequest) -> SearchResult:
    """Finds one page of matches and the total count. The caller holds ``state.lock``."""
    table = state.table(type_name)
    keys, remaining = _plan(state, table, request.groups, request.sort)
    if state.index_delay_ms > 0:
        keys = _indexed(state, table, keys)
    predicate = _predicate(state, type_name, remaining)
    if request.sort and request.sort[0] not in (table.mod_property, "hs_object_id"):
        total, page_ids = _sorted_scan(state, type_name, keys, predicate, request)
    elif predicate is None:
        total, page_ids = len(keys), keys[request.after : request.after + request.limit]
    else:
        total, page_ids = _scan(keys, predicate, table, request)
    records = [table.records[str(i)] for i in page_ids]
    end = request.after + len(records)
    return SearchResult(records, total, str(end) if end < total else None)


def _indexed(state: HubSpotState, table: ObjectTable, keys: list[int]) -> list[int]:
    """The candidates search has indexed already: those not modified in the last
    ``index_delay_ms`` (a new or updated record is invisible to search for a while)."""
    cutoff = to_ms(state.clock()) - state.index_delay_ms
    return [k for k in keys if (table.modified_ms(str(k)) or 0) <= cutoff]


def _plan(
    state: HubSpotState,
    table: ObjectTable,
    groups: list[list[Filter]],
    sort: tuple[str, bool] | None,
) -> tuple[list[int], list[list[Filter]]]:
    """Candidate IDs in answer order, and the filter groups still to apply to them."""
    descending = bool(sort and sort[1])
    by_mod = bool(sort and sort[0] == table.mod_property)
    if len(groups) == 1:
        group = groups[0]
        eq = next((f for f in group if _text_eq(state, table, f)), None)
        if eq is not None:
            ids = sorted(int(i) for i in table.ids_with_value(eq.property_name, str(eq.value)))
            if by_mod:
                ids.sort(key=lambda i: (table.modified_ms(str(i)) or 0, i))
            return (ids[::-1] if descending else ids), groups
        ranged = [
            f for f in group if f.property_name == table.mod_property and f.operator in _RANGE_OPS
        ]
        by_id = bool(sort and sort[0] == "hs_object_id")
        if ranged and (sort is None or by_mod or by_id):
            lo, hi = _mod_bounds(table, ranged)
            ids = [key for _, key in table.by_mod[lo:hi]]
            if by_id:
                ids.sort()
            rest = [f for f in group if f not in ranged]
            return (ids[::-1] if descending else ids), ([rest] if rest else [])
    ids = [key for _, key in table.by_mod] if by_mod else list(table.live_ids)
    return (ids[::-1] if descending else ids), groups


def _text_eq(state: HubSpotState, table: ObjectTable, f: Filter) -> bool:
    """Whether an equality index can answer this filter."""
    if f.operator != "EQ" or f.value in (None, "") or f.property_name.startswith("associations."):
        return False
    return kind_of(state, table.type_name, f.property_name) in (
        "string",
        "enumeration",
        "phone_number",
    )


def _mod_bounds(table: ObjectTable, filters: list[Filter]) -> tuple[int, int]:
    lo, hi = 0, len(table.by_mod)
    top = (1 << 62, 1 << 62)
    for f in filters:
        low = parse_ms(f.value)
        high = parse_ms(f.high_value) if f.operator == "BETWEEN" else low
        if low is None or high is None:
            raise SearchError(f"Invalid date value for {f.property_name}.")
        if f.operator in ("GT", "GTE", "EQ", "BETWEEN"):
            start = (
                bisect_right(table.by_mod, (low, top[1]))
                if f.operator == "GT"
                else bisect_left(table.by_mod, (low, -1))
            )
            lo = max(lo, start)
        if f.operator in ("LT", "LTE", "EQ", "BETWEEN"):
            end = (
                bisect_left(table.by_mod, (high, -1))
                if f.operator == "LT"
                else bisect_right(table.by_mod, (high, top[1]))
            )
            hi = min(hi, end)
    return lo, max(lo, hi)


def _predicate(
    state: HubSpotState, type_name: str, groups: list[list[Filter]]
) -> Callable[[HubSpotObject], bool] | None:
    if not groups:
        return None
    compiled = [compile_group(state, type_name, g) for g in groups]
    return lambda record: any(check(record) for check in compiled)


def _scan(
    keys: Iterable[int],
    predicate: Callable[[HubSpotObject], bool] | None,
    table: ObjectTable,
    request: SearchRequest,
) -> tuple[int, list[int]]:
    total = 0
    page: list[int] = []
    end = request.after + request.limit
    records = table.records
    for key in keys:
        record = records[str(key)]
        if record.archived or (predicate is not None and not predicate(record)):
            continue
        if request.after <= total < end:
            page.append(key)
        total += 1
    return total, page


def _sorted_scan(
    state: HubSpotState,
    type_name: str,
    keys: Iterable[int],
    predicate: Callable[[HubSpotObject], bool] | None,
    request: SearchRequest,
) -> tuple[int, list[int]]:
    """Matches sorted on a property the indexes do not keep (missing values last)."""
    assert request.sort is not None
    name, descending = request.sort
    records = state.table(type_name).records
    matches = [
        records[str(k)]
        for k in keys
        if not records[str(k)].archived and (predicate is None or predicate(records[str(k)]))
    ]
    sort_key = _sort_key(kind_of(state, type_name, name), name)
    present = [r for r in matches if r.properties.get(name) not in (None, "")]
    missing = [r for r in matches if r.properties.get(name) in (None, "")]
    present.sort(key=lambda r: (sort_key(r), int(r.id)), reverse=descending)
    ordered = present + missing
    page = ordered[request.after : request.after + request.limit]
    return len(ordered), [int(r.id) for r in page]


def _sort_key(kind: str, name: str) -> Callable[[HubSpotObject], Any]:
    if kind in ("date", "datetime"):
        return lambda r: parse_ms(r.properties.get(name)) or 0
    if kind == "number":
        return lambda r: float(r.properties.get(name) or 0)
    return lambda r: str(r.properties.get(name)).casefold()
