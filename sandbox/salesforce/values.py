"""Values between Python (the store) and the wire (JSON, CSV, SOQL literals).

The store keeps Python values (``datetime`` in UTC, ``date``, bool, numbers, str). On
the wire Salesforce writes datetimes as ``2026-11-24T18:10:32.000+0000`` in REST JSON
and ``2026-11-24T18:10:32.000Z`` in Bulk CSV, and accepts ISO 8601 in several
spellings on input; the functions here are the one place those spellings live.

A date field takes ``yyyy-MM-dd`` and nothing else: "Specifying an offset for date is
not supported" (REST API, Valid Date and DateTime Formats), and a time is no date.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.salesforce.schema import FieldDef

DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class BadValue(ValueError):
    """A written value does not fit its field's type."""


def wire_datetime(value: datetime) -> str:
    """``2026-11-24T18:10:32.000+0000``, the REST spelling."""
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}+0000"


def csv_datetime(value: datetime) -> str:
    """``2026-11-24T18:10:32.000Z``, the Bulk API 2.0 spelling."""
    return wire_datetime(value)[:-5] + "Z"


def to_json(value: Any) -> Any:
    """A stored value as REST JSON sends it."""
    if isinstance(value, datetime):
        return wire_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_csv(value: Any) -> str:
    """A stored value as a Bulk 2.0 CSV cell (null is the empty string)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return csv_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def parse_datetime(text: str) -> datetime:
    """Parses ISO 8601 with ``Z``, ``+0000`` or ``+00:00`` offsets (or none: UTC) into UTC.

    Raises:
        BadValue: when the text is not such a datetime.
    """
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    elif len(cleaned) > 5 and cleaned[-5] in "+-" and cleaned[-4:].isdigit():
        cleaned = f"{cleaned[:-2]}:{cleaned[-2:]}"
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError as exc:
        raise BadValue(f"'{text}' is not a valid value for the type xsd:dateTime") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def is_day(value: object) -> bool:
    """Whether ``value`` is a date as Salesforce takes one: the string ``yyyy-MM-dd``."""
    return isinstance(value, str) and DAY.fullmatch(value) is not None


def parse_date(text: str) -> date:
    """``yyyy-MM-dd`` only: a time, an offset or a compact ``yyyyMMdd`` is refused.

    Raises:
        BadValue: when the text is not such a date.
    """
    try:
        if not is_day(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError as exc:
        raise BadValue(f"'{text}' is not a valid value for the type xsd:date") from exc


def _coerce_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    raise BadValue(f"'{value}' is not a valid value for the type xsd:boolean")


def _coerce_number(definition: FieldDef, value: Any) -> int | float:
    if isinstance(value, bool):
        raise BadValue(f"'{value}' is not a valid value for the type xsd:double")
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise BadValue(f"'{value}' is not a valid value for the type xsd:double") from exc
    return int(number) if definition.type == "int" else number


def coerce(definition: FieldDef, value: Any) -> Any:
    """A value from JSON or CSV as the store keeps it for this field.

    Raises:
        BadValue: the value does not fit the field's type or length.
    """
    if value is None:
        return None
    kind = definition.value_class
    if kind == "boolean":
        return _coerce_bool(value)
    if kind == "number":
        return _coerce_number(definition, value)
    if kind == "datetime":
        return value if isinstance(value, datetime) else parse_datetime(str(value))
    if kind == "date":
        if isinstance(value, datetime):
            raise BadValue(f"'{value}' is not a valid value for the type xsd:date")
        return value if isinstance(value, date) else parse_date(str(value))
    text = value if isinstance(value, str) else str(value)
    if len(text) > definition.length:
        raise BadValue(f"data value too large: {text[:20]} (max length={definition.length})")
    return text


def truncate_to_minute(value: datetime) -> datetime:
    """getUpdated / getDeleted ignore seconds: 12:30:15 counts as 12:30:00."""
    return value.replace(second=0, microsecond=0)


def start_of_day(value: datetime) -> datetime:
    return value.replace(hour=0, minute=0, second=0, microsecond=0)


def days_before(value: datetime, days: int) -> datetime:
    return start_of_day(value) - timedelta(days=days)
