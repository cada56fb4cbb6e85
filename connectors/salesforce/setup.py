"""``reengage setup`` for Salesforce: the custom fields, the campaigns, and who may own a Task.

:func:`check` reads describe for Lead, Contact and Task and reports each field
reengage writes (``rules.fields.salesforce``) as ``ok``, ``missing`` (can be created)
or ``wrong`` (exists with another type: reported, never changed); each campaign
reengage owns as ``ok`` or ``missing``; and ``Task.OwnerId``'s ``referenceTo``
(most queues cannot own Tasks, so the owner fallback must be a User).
In formula mode (``fields.dormant_days_mode``) the dormant days field is a Number
formula over ``quiet_since`` (:func:`dormant_days_formula`); a plain field of that
name is ``wrong`` (Salesforce does not turn a field into a formula in place), and
so is a formula field of that name in written mode (it cannot be written).
:func:`apply` creates missing fields through the Tooling API
(``tooling/sobjects/CustomField``) and missing campaigns; a field the user may not
create becomes ``manual`` with exactly what an admin must create.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from config.rules import Rules
from config.rules_platform import PERSON_FIELDS, FieldKind
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
    formula: str = ""  # a formula field of this return type when set

    @property
    def describe_types(self) -> frozenset[str]:
        return {
            "Text": frozenset({"string"}),
            "Number": frozenset({"double", "int"}),
            "DateTime": frozenset({"datetime"}),
            "Checkbox": frozenset({"boolean"}),
        }[self.type]

    @property
    def kind(self) -> str:
        return f"{self.type} formula field" if self.formula else f"{self.type} field"

    def metadata(self) -> dict[str, Any]:
        body: dict[str, Any] = {"label": self.label, "type": self.type}
        if self.type == "Text":
            body["length"] = self.length
        if self.type == "Number":
            body.update(precision=self.precision, scale=self.scale)
        if self.type == "Checkbox":
            body["defaultValue"] = "false"
        if self.formula:
            body.update(formula=self.formula, formulaTreatBlanksAs="BlankAsBlank")
        return body

    def mismatch(self, found: dict[str, Any]) -> str | None:
        """Why a described field cannot serve as this one (None when it can)."""
        kind = "formula" if found.get("calculated") else "plain"
        if found.get("type") not in self.describe_types:
            return f"is {found.get('type')}, reengage needs {self.type}"
        if self.formula and kind == "plain":
            return (
                f"is a plain {self.type} field; formula mode needs a formula field and "
                "Salesforce does not turn a field into a formula in place: delete the field "
                "(its values go) and run setup --create again, or name another field in "
                "fields.salesforce.dormant_days"
            )
        if not self.formula and kind == "formula":
            return (
                "is a formula field, which cannot be written; set "
                'fields.dormant_days_mode = "formula" or name another field'
            )
        return None

    def instructions(self) -> str:
        if self.formula:
            return (
                f"Setup > Object Manager > {self.sobject} > Fields & Relationships > New: "
                f"type Formula, return type {self.type}, {self.scale} decimal places, Field "
                f"Label '{self.label}', Field Name '{self.name.removesuffix('__c')}' (API "
                f"name {self.name}), formula {self.formula}, blank fields as blanks; give "
                "the integration user read access."
            )
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


# a field's kind -> Salesforce's field type
_TYPES: dict[FieldKind, str] = {
    "text": "Text",
    "number": "Number",
    "datetime": "DateTime",
    "bool": "Checkbox",
}


def dormant_days_formula(rules: Rules) -> str:
    """Days since ``quiet_since``, whole days down, as reengage counts them (SPEC §4).

    A Date/Time minus a Date/Time is a number of days with the time as its fraction;
    ``NOW()`` rather than ``TODAY()``, whose date is the viewing user's.
    """
    return f"FLOOR(NOW() - {rules.fields.salesforce.quiet_since})"


def field_specs(rules: Rules) -> list[FieldSpec]:
    """Every custom field reengage writes (or, in formula mode, reads), with its shape."""
    names = rules.fields.salesforce
    formula = dormant_days_formula(rules) if rules.fields.formula_mode else ""
    specs, formulas = [], []
    for field in PERSON_FIELDS:
        kind = _TYPES[field.kind]
        length = field.size if field.kind == "text" else 0
        precision = field.size if field.kind == "number" else 0
        for sobject in ("Lead", "Contact"):
            name = getattr(names, field.key)
            spec = FieldSpec(sobject, name, field.label, kind, length, precision, field.scale)
            if field.key == "dormant_days" and formula:
                formulas.append(replace(spec, formula=formula))
            else:
                specs.append(spec)
    specs += formulas  # after the fields they read: a formula naming no field is refused
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
            items.append(SetupItem("field", name, "missing", spec.kind, spec.instructions()))
        elif (why := spec.mismatch(found)) is not None:
            items.append(SetupItem("field", name, "wrong", why))
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
    return SetupItem("field", name, "created", spec.kind)
