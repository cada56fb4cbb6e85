"""The quoting helper: no value can become syntax, no bad name gets in.

Each rendered query is parsed back with the emulator's SOQL parser, which reads
string literals with Salesforce's escapes: the filter it finds must be exactly the
one intended, holding the hostile value whole.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.errors import ConfigurationError
from connectors.salesforce import soql
from sandbox.salesforce.soql_parser import BoolOp, Compare, InList, parse

HOSTILE = [
    "' OR Name != '",
    "O'Brien",
    "back\\slash",
    "\\' OR Id != null OR Name = \\'",
    "trailing backslash \\",
    'double "quotes"',
    "new\nline\ttab",
    "100% _like_",
    "x') OR (Name != 'y",
]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_a_hostile_value_stays_one_literal(value: str) -> None:
    query = soql.select("Lead", ("Id", "Name"), soql.Cmp("Email", "=", value))
    where = parse(query).where
    assert isinstance(where, Compare)
    assert (where.path, where.op, where.literal.kind, where.literal.value) == (
        "Email",
        "=",
        "STRING",
        value,
    )


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_a_hostile_value_in_a_list_stays_one_item(value: str) -> None:
    query = soql.select("Campaign", ("Id",), soql.In("Name", (value, "Reengage: sunset")))
    where = parse(query).where
    assert isinstance(where, InList) and not where.negated
    assert [lit.value for lit in where.literals] == [value, "Reengage: sunset"]


@given(st.text(max_size=40))
def test_any_text_round_trips_through_the_parser(value: str) -> None:
    where = parse(soql.select("Task", ("Id",), soql.Cmp("Subject", "=", value))).where
    assert isinstance(where, Compare) and where.literal.value == value


BAD_NAMES = ["Name, Id", "Name FROM Lead WHERE", "Email'", "1Field", "Field__c--", "", "a b"]


@pytest.mark.parametrize("name", BAD_NAMES, ids=range(len(BAD_NAMES)))
def test_a_bad_identifier_is_refused(name: str) -> None:
    with pytest.raises(ConfigurationError):
        soql.identifier(name)
    with pytest.raises(ConfigurationError):
        soql.select("Lead", (name,))


@pytest.mark.parametrize(
    "name", ["Id", "Reengage_Status__c", "Account.Name", "ns__Thing__c"], ids=str
)
def test_good_identifiers_pass(name: str) -> None:
    assert soql.identifier(name) == name


def test_an_identifier_missing_from_describe_is_refused() -> None:
    assert soql.identifier("Email", known={"Id", "email"}) == "Email"
    with pytest.raises(ConfigurationError, match="no field"):
        soql.identifier("Reengage_Status__c", known={"Id", "Email"})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 11, 24, 18, 10, 32, 123456, tzinfo=UTC), "2026-11-24T18:10:32.123Z"),
        (date(2026, 11, 24), "2026-11-24"),
        (True, "true"),
        (None, "null"),
        (12, "12"),
        ("a'b", "'a\\'b'"),
        (("a", "b"), "('a','b')"),
    ],
    ids=["datetime-keeps-ms", "date", "bool", "null", "int", "string", "list"],
)
def test_literals(value: soql.Value, expected: str) -> None:
    assert soql.literal(value) == expected


@pytest.mark.parametrize(
    "value",
    [datetime(2026, 1, 1), float("nan"), (), object()],
    ids=["naive", "nan", "empty-list", "object"],
)
def test_values_without_a_literal_are_refused(value: object) -> None:
    with pytest.raises(ValueError):
        soql.literal(value)  # type: ignore[arg-type]


def test_the_compound_cursor_condition() -> None:
    ts = datetime(2026, 11, 24, 18, 10, 32, tzinfo=UTC)
    query = soql.select(
        "Lead", ("Id",), soql.after_cursor(ts, "00Q' OR Id != '"), order_by=("SystemModstamp", "Id")
    )
    assert query == (
        "SELECT Id FROM Lead WHERE SystemModstamp > 2026-11-24T18:10:32.000Z OR "
        "(SystemModstamp = 2026-11-24T18:10:32.000Z AND Id > '00Q\\' OR Id != \\'') "
        "ORDER BY SystemModstamp, Id"
    )
    where = parse(query).where
    assert isinstance(where, BoolOp) and where.op == "OR" and len(where.operands) == 2
    inner = where.operands[1]
    assert isinstance(inner, BoolOp) and inner.op == "AND"
    assert isinstance(inner.operands[1], Compare)
    assert inner.operands[1].literal.value == "00Q' OR Id != '"


def test_limit_and_descending() -> None:
    query = soql.select(
        "Lead", ("Id",), order_by=("SystemModstamp", "Id"), descending=True, limit=1
    )
    assert query == "SELECT Id FROM Lead ORDER BY SystemModstamp DESC, Id DESC LIMIT 1"
    with pytest.raises(ValueError):
        soql.select("Lead", ("Id",), limit=-1)
