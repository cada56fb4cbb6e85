"""SOQL tokenizer: turns query text into a list of typed tokens.

Quoted literals are read character by character with SOQL's escapes, so that whatever
a string literal holds (quotes, ``OR``, backslashes) stays one STRING token and can
never become syntax. Anything the subset does not know is a ``MALFORMED_QUERY``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sandbox.salesforce.values import BadValue, parse_date, parse_datetime

_ESCAPES = {
    "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f",
    '"': '"', "'": "'", "\\": "\\",
}  # fmt: skip
_LIKE_WILDCARDS = {"%": ".*", "_": "."}
_OPERATORS = ("!=", "<>", "<=", ">=", "=", "<", ">")
_PUNCTUATION = "(),"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_IDENT_START = re.compile(r"[A-Za-z_]")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


class SoqlError(Exception):
    """A query Salesforce would refuse; ``code`` is its errorCode (``MALFORMED_QUERY``...)."""

    def __init__(self, message: str, code: str = "MALFORMED_QUERY") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Token:
    """``kind`` is IDENT, STRING, NUMBER, DATE, DATETIME, OP, PUNCT or EOF.

    A STRING also carries ``like``: the regular expression it means as a LIKE pattern,
    where ``%`` and ``_`` are wildcards unless escaped (``\\%``, ``\\_``).
    """

    kind: str
    text: str
    value: Any
    position: int
    like: str | None = None


def tokenize(text: str) -> list[Token]:
    """Splits a SOQL query into tokens, ending with an EOF token.

    Raises:
        SoqlError: an unterminated string, an unknown escape or an unexpected character.
    """
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char.isspace():
            position += 1
        elif char == "'":
            position = _read_string(text, position, tokens)
        elif char in _PUNCTUATION:
            tokens.append(Token("PUNCT", char, char, position))
            position += 1
        elif text.startswith(_OPERATORS, position):
            operator = next(op for op in _OPERATORS if text.startswith(op, position))
            tokens.append(Token("OP", operator, "!=" if operator == "<>" else operator, position))
            position += len(operator)
        else:
            position = _read_word(text, position, tokens)
    tokens.append(Token("EOF", "", None, len(text)))
    return tokens


def _read_string(text: str, start: int, tokens: list[Token]) -> int:
    chars: list[str] = []
    pattern: list[str] = []
    position = start + 1
    while position < len(text):
        char = text[position]
        if char == "'":
            value = "".join(chars)
            raw = text[start : position + 1]
            tokens.append(Token("STRING", raw, value, start, "".join(pattern)))
            return position + 1
        if char == "\\":
            if position + 1 >= len(text):
                break
            escaped = text[position + 1]
            if escaped in _ESCAPES:
                chars.append(_ESCAPES[escaped])
            elif escaped not in _LIKE_WILDCARDS:
                raise SoqlError(f"Invalid string literal: unknown escape \\{escaped}")
            else:
                chars.append(escaped)
            pattern.append(re.escape(chars[-1]))
            position += 2
            continue
        chars.append(char)
        pattern.append(_LIKE_WILDCARDS.get(char) or re.escape(char))
        position += 1
    raise SoqlError(f"unexpected token: unterminated string starting at {start}")


def _read_word(text: str, position: int, tokens: list[Token]) -> int:
    for pattern, kind in ((_DATETIME, "DATETIME"), (_DATE, "DATE")):
        match = pattern.match(text, position)
        if match and not _continues_word(text, match.end()):
            return _literal(tokens, kind, match.group(), position)
    match = _NUMBER.match(text, position)
    if match and not _continues_word(text, match.end()):
        literal = match.group()
        value: float | int = float(literal) if "." in literal else int(literal)
        tokens.append(Token("NUMBER", literal, value, position))
        return match.end()
    if _IDENT_START.match(text, position):
        ident = _IDENT.match(text, position)
        assert ident is not None  # the start character matched
        tokens.append(Token("IDENT", ident.group(), ident.group(), position))
        return ident.end()
    raise SoqlError(f"unexpected token: '{text[position]}' at column {position}")


def _literal(tokens: list[Token], kind: str, literal: str, position: int) -> int:
    try:
        value = parse_datetime(literal) if kind == "DATETIME" else parse_date(literal)
    except BadValue as exc:
        raise SoqlError(f"invalid {kind.lower()} literal: {literal}") from exc
    tokens.append(Token(kind, literal, value, position))
    return position + len(literal)


def _continues_word(text: str, end: int) -> bool:
    return end < len(text) and (text[end].isalnum() or text[end] in "_.:")
