"""SOQL built from parts, never from string splicing: the one way reengage writes a query.

Values go through simple-salesforce's ``quote_soql_value`` (quotes, backslashes
and control characters escaped), except datetimes, which keep their
milliseconds (``quote_soql_value`` drops them, and a compound cursor on
``SystemModstamp`` compares to the millisecond). Identifiers (objects, fields)
are checked against :data:`IDENTIFIER` and, where the caller has the org's
describe, against the fields that really exist. A condition is a small tree
(:class:`Cmp`, :class:`In`, :class:`And`, :class:`Or`) rendered here, so no
configuration value or record value can ever become syntax.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from simple_salesforce.format import quote_soql_value

from connectors.errors import ConfigurationError
from connectors.timeparse import salesforce_literal

IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(__c)?$")
OPERATORS = frozenset({"=", "!=", "<", "<=", ">", ">="})

Value = str | int | float | bool | date | datetime | None


def identifier(name: str, known: Collection[str] | None = None) -> str:
    """Returns ``name`` if it is a plain SOQL identifier (and, given ``known``, one of those).

    A relationship path (``Account.Name``) is checked part by part; ``known`` checks
    only names without a dot (a parent's fields are the parent's describe).

    Raises:
        ConfigurationError: the name could change a query's meaning, or the org lacks it.
    """
    if not isinstance(name, str) or not all(IDENTIFIER.match(p) for p in name.split(".")):
        raise ConfigurationError(
            f"{name!r} is not a valid Salesforce field or object name", platform="salesforce"
        )
    if known is not None and "." not in name and name.lower() not in {k.lower() for k in known}:
        raise ConfigurationError(
            f"Salesforce has no field {name!r} here (describe does not list it)",
            platform="salesforce",
        )
    return name


def literal(value: Value | Sequence[Value]) -> str:
    """One value (or a list of values, for IN) as a SOQL literal.

    Raises:
        ValueError: a type SOQL has no literal for, or a non-finite number.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime has no SOQL literal")
        return salesforce_literal(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("non-finite number has no SOQL literal")
    if isinstance(value, list | tuple | set | frozenset):
        if not value:
            raise ValueError("an empty list has no SOQL literal")
        return "(" + ",".join(literal(v) for v in value) + ")"
    if value is None or isinstance(value, str | bool | int | float | date):
        return str(quote_soql_value(value))
    raise ValueError(f"{type(value).__name__} has no SOQL literal")


@dataclass(frozen=True, slots=True)
class Cmp:
    field: str
    op: str
    value: Value


@dataclass(frozen=True, slots=True)
class In:
    field: str
    values: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class And:
    parts: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Or:
    parts: tuple[Condition, ...]


Condition = Cmp | In | And | Or


def render_condition(cond: Condition, known: Collection[str] | None = None) -> str:
    """A condition tree as SOQL; every nested group is parenthesised."""
    if isinstance(cond, Cmp):
        if cond.op not in OPERATORS:
            raise ValueError(f"unknown operator {cond.op!r}")
        return f"{identifier(cond.field, known)} {cond.op} {literal(cond.value)}"
    if isinstance(cond, In):
        return f"{identifier(cond.field, known)} IN {literal(cond.values)}"
    joiner = " AND " if isinstance(cond, And) else " OR "
    if not cond.parts:
        raise ValueError("an empty AND / OR has no SOQL form")
    rendered = [
        render_condition(p, known) if isinstance(p, Cmp | In) else f"({render_condition(p, known)})"
        for p in cond.parts
    ]
    return joiner.join(rendered)


def select(
    sobject: str,
    fields: Sequence[str],
    where: Condition | None = None,
    *,
    order_by: Sequence[str] = (),
    descending: bool = False,
    limit: int | None = None,
    known: Collection[str] | None = None,
) -> str:
    """``SELECT fields FROM sobject [WHERE ...] [ORDER BY ...] [LIMIT n]``, all parts checked."""
    if not fields:
        raise ValueError("a query needs at least one field")
    parts = [
        "SELECT " + ", ".join(identifier(f, known) for f in fields),
        "FROM " + identifier(sobject),
    ]
    if where is not None:
        parts.append("WHERE " + render_condition(where, known))
    if order_by:
        direction = " DESC" if descending else ""
        parts.append("ORDER BY " + ", ".join(identifier(f, known) + direction for f in order_by))
    if limit is not None:
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise ValueError("LIMIT must be a non-negative integer")
        parts.append(f"LIMIT {limit}")
    return " ".join(parts)


def after_cursor(ts: datetime, record_id: str, stamp_field: str = "SystemModstamp") -> Condition:
    """Rows strictly after the compound cursor (timestamp, id): timestamps repeat, ids do not."""
    return Or(
        (Cmp(stamp_field, ">", ts), And((Cmp(stamp_field, "=", ts), Cmp("Id", ">", record_id))))
    )
