"""Property checks and record writes shared by single and batch object endpoints.

HubSpot refuses a write that names an unknown or read-only property, a value
outside an enumeration's options or a malformed number or date, and reports
each problem as ``{message, code, context: {propertyName: [...]}}``. Accepted
values are stored as HubSpot returns them: instants as ISO 8601 with
milliseconds and ``Z`` (an epoch-ms input is converted), dates as ``YYYY-MM-DD``,
everything else as the string sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.hubspot.catalog import (
    PAIR_BY_TYPE_ID,
    REQUIRED_ON_CREATE,
    creation_property,
)
from sandbox.hubspot.context import BadRequest
from sandbox.hubspot.state import HubSpotState
from sandbox.hubspot.wire import from_ms, iso, parse_ms, validation_error
from sandbox.seed import HubSpotObject


@dataclass(frozen=True, slots=True)
class Problem:
    """One refused property value."""

    code: str
    property_name: str
    message: str

    def as_detail(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "code": self.code,
            "context": {"propertyName": [self.property_name]},
        }


def _normalise(kind: str, options: tuple[str, ...], name: str, raw: object) -> str | Problem:
    value = (
        "" if raw is None else ("true" if raw is True else "false" if raw is False else str(raw))
    )
    if value == "":
        return value
    if kind in ("datetime", "date"):
        ms = parse_ms(value)
        if ms is None:
            return Problem("INVALID_DATE", name, f'"{value}" is not a valid date for "{name}"')
        return iso(from_ms(ms)) if kind == "datetime" else from_ms(ms).date().isoformat()
    if kind == "number":
        try:
            float(value)
        except ValueError:
            return Problem("INVALID_DECIMAL", name, f'"{value}" was not a valid number')
        return value
    if kind in ("enumeration", "bool") and options and value not in options:
        message = f'"{value}" was not one of the allowed options for "{name}"'
        return Problem("INVALID_OPTION", name, message)
    return value


def check_properties(
    state: HubSpotState, type_name: str, properties: dict[str, Any], *, creating: bool
) -> tuple[dict[str, str], list[Problem]]:
    """The values to store, and every problem found (all of them, as HubSpot lists them)."""
    defs = state.properties.get(type_name, {})
    accepted: dict[str, str] = {}
    problems: list[Problem] = []
    for name, raw in properties.items():
        found = defs.get(name)
        if found is None:
            problems.append(
                Problem("PROPERTY_DOESNT_EXIST", name, f'Property "{name}" does not exist')
            )
            continue
        if found.spec.read_only:
            message = f'"{name}" is a read only property; its value cannot be set.'
            problems.append(Problem("READ_ONLY_VALUE", name, message))
            continue
        outcome = _normalise(found.spec.type, found.spec.options, name, raw)
        if isinstance(outcome, Problem):
            problems.append(outcome)
        else:
            accepted[name] = outcome
    if creating:
        for name in REQUIRED_ON_CREATE.get(type_name, ()):
            if not accepted.get(name):
                problems.append(Problem("REQUIRED_PROPERTY", name, f'"{name}" is required'))
    return accepted, problems


def problems_message(problems: list[Problem]) -> str:
    inner = ",".join(
        f'{{"isValid":false,"message":"{p.message}","error":"{p.code}","name":"{p.property_name}"}}'
        for p in problems
    )
    return f"Property values were not valid: [{inner}]"


def create_record(
    state: HubSpotState, type_name: str, values: dict[str, str], now: datetime
) -> HubSpotObject:
    """Stores a new live record with HubSpot's system properties filled in."""
    record_id = state.next_id()
    stamp = iso(now)
    properties: dict[str, str | None] = dict(values)
    properties["hs_object_id"] = record_id
    properties[creation_property(type_name)] = stamp
    table = state.table(type_name)
    properties[table.mod_property] = stamp
    record = HubSpotObject(record_id, properties, now, now)
    table.insert(record)
    return record


def update_record(
    state: HubSpotState,
    type_name: str,
    record: HubSpotObject,
    values: dict[str, str],
    now: datetime,
) -> None:
    """Applies values and bumps the modification date, as every HubSpot write does."""
    table = state.table(type_name)
    table.set_values(record, values)
    table.touch(record, now)


def find_record(
    state: HubSpotState,
    type_name: str,
    raw_id: str,
    id_property: str | None,
    archived: bool = False,
) -> HubSpotObject | None:
    table = state.table(type_name)
    if id_property and id_property != "hs_object_id":
        hits = [table.records[i] for i in table.ids_with_value(id_property, raw_id)]
        return next((h for h in hits if h.archived == archived), None)
    if type_name == "contacts":
        raw_id = state.resolve_merged(raw_id)
    return table.get(raw_id, archived=archived)


def _association_plan(
    state: HubSpotState, type_name: str, specs: list[dict[str, Any]]
) -> list[tuple[str, str]]:
    """(to_type, to_id) pairs of inline ``associations``, checked before anything is written."""
    planned: list[tuple[str, str]] = []
    for spec in specs or []:
        to_id = str((spec.get("to") or {}).get("id", ""))
        for kind in spec.get("types") or []:
            pair = PAIR_BY_TYPE_ID.get(int(kind.get("associationTypeId", 0)))
            if pair is None or pair[0] != type_name:
                raise BadRequest(
                    validation_error(f"Invalid association type {kind} for {type_name}")
                )
            if state.table(pair[1]).get(to_id) is None:
                raise BadRequest(validation_error(f"No {pair[1]} with id {to_id} to associate"))
            planned.append((pair[1], to_id))
    return planned


def create_with_associations(
    state: HubSpotState, type_name: str, item: dict[str, Any]
) -> HubSpotObject | list[Problem]:
    """Creates one record, or returns its problems."""
    values, problems = check_properties(
        state, type_name, item.get("properties") or {}, creating=True
    )
    if problems:
        return problems
    plan = _association_plan(state, type_name, item.get("associations") or [])
    record = create_record(state, type_name, values, state.clock())
    for to_type, to_id in plan:
        state.associate(type_name, record.id, to_type, to_id)
    return record


def all_properties(record: HubSpotObject) -> list[str]:
    return [k for k, v in record.properties.items() if v is not None]
