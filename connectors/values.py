"""Strict reading of one platform value, and the skipped record when a value is bad.

A mapping reads every boolean, number and timestamp of a record through these
functions: a value is either taken as exactly what it says or refused with a
:class:`BadValue` naming the field. The connector then leaves that record out of
its page and hands a :class:`~connectors.base.Skip` naming the platform, object and
id instead (:func:`map_each`), so one malformed record is that record's problem and
never the run's. Nothing is guessed: ``"false"`` is false, ``"yes"`` is refused, a
``nan`` score is refused rather than read as a number that compares with nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from connectors.base import Platform, Skip
from connectors.timeparse import TimestampError, parse_date, parse_instant

R = TypeVar("R")
T = TypeVar("T")
BAD_DATE = "bad_date"
BAD_BOOLEAN = "bad_boolean"
BAD_NUMBER = "bad_number"
BAD_RECORD = "bad_record"
_SHOWN = 60  # characters of a refused value kept in a reason


def shown(value: object) -> str:
    """A refused value as a reason quotes it: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


class BadValue(ValueError):
    """One field of a record holds a value that cannot be read as its type."""

    def __init__(self, field: str, kind: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.kind = kind
        self.reason = reason


def strict_bool(value: object, field: str) -> bool:
    """JSON true / false or the strings "true" / "false" (any case); absent is false."""
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise BadValue(field, BAD_BOOLEAN, f"{shown(value)} is not true or false")


def finite_float(value: object, field: str) -> float | None:
    """A finite number (a number or its text); absent is None; nan, inf and junk refused."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadValue(field, BAD_NUMBER, f"{shown(value)} is not a number")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise BadValue(field, BAD_NUMBER, f"{shown(value)} is not a number") from None
    if not math.isfinite(number):
        raise BadValue(field, BAD_NUMBER, f"{shown(value)} is not a finite number")
    return number


def checked_date(field: str, parse: Callable[[Any], T], value: object) -> T:
    """``parse(value)``, its refusal (any ValueError or overflow) as a BadValue of ``field``."""
    try:
        return parse(value)
    except BadValue:
        raise
    except (TimestampError, ValueError, OverflowError, OSError) as exc:
        raise BadValue(field, BAD_DATE, str(exc) or f"{shown(value)} is not a date") from None


def instant(value: object, field: str) -> datetime | None:
    """A timestamp in any form the platforms send (:func:`parse_instant`), or BadValue."""
    return checked_date(field, parse_instant, value)


def day(value: object, field: str) -> date | None:
    """A date-only value (:func:`parse_date`), or BadValue."""
    return checked_date(field, parse_date, value)


def skip_of(platform: Platform, obj: str, record_id: str, error: Exception) -> Skip:
    """The skip that names a record left out because of ``error``."""
    if isinstance(error, BadValue):
        return Skip(platform, obj, record_id, error.field, error.reason, error.kind)
    reason = f"{type(error).__name__}: {error}"[:200]
    return Skip(platform, obj, record_id, None, reason, BAD_RECORD)


def map_each(
    platform: Platform,
    obj: str,
    rows: Iterable[R],
    convert: Callable[[R], Sequence[T]],
    record_id: Callable[[R], str],
) -> tuple[list[T], tuple[Skip, ...]]:
    """Every row's items; a row whose values cannot be read is left out as a Skip.

    Only data errors are caught (a value of the wrong type or out of range, a field the
    record lacks, such as its id): anything else still stops the run, as it should.
    """
    items: list[T] = []
    skips: list[Skip] = []
    for row in rows:
        try:
            items.extend(convert(row))
        except (ValueError, TypeError, ArithmeticError, OSError, LookupError) as exc:
            skips.append(skip_of(platform, obj, _safe_id(record_id, row), exc))
    return items, tuple(skips)


def _safe_id(record_id: Callable[[R], str], row: R) -> str:
    try:
        return record_id(row)
    except (KeyError, TypeError, ValueError):
        return "?"
