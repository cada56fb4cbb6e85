"""Recursive-descent parser for the SOQL subset the emulator serves.

Grammar (keywords case-insensitive)::

    query     := SELECT fields FROM name [WHERE expr] [ORDER BY order (, order)*] [LIMIT n]
    fields    := COUNT() | path (, path)*
    expr      := unary ((AND unary)* | (OR unary)*)     -- mixing AND and OR needs parentheses
    unary     := NOT unary | '(' expr ')' | condition
    condition := path op literal | path [NOT] IN '(' literal (, literal)* ')' | path LIKE string
    order     := path [ASC|DESC] [NULLS FIRST|LAST]

The parser only builds a syntax tree; names are checked against the schema later
(``soql_plan``), which is where ``INVALID_FIELD`` / ``INVALID_TYPE`` come from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.salesforce.soql_lexer import SoqlError, Token, tokenize


@dataclass(frozen=True, slots=True)
class Literal:
    """``kind`` is STRING, NUMBER, DATE, DATETIME, BOOLEAN or NULL."""

    kind: str
    value: Any
    like: str | None = None


@dataclass(frozen=True, slots=True)
class Compare:
    path: str
    op: str
    literal: Literal


@dataclass(frozen=True, slots=True)
class InList:
    path: str
    literals: tuple[Literal, ...]
    negated: bool


@dataclass(frozen=True, slots=True)
class Like:
    path: str
    literal: Literal


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # "AND" or "OR"
    operands: tuple[Expr, ...]


Expr = Compare | InList | Like | Not | BoolOp


@dataclass(frozen=True, slots=True)
class OrderItem:
    path: str
    descending: bool
    nulls_first: bool


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query; ``fields`` is empty when it selects ``COUNT()``."""

    object_name: str
    fields: tuple[str, ...]
    count: bool
    where: Expr | None
    order: tuple[OrderItem, ...]
    limit: int | None


_KEYWORDS = frozenset(
    {"select", "from", "where", "and", "or", "not", "in", "like", "order", "by", "asc", "desc",
     "nulls", "first", "last", "limit", "true", "false", "null", "count", "offset", "group"}
)  # fmt: skip
_LITERAL_KINDS = frozenset({"STRING", "NUMBER", "DATE", "DATETIME"})


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.token
        self.index += 1
        return token

    def at_keyword(self, *words: str) -> bool:
        return self.token.kind == "IDENT" and self.token.text.lower() in words

    def keyword(self, word: str) -> None:
        if not self.at_keyword(word):
            self.fail(f"expecting '{word.upper()}'")
        self.advance()

    def punct(self, char: str) -> None:
        if self.token.kind != "PUNCT" or self.token.text != char:
            self.fail(f"expecting '{char}'")
        self.advance()

    def fail(self, why: str) -> None:
        found = self.token.text or "end of query"
        raise SoqlError(f"unexpected token: '{found}' at column {self.token.position}: {why}")

    def name(self) -> str:
        token = self.token
        if token.kind != "IDENT" or token.text.lower() in _KEYWORDS:
            self.fail("expecting a field or object name")
        self.advance()
        return token.text

    def query(self) -> Query:
        self.keyword("select")
        count, fields = self.select_list()
        self.keyword("from")
        object_name = self.name()
        if "." in object_name:
            self.fail("expecting an object name")
        where = None
        if self.at_keyword("where"):
            self.advance()
            where = self.expr()
        order: tuple[OrderItem, ...] = ()
        if self.at_keyword("order"):
            self.advance()
            self.keyword("by")
            order = self.order_list()
        limit = self.limit() if self.at_keyword("limit") else None
        if self.token.kind != "EOF":
            self.fail("expecting end of query")
        return Query(object_name, fields, count, where, order, limit)

    def select_list(self) -> tuple[bool, tuple[str, ...]]:
        if self.at_keyword("count") and self.tokens[self.index + 1].text == "(":
            self.advance()
            self.punct("(")
            self.punct(")")
            return True, ()
        fields = [self.name()]
        while self.token.text == ",":
            self.advance()
            fields.append(self.name())
        return False, tuple(fields)

    def expr(self) -> Expr:
        first = self.unary()
        if not self.at_keyword("and", "or"):
            return first
        op = self.token.text.upper()
        operands = [first]
        while self.at_keyword("and", "or"):
            if self.token.text.upper() != op:
                self.fail("mixing AND and OR needs parentheses")
            self.advance()
            operands.append(self.unary())
        return BoolOp(op, tuple(operands))

    def unary(self) -> Expr:
        if self.at_keyword("not"):
            self.advance()
            return Not(self.unary())
        if self.token.text == "(" and self.token.kind == "PUNCT":
            self.advance()
            inner = self.expr()
            self.punct(")")
            return inner
        return self.condition()

    def condition(self) -> Expr:
        path = self.name()
        if self.token.kind == "OP":
            op = self.advance().value
            return Compare(path, op, self.literal())
        negated = self.at_keyword("not")
        if negated:
            self.advance()
        if self.at_keyword("in"):
            self.advance()
            return InList(path, self.literal_list(), negated)
        if self.at_keyword("like") and not negated:
            self.advance()
            literal = self.literal()
            if literal.kind != "STRING":
                self.fail("LIKE needs a string")
            return Like(path, literal)
        self.fail("expecting an operator")
        raise AssertionError  # unreachable: fail raises

    def literal_list(self) -> tuple[Literal, ...]:
        self.punct("(")
        items = [self.literal()]
        while self.token.text == "," and self.token.kind == "PUNCT":
            self.advance()
            items.append(self.literal())
        self.punct(")")
        return tuple(items)

    def literal(self) -> Literal:
        token = self.token
        if token.kind in _LITERAL_KINDS:
            self.advance()
            return Literal(token.kind, token.value, token.like)
        if self.at_keyword("true", "false"):
            self.advance()
            return Literal("BOOLEAN", token.text.lower() == "true")
        if self.at_keyword("null"):
            self.advance()
            return Literal("NULL", None)
        self.fail("expecting a literal value")
        raise AssertionError  # unreachable: fail raises

    def order_list(self) -> tuple[OrderItem, ...]:
        items = [self.order_item()]
        while self.token.text == "," and self.token.kind == "PUNCT":
            self.advance()
            items.append(self.order_item())
        return tuple(items)

    def order_item(self) -> OrderItem:
        path = self.name()
        descending = False
        if self.at_keyword("asc", "desc"):
            descending = self.advance().text.lower() == "desc"
        nulls_first = not descending
        if self.at_keyword("nulls"):
            self.advance()
            if not self.at_keyword("first", "last"):
                self.fail("expecting FIRST or LAST")
            nulls_first = self.advance().text.lower() == "first"
        return OrderItem(path, descending, nulls_first)

    def limit(self) -> int:
        self.advance()
        token = self.token
        if token.kind != "NUMBER" or not isinstance(token.value, int) or token.value < 0:
            self.fail("LIMIT needs a non-negative integer")
        self.advance()
        return int(token.value)


def parse(text: str) -> Query:
    """Parses a query of the supported subset.

    Raises:
        SoqlError: ``MALFORMED_QUERY`` for anything outside the subset.
    """
    return _Parser(text).query()
