"""What reengage needs in a HubSpot portal, checked and created by ``reengage setup``.

* the property group ``rules.fields.hubspot.group`` on contacts and tasks;
* the ``reengage_*`` contact properties of ``rules.fields.hubspot``, each of
  the type its values need (no ``dormant_days`` in formula mode), and
  ``reengage_task_key`` on tasks;
* one MANUAL contact list per name of ``rules.list_names()``.

Something that exists with the wrong type (a property of another type, a list
that is not MANUAL) is reported as ``wrong`` and never changed: it may hold an
admin's data. What cannot be created for lack of a scope becomes ``manual``
with the steps for an admin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from hubspot.crm.properties import OptionInput, PropertyCreate, PropertyGroupCreate

from config.rules_platform import PERSON_FIELDS, FieldKind
from connectors.base import SetupItem
from connectors.errors import AuthError, ConnectorError
from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.lists import ListDirectory
from connectors.hubspot.tasks import TASK_KEY_PROPERTY


@dataclass(frozen=True, slots=True)
class PropertyNeed:
    object_type: str
    name: str
    type: str
    field_type: str
    label: str


# a field's kind -> HubSpot's property (type, fieldType)
_KINDS: dict[FieldKind, tuple[str, str]] = {
    "text": ("string", "text"),
    "number": ("number", "number"),
    "datetime": ("datetime", "date"),
    "bool": ("bool", "booleancheckbox"),
}


def property_needs(rules: Any) -> list[PropertyNeed]:
    """Every property reengage writes, from ``rules.fields.hubspot`` (strings unless noted).

    In formula mode (``fields.dormant_days_mode``) no day count is written, so its
    property is not needed (lists and workflows filter on ``quiet_since``).
    """
    names = rules.fields.hubspot
    needs = []
    for field in PERSON_FIELDS:
        if field.key == "dormant_days" and rules.fields.formula_mode:
            continue
        kind, field_type = _KINDS[field.kind]
        label = "Reengage " + field.key.replace("_", " ")
        needs.append(PropertyNeed("contacts", getattr(names, field.key), kind, field_type, label))
    needs.append(PropertyNeed("tasks", TASK_KEY_PROPERTY, "string", "text", "Reengage task key"))
    return needs


def check_setup(client: HubSpotClient, directory: ListDirectory, rules: Any) -> list[SetupItem]:
    group = rules.fields.hubspot.group
    items: list[SetupItem] = []
    for object_type in ("contacts", "tasks"):
        groups = client.call("groups", "get_all", object_type)
        names = {g.name for g in groups.results or []}
        status = "ok" if group in names else "missing"
        items.append(SetupItem("property_group", f"{object_type}.{group}", status))
    existing: dict[str, dict[str, Any]] = {}
    for need in property_needs(rules):
        if need.object_type not in existing:
            answer = client.call("properties", "get_all", need.object_type)
            existing[need.object_type] = {p.name: p for p in answer.results or []}
        items.append(_property_item(need, existing[need.object_type].get(need.name)))
    for name in rules.list_names():
        found = directory.find(name)
        if found is None:
            items.append(SetupItem("list", name, "missing", "MANUAL contact list"))
        elif found.processing_type != "MANUAL":
            detail = f"is a {found.processing_type} list; reengage needs a MANUAL one"
            items.append(SetupItem("list", name, "wrong", detail))
        else:
            items.append(SetupItem("list", name, "ok", f"list {found.list_id}"))
    return items


def _property_item(need: PropertyNeed, found: Any) -> SetupItem:
    name = f"{need.object_type}.{need.name}"
    wanted = f"{need.type}/{need.field_type}"
    if found is None:
        return SetupItem("property", name, "missing", wanted)
    if found.type != need.type:
        detail = f"is {found.type}/{found.field_type}; reengage needs {wanted}"
        return SetupItem("property", name, "wrong", detail)
    return SetupItem("property", name, "ok", wanted)


def apply_setup(
    client: HubSpotClient, directory: ListDirectory, rules: Any, items: Sequence[SetupItem]
) -> list[SetupItem]:
    """Creates what is ``missing``; everything else comes back unchanged."""
    needs = {f"{n.object_type}.{n.name}": n for n in property_needs(rules)}
    group = rules.fields.hubspot.group
    out: list[SetupItem] = []
    for item in items:
        if item.status != "missing":
            out.append(item)
            continue
        try:
            _create(client, directory, item, needs, group)
        except AuthError as exc:
            out.append(replace(item, status="manual", instructions=_instructions(item, exc)))
            continue
        except ConnectorError as exc:
            if exc.status == 409:  # created meanwhile (or by a concurrent run): it exists
                out.append(replace(item, status="ok"))
            else:
                out.append(replace(item, status="wrong", detail=exc.detail or exc.user_message))
            continue
        out.append(replace(item, status="created"))
    return out


def _create(
    client: HubSpotClient,
    directory: ListDirectory,
    item: SetupItem,
    needs: dict[str, PropertyNeed],
    group: str,
) -> None:
    if item.kind == "list":
        directory.create(item.name)
    elif item.kind == "property_group":
        object_type = item.name.split(".", 1)[0]
        body = PropertyGroupCreate(name=group, label="Reengage", display_order=-1)
        client.call("groups", "create", object_type, body)
    else:
        need = needs[item.name]
        options = None
        if need.type == "bool":
            options = [
                OptionInput(label="Yes", value="true", hidden=False, display_order=0),
                OptionInput(label="No", value="false", hidden=False, display_order=1),
            ]
        body = PropertyCreate(
            name=need.name,
            label=need.label,
            type=need.type,
            field_type=need.field_type,
            group_name=group,
            options=options,
            description="Written by reengage (dormant lead re-engagement)",
        )
        client.call("properties", "create", need.object_type, body)


def _instructions(item: SetupItem, exc: AuthError) -> str:
    what = {
        "list": f"create a static (MANUAL) contact list named {item.name!r}",
        "property_group": f"create the property group {item.name!r}",
        "property": f"create the property {item.name!r} as {item.detail}",
    }[item.kind]
    return f"An admin must {what} in HubSpot ({exc.user_message})."
