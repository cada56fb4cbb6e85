"""SOQL subset: tokenizer and parser table, schema binding errors, evaluation semantics."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from simple_salesforce.format import format_soql

from sandbox.salesforce.schema import Schema
from sandbox.salesforce.soql_lexer import SoqlError
from sandbox.salesforce.soql_parser import BoolOp, Compare, InList, Like, Not, parse
from sandbox.salesforce.soql_plan import bind
from sandbox.salesforce.soql_run import execute
from sandbox.salesforce.store import Table

BASE = datetime(2026, 1, 1, tzinfo=UTC)

VALID = [
    ("SELECT Id FROM Lead", "Lead"),
    ("select id, name from lead where name = 'x'", "lead"),
    ("SELECT Id FROM Lead WHERE (A = 1 OR B = 2) AND NOT C = 3", "Lead"),
    ("SELECT COUNT() FROM Task WHERE IsClosed = true", "Task"),
    (
        "SELECT Id FROM Task WHERE SystemModstamp > 2026-01-01T00:00:00Z"
        " ORDER BY SystemModstamp, Id LIMIT 2000",
        "Task",
    ),
    ("SELECT Id FROM Task WHERE SystemModstamp >= 2026-01-01T00:00:00.000+0000", "Task"),
    ("SELECT Id FROM Task WHERE SystemModstamp < 2026-01-01T05:30:00+05:30", "Task"),
    ("SELECT Id FROM Lead WHERE ConvertedDate = 2026-01-01", "Lead"),
    ("SELECT Id FROM Lead WHERE Status IN ('a', 'b') AND Email NOT IN ('c')", "Lead"),
    ("SELECT Id FROM Lead WHERE Name LIKE 'Jo%' ORDER BY Name DESC NULLS LAST", "Lead"),
    ("SELECT Id FROM Lead WHERE Email != null AND Amount__c <= -1.5", "Lead"),
    ("SELECT Owner.Name FROM Lead WHERE Owner.IsActive = false", "Lead"),
]

MALFORMED = [
    ("SELECT FROM Lead", "no fields"),
    ("SELECT Id Lead", "no FROM"),
    ("SELECT Id FROM Lead WHERE", "empty WHERE"),
    ("SELECT Id FROM Lead WHERE A = 1 AND B = 2 OR C = 3", "AND/OR without parentheses"),
    ("SELECT Id FROM Lead WHERE Name = 'unterminated", "unterminated string"),
    ("SELECT Id FROM Lead WHERE Name = 'bad \\q escape'", "unknown escape"),
    ('SELECT Id FROM Lead WHERE Name = "double"', "double quotes"),
    ("SELECT Id FROM Lead LIMIT -1", "negative limit"),
    ("SELECT Id FROM Lead LIMIT 10 OFFSET 5", "OFFSET"),
    ("SELECT Id FROM Lead GROUP BY Name", "GROUP BY"),
    ("SELECT Id FROM Lead WHERE CreatedDate > LAST_N_DAYS:30", "date literal functions"),
    ("SELECT Id FROM Lead WHERE Name LIKE 5", "LIKE a number"),
    ("SELECT Id FROM Lead; DELETE", "trailing junk"),
]


@pytest.mark.parametrize(("soql", "object_name"), VALID, ids=[v[0][:60] for v in VALID])
def test_valid_queries_parse(soql: str, object_name: str) -> None:
    assert parse(soql).object_name == object_name


@pytest.mark.parametrize(("soql", "why"), MALFORMED, ids=[m[1] for m in MALFORMED])
def test_malformed_queries_are_refused(soql: str, why: str) -> None:
    with pytest.raises(SoqlError) as caught:
        parse(soql)
    assert caught.value.code == "MALFORMED_QUERY"


HOSTILE = ["' OR Name != '", "x' OR Name != 'y", "back\\slash", "\\' OR 1=1 --", "%_'\"\n\t"]


@pytest.mark.parametrize(
    "value",
    HOSTILE,
    ids=["or-break-out", "quoted-or", "backslash", "escaped-quote", "wildcards-and-controls"],
)
def test_hostile_values_quoted_by_format_soql_stay_one_literal(value: str) -> None:
    query = parse(format_soql("SELECT Id FROM Lead WHERE Name = {}", value))
    assert query.where == Compare("Name", "=", query.where.literal)  # type: ignore[union-attr]
    assert query.where.literal.value == value  # type: ignore[union-attr]


def test_unquoted_break_out_changes_the_tree_which_is_why_quoting_matters() -> None:
    query = parse("SELECT Id FROM Lead WHERE Name = '' OR Name != ''")
    assert isinstance(query.where, BoolOp) and query.where.op == "OR"


def test_tree_shapes() -> None:
    where = parse("SELECT Id FROM Lead WHERE NOT (A IN (1, 2) OR B LIKE 'x\\%%')").where
    assert isinstance(where, Not) and isinstance(where.operand, BoolOp)
    in_list, like = where.operand.operands
    assert isinstance(in_list, InList) and not in_list.negated
    assert isinstance(like, Like) and like.literal.value == "x%%"


def _table(n: int) -> tuple[Schema, Table]:
    schema = Schema()
    table = Table(schema.get("Lead"))  # type: ignore[arg-type]
    rows = []
    for i in range(n):
        stamp = BASE + timedelta(minutes=i // 3)  # repeated timestamps
        rows.append(
            {
                "Id": f"00QSD{i:010d}AAA",
                "LastName": f"Name{i % 5}",
                "Company": "c",
                "Email": None if i % 4 == 0 else f"P{i}@Example.com",
                "ConvertedDate": date(2026, 1, 1 + i % 20),
                "SystemModstamp": stamp,
                "CreatedDate": stamp,
                "IsDeleted": i % 9 == 0,
            }
        )
    table.load(rows)
    return schema, table


def _ids(soql: str, n: int = 60, include_deleted: bool = False) -> list[str]:
    schema, table = _table(n)
    plan = bind(parse(soql), schema, lambda _i: None)
    return [r["Id"] for r in execute(plan, table, include_deleted=include_deleted)]


def test_index_walk_matches_full_scan_with_compound_cursor() -> None:
    soql = (
        "SELECT Id FROM Lead WHERE SystemModstamp > 2026-01-01T00:05:00Z "
        "ORDER BY SystemModstamp, Id LIMIT 7"
    )
    _, table = _table(60)
    expected = sorted(
        (
            r
            for r in table.records.values()
            if r["SystemModstamp"] > BASE + timedelta(minutes=5) and not r["IsDeleted"]
        ),
        key=lambda r: (r["SystemModstamp"], r["Id"]),
    )[:7]
    assert _ids(soql) == [r["Id"] for r in expected]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Email = 'p1@example.com'", 1),  # text equality ignores case
        ("Email != 'p1@example.com'", 52),  # != keeps nulls
        ("Email = null", 13),
        ("Email LIKE 'p1%'", 8),
        ("LastName IN ('name1', 'NAME2')", 22),
        ("LastName NOT IN ('Name1')", 42),
        ("ConvertedDate >= 2026-01-19", 5),
        ("NOT (Email = null OR LastName = 'Name0')", 32),
    ],
    ids=["eq-case", "neq-null", "null", "like", "in", "not-in", "date", "not-or"],
)
def test_where_semantics(where: str, expected: int) -> None:
    assert len(_ids(f"SELECT Id FROM Lead WHERE {where}")) == expected


def test_query_all_keeps_deleted_rows() -> None:
    assert len(_ids("SELECT Id FROM Lead", include_deleted=True)) == 60
    assert len(_ids("SELECT Id FROM Lead")) == 53


def test_order_by_text_nulls_first_then_limit() -> None:
    ids = _ids("SELECT Id FROM Lead ORDER BY Email NULLS FIRST, Id LIMIT 3")
    assert ids == ["00QSD0000000004AAA", "00QSD0000000008AAA", "00QSD0000000012AAA"]


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Id FROM Nope", "INVALID_TYPE"),
        ("SELECT Nope FROM Lead", "INVALID_FIELD"),
        ("SELECT Id FROM Lead WHERE Nope = 1", "INVALID_FIELD"),
        ("SELECT Id FROM Lead WHERE CreatedDate > '2026-01-01'", "INVALID_FIELD"),
        ("SELECT Id FROM Lead WHERE Email = 5", "INVALID_FIELD"),
        ("SELECT Nope.Name FROM Lead", "INVALID_FIELD"),
    ],
    ids=["object", "field", "where-field", "quoted-datetime", "number-for-text", "relationship"],
)
def test_binding_errors(soql: str, code: str) -> None:
    with pytest.raises(SoqlError) as caught:
        bind(parse(soql), Schema(), lambda _i: None)
    assert caught.value.code == code


CURSOR_FORMS = [
    "SystemModstamp > {ts} OR (SystemModstamp = {ts} AND Id > '{id}')",
    "SystemModstamp >= {ts} AND (SystemModstamp > {ts} OR Id > '{id}')",
]


@pytest.mark.parametrize("form", CURSOR_FORMS, ids=["or-form", "and-form"])
def test_compound_cursor_pages_visit_every_record_once(form: str) -> None:
    schema, table = _table(90)
    seen: list[str] = []
    stamp, last_id = "2025-12-31T00:00:00Z", ""
    while True:
        where = form.format(ts=stamp, id=last_id)
        soql = f"SELECT Id FROM Lead WHERE {where} ORDER BY SystemModstamp, Id LIMIT 4"
        page = execute(bind(parse(soql), schema, lambda _i: None), table, include_deleted=True)
        if not page:
            break
        seen += [r["Id"] for r in page]
        stamp = page[-1]["SystemModstamp"].strftime("%Y-%m-%dT%H:%M:%SZ")
        last_id = page[-1]["Id"]
    assert sorted(seen) == sorted(table.records) and len(seen) == len(set(seen))
