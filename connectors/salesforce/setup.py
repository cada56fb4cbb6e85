"""``reengage setup`` for Salesforce: the custom fields, the campaigns, and who may own a Task.

:func:`check` reads describe for Lead, Contact and Task and reports each field
reengage writes (``rules.fields.salesforce``) as ``ok``, ``missing`` (can be created)
or ``wrong`` (exists with another type: reported, never changed); each campaign
reengage owns as ``ok`` or ``missing``; and ``Task.OwnerId``'s ``referenceTo``
(most queues cannot own Tasks, so the owner fallback must be a User).
:func:`apply` creates missing fields through the Tooling API
(``tooling/sobjects/CustomField``) and missing campaigns; a field the user may not
create becomes ``manual`` with exactly what an admin must create.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from config.rules import Rules
from connectors.base import SetupItem
from connectors.errors import AuthError, RecordError
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.writes import Writer

log = logging.getLogger("reengage.salesforce.setup")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A custom field reengage needs: where, its label, Metadata type and size."""

    sobject: str
    name: str
    label: str
    type: str  # Metadata API type: Text, Number, DateTime, Checkbox
    length: int = 0
    precision: int = 0
    scale: int = 0

    @property
    def describe_types(self) -> frozenset[str]:
        return {
            "Text": frozenset({"string"}),
            "Number": frozenset({"double", "int"}),
            "DateTime": frozenset({"datetime"}),
            "Checkbox": frozenset({"boolean"}),
        }[self.type]

    def metadata(self) -> dict[str, Any]:
        body: dict[str, Any] = {"label": self.label, "type": self.type}
        if self.type == "Text":
            body["length"] = self.length
        if self.type == "Number":
            body.update(precision=self.precision, scale=self.scale)
        if self.type == "Checkbox":
            body["defaultValue"] = "false"
        return body

    def instructions(self) -> str:
        size = {
            "Text": f", length {self.length}",
            "Number": f", {self.precision - self.scale} digits, {self.scale} decimal places",
        }.get(self.type, "")
        return (
            f"Setup > Object Manager > {self.sobject} > Fields & Relationships > New: "
            f"type {self.type}{size}, Field Label '{self.label}', Field Name "
            f"'{self.name.removesuffix('__c')}' (API name {self.name}); give the "
            "integration user read and edit access."
        )


# rules key -> (label, type, length / precision, scale)
_SHAPES: dict[str, tuple[str, str, int, int]] = {
    "status": ("Reengage Status", "Text", 40, 0),
    "segment": ("Reengage Segment", "Text", 80, 0),
    "period_segment": ("Reengage Period Segment", "Text", 80, 0),
    "approach": ("Reengage Approach", "Text", 80, 0),
    "dormant_days": ("Reengage Dormant Days", "Number", 8, 0),
    "score": ("Reengage Score", "Number", 8, 1),
    "quiet_since": ("Reengage Quiet Since", "DateTime", 0, 0),
    "last_engagement_at": ("Reengage Last Engagement At", "DateTime", 0, 0),
    "last_touch": ("Reengage Last Touch", "Text", 255, 0),
    "holdout": ("Reengage Holdout", "Checkbox", 0, 0),
}


def field_specs(rules: Rules) -> list[FieldSpec]:
    """Every custom field reengage writes, with its shape."""
    names = rules.fields.salesforce
    specs = []
    for key, (label, kind, size, scale) in _SHAPES.items():
        for sobject in ("Lead", "Contact"):
            length = size if kind == "Text" else 0
            precision = size if kind == "Number" else 0
            specs.append(
                FieldSpec(sobject, getattr(names, key), label, kind, length, precision, scale)
            )
    specs.append(FieldSpec("Task", names.task_key, "Reengage Task Key", "Text", 80))
    return specs


def _describe(client: SalesforceClient, sobject: str) -> dict[str, dict[str, Any]]:
    body: dict[str, Any] = client.call(lambda sf: sf.restful(f"sobjects/{sobject}/describe/") or {})
    return {str(f["name"]).lower(): f for f in body.get("fields", [])}


def check(client: SalesforceClient, writer: Writer, rules: Rules) -> list[SetupItem]:
    described = {o: _describe(client, o) for o in ("Lead", "Contact", "Task")}
    items = []
    for spec in field_specs(rules):
        found = described[spec.sobject].get(spec.name.lower())
        name = f"{spec.sobject}.{spec.name}"
        if found is None:
            items.append(
                SetupItem("field", name, "missing", f"{spec.type} field", spec.instructions())
            )
        elif found.get("type") not in spec.describe_types:
            items.append(
                SetupItem(
                    "field", name, "wrong", f"is {found.get('type')}, reengage needs {spec.type}"
                )
            )
        else:
            items.append(SetupItem("field", name, "ok"))
    names = rules.list_names()
    existing = writer.find_campaigns(names)
    items += [SetupItem("campaign", n, "ok" if n in existing else "missing") for n in names]
    owner = described["Task"].get("ownerid", {})
    targets = list(owner.get("referenceTo", []))
    status = "ok" if "User" in targets else "wrong"
    items.append(
        SetupItem(
            "owner",
            "Task.OwnerId",
            status,
            f"referenceTo: {', '.join(targets)}",
            ""
            if status == "ok"
            else "Task owners must be users: set owners.salesforce_fallback_user to an active user",
        )
    )
    return items


def apply(
    client: SalesforceClient, writer: Writer, rules: Rules, items: Sequence[SetupItem]
) -> list[SetupItem]:
    specs = {f"{s.sobject}.{s.name}": s for s in field_specs(rules)}
    out: list[SetupItem] = []
    missing_campaigns = [i.name for i in items if i.kind == "campaign" and i.status == "missing"]
    created = writer.ensure_campaigns(missing_campaigns) if missing_campaigns else {}
    for item in items:
        if item.kind == "campaign" and item.status == "missing":
            ok = item.name in created
            out.append(
                SetupItem(
                    "campaign",
                    item.name,
                    "created" if ok else "manual",
                    "",
                    "" if ok else f"create a Campaign named '{item.name}'",
                )
            )
        elif item.kind == "field" and item.status == "missing" and item.name in specs:
            out.append(_create_field(client, specs[item.name]))
        else:
            out.append(item)
    return out


def _create_field(client: SalesforceClient, spec: FieldSpec) -> SetupItem:
    name = f"{spec.sobject}.{spec.name}"
    body = {"FullName": name, "Metadata": spec.metadata()}
    try:  # retried: a second create of a field that landed answers DUPLICATE_DEVELOPER_NAME
        client.call(lambda sf: sf.restful("tooling/sobjects/CustomField", method="POST", json=body))
    except RecordError as exc:
        if exc.code != "DUPLICATE_DEVELOPER_NAME":
            log.warning("cannot create %s: %s", name, exc.user_message)
            return SetupItem("field", name, "manual", exc.user_message, spec.instructions())
    except AuthError as exc:
        log.warning("cannot create %s: %s", name, exc.user_message)
        return SetupItem("field", name, "manual", exc.user_message, spec.instructions())
    log.info("created Salesforce field %s", name)
    return SetupItem("field", name, "created", f"{spec.type} field")
