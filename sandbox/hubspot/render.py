"""A record as the CRM v3 object endpoints write it (``SimplePublicObject`` and its
``WithAssociations`` variant)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sandbox.hubspot.catalog import (
    association_type_name,
    creation_property,
    default_properties,
    modification_property,
    object_type,
)
from sandbox.hubspot.state import HubSpotState
from sandbox.hubspot.wire import iso
from sandbox.seed import HubSpotObject


def wanted_properties(type_name: str, requested: Sequence[str] | None) -> tuple[str, ...]:
    """The defaults when none are named, else the named ones plus the ID and the creation
    and modification dates, which HubSpot always returns."""
    if not requested:
        return default_properties(type_name)
    base = ("hs_object_id", creation_property(type_name), modification_property(type_name))
    return tuple(dict.fromkeys([*requested, *base]))


def record_json(
    type_name: str,
    record: HubSpotObject,
    properties: Sequence[str],
    *,
    archived_at: str | None = None,
) -> dict[str, Any]:
    values = record.properties
    body: dict[str, Any] = {
        "id": record.id,
        "properties": {
            name: (record.id if name == "hs_object_id" else values.get(name)) for name in properties
        },
        "createdAt": iso(record.created_at),
        "updatedAt": iso(record.updated_at),
        "archived": record.archived,
    }
    if archived_at is not None:
        body["archivedAt"] = archived_at
    return body


def inline_associations(
    state: HubSpotState, type_name: str, record_id: str, to_types: Sequence[str]
) -> dict[str, Any]:
    """The ``associations`` member of a GET answer: per requested type, the linked IDs."""
    out: dict[str, Any] = {}
    for raw in to_types:
        to_type = object_type(raw)
        if to_type is None:
            continue
        linked = state.associated(type_name, record_id, to_type)
        if linked:
            kind = association_type_name(type_name, to_type)
            out[to_type] = {"results": [{"id": i, "type": kind} for i in linked]}
    return out


def full_record_json(
    state: HubSpotState,
    type_name: str,
    record: HubSpotObject,
    properties: Sequence[str] | None,
    associations: Sequence[str] = (),
) -> dict[str, Any]:
    """A record with its properties, archive date and inlined associations."""
    archived = state.table(type_name).archived_at.get(record.id) if record.archived else None
    body = record_json(
        type_name,
        record,
        wanted_properties(type_name, properties),
        archived_at=iso(archived) if archived else None,
    )
    if associations:
        linked = inline_associations(state, type_name, record.id, associations)
        if linked:
            body["associations"] = linked
    return body
