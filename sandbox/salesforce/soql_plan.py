"""Binds a parsed SOQL query to the schema and compiles its WHERE clause to a predicate.

Binding is where Salesforce's name errors come from (``INVALID_TYPE`` for an unknown
object, ``INVALID_FIELD`` for an unknown field or a literal of the wrong type). The
predicate is a tree of closures over plain record dicts; comparisons follow SOQL: text
compares without regard to case, ``!=`` also matches null, ids match in their 15- or
18-character form (on their case-sensitive first 15 characters).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.salesforce.ids import to18
from sandbox.salesforce.schema import FieldDef, ObjectDef, Schema
from sandbox.salesforce.soql_lexer import SoqlError
from sandbox.salesforce.soql_parser import (
    BoolOp,
    Compare,
    Expr,
    InList,
    Like,
    Literal,
    Not,
    Query,
)

Record = dict[str, Any]
Resolver = Callable[[str], Record | None]
Getter = Callable[[Record], Any]
Predicate = Callable[[Record], bool]

_LITERAL_CLASS = {"STRING": "string", "NUMBER": "number", "DATE": "date", "DATETIME": "datetime"}
_LITERAL_CLASS["BOOLEAN"] = "boolean"
_ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@dataclass(frozen=True, slots=True)
class Column:
    """One selected or filtered path: ``Email`` or ``Owner.Name``, in canonical spelling."""

    name: str
    field: FieldDef
    relationship: str | None
    getter: Getter


@dataclass(frozen=True, slots=True)
class Plan:
    """A bound query, ready to run against a table."""

    query: Query
    object: ObjectDef
    columns: tuple[Column, ...]
    predicate: Predicate | None
    order: tuple[tuple[Column, bool, bool], ...]  # column, descending, nulls first


def bind(query: Query, schema: Schema, resolve: Resolver) -> Plan:
    """Checks names and types against the schema and compiles the query.

    Raises:
        SoqlError: ``INVALID_TYPE`` or ``INVALID_FIELD`` (or ``MALFORMED_QUERY``).
    """
    target = schema.get(query.object_name)
    if target is None:
        raise SoqlError(
            f"sObject type '{query.object_name}' is not supported. If you are attempting to use"
            " a custom object, be sure to append the '__c' after the entity name.",
            "INVALID_TYPE",
        )
    binder = _Binder(target, schema, resolve)
    columns: dict[str, Column] = {}
    for path in query.fields:
        column = binder.column(path)
        columns.setdefault(column.name.lower(), column)
    predicate = binder.predicate(query.where) if query.where is not None else None
    order = tuple(
        (binder.column(item.path), item.descending, item.nulls_first) for item in query.order
    )
    return Plan(query, target, tuple(columns.values()), predicate, order)


class _Binder:
    def __init__(self, target: ObjectDef, schema: Schema, resolve: Resolver) -> None:
        self.target = target
        self.schema = schema
        self.resolve = resolve

    def column(self, path: str) -> Column:
        parts = path.split(".")
        if len(parts) == 1:
            definition = self._field(self.target, path)
            return Column(definition.name, definition, None, definition.value)
        if len(parts) != 2:
            raise SoqlError(f"relationship path too deep: {path}")
        return self._related(parts[0], parts[1])

    def _related(self, relationship: str, field_name: str) -> Column:
        reference = self.target.relationship(relationship)
        if reference is None or not reference.reference_to:
            raise SoqlError(
                f"Didn't understand relationship '{relationship}' in field path. If you are"
                " attempting to use a custom relationship, be sure to append the '__r'",
                "INVALID_FIELD",
            )
        parent = self.schema.get(reference.reference_to[0])
        assert parent is not None  # the schema only references its own objects
        definition = self._field(parent, field_name)
        ref_name, resolve = reference.name, self.resolve

        def getter(record: Record) -> Any:
            parent_id = record.get(ref_name)
            parent_record = resolve(parent_id) if parent_id else None
            return None if parent_record is None else definition.value(parent_record)

        rel = reference.relationship_name or relationship
        return Column(f"{rel}.{definition.name}", definition, rel, getter)

    def _field(self, owner: ObjectDef, name: str) -> FieldDef:
        definition = owner.field(name)
        if definition is None:
            raise SoqlError(
                f"No such column '{name}' on entity '{owner.name}'. If you are attempting to use"
                " a custom field, be sure to append the '__c' after the custom field name.",
                "INVALID_FIELD",
            )
        return definition

    def predicate(self, expr: Expr) -> Predicate:
        if isinstance(expr, BoolOp):
            parts = tuple(self.predicate(operand) for operand in expr.operands)
            if expr.op == "AND":
                return lambda r: all(p(r) for p in parts)
            return lambda r: any(p(r) for p in parts)
        if isinstance(expr, Not):
            inner = self.predicate(expr.operand)
            return lambda r: not inner(r)
        if isinstance(expr, Like):
            return self._like(expr)
        if isinstance(expr, InList):
            return self._in(expr)
        return self._compare(expr)

    def _value(self, column: Column, literal: Literal) -> Any:
        if literal.kind == "NULL":
            return None
        wanted = column.field.value_class
        if _LITERAL_CLASS[literal.kind] != wanted:
            raise SoqlError(
                f"value of filter criterion for field '{column.name}' must be of type {wanted}"
                " and should not be enclosed in quotes"
                if literal.kind == "STRING"
                else f"value of filter criterion for field '{column.name}' must be of type"
                f" {wanted}",
                "INVALID_FIELD",
            )
        return _normalise(column.field, literal.value)

    def _compare(self, expr: Compare) -> Predicate:
        column = self.column(expr.path)
        value = self._value(column, expr.literal)
        get = _normalised_getter(column)
        if expr.op == "=":
            return lambda r: get(r) == value
        if expr.op == "!=":
            return lambda r: get(r) != value
        if value is None or column.field.value_class == "boolean":
            raise SoqlError(f"invalid operator {expr.op} for field '{column.name}'")
        ordering = _ORDERING[expr.op]

        def compare(record: Record) -> bool:
            current = get(record)
            return current is not None and bool(ordering(current, value))

        return compare

    def _in(self, expr: InList) -> Predicate:
        column = self.column(expr.path)
        values = frozenset(self._value(column, literal) for literal in expr.literals)
        get = _normalised_getter(column)
        if expr.negated:
            return lambda r: get(r) not in values
        return lambda r: get(r) in values

    def _like(self, expr: Like) -> Predicate:
        column = self.column(expr.path)
        if column.field.value_class != "string":
            raise SoqlError(f"invalid operator on field '{column.name}': LIKE", "INVALID_FIELD")
        pattern = re.compile(expr.literal.like or "", re.IGNORECASE | re.DOTALL)
        get = column.getter

        def like(record: Record) -> bool:
            current = get(record)
            return current is not None and pattern.fullmatch(str(current)) is not None

        return like


def _normalise(definition: FieldDef, value: Any) -> Any:
    """The form comparisons use: 18-character ids, case-folded text."""
    if value is None or definition.value_class != "string":
        return value
    if definition.type in ("id", "reference"):
        return value[:15] if to18(value) else value
    return str(value).casefold()


def _normalised_getter(column: Column) -> Getter:
    get, definition = column.getter, column.field
    if definition.value_class != "string":
        return get
    if definition.type in ("id", "reference"):
        return lambda r: None if (v := get(r)) is None else v[:15]
    return lambda r: None if (v := get(r)) is None else str(v).casefold()
