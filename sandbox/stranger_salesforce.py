"""Stranger-mode answers of the Salesforce emulator: unsettled row order, shuffled record keys.

SOQL documents no order without ``ORDER BY``, and none among rows whose ``ORDER BY``
keys are equal; JSON documents no key order. Today's emulator answers in its table
order and in the SELECT's field order; a stranger org answers in another, drawn from
its seed (:class:`~sandbox.stranger_shape.Shape`).
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from sandbox.salesforce.soql_plan import Plan
from sandbox.salesforce.store import Record
from sandbox.stranger_shape import Shape


def unsettle(shape: Shape, plan: Plan, rows: list[Record], key: str) -> list[Record]:
    """``rows`` with every run of equal ``ORDER BY`` keys (all rows, without one) shuffled."""
    if not shape.active or len(rows) < 2:
        return rows
    columns = [column for column, _, _ in plan.order]
    if not columns:
        return shape.shuffled(rows, key)
    folds = [column.field.type not in ("id", "reference") for column in columns]

    def sort_key(record: Record) -> tuple[Any, ...]:
        values = (column.getter(record) for column in columns)
        return tuple(_comparable(v, fold) for v, fold in zip(values, folds, strict=True))

    out: list[Record] = []
    for position, (_, run) in enumerate(groupby(rows, key=sort_key)):
        group = list(run)
        out.extend(shape.shuffled(group, f"{key}:{position}") if len(group) > 1 else group)
    return out


def _comparable(value: Any, fold: bool) -> Any:
    """Text compares without regard to case in ORDER BY (ids with it), as the sort does."""
    return value.casefold() if fold and isinstance(value, str) else value


def reorder_record(shape: Shape, record: dict[str, Any]) -> dict[str, Any]:
    """A query record (and its parent relationships) with keys in the stranger's order."""
    if not shape.active:
        return record
    key = str(record.get("attributes", {}).get("url", ""))
    out = shape.reorder(record, key)
    for name, value in out.items():
        if isinstance(value, dict) and name != "attributes":
            out[name] = shape.reorder(value, key + name)
    return out
