"""Tooling API ``POST tooling/sobjects/CustomField``: creates a custom field at run time.

``reengage setup`` creates its ``Reengage_*__c`` fields this way when the user may
customise the org; with ``knobs.can_customize`` off the call answers 403
``INSUFFICIENT_ACCESS``, as for a user without "Customize Application". Metadata
with a ``formula`` makes a formula field (:mod:`.formula`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse, Response

from sandbox.salesforce.errors import ApiError, bad_request
from sandbox.salesforce.formula import compile_formula
from sandbox.salesforce.ids import IdMinter
from sandbox.salesforce.routing import Call
from sandbox.salesforce.schema import FieldDef, ObjectDef

FIELD_IDS = IdMinter("00N")
# Metadata type -> (describe type, default when unset)
_TYPES: dict[str, tuple[str, object]] = {
    "Text": ("string", None), "TextArea": ("textarea", None), "LongTextArea": ("textarea", None),
    "Checkbox": ("boolean", False), "Date": ("date", None), "DateTime": ("datetime", None),
    "Number": ("double", None), "Currency": ("currency", None), "Percent": ("percent", None),
    "Picklist": ("picklist", None), "Email": ("email", None), "Phone": ("phone", None),
    "Url": ("url", None), "Lookup": ("reference", None),
}  # fmt: skip


def formula_field(
    name: str, metadata: dict[str, Any], owner: ObjectDef, now: Callable[[], datetime]
) -> FieldDef:
    """A formula FieldDef from CustomField metadata with a ``formula``: read-only, computed.

    Raises:
        ApiError: 400 for an unknown return type or a formula the sandbox cannot evaluate.
    """
    plain = field_from_metadata(name, {**metadata, "formula": None})
    text = str(metadata["formula"])
    compute = compile_formula(text, owner, now)
    return FieldDef(
        name=name, type=plain.type, label=plain.label, custom=True, createable=False,
        updateable=False, nillable=True, length=plain.length, formula=text, compute=compute,
    )  # fmt: skip


def field_from_metadata(name: str, metadata: dict[str, Any]) -> FieldDef:
    """A FieldDef from CustomField metadata (``label``, ``type``, ``length``...).

    Raises:
        ApiError: 400 for an unknown type.
    """
    kind = str(metadata.get("type", ""))
    if kind not in _TYPES:
        raise bad_request("FIELD_INTEGRITY_EXCEPTION", f"Unknown field type: {kind}", ["Metadata"])
    describe_type, default = _TYPES[kind]
    picklist = metadata.get("valueSet", {}).get("valueSetDefinition", {}).get("value", [])
    values = tuple(str(v.get("fullName")) for v in picklist if isinstance(v, dict))
    length = int(metadata.get("length") or (32768 if kind == "LongTextArea" else 255))
    reference_to = (str(metadata["referenceTo"]),) if metadata.get("referenceTo") else ()
    return FieldDef(
        name=name, type=describe_type, label=str(metadata.get("label") or name), custom=True,
        nillable=describe_type != "boolean", picklist=values, reference_to=reference_to,
        length=length, default=default if metadata.get("defaultValue") is None else (
            str(metadata["defaultValue"]).lower() == "true"
        ),
    )  # fmt: skip


async def create_custom_field(call: Call) -> Response:
    if not call.state.knobs.can_customize:
        raise ApiError(
            403, "INSUFFICIENT_ACCESS", "insufficient access rights on cross-reference id"
        )
    body = await call.json()
    full_name = str(body.get("FullName", "")) if isinstance(body, dict) else ""
    object_name, _, field_name = full_name.partition(".")
    definition = call.state.schema.get(object_name)
    if definition is None:
        raise bad_request("INVALID_TYPE", f"sObject type '{object_name}' is not supported.")
    if not field_name.endswith("__c") or len(field_name) <= 3:
        raise bad_request(
            "FIELD_INTEGRITY_EXCEPTION", "Custom field names must end with __c", ["FullName"]
        )
    if definition.field(field_name) is not None:
        message = f"Duplicate developer name: {field_name}"
        raise bad_request("DUPLICATE_DEVELOPER_NAME", message, ["FullName"])
    metadata = body.get("Metadata")
    if not isinstance(metadata, dict):
        raise bad_request("REQUIRED_FIELD_MISSING", "Metadata is required", ["Metadata"])
    if metadata.get("formula"):
        made = formula_field(field_name, metadata, definition, call.state.now)
    else:
        made = field_from_metadata(field_name, metadata)
    call.state.schema.add_field(definition.name, made)
    return JSONResponse(
        {"id": FIELD_IDS.next(), "success": True, "errors": [], "warnings": []}, 201
    )
