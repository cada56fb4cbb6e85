"""Describe bodies: ``sobjects/`` (describeGlobal) and ``sobjects/{Object}/describe``.

Only the keys a client uses are filled (names, types, labels, custom, createable,
updateable, nillable, picklist values, referenceTo, relationship names, lengths); that
is enough for simple-salesforce and for a connector that checks its custom fields
exist or which objects ``Task.OwnerId`` may point at.
"""

from __future__ import annotations

from typing import Any

from sandbox.salesforce.schema import FieldDef, ObjectDef, Schema

_SOAP_TYPES = {
    "id": "tns:ID", "reference": "tns:ID", "boolean": "xsd:boolean", "datetime": "xsd:dateTime",
    "date": "xsd:date", "double": "xsd:double", "currency": "xsd:double", "percent": "xsd:double",
    "int": "xsd:int",
}  # fmt: skip


def _urls(definition: ObjectDef, version: str) -> dict[str, str]:
    base = f"/services/data/v{version}/sobjects/{definition.name}"
    return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}


def _summary(definition: ObjectDef, version: str) -> dict[str, Any]:
    return {
        "name": definition.name,
        "label": definition.label,
        "labelPlural": definition.label + "s",
        "keyPrefix": definition.key_prefix,
        "custom": definition.name.endswith("__c"),
        "createable": True,
        "updateable": True,
        "deletable": True,
        "queryable": True,
        "replicateable": True,
        "retrieveable": True,
        "searchable": True,
        "urls": _urls(definition, version),
    }


def describe_global(schema: Schema, version: str) -> dict[str, Any]:
    objects = sorted(schema.objects.values(), key=lambda o: o.name)
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [_summary(o, version) for o in objects],
    }


def describe_field(item: FieldDef) -> dict[str, Any]:
    return {
        "name": item.name,
        "label": item.label,
        "type": item.type,
        "soapType": _SOAP_TYPES.get(item.type, "xsd:string"),
        "custom": item.custom,
        "createable": item.createable,
        "updateable": item.updateable,
        "calculated": bool(item.formula),
        "calculatedFormula": item.formula or None,
        "nillable": item.nillable,
        "defaultedOnCreate": item.default is not None or item.name == "OwnerId",
        "length": item.length if item.value_class == "string" else 0,
        "filterable": True,
        "sortable": item.type != "textarea",
        "externalId": False,
        "unique": False,
        "picklistValues": [
            {"active": True, "defaultValue": value == item.default, "label": value, "value": value}
            for value in item.picklist
        ],
        "referenceTo": list(item.reference_to),
        "relationshipName": item.relationship_name,
        "polymorphicForeignKey": len(item.reference_to) > 1,
    }


def describe_object(definition: ObjectDef, version: str) -> dict[str, Any]:
    body = _summary(definition, version)
    body["fields"] = [describe_field(f) for f in definition.fields.values()]
    body["childRelationships"] = []
    body["recordTypeInfos"] = []
    return body
