"""One search filter, compiled into a test on a record (notes §1.4 operators).

Values are compared on the property's own scale: dates and datetimes as epoch
milliseconds (a filter value may be epoch-ms or ISO), numbers as floats,
text case-insensitively, enumerations exactly (HubSpot's enumeration filters
are case-sensitive). ``associations.contact`` filters select records linked to
the given contact IDs.
"""

from __future__ import annotations

import fnmatch
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.hubspot.catalog import object_type
from sandbox.hubspot.state import HubSpotState
from sandbox.hubspot.wire import parse_ms
from sandbox.seed import HubSpotObject

OPERATORS = frozenset(
    (
        *("EQ", "NEQ", "GT", "GTE", "LT", "LTE", "BETWEEN", "IN", "NOT_IN"),
        *("HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"),
    )
)
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "GT": operator.gt,
    "GTE": operator.ge,
    "LT": operator.lt,
    "LTE": operator.le,
}
_TOKENS = re.compile(r"[^\W_]+(?:[.@\-'][^\W_]+)*")
Check = Callable[[HubSpotObject], bool]


class SearchError(ValueError):
    """A request HubSpot answers with 400 VALIDATION_ERROR."""


@dataclass(frozen=True, slots=True)
class Filter:
    property_name: str
    operator: str
    value: Any = None
    values: tuple[Any, ...] = ()
    high_value: Any = None

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Filter:
        op = str(raw.get("operator", "EQ"))
        name = raw.get("propertyName")
        if op not in OPERATORS or not name:
            raise SearchError(f"Invalid filter: operator {op!r} on property {name!r}.")
        return cls(
            str(name), op, raw.get("value"), tuple(raw.get("values") or ()), raw.get("highValue")
        )


def kind_of(state: HubSpotState, type_name: str, name: str) -> str:
    """The property's type as the Properties API names it (``string`` when unknown)."""
    if name == "hs_object_id":
        return "number"
    found = state.properties.get(type_name, {}).get(name)
    return found.spec.type if found else "string"


def _converter(kind: str) -> Callable[[Any], Any]:
    if kind in ("date", "datetime"):
        return parse_ms
    if kind == "number":
        return lambda v: None if v in (None, "") else float(v)
    if kind in ("enumeration", "bool"):
        return lambda v: None if v in (None, "") else str(v)
    return lambda v: None if v in (None, "") else str(v).casefold()


def _target(convert: Callable[[Any], Any], value: Any, name: str) -> Any:
    try:
        converted = convert(value)
    except (TypeError, ValueError):
        converted = None
    if converted is None:
        raise SearchError(f"Invalid value {value!r} for property {name}.")
    return converted


def compile_group(state: HubSpotState, type_name: str, group: list[Filter]) -> Check:
    """All filters of a group, ANDed."""
    checks = [compile_filter(state, type_name, f) for f in group]
    return lambda record: all(check(record) for check in checks)


def compile_filter(state: HubSpotState, type_name: str, f: Filter) -> Check:
    if f.property_name.startswith("associations."):
        return _association_check(state, type_name, f)
    name, op = f.property_name, f.operator
    convert = _converter(kind_of(state, type_name, name))

    def read(record: HubSpotObject) -> Any:
        return convert(record.id if name == "hs_object_id" else record.properties.get(name))

    if op in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        want = op == "HAS_PROPERTY"
        return lambda r: (read(r) is not None) == want
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        return _token_check(name, str(f.value or ""), negate=op == "NOT_CONTAINS_TOKEN")
    if op in ("IN", "NOT_IN"):
        wanted = {_target(convert, v, name) for v in f.values}
        return (lambda r: read(r) in wanted) if op == "IN" else (lambda r: read(r) not in wanted)
    target = _target(convert, f.value, name)
    if op == "EQ":
        return lambda r: read(r) == target
    if op == "NEQ":
        return lambda r: read(r) != target
    if op == "BETWEEN":
        high = _target(convert, f.high_value, name)
        return lambda r: (v := read(r)) is not None and target <= v <= high
    compare = _COMPARE[op]
    return lambda r: (v := read(r)) is not None and compare(v, target)


def _token_check(name: str, pattern: str, *, negate: bool) -> Check:
    wanted = pattern.casefold()

    def contains(record: HubSpotObject) -> bool:
        text = (record.properties.get(name) or "").casefold()
        tokens = [text, *_TOKENS.findall(text)]
        if "*" in wanted:
            return any(fnmatch.fnmatchcase(t, wanted) for t in tokens)
        return wanted in tokens

    return (lambda r: not contains(r)) if negate else contains


def _association_check(state: HubSpotState, type_name: str, f: Filter) -> Check:
    other = object_type(f.property_name.split(".", 1)[1])
    if other is None or f.operator not in ("EQ", "IN"):
        raise SearchError(f"Unsupported association filter {f.property_name} {f.operator}.")
    sources = [f.value] if f.operator == "EQ" else list(f.values)
    linked = {i for s in sources for i in state.associated(other, str(s), type_name)}
    return lambda r: r.id in linked
