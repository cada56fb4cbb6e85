"""Runs a bound SOQL plan against a table and renders the rows as REST JSON.

Pages ordered by ``SystemModstamp`` (then optionally ``Id``) walk the table's sorted
index from the bound in the WHERE clause and stop at LIMIT; everything else scans and
sorts. Plain ``query`` leaves out deleted rows; ``queryAll`` keeps them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import Any

from sandbox.salesforce.schema import Schema
from sandbox.salesforce.soql_parser import BoolOp, Compare, Expr
from sandbox.salesforce.soql_plan import Column, Plan, Resolver
from sandbox.salesforce.store import INDEXED_FIELD, Record, Table
from sandbox.salesforce.values import to_json

Bound = tuple[datetime, bool]


def execute(plan: Plan, table: Table, *, include_deleted: bool) -> list[Record]:
    """The matching records in the query's order, at most LIMIT of them."""
    limit = plan.query.limit
    indexed = _index_walk(plan, table)
    candidates: Iterable[Record] = table.records.values() if indexed is None else indexed
    matches = _filter(plan, candidates, include_deleted)
    if indexed is not None:
        return list(matches if limit is None else islice(matches, limit))
    rows = list(matches)
    _sort(rows, plan.order)
    return rows if limit is None else rows[:limit]


def _filter(plan: Plan, records: Iterable[Record], include_deleted: bool) -> Iterator[Record]:
    predicate = plan.predicate
    for record in records:
        if not include_deleted and record.get("IsDeleted"):
            continue
        if predicate is None or predicate(record):
            yield record


def _index_walk(plan: Plan, table: Table) -> Iterator[Record] | None:
    """Walks the SystemModstamp index when the ORDER BY is (SystemModstamp[, Id]) one way."""
    order = plan.order
    if not order or order[0][0].name != INDEXED_FIELD or order[0][0].relationship:
        return None
    descending = order[0][1]
    if len(order) > 2:
        return None
    for column, item_descending, _ in order[1:]:
        if column.name != "Id" or column.relationship or item_descending != descending:
            return None
    low, high = _stamp_bounds(plan.query.where)
    return table.scan_stamp(low, high, descending)


def _stamp_bounds(where: Expr | None) -> tuple[Bound | None, Bound | None]:
    """A SystemModstamp range every match lies in (None: unbounded on that side).

    AND takes the tightest of its terms' ranges, OR the loosest of its branches', so the
    compound-cursor form ``SystemModstamp > X OR (SystemModstamp = X AND Id > 'y')``
    still walks the index from X.
    """
    if isinstance(where, Compare):
        return _compare_bounds(where)
    if isinstance(where, BoolOp):
        ranges = [_stamp_bounds(operand) for operand in where.operands]
        lows, highs = [r[0] for r in ranges], [r[1] for r in ranges]
        if where.op == "AND":
            return _pick(lows, max), _pick(highs, min)
        return _loosest(lows, min), _loosest(highs, max)
    return None, None


def _compare_bounds(term: Compare) -> tuple[Bound | None, Bound | None]:
    value = term.literal.value
    if term.path.lower() != INDEXED_FIELD.lower() or not isinstance(value, datetime):
        return None, None
    low = (value, term.op != ">") if term.op in (">", ">=", "=") else None
    high = (value, term.op != "<") if term.op in ("<", "<=", "=") else None
    return low, high


def _pick(bounds: list[Bound | None], choose: Callable[..., datetime]) -> Bound | None:
    """The tightest known bound; an inclusive bound is looser than an exclusive one."""
    known = [b for b in bounds if b is not None]
    if not known:
        return None
    value = choose(b[0] for b in known)
    same = [b for b in known if b[0] == value]
    return (value, all(b[1] for b in same))


def _loosest(bounds: list[Bound | None], choose: Callable[..., datetime]) -> Bound | None:
    if not bounds or any(b is None for b in bounds):
        return None
    known = [b for b in bounds if b is not None]
    value = choose(b[0] for b in known)
    return (value, any(b[1] for b in known if b[0] == value))


def _sort(rows: list[Record], order: tuple[tuple[Column, bool, bool], ...]) -> None:
    """Stable multi-pass sort, last key first; text sorts without regard to case."""
    for column, descending, nulls_first in reversed(order):
        null_rank = 2 if nulls_first == descending else 0
        get = column.getter
        fold = column.field.type not in ("id", "reference")  # ids sort as the index does

        def key(
            record: Record, get: Any = get, null_rank: int = null_rank, fold: bool = fold
        ) -> tuple[int, Any]:
            value = get(record)
            if value is None:
                return (null_rank, 0)
            return (1, value.casefold() if fold and isinstance(value, str) else value)

        rows.sort(key=key, reverse=descending)


def render(
    plan: Plan, record: Record, version: str, schema: Schema, resolve: Resolver
) -> dict[str, Any]:
    """One record as a query answers it: attributes, then the selected fields in order."""
    out: dict[str, Any] = {"attributes": _attributes(plan.object.name, record["Id"], version)}
    for column in plan.columns:
        if column.relationship is None:
            out[column.name] = to_json(column.getter(record))
            continue
        rel = column.relationship
        if rel not in out:
            out[rel] = _parent(plan, column, record, version, schema, resolve)
        if out[rel] is not None:
            out[rel][column.name.split(".", 1)[1]] = to_json(column.getter(record))
    return out


def _parent(
    plan: Plan, column: Column, record: Record, version: str, schema: Schema, resolve: Resolver
) -> dict[str, Any] | None:
    reference = plan.object.relationship(column.relationship or "")
    parent_id = record.get(reference.name) if reference else None
    parent = resolve(parent_id) if parent_id else None
    if parent is None or parent_id is None:
        return None
    parent_type = schema.by_prefix(parent_id)
    name = parent_type.name if parent_type else "Name"
    return {"attributes": _attributes(name, parent["Id"], version)}


def _attributes(object_name: str, record_id: str, version: str) -> dict[str, str]:
    return {
        "type": object_name,
        "url": f"/services/data/v{version}/sobjects/{object_name}/{record_id}",
    }
